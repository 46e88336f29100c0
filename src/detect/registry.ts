// Every detector Backstop ships, by id (the ids and their order come from src/domain/detection.ts).
import { DETECTOR_IDS, type DetectorId } from '../domain/detection.ts'
import type { Detector } from './detector.ts'
import { fundingManipulation } from './fundingManipulation.ts'
import { liquidationCascade } from './liquidationCascade.ts'
import { oiConcentration } from './oiConcentration.ts'
import { oracleDeviation } from './oracleDeviation.ts'
import { oracleFrontRunning } from './oracleFrontRunning.ts'
import { selfTrading } from './selfTrading.ts'
import { thinMarketPush } from './thinMarketPush.ts'
import { withdrawalToMaintenance } from './withdrawalToMaintenance.ts'

const all = [
  oracleDeviation,
  thinMarketPush,
  selfTrading,
  oiConcentration,
  liquidationCascade,
  fundingManipulation,
  oracleFrontRunning,
  withdrawalToMaintenance,
] as Array<Detector<never>>

export const detectors: ReadonlyMap<DetectorId, Detector<never>> = new Map(
  DETECTOR_IDS.filter((id) => all.some((d) => d.id === id)).map((id) => [id, all.find((d) => d.id === id)!]),
)

export const detectorIds = (): DetectorId[] => [...detectors.keys()]
