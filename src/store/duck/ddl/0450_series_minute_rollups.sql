-- Per-minute rollups of bars and reference prices (issue 14), so a series at MINUTE, HOUR or DAY reads one row per
-- minute instead of every 1 s bar and tick (a 30-day hourly series: 43 k rows per table instead of millions).
-- Written per partition in the same transaction as the partition's rows (src/store/series/minuteRollups.ts), deleted
-- with them, so a rollup never outlives, duplicates or misses its partition. One row per (partition, venue, market,
-- series, minute): what re-aggregating gives exactly what the raw rows give (first / last by time, max, min, sums).
-- Stores loaded before this version are filled here from their rows, with the same aggregation.

CREATE TABLE IF NOT EXISTS bar_minutes (
  venue        VARCHAR NOT NULL,
  market       VARCHAR NOT NULL,
  minute       TIMESTAMP NOT NULL,   -- time_bucket(1 minute, ts), epoch-aligned
  interval_s   INTEGER NOT NULL,
  source       VARCHAR NOT NULL,
  open_ts      TIMESTAMP NOT NULL,   -- the first bar's ts, and its open
  open         DOUBLE NOT NULL,
  high         DOUBLE NOT NULL,
  low          DOUBLE NOT NULL,
  close_ts     TIMESTAMP NOT NULL,   -- the last bar's ts, and its close
  close        DOUBLE NOT NULL,
  volume       DOUBLE,
  quote_volume DOUBLE,
  trades       HUGEINT,
  partition_id VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS price_minutes (
  venue        VARCHAR NOT NULL,
  market       VARCHAR NOT NULL,
  minute       TIMESTAMP NOT NULL,
  kind         VARCHAR NOT NULL,     -- mark | index | oracle | last (the kinds series show)
  source       VARCHAR NOT NULL,
  ts           TIMESTAMP NOT NULL,   -- the last tick's ts in the minute, and its price
  price        DOUBLE NOT NULL,
  partition_id VARCHAR NOT NULL
);

INSERT INTO bar_minutes
  SELECT venue, market, time_bucket(INTERVAL 60 SECOND, ts, TIMESTAMP '1970-01-01 00:00:00') AS minute, interval_s,
         source, min(ts), arg_min(open, ts), max(high), min(low), max(ts), arg_max(close, ts), sum(volume),
         sum(quote_volume), sum(trades), partition_id
    FROM bars
   GROUP BY partition_id, venue, market, minute, interval_s, source;

INSERT INTO price_minutes
  SELECT venue, market, time_bucket(INTERVAL 60 SECOND, ts, TIMESTAMP '1970-01-01 00:00:00') AS minute, kind, source,
         max(ts), arg_max(price, ts), partition_id
    FROM prices
   WHERE kind IN ('mark', 'index', 'oracle', 'last')
   GROUP BY partition_id, venue, market, minute, kind, source;
