// A real runtime (both stores migrated) in a temporary directory, closed when the test file ends. The migrated, empty
// stores are made once per source version (test/support/testCache.ts) and copied: a copy opens in a fraction of the
// time the migrations take.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll } from 'vitest'
import { closeRuntime, openRuntime, type Runtime } from '../../src/app/runtime.ts'
import { loadConfig } from '../../src/config/load.ts'
import { createLogger } from '../../src/obs/logger.ts'
import { cachedDir } from './testCache.ts'
import { tempDir } from './tmp.ts'

/** A data directory holding both stores with every migration applied and nothing else. */
export function migratedDataDir(): Promise<string> {
  return cachedDir('migrated', async (dir) => {
    const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' })
    const { runtime } = await openRuntime(config, { migrate: true, log: createLogger(config.logLevel) })
    await runtime.duck.use((c) => c.run('CHECKPOINT'))
    await closeRuntime(runtime)
  })
}

/**
 * A runtime on a fresh data directory (a copy of the migrated one; with `env` naming its own store paths, migrated
 * there). `duckFile`: a DuckDB file to start from instead of the empty one (copied; migrations still run on open).
 */
export async function testRuntime(env: Record<string, string> = {}, duckFile?: string): Promise<Runtime> {
  const dataDir = path.join(tempDir(), 'data')
  if (env.DATA_DIR === undefined && env.DUCKDB_PATH === undefined && env.DATABASE_URL === undefined) {
    fs.cpSync(await migratedDataDir(), dataDir, { recursive: true })
    if (duckFile) fs.copyFileSync(duckFile, path.join(dataDir, 'backstop.duckdb'))
  } else if (duckFile) throw new Error('testRuntime: duckFile with store paths of its own')
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env })
  const { runtime } = await openRuntime(config, { migrate: true, log: createLogger(config.logLevel) })
  afterAll(() => closeRuntime(runtime))
  return runtime
}
