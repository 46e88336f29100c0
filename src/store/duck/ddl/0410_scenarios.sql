-- Ground truth of generated scenarios (src/ingest/scenarios): which detectors must fire, which accounts attacked, and
-- when, for each loaded (scenario, seed). Written after all of the copy's partitions are loaded (source 'scenario',
-- period '<scenario>@<seed>'), and deleted with them, so a truth row exists only for a complete copy.
--
-- Market names carry no seed, so one scenario holds one seed at a time: loading another seed replaces the copy.

CREATE TABLE IF NOT EXISTS scenario_truth (
  scenario      VARCHAR NOT NULL,
  seed          BIGINT NOT NULL,
  venue         VARCHAR NOT NULL,      -- always 'synthetic'
  markets       VARCHAR[] NOT NULL,
  patterns      VARCHAR[] NOT NULL,    -- detector ids (src/domain/detection.ts) that must fire; empty for controls
  accounts      VARCHAR[] NOT NULL,    -- accounts that took part in the attack
  attack_from   TIMESTAMP NOT NULL,    -- UTC; the whole window for controls
  attack_to     TIMESTAMP NOT NULL,
  from_ts       TIMESTAMP NOT NULL,    -- every generated row lies in [from_ts, to_ts)
  to_ts         TIMESTAMP NOT NULL,
  details       VARCHAR NOT NULL,      -- JSON object: the attack parameters drawn for this seed
  data_hash     VARCHAR NOT NULL,      -- sha256 over every generated file: same seed and generator, same hash
  partition_ids VARCHAR[] NOT NULL,
  rows          BIGINT NOT NULL,
  PRIMARY KEY (scenario, seed)
);
