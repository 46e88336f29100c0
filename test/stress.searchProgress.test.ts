// The distance-to-failure search through the run system: its progress names each shocked re-run (axis, factor,
// i of n) and how far it has replayed, and a cancel during the search stops the re-run under way (no later re-run
// starts) and records the run cancelled, with no result rows.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { backtestJob } from '../jobs/backtest.ts'
import type { JobDefinition } from '../jobs/job.ts'
import type { RunEvent } from '../jobs/progress.ts'
import { jobRegistry } from '../jobs/registry.ts'
import { RunManager } from '../jobs/runManager.ts'
import { getBacktestRun } from '../src/store/meta/backtestRuns.ts'
import { RESULT_TABLES } from '../src/store/results/backtestResults.ts'
import { barsFromCloses, insertBars } from './support/marketData.ts'
import { testRuntime } from './support/runtime.ts'

const runtime = await testRuntime()
const runs = new RunManager(runtime, jobRegistry)
const T0 = Date.UTC(2025, 9, 10, 0, 0, 0) * 1000
const H = 3600e6
const iso = (us: number) => new Date(us / 1000).toISOString()

beforeAll(async () => {
  // an hour of 1 s bars with a −10% minute at 30 min: enough replay per re-run for progress inside it
  const closes: number[] = []
  let p = 60_000
  let x = 11
  for (let i = 0; i < 3600; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0
    p *= 1 + ((x >>> 8) / 2 ** 24 - 0.5) * 0.0006
    if (i >= 1800 && i < 1860) p *= 0.9982
    closes.push(p)
  }
  await insertBars(runtime.duck, 'binance-um', 'BTCUSDT', 1, barsFromCloses(T0, closes, {}, 2e6))
})

afterAll(async () => {
  await runs.stop(5000)
})

const request = {
  ruleSet: 'binance-um',
  venue: 'binance-um',
  markets: ['BTCUSDT'],
  from: iso(T0),
  to: iso(T0 + H),
  positions: 'explicit',
  // liquidated in the crash with margin to spare: no deficit, so the search runs
  explicitPositions: {
    accounts: [{ id: 'mid', positions: [{ market: 'BTCUSDT', side: 'long', qty: 2, leverage: 10 }] }],
  },
  distanceToFailure: true,
  slabHours: 1,
}

const SEARCH = /^distance to failure: (returns|liquidity) ×([\d.]+) \(re-run (\d+) of at most 8 on this axis\)$/

describe('distance-to-failure search progress and cancel', () => {
  test('progress names each re-run and how far it replayed', async () => {
    const phases: Array<{ phase: string; done: number; total: number | null }> = []
    const off = runs.on((e: RunEvent) => {
      if (e.type === 'progress') phases.push(e.progress)
    })
    try {
      const result = await runs.run(backtestJob as JobDefinition<never>, request, { trigger: 'api' })
      expect(result.status).toBe('succeeded')
    } finally {
      off()
    }
    const search = phases.filter((p) => SEARCH.test(p.phase))
    const reruns = new Set(search.map((p) => p.phase))
    // every re-run of both axes shows up, numbered from 1 on each axis
    expect([...reruns].some((p) => p.includes('returns ×1.25 (re-run 1 '))).toBe(true)
    expect([...reruns].some((p) => p.includes('liquidity ×0.5 (re-run 1 '))).toBe(true)
    // within a re-run the replayed market time advances to the window's end
    const last = search.filter((p) => p.phase === [...reruns][0])
    expect(Math.max(...last.map((p) => p.done))).toBeGreaterThan(0)
    expect(last.at(-1)!.total).toBe(3600)
  }, 300_000)

  test('a cancel during the search stops the re-run under way and records the run cancelled', async () => {
    let runId = ''
    let cancelledAt: string | null = null
    const after: string[] = []
    const off = runs.on((e: RunEvent) => {
      if (e.type !== 'progress' || e.runId !== runId) return
      const m = SEARCH.exec(e.progress.phase)
      if (!m) return
      if (cancelledAt !== null) after.push(e.progress.phase)
      // cancel once the second re-run is replaying
      else if (m[3] === '2' && e.progress.done > 0) {
        cancelledAt = e.progress.phase
        void runs.cancel(runId)
      }
    })
    try {
      const submitted = await runs.submit(backtestJob as JobDefinition<never>, request, { trigger: 'api' })
      runId = submitted.runId
      const result = await submitted.done
      expect(result.status).toBe('cancelled')
    } finally {
      off()
    }
    expect(cancelledAt).not.toBeNull()
    // nothing after the cancel but the re-run that was replaying: no further re-run started
    expect(after.every((p) => p === cancelledAt)).toBe(true)
    const run = await getBacktestRun(runtime.meta, runId)
    expect(run).toMatchObject({ run: { status: 'cancelled', error: 'cancelled on request' } })
    const rows = await runtime.duck.use(async (c) => {
      let n = 0
      for (const t of RESULT_TABLES)
        n += Number(
          (await c.runAndReadAll(`SELECT count(*) AS n FROM ${t} WHERE run_id = $1`, [runId])).getRowObjectsJS()[0]!.n,
        )
      return n
    })
    expect(rows).toBe(0)
  }, 300_000)
})
