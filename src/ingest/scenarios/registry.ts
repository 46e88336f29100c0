// Every scenario generator, by name, with the incident it is modelled on.
import { InvalidInputError } from '../../errors.ts'
import { calmHighVolume } from './calmHighVolume.ts'
import { calmTrend } from './calmTrend.ts'
import { calmVolatile } from './calmVolatile.ts'
import { cascadeCrash } from './cascadeCrash.ts'
import type { ScenarioDefinition } from './definition.ts'
import { ethWhaleWithdrawal } from './ethWhaleWithdrawal.ts'
import { fundingSqueeze } from './fundingSqueeze.ts'
import { gmxOraclePush } from './gmxOraclePush.ts'
import { jellySelfTradeTakeover } from './jellySelfTradeTakeover.ts'
import { mangoSelfTradePump } from './mangoSelfTradePump.ts'
import { oracleFrontRun } from './oracleFrontRun.ts'
import { xplMarkSweep } from './xplMarkSweep.ts'
import { yfiOiGrowth } from './yfiOiGrowth.ts'

export const SCENARIOS: readonly ScenarioDefinition[] = [
  mangoSelfTradePump,
  jellySelfTradeTakeover,
  ethWhaleWithdrawal,
  xplMarkSweep,
  yfiOiGrowth,
  cascadeCrash,
  gmxOraclePush,
  fundingSqueeze,
  oracleFrontRun,
  calmTrend,
  calmVolatile,
  calmHighVolume,
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
