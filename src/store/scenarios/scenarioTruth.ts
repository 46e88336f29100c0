// Ground truth of loaded scenarios (DDL 0410, secondary patterns 0470): one row per loaded (scenario, seed), written after its partitions.
import type { DuckDBConnection } from '@duckdb/node-api'
import { isDetectorId, type DetectorId } from '../../domain/detection.ts'
import { SCENARIO_VENUE, type ScenarioTruth } from '../../domain/scenario.ts'
import type { DuckStore } from '../duck/open.ts'

/** The truth of one loaded copy, with what the loader recorded about it. */
export interface ScenarioRecord extends ScenarioTruth {
  /** Attack parameters drawn for this seed (pump factor, sizes, start offsets, …). */
  details: Record<string, unknown>
  /** sha256 over every generated file of the copy. */
  dataHash: string
  partitionIds: string[]
  rows: number
}

// Lists cross as JSON text (an empty bound list has no element type in the node bindings).
const us = (d: Date): bigint => BigInt(d.getTime()) * 1000n

/** Inserts (or replaces) the truth row of a (scenario, seed). */
export async function writeScenarioTruth(c: DuckDBConnection, r: ScenarioRecord): Promise<void> {
  await c.run(
    `INSERT OR REPLACE INTO scenario_truth (scenario, seed, venue, markets, patterns, accounts, attack_from, attack_to,
            from_ts, to_ts, details, data_hash, partition_ids, rows, secondary_patterns)
     VALUES ($1, $2::BIGINT, $3, from_json($4, '["VARCHAR"]'), from_json($5, '["VARCHAR"]'), from_json($6, '["VARCHAR"]'), make_timestamp($7::BIGINT),
             make_timestamp($8::BIGINT), make_timestamp($9::BIGINT), make_timestamp($10::BIGINT), $11, $12,
             from_json($13, '["VARCHAR"]'), $14::BIGINT, from_json($15, '["VARCHAR"]'))`,
    [
      r.scenario,
      BigInt(r.seed),
      r.venue,
      JSON.stringify(r.markets),
      JSON.stringify(r.patterns),
      JSON.stringify(r.accounts),
      us(r.attackFrom),
      us(r.attackTo),
      us(r.from),
      us(r.to),
      JSON.stringify(r.details),
      r.dataHash,
      JSON.stringify(r.partitionIds),
      BigInt(r.rows),
      JSON.stringify(r.secondaryPatterns ?? []),
    ],
  )
}

/** Truth rows of loaded scenarios, optionally of one scenario (and seed), ordered by scenario and seed. */
export async function readScenarioTruth(
  store: DuckStore,
  filter: { scenario?: string; seed?: number } = {},
): Promise<ScenarioRecord[]> {
  return store.use(async (c) => {
    const reader = await c.runAndReadAll(
      `SELECT scenario, seed::DOUBLE AS seed, venue, markets, patterns, accounts, attack_from, attack_to, from_ts, to_ts,
              details, data_hash, partition_ids, rows::DOUBLE AS rows, secondary_patterns
         FROM scenario_truth
        WHERE ($1::VARCHAR IS NULL OR scenario = $1::VARCHAR) AND ($2::BIGINT IS NULL OR seed = $2::BIGINT)
        ORDER BY scenario, seed`,
      [filter.scenario ?? null, filter.seed === undefined ? null : BigInt(filter.seed)],
    )
    return reader.getRowObjectsJS().map((row) => {
      const detectors = (list: unknown) =>
        ((list as string[] | null) ?? []).map(String).filter(isDetectorId) as DetectorId[]
      const patterns = detectors(row.patterns)
      return {
        scenario: String(row.scenario),
        seed: Number(row.seed),
        venue: SCENARIO_VENUE,
        markets: (row.markets as string[]).map(String),
        patterns,
        secondaryPatterns: detectors(row.secondary_patterns),
        accounts: (row.accounts as string[]).map(String),
        attackFrom: row.attack_from as Date,
        attackTo: row.attack_to as Date,
        from: row.from_ts as Date,
        to: row.to_ts as Date,
        details: JSON.parse(String(row.details)) as Record<string, unknown>,
        dataHash: String(row.data_hash),
        partitionIds: (row.partition_ids as string[]).map(String),
        rows: Number(row.rows),
      }
    })
  })
}

/** Writes a truth row in its own transaction (after the copy's partitions are all loaded). */
export async function saveScenarioTruth(store: DuckStore, record: ScenarioRecord): Promise<void> {
  await store.transaction((c) => writeScenarioTruth(c, record))
}
