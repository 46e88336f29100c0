// A real runtime (both stores migrated) in a temporary directory, closed when the test file ends.
import path from 'node:path'
import { afterAll } from 'vitest'
import { closeRuntime, openRuntime, type Runtime } from '../../src/app/runtime.ts'
import { loadConfig } from '../../src/config/load.ts'
import { createLogger } from '../../src/obs/logger.ts'
import { tempDir } from './tmp.ts'

export async function testRuntime(env: Record<string, string> = {}): Promise<Runtime> {
  const dir = tempDir()
  const config = loadConfig({ DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'silent', ...env })
  const { runtime } = await openRuntime(config, { migrate: true, log: createLogger(config.logLevel) })
  afterAll(() => closeRuntime(runtime))
  return runtime
}
