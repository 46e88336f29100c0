-- Upstream files that changed after they were loaded (Binance replaces archived zips now and then): one row per
-- reload that found a different checksum, written in the reload's transaction.
--
-- This replaces the previous_checksum / checksum_changed_at columns 0100 added to partitions: extra columns broke
-- code that inserts manifest rows positionally (as 0001 defines them), so they move here and partitions gets its
-- 0001 shape back.
CREATE TABLE IF NOT EXISTS partition_changes (
  partition_id      VARCHAR NOT NULL,
  previous_checksum VARCHAR NOT NULL,   -- checksum of the file loaded before
  checksum          VARCHAR NOT NULL,   -- checksum of the file that replaced it
  detected_at       TIMESTAMP NOT NULL,
  job_run_id        VARCHAR
);

INSERT INTO partition_changes
SELECT partition_id, previous_checksum, checksum, coalesce(checksum_changed_at, loaded_at), job_run_id
  FROM partitions
 WHERE previous_checksum IS NOT NULL AND checksum IS NOT NULL;

ALTER TABLE partitions DROP COLUMN previous_checksum;
ALTER TABLE partitions DROP COLUMN checksum_changed_at;
