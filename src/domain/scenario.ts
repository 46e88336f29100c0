// Ground truth of a generated market scenario: what was planted, where and when, so detectors can be scored on it.
import type { DetectorId } from './detection.ts'

/** Generated scenarios always live under this venue, never mixed with real venues' data. */
export const SCENARIO_VENUE = 'synthetic'

export interface ScenarioTruth {
  /** Scenario name, e.g. "mango-self-trade-pump"; markets are named after it. */
  scenario: string
  seed: number
  venue: typeof SCENARIO_VENUE
  markets: string[]
  /** Detectors that must fire on this scenario inside the attack window; empty for calm controls. */
  patterns: DetectorId[]
  /** Detectors whose pattern is a documented signal of the incident: may fire in the attack window, not required. */
  secondaryPatterns?: DetectorId[]
  /** Accounts that took part in the attack (empty when the pattern has no accounts, e.g. a market-wide cascade). */
  accounts: string[]
  /** The planted attack's window (UTC); for calm controls, the whole generated window. */
  attackFrom: Date
  attackTo: Date
  /** The whole generated window (UTC). */
  from: Date
  to: Date
}

/**
 * The planted attack's window, or null for a calm control: it plants none, and the attack window its truth holds is
 * only the whole generated window again (what a reader of the API or the CLI should not take for an attack).
 */
export function attackWindowOf(
  truth: Pick<ScenarioTruth, 'patterns' | 'attackFrom' | 'attackTo'>,
): { from: Date; to: Date } | null {
  return truth.patterns.length ? { from: truth.attackFrom, to: truth.attackTo } : null
}
