-- Per-hour rollups of bars and reference prices (issue 14), on top of the per-minute ones (0450): a series at HOUR or
-- DAY reads one row per hour for the whole hours of its range (a 30-day hourly series: 720 rows per series instead of
-- 43 200). Same columns and aggregation as 0450, computed from a partition's minute rows in the transaction that
-- writes them (src/store/series/minuteRollups.ts) and deleted with them. Stores migrated here are filled from 0450.

CREATE TABLE IF NOT EXISTS bar_hours (
  venue        VARCHAR NOT NULL,
  market       VARCHAR NOT NULL,
  hour         TIMESTAMP NOT NULL,   -- time_bucket(1 hour, ts), epoch-aligned
  interval_s   INTEGER NOT NULL,
  source       VARCHAR NOT NULL,
  open_ts      TIMESTAMP NOT NULL,
  open         DOUBLE NOT NULL,
  high         DOUBLE NOT NULL,
  low          DOUBLE NOT NULL,
  close_ts     TIMESTAMP NOT NULL,
  close        DOUBLE NOT NULL,
  volume       DOUBLE,
  quote_volume DOUBLE,
  trades       HUGEINT,
  partition_id VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS price_hours (
  venue        VARCHAR NOT NULL,
  market       VARCHAR NOT NULL,
  hour         TIMESTAMP NOT NULL,
  kind         VARCHAR NOT NULL,
  source       VARCHAR NOT NULL,
  ts           TIMESTAMP NOT NULL,
  price        DOUBLE NOT NULL,
  partition_id VARCHAR NOT NULL
);

INSERT INTO bar_hours
  SELECT venue, market, time_bucket(INTERVAL 3600 SECOND, minute, TIMESTAMP '1970-01-01 00:00:00') AS hour, interval_s,
         source, min(open_ts), arg_min(open, open_ts), max(high), min(low), max(close_ts), arg_max(close, close_ts),
         sum(volume), sum(quote_volume), sum(trades), partition_id
    FROM bar_minutes
   GROUP BY partition_id, venue, market, hour, interval_s, source;

INSERT INTO price_hours
  SELECT venue, market, time_bucket(INTERVAL 3600 SECOND, minute, TIMESTAMP '1970-01-01 00:00:00') AS hour, kind, source,
         max(ts), arg_max(price, ts), partition_id
    FROM price_minutes
   GROUP BY partition_id, venue, market, hour, kind, source;
