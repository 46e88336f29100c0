-- A scenario's documented secondary patterns (src/ingest/scenarios/definition.ts `secondaryPatterns`): detectors whose
-- pattern is a data signal of the incident it models (venue-rules §2.1: Mango → oi-concentration), which may fire in
-- its attack window without being required. Copies loaded before this version hold an empty list until reloaded.

ALTER TABLE scenario_truth ADD COLUMN secondary_patterns VARCHAR[] DEFAULT [];
