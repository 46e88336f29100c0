// Scenarios as a source: generates a (scenario, seed) and writes its tables as files in the normalized layout on a
// worker thread (scenarios/generateThread.ts, so the event loop stays free), loads each through the store's atomic
// partition loader (source 'scenario'), then records the ground truth. Loading the same seed again is skipped while
// the generated data is unchanged; another seed replaces the copy (market names carry no seed); a load that fails
// removes the scenario entirely, so a copy is never half there.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { InvalidInputError } from '../errors.ts'
import type { DuckStore } from '../store/duck/open.ts'
import { loadPartition } from '../store/ingest/loadPartition.ts'
import { partitionStates } from '../store/ingest/manifest.ts'
import { removeScenarioData, type RemovedScenarioData } from '../store/scenarios/removeScenarioData.ts'
import { readScenarioTruth, saveScenarioTruth, type ScenarioRecord } from '../store/scenarios/scenarioTruth.ts'
import { MAX_SEED } from './scenarios/generate.ts'
import { startScenarioThread } from './scenarios/generateThread.ts'
import { scenarioByName, scenarioNames } from './scenarios/registry.ts'

/** What scenario loading needs of the process: the DuckDB store (a Runtime fits). */
export interface ScenarioStores {
  duck: DuckStore
}

export interface LoadScenarioOptions {
  /** Default 1. Any integer in [0, 2^32 − 1]. */
  seed?: number
  /** Reload even when the same seed with the same data is already loaded. */
  force?: boolean
  /** Scratch directory for the generated files (default: the system temp dir); they are removed afterwards. */
  tmpDir?: string
  /**
   * Stops the load: while generating (the thread is terminated; a copy loaded before stays) or between partitions (the
   * scenario is then removed whole, as after a failure).
   */
  signal?: AbortSignal
  /** Each step: generating (0/1 → 1/1), then partitions loaded of the total. */
  onProgress?(step: { phase: 'generating' | 'loading'; done: number; total: number; rows: number }): void
}

export interface LoadedPartition {
  partitionId: string
  table: string
  market: string
  rows: number
}

export interface LoadScenarioResult {
  status: 'loaded' | 'skipped'
  truth: ScenarioRecord
  partitions: LoadedPartition[]
  /** Seeds of the same scenario that this load replaced. */
  replacedSeeds: number[]
  seconds: { generate: number; load: number }
}

export const DEFAULT_SEED = 1

function checkSeed(seed: unknown): number {
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new InvalidInputError('invalid scenario seed', [
      { path: 'seed', received: seed, expected: `an integer from 0 to ${MAX_SEED}` },
    ])
  }
  return seed
}

/** Generates and loads scenario `name` with `seed`; see the module comment for replace / skip rules. */
export async function loadScenario(
  stores: ScenarioStores,
  name: string,
  options: LoadScenarioOptions = {},
): Promise<LoadScenarioResult> {
  scenarioByName(name)
  const seed = checkSeed(options.seed ?? DEFAULT_SEED)
  options.signal?.throwIfAborted()
  const t0 = performance.now()
  options.onProgress?.({ phase: 'generating', done: 0, total: 1, rows: 0 })
  // generation and file writing run on a thread of their own, so the event loop (the server) stays free meanwhile
  const thread = startScenarioThread(name, seed, options.signal ? { signal: options.signal } : {})
  try {
    const generated = await thread.generated
    options.onProgress?.({ phase: 'generating', done: 1, total: 1, rows: 0 })
    options.signal?.throwIfAborted()
    const generateSeconds = (performance.now() - t0) / 1000
    const existing = await readScenarioTruth(stores.duck, { scenario: name })
    const same = existing.find((e) => e.seed === seed && e.dataHash === generated.dataHash)
    if (same && !options.force && existing.length === 1) {
      const states = await partitionStates(stores.duck, same.partitionIds)
      if (same.partitionIds.every((id) => states.get(id)?.status === 'loaded')) {
        return {
          status: 'skipped',
          truth: same,
          partitions: same.partitionIds.map((id) => {
            const [, table, market] = id.split('/')
            return { partitionId: id, table: table!, market: market!, rows: states.get(id)!.rows }
          }),
          replacedSeeds: [],
          seconds: { generate: generateSeconds, load: 0 },
        }
      }
    }

    const t1 = performance.now()
    await removeScenarioData(stores.duck, name)
    const dir = fs.mkdtempSync(path.join(options.tmpDir ?? os.tmpdir(), `backstop-scenario-${name}-`))
    const partitions: LoadedPartition[] = []
    try {
      const files = await thread.write(dir)
      // the thread's tables are no longer needed: its memory goes back while the partitions load
      await thread.close()
      const loadedRows = () => partitions.reduce((sum, p) => sum + p.rows, 0)
      for (const file of files) {
        options.signal?.throwIfAborted()
        options.onProgress?.({ phase: 'loading', done: partitions.length, total: files.length, rows: loadedRows() })
        const result = await loadPartition(stores.duck, file.request)
        partitions.push({ partitionId: result.partitionId, table: file.table, market: file.market, rows: result.rows })
      }
      options.signal?.throwIfAborted()
      options.onProgress?.({ phase: 'loading', done: partitions.length, total: files.length, rows: loadedRows() })
      const truth: ScenarioRecord = {
        ...generated.truth,
        details: { ...generated.details },
        dataHash: generated.dataHash,
        partitionIds: partitions.map((p) => p.partitionId),
        rows: partitions.reduce((s, p) => s + p.rows, 0),
      }
      await saveScenarioTruth(stores.duck, truth)
      return {
        status: 'loaded',
        truth,
        partitions,
        replacedSeeds: existing.map((e) => e.seed).filter((s) => s !== seed),
        seconds: { generate: generateSeconds, load: (performance.now() - t1) / 1000 },
      }
    } catch (error) {
      await removeScenarioData(stores.duck, name).catch(() => undefined)
      throw error
    } finally {
      // the thread is gone before its directory is: an abort mid-write leaves no file behind
      await thread.close()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  } finally {
    await thread.close()
  }
}

/**
 * Removes one scenario's loaded copy (`name`), or every scenario (`'all'`): partitions, derived rows and truth.
 * An unknown name is an input error listing the valid ones; a valid name with nothing loaded removes nothing.
 */
export async function removeScenario(stores: ScenarioStores, name: string): Promise<RemovedScenarioData> {
  if (name !== 'all') scenarioByName(name)
  return removeScenarioData(stores.duck, name === 'all' ? null : name)
}

/** Truth of loaded scenarios (all, or one scenario), with the seed, data hash and partitions of each copy. */
export async function loadedScenarios(stores: ScenarioStores, name?: string): Promise<ScenarioRecord[]> {
  if (name !== undefined) scenarioByName(name)
  return readScenarioTruth(stores.duck, name === undefined ? {} : { scenario: name })
}

export { readScenarioTruth, scenarioNames, type ScenarioRecord }
