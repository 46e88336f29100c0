// What a scenario generator is: a name, the incident it is modelled on, the detectors its attack must trigger, and a
// deterministic function of the seed that writes every table and says where the attack is.
import type { DetectorId } from '../../domain/detection.ts'
import { Accounts } from './accounts.ts'
import { ScenarioTables } from './output.ts'
import { Rng } from './random.ts'

export interface ScenarioContext {
  readonly name: string
  readonly seed: number
  readonly tables: ScenarioTables
  readonly accounts: Accounts
  /** An independent random stream per label: changing one part of a generator leaves the others' draws alone. */
  rng(label: string): Rng
}

/** Attack parameters drawn for one seed, reported so a reader (or a test) can see what was planted. */
export type AttackDetails = Record<string, string | number | boolean | readonly string[]>

export interface Generated {
  /** The generated window: every row lies in [from, to). */
  from: Date
  to: Date
  markets: string[]
  /** Accounts that took part in the attack (empty for calm controls and market-wide events). */
  accounts: string[]
  attackFrom: Date
  attackTo: Date
  details: AttackDetails
}

export interface ScenarioDefinition {
  name: string
  /** One line: what the generated market shows. */
  description: string
  /** The documented incident it is modelled on, with the published figures it uses. */
  incident: string
  /** Detectors that must fire inside the attack window; empty for calm controls. */
  patterns: DetectorId[]
  /**
   * Detectors whose pattern is a documented data signal of the incident (venue-rules §2.1) beside the ones it must
   * trigger: they may fire inside the attack window (not a false positive) but are not required (not a miss).
   */
  secondaryPatterns?: DetectorId[]
  /** Markets it writes (fixed names: a second seed replaces the first). */
  markets: string[]
  generate(ctx: ScenarioContext): Generated
}

export function createContext(name: string, seed: number): ScenarioContext {
  return {
    name,
    seed,
    tables: new ScenarioTables(),
    accounts: new Accounts(),
    rng: (label) => Rng.stream(seed, `${name}/${label}`),
  }
}

export const HOUR = 3_600_000
export const MINUTE = 60_000
export const DAY = 86_400_000
