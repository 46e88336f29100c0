-- Sweep results (issue 18): one row per sweep run with its document (the request echoed, the base's figures, the
-- frontier and the recommendation) and one row per point, with the figures lists filter on as columns and the
-- point's whole JSON (values, figures per window, totals, or why it was skipped). Written in one transaction when the
-- sweep succeeds; a run that does not succeed keeps none.

CREATE TABLE IF NOT EXISTS sweep_results (
  run_id    VARCHAR NOT NULL,
  document  VARCHAR NOT NULL       -- JSON: sweep, base, frontier, recommendation (points are in sweep_points)
);

CREATE TABLE IF NOT EXISTS sweep_points (
  run_id                        VARCHAR NOT NULL,
  point_index                   BIGINT NOT NULL,
  status                        VARCHAR NOT NULL,   -- evaluated | skipped
  on_frontier                   BOOLEAN NOT NULL,
  bad_debt                      DECIMAL(18, 6),     -- over all windows; NULL for a skipped point
  worst_window_bad_debt         DECIMAL(18, 6),
  initial_margin_per_notional   DECIMAL(18, 8),
  refused_or_earlier_share      DECIMAL(18, 8),
  liquidation_fees              DECIMAL(18, 6),
  point                         VARCHAR NOT NULL    -- JSON of the point
);
