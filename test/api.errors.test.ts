// The error taxonomy: one table of codes with their HTTP status (README lists the same), configuration errors and
// a locked store in the same hierarchy, exact-range overflows coded.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { openRuntime } from '../src/app/runtime.ts'
import { ConfigError, loadConfig } from '../src/config/load.ts'
import { BackstopError, ERROR_CODES, UnavailableError, httpStatusOf } from '../src/errors.ts'
import { createLogger } from '../src/obs/logger.ts'
import { projectRoot } from '../src/project.ts'
import { ExactRangeError, toMicros } from '../src/replay/money.ts'
import { tempDir } from './support/tmp.ts'

describe('error codes', () => {
  test("the README's error table lists exactly the codes of ERROR_CODES, with the same HTTP status", () => {
    const readme = fs.readFileSync(path.join(projectRoot, 'README.md'), 'utf8')
    const start = readme.indexOf('\n## Errors\n')
    const section = readme.slice(start, readme.indexOf('\n## ', start + 1))
    const rows = [...section.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1]!, Number(m[2])])
    expect(Object.fromEntries(rows)).toEqual(
      Object.fromEntries(Object.entries(ERROR_CODES).map(([code, { status }]) => [code, status])),
    )
    expect(rows).toHaveLength(Object.keys(ERROR_CODES).length)
  })

  test('an unknown code is a 500', () => {
    expect(httpStatusOf('NOT_FOUND')).toBe(404)
    expect(httpStatusOf('toString')).toBe(500)
  })
})

describe('errors in the hierarchy', () => {
  test('a bad setting is a BAD_CONFIGURATION error whose problems name the variable', () => {
    let error: unknown
    try {
      loadConfig({ PORT: 'abc' })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect(error).toBeInstanceOf(BackstopError)
    expect((error as ConfigError).code).toBe('BAD_CONFIGURATION')
    expect((error as ConfigError).problems).toEqual([
      { path: 'PORT', received: 'abc', expected: 'an integer from 0 to 65535' },
    ])
  })

  test('an amount beyond the exact range is OUT_OF_RANGE with what overflowed', () => {
    let error: unknown
    try {
      toMicros(1e300, 'position notional')
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ExactRangeError)
    expect((error as ExactRangeError).code).toBe('OUT_OF_RANGE')
    expect((error as ExactRangeError).details).toMatchObject({ what: 'position notional', received: 1e300 })
  })

  test('a DuckDB file held by another process is UNAVAILABLE, saying so', async () => {
    const dir = tempDir()
    const file = path.join(dir, 'held.duckdb')
    const holder = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { DuckDBInstance } from '@duckdb/node-api'
         const db = await DuckDBInstance.create(process.argv[1]); await (await db.connect()).run('CREATE TABLE t (i INT)')
         console.log('holding'); setInterval(() => {}, 1000)`,
        file,
      ],
      { cwd: projectRoot, stdio: ['ignore', 'pipe', 'inherit'] },
    )
    try {
      await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()))
      const config = loadConfig({ DATA_DIR: path.join(dir, 'data'), DUCKDB_PATH: file, LOG_LEVEL: 'silent' })
      const opening = openRuntime(config, { migrate: true, log: createLogger('silent') })
      await expect(opening).rejects.toBeInstanceOf(UnavailableError)
      await expect(opening).rejects.toMatchObject({
        code: 'UNAVAILABLE',
        message: expect.stringMatching(/is in use by another process/),
      })
    } finally {
      holder.kill('SIGKILL')
    }
  })
})
