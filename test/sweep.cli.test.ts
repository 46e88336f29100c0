// `backstop sweep` as a user runs it: bad input exits 2 naming the axis, the value and what is valid; --json prints
// one document (sweep, base, points, frontier, recommendation) that is byte-identical when the sweep is run again;
// without --json a table of points and the recommendation.
import fs from 'node:fs'
import path from 'node:path'
import { expect, test } from 'vitest'
import { Prng } from '../src/replay/kernel/prng.ts'
import { spawnBackstop } from './support/process.ts'
import { tempDir } from './support/tmp.ts'

const dir = tempDir()
const env = { DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'warn' }

/** A day of 1-minute BTC bars with a 10 % fall in 10 minutes, in the normalized layout. */
function barsCsv(): string {
  const r = new Prng(5)
  const lines = ['market,ts,interval_s,open,high,low,close,quote_volume,source']
  let p = 60_000
  const t0 = Date.UTC(2025, 9, 10)
  for (let i = 0; i < 1440; i++) {
    const open = p
    const shock = i >= 700 && i < 710 ? -0.01 : 0
    p *= 1 + 0.0005 * (r.next() + r.next() + r.next() - 1.5) * 2 + shock
    const ts = new Date(t0 + i * 60_000).toISOString().replace('T', ' ').replace('.000Z', '')
    lines.push(`BTCUSDT,${ts},60,${open},${Math.max(open, p)},${Math.min(open, p)},${p},1000000,klines`)
  }
  return lines.join('\n') + '\n'
}

const run = async (args: string[]) => {
  const p = spawnBackstop(args, env)
  let stdout = ''
  p.child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  const { code } = await p.exited
  return { code, out: p.output(), stdout }
}

const sweep = [
  'sweep',
  '--rules',
  'binance-um',
  '--venue',
  'cli',
  '--markets',
  'BTCUSDT',
  '--windows',
  '2025-10-10T00:00Z/2025-10-11T00:00Z',
  '--positions',
  'synthetic',
  '--population',
  '{"initialPositions":500}',
]

test(
  'bad input exits 2; --json is one document, byte-identical on a re-run; the table names the recommendation',
  // five CLI processes, each transpiling the sources at start
  { timeout: 300_000 },
  async () => {
    const file = path.join(dir, 'BTCUSDT-bars.csv')
    fs.writeFileSync(file, barsCsv())
    expect((await run(['ingest', 'file', '--table', 'bars', '--venue', 'cli', file])).code).toBe(0)

    const bad = await run([...sweep, '--vary', 'maintenanceScale=1.4..0.8:0.2', '--budget', '-1'])
    expect(bad.code).toBe(2)
    expect(bad.out).toContain('vary[0] maintenanceScale')
    expect(bad.out).toContain('a non-empty range')
    // every problem at once: the request's and the axes'
    expect(bad.out).toContain('budget: received "-1"')

    const args = [...sweep, '--vary', 'maintenanceScale=1,1.5', '--vary', 'fees.liquidationFeeRate=0.005,0.01']
    const first = await run([...args, '--json'])
    expect(first.code).toBe(0)
    const document = JSON.parse(first.stdout) as Record<string, unknown>
    expect(Object.keys(document)).toEqual(['sweep', 'base', 'points', 'frontier', 'recommendation'])
    expect((document.points as unknown[]).length).toBe(4)
    const again = await run([...args, '--json'])
    expect(again.code).toBe(0)
    expect(again.stdout).toBe(first.stdout)

    const text = await run(args)
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(/point\s+frontier\s+values/)
    expect(text.stdout).toContain('maintenanceScale=1.5 fees.liquidationFeeRate=0.01')
    expect(text.stdout).toMatch(/^recommendation: /m)
  },
)
