// Every scenario generator, by name, with the incident it is modelled on.
import { InvalidInputError } from '../../errors.ts'
import { calmTrend } from './calmTrend.ts'
import { cascadeCrash } from './cascadeCrash.ts'
import type { ScenarioDefinition } from './definition.ts'
import { jellySelfTradeTakeover } from './jellySelfTradeTakeover.ts'
import { mangoSelfTradePump } from './mangoSelfTradePump.ts'

export const SCENARIOS: readonly ScenarioDefinition[] = [
  mangoSelfTradePump,
  jellySelfTradeTakeover,
  cascadeCrash,
  calmTrend,
]

export const scenarioNames = (): string[] => SCENARIOS.map((s) => s.name)

/** The generator called `name`; an unknown name is an input error listing the valid ones. */
export function scenarioByName(name: string): ScenarioDefinition {
  const found = SCENARIOS.find((s) => s.name === name)
  if (!found) {
    throw new InvalidInputError('unknown scenario', [
      { path: 'scenario', received: name, expected: `one of ${scenarioNames().join(', ')}` },
    ])
  }
  return found
}
