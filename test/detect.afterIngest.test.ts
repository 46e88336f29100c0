// DETECT_AFTER_INGEST: an ingestion run that loaded rows starts a detect run over the markets and span it loaded (a
// child run, recorded as a detect run of its own); the setting off, or nothing new loaded, starts none; a detect run
// that cannot start never fails the ingestion.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, expect, test } from 'vitest'
import { jobRegistry } from '../jobs/registry.ts'
import { RunManager } from '../jobs/runManager.ts'
import type { IngestDetect } from '../jobs/detect.ts'
import { Prng } from '../src/replay/kernel/prng.ts'
import { testRuntime } from './support/runtime.ts'
import { tempDir } from './support/tmp.ts'

const on = await testRuntime({ DETECT_AFTER_INGEST: 'true' })
const off = await testRuntime()
const systems = [new RunManager(on, jobRegistry), new RunManager(off, jobRegistry)] as const
afterAll(() => Promise.all(systems.map((s) => s.stop(5000))))
const dir = tempDir()

/** Two days of 1-minute bars with a 12 % crash in 12 minutes on the second day, in the normalized layout. */
function barsCsv(market: string): string {
  const r = new Prng(3)
  const lines = ['market,ts,interval_s,open,high,low,close,quote_volume,source']
  let p = 60_000
  const t0 = Date.UTC(2025, 9, 9)
  for (let i = 0; i < 2 * 1440; i++) {
    const open = p
    const shock = i >= 2700 && i < 2712 ? -0.01 : 0
    p *= 1 + 0.0005 * (r.next() + r.next() + r.next() - 1.5) * 2 + shock
    const ts = new Date(t0 + i * 60_000).toISOString().replace('T', ' ').replace('.000Z', '')
    lines.push(`${market},${ts},60,${open},${Math.max(open, p)},${Math.min(open, p)},${p},1000000,klines`)
  }
  return lines.join('\n') + '\n'
}

const file = (name: string, text: string) => {
  const f = path.join(dir, name)
  fs.writeFileSync(f, text)
  return f
}

async function until<T>(read: () => Promise<T | null | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await read()
    if (v) return v
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 100))
  }
}

test(
  'an ingestion that loaded bars starts a detect run over its markets and span, which finds the crash',
  { timeout: 120_000 },
  async () => {
    const [system] = systems
    const ingest = await system.run(
      'ingest.file',
      { table: 'bars', venue: 'after', paths: [file('a.csv', barsCsv('BTCUSDT'))] },
      { trigger: 'cli' },
    )
    expect(ingest.status).toBe('succeeded')
    const [started, ...more] = (ingest.outcome.result as { detect: IngestDetect[] }).detect
    expect(more).toEqual([])
    expect(started).toEqual({
      venue: 'after',
      // a file with a market column: every market of the venue with data in the span
      markets: null,
      from: '2025-10-09T00:00:00.000Z',
      to: '2025-10-10T23:59:00.001Z',
      detectRunId: expect.any(String),
      error: null,
    })
    const detect = await until(async () => {
      const r = await on.meta.jobRun.findUnique({ where: { id: started!.detectRunId! } })
      return r && ['succeeded', 'failed', 'cancelled'].includes(r.status) ? r : null
    })
    expect(detect).toMatchObject({ kind: 'detect', status: 'succeeded', trigger: 'cli' })
    const summary = detect.result as { detections: { critical: number } }
    expect(summary.detections.critical).toBeGreaterThanOrEqual(1)
    // the same file again loads nothing new: no detect run
    const again = await system.run(
      'ingest.file',
      { table: 'bars', venue: 'after', paths: [path.join(dir, 'a.csv')] },
      { trigger: 'cli' },
    )
    expect(again.status).toBe('succeeded')
    expect((again.outcome.result as { detect: IngestDetect[] }).detect).toEqual([])
  },
)

test('a detect run that cannot start is reported and the ingestion still succeeds', { timeout: 120_000 }, async () => {
  // a run system without the detect job: the child's submission is refused
  const system = new RunManager(on, new Map([...jobRegistry].filter(([name]) => name !== 'detect')))
  try {
    const ingest = await system.run(
      'ingest.file',
      { table: 'bars', venue: 'after-refused', paths: [file('c.csv', barsCsv('SOLUSDT'))] },
      { trigger: 'cli' },
    )
    expect(ingest.status).toBe('succeeded')
    const [started] = (ingest.outcome.result as { detect: IngestDetect[] }).detect
    expect(started).toMatchObject({ venue: 'after-refused', detectRunId: null, error: expect.stringMatching(/detect/) })
  } finally {
    await system.stop(5000)
  }
})

test('with the setting off no detect run follows', { timeout: 120_000 }, async () => {
  const ingest = await systems[1].run(
    'ingest.file',
    { table: 'bars', venue: 'after', paths: [file('b.csv', barsCsv('ETHUSDT'))] },
    { trigger: 'cli' },
  )
  expect(ingest.status).toBe('succeeded')
  expect((ingest.outcome.result as { detect?: unknown }).detect).toBeUndefined()
  expect(await off.meta.jobRun.count({ where: { kind: 'detect' } })).toBe(0)
})
