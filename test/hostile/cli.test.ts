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

  const sweep = ['sweep', '--rules', 'binance-um', '--venue', 'binance-um', '--markets', 'BTCUSDT']
  const window = ['--windows', '2025-10-10T00:00Z/2025-10-11T00:00Z', '--positions', 'synthetic']

  test('sweep --vary on a __proto__ path is refused naming the rule-set fields; nothing runs', async () => {
    const r = await run([...sweep, '--vary', '__proto__.polluted=1,2', ...window])
    expect(r.code).toBe(2)
    expect(r.output).toMatch(/vary\[0\] __proto__: received "__proto__"; expected one of schemaVersion, name, venue/)
  })

  test('sweep --population with a __proto__ key is refused before the sweep is recorded', async () => {
    const r = await run([
      ...sweep,
      '--vary',
      'maintenanceScale=1,2',
      ...window,
      '--population',
      '{"__proto__":{"a":1}}',
    ])
    expect(r.code).toBe(2)
    expect(r.output).toMatch(/params\.population\.__proto__: received "__proto__"; expected a key other than __proto__/)
  })

  test('keys create refuses an unknown role and a control character in the name, naming what is valid', async () => {
    const role = await run(['keys', 'create', '--name', 'ops', '--role', 'superuser'])
    expect(role.code).toBe(2)
    expect(role.output).toContain('--role: received "superuser"; expected reader, operator, admin')
    expect(role.output).not.toMatch(/bks_/)
    const name = await run(['keys', 'create', '--name', 'o\u0007ps', '--role', 'reader'])
    expect(name.code).toBe(2)
    expect(name.output).toContain('--name: received "o\\u0007ps"; expected text without control characters')
    expect(name.output).not.toMatch(/bks_/)
  })

  test('rules diff with an escape character in a rule-set reference is refused, escaped', async () => {
    const r = await run(['rules', 'diff', 'binance-um', 'bybit\u001b[2J'])
    expect(r.code).toBe(2)
    expect(r.output).toContain('argument 2: received "bybit\\u001b[2J"; expected text without control characters')
  })

  test('attack-cost, sweep --attack-cost and backtest --mark-from refuse reserved names, naming what is valid', async () => {
    const patterns = 'expected one of "thin-market-push", "withdrawal-to-maintenance", "oracle-reference-push"'
    const attack = await run([
      'attack-cost',
      '--rules',
      'binance-um',
      '--pattern',
      '__proto__',
      '--venue',
      'binance-um',
      '--market',
      'BTCUSDT',
      '--at',
      '2025-10-10T00:00Z',
    ])
    expect(attack.code).toBe(2)
    expect(attack.output).toContain(`pattern: received "__proto__"; ${patterns}`)
    const perPoint = await run([
      ...sweep,
      '--vary',
      'maintenanceScale=1,2',
      ...window,
      '--attack-cost',
      'constructor@2025-10-10T00:00Z',
    ])
    expect(perPoint.code).toBe(2)
    expect(perPoint.output).toContain(`attackCost[0].pattern: received "constructor"; ${patterns}`)
    const proxy = await run([
      'backtest',
      '--rules',
      'binance-um',
      '--venue',
      'binance-um',
      '--markets',
      'BTCUSDT',
      '--from',
      '2025-10-10',
      '--to',
      '2025-10-11',
      '--positions',
      'synthetic',
      '--mark-from',
      '__proto__',
    ])
    expect(proxy.code).toBe(2)
    expect(proxy.output).toContain('markProxy.venue: received "__proto__"; expected a venue with stored prices or bars')
  })
})
