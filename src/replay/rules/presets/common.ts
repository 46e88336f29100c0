// Assumptions shared by presets where venue-rules publishes no number (each preset repeats them in `notes`).
import type { RuleSetInput } from '../schema.ts'

/**
 * Square-root market impact of liquidation flow [issue 16]: after Q of liquidations on one side, the price has moved
 * k·σ·√(Q/V) (σ², V: variance and quote volume per second over the last minute); the book refills with a 60 s
 * half-life; stress feedback decays with a 5 min half-life; one fill pays at most 25%. k is calibrated in
 * ARCHITECTURE.md ("Calibration") against the incident figures of venue-rules §2.
 */
export const DEFAULT_IMPACT: NonNullable<RuleSetInput['execution']['impact']> = {
  model: 'squareRoot',
  coefficient: 5,
  maxFraction: 0.25,
  volumeWindowS: 60,
  replenishHalfLifeS: 60,
  feedbackHalfLifeS: 300,
}

export const IMPACT_NOTE =
  'execution.impact is a model (square-root law on the last minute of observed volume and volatility, k calibrated on the incidents of venue-rules §2, depth refilling with a 60 s half-life), not a venue number'

export const INTRABAR_NOTE =
  'execution.intrabar: a liquidation fills along the bar path open → nearer extreme → farther extreme → close, at the worst price reached within reactionS of the crossing (one mark update); reactionS is an assumption'
