-- Ingestion bookkeeping beside the partition manifest of 0001.
--
-- partition_gaps: holes found inside a loaded partition at load time (a 1m kline file missing minutes, a metrics
-- file missing 5-minute rows, a funding interval with no settlement), written in the same transaction as the
-- partition's rows, so coverage reports missing minutes as well as missing days.
CREATE TABLE IF NOT EXISTS partition_gaps (
  partition_id VARCHAR NOT NULL,
  table_name   VARCHAR NOT NULL,
  gap_from     TIMESTAMP NOT NULL,    -- first expected timestamp with no row
  gap_to       TIMESTAMP NOT NULL,    -- exclusive: the next row present, or the end of the period
  missing      BIGINT NOT NULL,       -- expected rows that are absent
  step_s       INTEGER NOT NULL       -- the cadence the hole was measured against, in seconds
);

-- Upstream files that changed after they were loaded (Binance replaces archived zips now and then): one row per
-- reload that found a different checksum, written with the reload. A separate table rather than new columns on
-- partitions, so code that inserts manifest rows positionally keeps working.
CREATE TABLE IF NOT EXISTS partition_changes (
  partition_id      VARCHAR NOT NULL,
  previous_checksum VARCHAR NOT NULL,   -- checksum of the file loaded before
  checksum          VARCHAR NOT NULL,   -- checksum of the file that replaced it
  detected_at       TIMESTAMP NOT NULL,
  job_run_id        VARCHAR
);
