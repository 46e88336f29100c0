// Loaded copies of library scenarios: read from their truth rows in DuckDB (the library itself is the CLI's).
import type { QueryResolvers } from '../generated/resolvers-types.ts'
import { readScenarioTruth } from '../../store/scenarios/scenarioTruth.ts'

export const loadedScenarios: QueryResolvers['loadedScenarios'] = async (_p, _a, { runtime }) =>
  (await readScenarioTruth(runtime.duck)).map((r) => ({
    name: r.scenario,
    seed: r.seed,
    rows: r.rows,
    dataHash: r.dataHash,
  }))
