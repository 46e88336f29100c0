// Every detector Backstop ships, by id (the ids and their order come from src/domain/detection.ts).
import { DETECTOR_IDS, type DetectorId } from '../domain/detection.ts'
import type { Detector } from './detector.ts'
import { liquidationCascade } from './liquidationCascade.ts'
import { oracleDeviation } from './oracleDeviation.ts'

const all = [oracleDeviation, liquidationCascade] as Array<Detector<never>>

export const detectors: ReadonlyMap<DetectorId, Detector<never>> = new Map(
  DETECTOR_IDS.filter((id) => all.some((d) => d.id === id)).map((id) => [id, all.find((d) => d.id === id)!]),
)

export const detectorIds = (): DetectorId[] => [...detectors.keys()]
