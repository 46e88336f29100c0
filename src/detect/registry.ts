// Every detector Backstop ships, by id (the ids and their order come from src/domain/detection.ts). The registry is
// checked when it is built: a detector missing a field, with an id outside DETECTOR_IDS, a duplicate, or an id
// without its detector stops the process at start with every problem named (docs/ADDING_A_DETECTOR.md).
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

/** What is wrong with one detector definition (empty: nothing). */
export function detectorProblems(d: unknown, knownIds: readonly string[] = DETECTOR_IDS): string[] {
  if (typeof d !== 'object' || d === null) return [`a detector must be an object, got ${String(d)}`]
  const x = d as Record<string, unknown>
  const name = typeof x.id === 'string' ? x.id : '(no id)'
  const problems: string[] = []
  if (typeof x.id !== 'string' || !knownIds.includes(x.id))
    problems.push(`${name}: id must be one of DETECTOR_IDS (src/domain/detection.ts): ${knownIds.join(', ')}`)
  if (typeof x.version !== 'string' || !/^\d+\.\d+\.\d+$/.test(x.version))
    problems.push(`${name}: version must be semantic (1.0.0), got ${JSON.stringify(x.version)}`)
  if (typeof x.label !== 'string' || !x.label.trim())
    problems.push(`${name}: label (used in incident titles) must be non-empty text`)
  if (typeof x.usesRunOutputs !== 'boolean') problems.push(`${name}: usesRunOutputs must be true or false`)
  for (const f of ['requirements', 'detect'] as const)
    if (typeof x[f] !== 'function') problems.push(`${name}: ${f} must be a function`)
  if (x.checkParams !== undefined && typeof x.checkParams !== 'function')
    problems.push(`${name}: checkParams, when given, must be a function`)
  const params = x.params as { safeParse?: (v: unknown) => { success: boolean } } | undefined
  if (typeof params?.safeParse !== 'function') problems.push(`${name}: params must be a zod schema`)
  else if (!params.safeParse({}).success)
    problems.push(`${name}: params must parse {} (every parameter needs a documented default)`)
  return problems
}

/** The registry of `list`, in the order of `knownIds`; throws naming every problem (every id needs its detector). */
export function buildRegistry<Id extends string>(
  list: ReadonlyArray<Detector<never>>,
  knownIds: readonly Id[],
): ReadonlyMap<Id, Detector<never>> {
  const problems = list.flatMap((d) => detectorProblems(d, knownIds))
  const seen = new Set<string>()
  for (const d of list) {
    if (seen.has(d.id)) problems.push(`${d.id}: registered twice`)
    seen.add(d.id)
  }
  for (const id of knownIds) if (!seen.has(id)) problems.push(`${id}: listed in DETECTOR_IDS but not registered`)
  if (problems.length) throw new Error(`invalid detector registry:\n  ${problems.join('\n  ')}`)
  return new Map(knownIds.map((id) => [id, list.find((d) => d.id === id)!]))
}

export const detectors: ReadonlyMap<DetectorId, Detector<never>> = buildRegistry(all, DETECTOR_IDS)

export const detectorIds = (): DetectorId[] => [...detectors.keys()]
