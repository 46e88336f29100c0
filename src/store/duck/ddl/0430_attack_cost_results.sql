-- Cost-of-attack results (issue 18): one row per attackCost run that succeeded, with the figures lists need as
-- columns and the whole document (the attack as run, the liquidity measured, the cost, the profit there, the plan
-- and every search step). Written once the run succeeds; a run that does not succeed keeps none.

CREATE TABLE IF NOT EXISTS attack_cost_results (
  run_id          VARCHAR NOT NULL,
  pattern         VARCHAR NOT NULL,
  venue           VARCHAR NOT NULL,
  market          VARCHAR NOT NULL,
  cost_of_attack  DECIMAL(18, 6),      -- NULL when no capital up to the bound broke the rule set
  profit_at_cost  DECIMAL(18, 6),
  document        VARCHAR NOT NULL     -- JSON of the document
);
