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

-- When a reload finds that the upstream file changed (e.g. Binance replaced an archived zip), the checksum it
-- replaced and when; NULL when the partition was never replaced by a different file.
ALTER TABLE partitions ADD COLUMN previous_checksum VARCHAR;
ALTER TABLE partitions ADD COLUMN checksum_changed_at TIMESTAMP;
