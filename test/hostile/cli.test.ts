// The command line refuses hostile values like the API: a derive path outside the rule-set schema, a control
// character in any flag or argument, a reserved key in --params; exit 2 with the value escaped, nothing polluted.
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { spawnBackstop } from '../support/process.ts'
import { tempDir } from '../support/tmp.ts'

const dir = tempDir()
let runs = 0

async function run(args: string[]) {
  // each command its own data directory: they run at the same time
  const p = spawnBackstop(args, { DATA_DIR: path.join(dir, `data-${++runs}`), LOG_LEVEL: 'silent' }, dir)
  const { code } = await p.exited
  return { code, output: p.output() }
}

describe.concurrent('backstop refuses hostile arguments with exit 2', { timeout: 60_000 }, () => {
  test('rules derive --set with a __proto__ path names the valid fields; the derived document is not printed', async () => {
    const r = await run(['rules', 'derive', '--from', 'binance-um', '--set', '__proto__.polluted=true'])
    expect(r.code).toBe(2)
    expect(r.output).toMatch(/__proto__: received "__proto__"; expected one of schemaVersion, name, venue/)
    expect(r.output).not.toMatch(/"polluted"/)
  })

  test('a control character in a flag value is shown escaped and named by its flag', async () => {
    const r = await run(['backtest', '--rules', 'binance-um', '--venue', 'bin\u0007ance', '--markets', 'BTCUSDT'])
    expect(r.code).toBe(2)
    expect(r.output).toContain('--venue: received "bin\\u0007ance"; expected text without control characters')
  })

  test('jobs run --params with a __proto__ key is refused before the job runs', async () => {
    const r = await run(['jobs', 'run', 'maintenance.prune-job-runs', '--params', '{"__proto__": {"polluted": 1}}'])
    expect(r.code).toBe(2)
    expect(r.output).toMatch(/params\.__proto__: received "__proto__"; expected a key other than __proto__/)
  })
})
