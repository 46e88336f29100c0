// Scenario copies shared between test files: a DuckDB store with a set of scenarios loaded for one seed is built once
// per source version (through loadScenario, as a user would; cached by test/support/testCache.ts), and each file gets
// a runtime on its own copy of it.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { Runtime } from '../../src/app/runtime.ts'
import { loadScenario, readScenarioTruth, type ScenarioRecord } from '../../src/ingest/scenarios/index.ts'
import { DuckStore } from '../../src/store/duck/open.ts'
import { migrateDuck } from '../../src/store/duck/schema.ts'
import { testRuntime } from './runtime.ts'
import { cachedDir } from './testCache.ts'
import { tempDir } from './tmp.ts'

const DUCK_FILE = 'backstop.duckdb'

/** The cached DuckDB file holding `names` loaded with `seed` (built now if absent). */
export async function scenarioSnapshot(names: readonly string[], seed: number): Promise<string> {
  const sorted = [...new Set(names)].sort()
  const set = crypto.createHash('sha256').update(sorted.join(',')).digest('hex').slice(0, 12)
  const dir = await cachedDir(`scenarios-s${seed}-${set}`, async (scratch) => {
    const store = await DuckStore.open({ path: path.join(scratch, DUCK_FILE) })
    try {
      await migrateDuck(store)
      for (const name of sorted) await loadScenario({ duck: store }, name, { seed, tmpDir: scratch })
      // everything in the one file that is copied (no write-ahead log beside it)
      await store.use((c) => c.run('CHECKPOINT'))
    } finally {
      await store.close()
    }
  })
  return path.join(dir, DUCK_FILE)
}

/**
 * A runtime (closed when the file ends) on a private copy of the store holding `names` loaded with `seed`: what
 * loading them into a fresh testRuntime() gives, without generating or loading them again.
 */
export async function scenarioRuntime(names: readonly string[], seed: number): Promise<Runtime> {
  return testRuntime({}, await scenarioSnapshot(names, seed))
}

/** The truth rows of the shared copy holding `names` loaded with `seed`, read from a private copy of its file. */
export async function snapshotTruths(names: readonly string[], seed: number): Promise<ScenarioRecord[]> {
  const file = path.join(tempDir(), DUCK_FILE)
  fs.copyFileSync(await scenarioSnapshot(names, seed), file)
  const store = await DuckStore.open({ path: file })
  try {
    return await readScenarioTruth(store, {})
  } finally {
    await store.close()
  }
}

/** The truth row of `name` in a scenario runtime (it holds one seed of each scenario). */
export async function scenarioTruth(runtime: Runtime, name: string): Promise<ScenarioRecord> {
  const [truth] = await readScenarioTruth(runtime.duck, { scenario: name })
  if (!truth) throw new Error(`scenario ${name} is not in this store`)
  return truth
}
