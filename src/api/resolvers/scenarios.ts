// Loaded copies of library scenarios: read from their truth rows in DuckDB (the library itself is the CLI's).
import type { QueryResolvers } from '../generated/resolvers-types.ts'
import { attackWindowOf } from '../../domain/scenario.ts'
import { readScenarioTruth } from '../../store/scenarios/scenarioTruth.ts'

export const loadedScenarios: QueryResolvers['loadedScenarios'] = async (_p, _a, { runtime }) =>
  (await readScenarioTruth(runtime.duck)).map((r) => ({
    name: r.scenario,
    seed: r.seed,
    rows: r.rows,
    dataHash: r.dataHash,
    venue: r.venue,
    markets: r.markets,
    window: { from: r.from, to: r.to },
    attackWindow: attackWindowOf(r),
    patterns: r.patterns,
    secondaryPatterns: r.secondaryPatterns ?? [],
    accounts: r.accounts,
    partitions: r.partitionIds,
    details: r.details,
  }))
