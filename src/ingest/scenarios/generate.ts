// Runs one generator for a seed, in memory: the tables, the ground truth and a fingerprint of everything generated.
import { SCENARIO_VENUE, type ScenarioTruth } from '../../domain/scenario.ts'
import { createContext, type AttackDetails, type ScenarioContext, type ScenarioDefinition } from './definition.ts'
import { tablesHash } from './output.ts'
import { scenarioByName } from './registry.ts'

export interface GeneratedScenario {
  definition: ScenarioDefinition
  context: ScenarioContext
  truth: ScenarioTruth
  details: AttackDetails
  /** sha256 over every generated table (same name, seed and generator code → same hash). */
  dataHash: string
}

/** The largest seed: generators seed 32-bit streams. */
export const MAX_SEED = 0xffff_ffff

export function generateScenario(name: string, seed: number): GeneratedScenario {
  const definition = scenarioByName(name)
  const context = createContext(definition.name, seed)
  const g = definition.generate(context)
  const truth: ScenarioTruth = {
    scenario: definition.name,
    seed,
    venue: SCENARIO_VENUE,
    markets: g.markets,
    patterns: [...definition.patterns],
    secondaryPatterns: [...(definition.secondaryPatterns ?? [])],
    accounts: g.accounts,
    attackFrom: g.attackFrom,
    attackTo: g.attackTo,
    from: g.from,
    to: g.to,
  }
  return { definition, context, truth, details: g.details, dataHash: tablesHash(context.tables) }
}
