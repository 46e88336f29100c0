-- Attack-pattern detections and the incidents built from them (src/detect, src/incidents).
--
-- detections: one row per pattern a detector found in a (venue, market, window), over stored market data alone
-- (run_id NULL) or over a backtest run's outputs (run_id = BacktestRun.id).
--   * A detector run owns the rows of its scope: same detector, venue, market, run_id and params_hash, with a
--     detection window starting inside the requested [scope_from, scope_to). Re-running it deletes that scope and
--     inserts the new rows in one transaction, so a re-run replaces its rows and never duplicates them.
--   * id is deterministic (sha256 of the scope and the detection's own window and accounts), so the same data and
--     parameters give the same ids.
--   * evidence is JSON: the statistic, its threshold, and the contributing trades / fills / prices / ledger rows by
--     id or time. Estimated attacker cost and profit are exact decimals in the quote currency (micro-units), NULL
--     when the detector does not estimate them.
CREATE TABLE IF NOT EXISTS detections (
  id                     VARCHAR PRIMARY KEY,
  detector               VARCHAR NOT NULL,
  detector_version       VARCHAR NOT NULL,
  venue                  VARCHAR NOT NULL,
  market                 VARCHAR NOT NULL,
  window_from            TIMESTAMP NOT NULL,
  window_to              TIMESTAMP NOT NULL,
  accounts               VARCHAR[] NOT NULL,
  score                  DOUBLE NOT NULL,
  severity               VARCHAR NOT NULL,      -- info | warning | critical
  evidence               JSON NOT NULL,
  estimated_cost_quote   DECIMAL(38, 6),
  estimated_profit_quote DECIMAL(38, 6),
  run_id                 VARCHAR,
  params_hash            VARCHAR NOT NULL,      -- sha256 of the detector's parsed parameters (canonical JSON)
  scope_from             TIMESTAMP NOT NULL,    -- the window the detector was asked to scan
  scope_to               TIMESTAMP NOT NULL,
  created_at             TIMESTAMP NOT NULL
);

-- incidents: deficits, liquidation bursts, guardrail triggers and detections that overlap in time (within a gap)
-- and concern the same market or linked accounts, grouped. Rebuilt deterministically from their members per scope
-- (venue, run_id): the id is a hash of the member refs, and a rebuild replaces the scope's rows in one transaction.
CREATE TABLE IF NOT EXISTS incidents (
  id                    VARCHAR PRIMARY KEY,
  venue                 VARCHAR NOT NULL,
  run_id                VARCHAR,               -- NULL: built from market-data detections alone
  markets               VARCHAR[] NOT NULL,
  window_from           TIMESTAMP NOT NULL,
  window_to             TIMESTAMP NOT NULL,
  severity              VARCHAR NOT NULL,
  title                 VARCHAR NOT NULL,
  total_deficit         DECIMAL(38, 6) NOT NULL, -- Σ shortfall of the run's deficits in the incident
  insurance_fund_impact DECIMAL(38, 6) NOT NULL, -- − Σ what the insurance fund covered (a payout is negative)
  adl_count             BIGINT NOT NULL,         -- ADL fills (run) or observed ADL rows (market data)
  accounts              VARCHAR[] NOT NULL,
  detections            INTEGER NOT NULL,        -- member detections
  members               INTEGER NOT NULL,
  gap_seconds           INTEGER NOT NULL,        -- the grouping gap the incident was built with
  created_at            TIMESTAMP NOT NULL
);

-- The timeline of an incident: its members in time order, each with its kind and figures.
CREATE TABLE IF NOT EXISTS incident_members (
  incident_id VARCHAR NOT NULL,
  seq         INTEGER NOT NULL,                -- position in the timeline (time, then kind, then ref)
  kind        VARCHAR NOT NULL,                -- detection | deficit | guardrail
  ref         VARCHAR NOT NULL,                -- detection id, or run table and seq range of the grouped rows
  ts_from     TIMESTAMP NOT NULL,
  ts_to       TIMESTAMP NOT NULL,
  market      VARCHAR,
  accounts    VARCHAR[] NOT NULL,
  severity    VARCHAR NOT NULL,
  summary     VARCHAR NOT NULL,                -- one line, e.g. "self-trading: 2 linked accounts, 18.4 M notional"
  figures     JSON NOT NULL,
  PRIMARY KEY (incident_id, seq)
);
