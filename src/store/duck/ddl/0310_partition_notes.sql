-- What the manifest's status and checksum cannot say about a partition (issue 11), one row per partition at most,
-- written in the transaction that writes its manifest row:
--   empty-at-source  status 'missing': the source has the file, but it holds no data row (empty, a header, blank
--                    lines). A partition recorded missing without a note had no file at all (missing-at-source).
--   unverified       status 'loaded': the source publishes a checksum beside its files (Binance's .CHECKSUM) but had
--                    none for this one, and the load was allowed without it (--allow-unverified). The manifest's
--                    checksum is then the sha256 of the bytes downloaded, which nothing vouches for.
CREATE TABLE partition_notes (
  partition_id VARCHAR PRIMARY KEY,
  note         VARCHAR NOT NULL
);
