-- Per-hour rollups of a backtest run's outputs (issue 14), so a run series at HOUR or DAY reads one row per hour
-- instead of every liquidation, deficit and fund movement (a run with 1 M liquidations and 1 M fund movements over
-- 30 days: 720 rows per table instead of millions). Written once a run's last result batch is committed, before the
-- run is recorded as succeeded (src/store/series/runSeriesRollups.ts), in one transaction with the marker row, and
-- deleted with the run's results. A run without a marker is read from its raw rows: the reader never trusts rollups
-- that were not written whole. Sums are DECIMAL and the balance is the last by seq, so re-aggregating gives exactly
-- what the raw rows give. Runs stored before this version are filled here from their rows, with the same aggregation.

CREATE TABLE IF NOT EXISTS run_series_hours (
  run_id       VARCHAR NOT NULL,
  hour         TIMESTAMP NOT NULL,      -- time_bucket(1 hour, ts), epoch-aligned
  liquidations BIGINT NOT NULL,
  notional     DECIMAL(38, 6) NOT NULL, -- sum over the hour's liquidations
  deficits     BIGINT NOT NULL,
  shortfall    DECIMAL(38, 6) NOT NULL, -- sums over the hour's deficits
  uncovered    DECIMAL(38, 6) NOT NULL
);

CREATE TABLE IF NOT EXISTS run_fund_hours (
  run_id   VARCHAR NOT NULL,
  fund     VARCHAR NOT NULL,
  hour     TIMESTAMP NOT NULL,
  last_seq BIGINT NOT NULL,             -- the hour's last movement of the fund (by seq), and its balance
  balance  DECIMAL(38, 6) NOT NULL
);

-- runs whose rollups are written (whole: the marker is inserted in the same transaction as the rows)
CREATE TABLE IF NOT EXISTS run_series_rolled (
  run_id VARCHAR NOT NULL PRIMARY KEY
);

INSERT INTO run_series_hours
  SELECT run_id, hour, coalesce(l.n, 0), coalesce(l.notional, 0), coalesce(d.n, 0), coalesce(d.shortfall, 0),
         coalesce(d.uncovered, 0)
    FROM (SELECT run_id, time_bucket(INTERVAL 3600 SECOND, ts, TIMESTAMP '1970-01-01 00:00:00') AS hour,
                 count(*) AS n, sum(notional) AS notional
            FROM backtest_liquidations GROUP BY ALL) l
    FULL JOIN (SELECT run_id, time_bucket(INTERVAL 3600 SECOND, ts, TIMESTAMP '1970-01-01 00:00:00') AS hour,
                      count(*) AS n, sum(shortfall) AS shortfall, sum(uncovered) AS uncovered
                 FROM backtest_deficits GROUP BY ALL) d USING (run_id, hour);

INSERT INTO run_fund_hours
  SELECT run_id, fund, time_bucket(INTERVAL 3600 SECOND, ts, TIMESTAMP '1970-01-01 00:00:00') AS hour, max(seq),
         arg_max(balance, seq)
    FROM backtest_fund_series GROUP BY ALL;

INSERT INTO run_series_rolled
  SELECT run_id FROM backtest_liquidations
  UNION SELECT run_id FROM backtest_deficits
  UNION SELECT run_id FROM backtest_fund_series;
