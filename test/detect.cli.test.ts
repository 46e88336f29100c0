// The detect, incidents and incident commands as a user runs them: a table with every detector's status and the
// detections found, JSON, the incident list and one incident's timeline; bad input exits 2 with what is wrong.
import fs from 'node:fs'
import path from 'node:path'
import { expect, test } from 'vitest'
import { Prng } from '../src/replay/kernel/prng.ts'
import { spawnBackstop } from './support/process.ts'
import { tempDir } from './support/tmp.ts'

const dir = tempDir()
const env = { DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'warn' }

/** Two days of 1-minute BTC bars with a 12 % crash in 12 minutes on the second day, in the normalized layout. */
function barsCsv(): string {
  const r = new Prng(3)
  const lines = ['market,ts,interval_s,open,high,low,close,quote_volume,source']
  let p = 60_000
  const t0 = Date.UTC(2025, 9, 9)
  for (let i = 0; i < 2 * 1440; i++) {
    const open = p
    const shock = i >= 2700 && i < 2712 ? -0.01 : 0
    p *= 1 + 0.0005 * (r.next() + r.next() + r.next() - 1.5) * 2 + shock
    const ts = new Date(t0 + i * 60_000).toISOString().replace('T', ' ').replace('.000Z', '')
    lines.push(`BTCUSDT,${ts},60,${open},${Math.max(open, p)},${Math.min(open, p)},${p},1000000,klines`)
  }
  return lines.join('\n') + '\n'
}

const run = async (args: string[]) => {
  const p = spawnBackstop(args, env)
  const { code } = await p.exited
  return { code, out: p.output() }
}

test(
  'detect prints every detector’s status and the cascade; incidents and incident show it',
  // six CLI processes, each transpiling the sources at start (74 s on a loaded machine)
  { timeout: 240_000 },
  async () => {
    const file = path.join(dir, 'BTCUSDT-bars.csv')
    fs.writeFileSync(file, barsCsv())
    expect((await run(['ingest', 'file', '--table', 'bars', '--venue', 'cli', file])).code).toBe(0)

    const text = await run(['detect', '--venue', 'cli', '--from', '2025-10-09', '--to', '2025-10-11'])
    expect(text.code).toBe(0)
    expect(text.out).toMatch(/detector\s+market\s+status\s+info\s+warning\s+critical\s+ms/)
    expect(text.out).toMatch(/liquidation-cascade\s+BTCUSDT\s+ran/)
    expect(text.out).toContain(
      'missing  self-trading BTCUSDT: no fills rows in 2025-10-09T00:00:00.000Z → 2025-10-11T00:00:00.000Z',
    )
    expect(text.out).toMatch(/critical\s+liquidation-cascade\s+BTCUSDT\s+2025-10-10 2[01]:/)
    expect(text.out).toMatch(/incidents 1 \(market data: 1\)/)

    const json = await run(['detect', '--venue', 'cli', '--from', '2025-10-09', '--to', '2025-10-11', '--json'])
    const summary = JSON.parse(json.out.slice(json.out.indexOf('{')))
    expect(summary.written).toEqual({ deleted: summary.written.inserted, inserted: summary.written.inserted })
    expect(summary.detections.critical).toBe(1)
    // it ran as a `detect` run of the run system, whose record keeps the summary
    const shown = await run(['runs', 'show', summary.detectRunId, '--json'])
    expect(JSON.parse(shown.out.slice(shown.out.indexOf('{')))).toMatchObject({
      id: summary.detectRunId,
      kind: 'detect',
      status: 'succeeded',
      trigger: 'cli',
      result: { detections: { critical: 1 } },
    })

    const list = await run(['incidents', '--venue', 'cli', '--json'])
    const incidents = JSON.parse(list.out.slice(list.out.indexOf('[')))
    expect(incidents).toHaveLength(1)
    expect(incidents[0].title).toBe('Liquidation cascade on BTCUSDT')
    const one = await run(['incident', incidents[0].id])
    expect(one.code).toBe(0)
    expect(one.out).toContain('Liquidation cascade on BTCUSDT')
    expect(one.out).toMatch(/timeline:\n\s+2025-10-10 .+detection critical BTCUSDT {2}Liquidation cascade: critical/)
  },
)

test('bad input exits 2 with every problem and writes nothing', { timeout: 60_000 }, async () => {
  const bad = await run([
    'detect',
    '--venue',
    'cli',
    '--from',
    '2025-10-11',
    '--to',
    '2025-10-09',
    '--detectors',
    'nope',
  ])
  expect(bad.code).toBe(2)
  expect(bad.out).toContain('detectors: received "nope"; expected one of oracle-deviation,')
  expect(bad.out).toContain('the window is reversed')
  const gap = await run(['detect', '--venue', 'cli', '--gap', 'soon'])
  expect(gap.code).toBe(2)
  expect(gap.out).toContain('--gap: received "soon"')
  const run404 = await run(['detect', '--venue', 'cli', '--run', 'no-such-run'])
  expect(run404.code).toBe(2)
  expect(run404.out).toContain('runId: received "no-such-run"; expected the id of an existing backtest run')
  const missing = await run(['incident', 'inc_nope'])
  expect(missing.code).toBe(2)
  expect(missing.out).toContain('id: received "inc_nope"')
})

test(
  'backtest --detect runs the detectors over the succeeded run as a detect run of its own and prints what it found',
  { timeout: 240_000 },
  async () => {
    // the bars loaded by the test above (the crash on 2025-10-10)
    const args = ['backtest', '--rules', 'binance-um', '--venue', 'cli', '--markets', 'BTCUSDT']
    const window = ['--from', '2025-10-10', '--to', '2025-10-11', '--positions', 'synthetic', '--resolution', '60']
    const json = await run([...args, ...window, '--detect', '--json'])
    expect(json.code, json.out).toBe(0)
    const result = JSON.parse(json.out.slice(json.out.indexOf('{'))) as {
      runId: string
      status: string
      detect: { backtestRunId: string; detectRunId: string | null; status: string; error: string | null }
    }
    expect(result.status).toBe('succeeded')
    expect(result.detect).toMatchObject({ backtestRunId: result.runId, status: 'succeeded', error: null })
    const shown = await run(['runs', 'show', result.detect.detectRunId!, '--json'])
    expect(JSON.parse(shown.out.slice(shown.out.indexOf('{')))).toMatchObject({ kind: 'detect', status: 'succeeded' })
    // without --detect no detect run follows
    const plain = await run([...args, ...window, '--json'])
    expect(plain.code).toBe(0)
    expect(JSON.parse(plain.out.slice(plain.out.indexOf('{'))).detect).toBeUndefined()
  },
)
