// runBacktest(input: { …, detect: true }) through GraphQL: once the backtest has succeeded a detect run over it follows
// (the child request `backtest --detect` submits), recorded as a detect run of its own; without the flag none does.
import { afterAll, expect, test } from 'vitest'
import { jobRegistry } from '../jobs/registry.ts'
import { RunManager } from '../jobs/runManager.ts'
import { Prng } from '../src/replay/kernel/prng.ts'
import { gqlClient } from './support/graphql.ts'
import { insertBars } from './support/marketData.ts'
import { testRuntime } from './support/runtime.ts'

const runtime = await testRuntime()
const runs = new RunManager(runtime, jobRegistry)
const client = await gqlClient(runtime, runs)
afterAll(async () => {
  await client.stop()
  await runs.stop(5000)
})

const VENUE = 'api-detect'
const T0 = Date.UTC(2025, 9, 9) * 1000

/** Two days of 1-minute BTCUSDT bars with a 12 % crash in 12 minutes on the second day. */
async function bars() {
  const r = new Prng(3)
  const out = []
  let p = 60_000
  for (let i = 0; i < 2 * 1440; i++) {
    const open = p
    const shock = i >= 2700 && i < 2712 ? -0.01 : 0
    p *= 1 + 0.0005 * (r.next() + r.next() + r.next() - 1.5) * 2 + shock
    out.push({ tsUs: T0 + i * 60e6, open, high: Math.max(open, p), low: Math.min(open, p), close: p, quoteVolume: 1e6 })
  }
  await insertBars(runtime.duck, VENUE, 'BTCUSDT', 60, out)
}

const input = (detect?: boolean) => ({
  ruleSet: 'binance-um',
  venue: VENUE,
  markets: ['BTCUSDT'],
  from: '2025-10-10T00:00:00Z',
  to: '2025-10-11T00:00:00Z',
  positions: 'synthetic',
  resolutionSeconds: 60,
  ...(detect === undefined ? {} : { detect }),
})

async function until<T>(read: () => Promise<T | null | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await read()
    if (v) return v
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 100))
  }
}

const finished = (id: string) =>
  until(async () => {
    const run = await runtime.meta.jobRun.findUnique({ where: { id } })
    return run && ['succeeded', 'failed', 'cancelled'].includes(run.status) ? run : null
  })

const detectRunsOf = async (backtestId: string) =>
  (await runtime.meta.jobRun.findMany({ where: { kind: 'detect' } })).filter(
    (r) => (r.params as { runId?: string }).runId === backtestId,
  )

test(
  'detect: true runs the detectors over the succeeded backtest as a detect run of its own',
  { timeout: 120_000 },
  async () => {
    await bars()
    const started = await client.run(`mutation($i: BacktestInput!) { runBacktest(input: $i) { id status } }`, {
      i: input(true),
    })
    expect(started.errors).toBeUndefined()
    const id = (started.data!.runBacktest as { id: string }).id
    expect((await finished(id)).status).toBe('succeeded')
    const [detect] = await until(async () => {
      const found = await detectRunsOf(id)
      return found.length ? found : null
    })
    expect(detect!.params).toEqual({ venue: VENUE, runId: id })
    expect((await finished(detect!.id)).status).toBe('succeeded')
    // what it found is readable as the run's detections
    const read = await client.run(
      `query($r: String!) { detections(filter: { runId: { equals: $r } }) { nodes { detector runId } } }`,
      {
        r: id,
      },
    )
    expect(read.errors).toBeUndefined()
    const nodes = (read.data!.detections as { nodes: Array<{ detector: string; runId: string }> }).nodes
    expect(nodes.length).toBeGreaterThan(0)
    expect(nodes.every((n) => n.runId === id)).toBe(true)
  },
)

test('without detect no detect run follows', { timeout: 120_000 }, async () => {
  for (const flag of [undefined]) {
    const started = await client.run(`mutation($i: BacktestInput!) { runBacktest(input: $i) { id } }`, {
      i: input(flag),
    })
    expect(started.errors).toBeUndefined()
    const id = (started.data!.runBacktest as { id: string }).id
    expect((await finished(id)).status).toBe('succeeded')
    // a follow-up is submitted as soon as the run's end settles: give it time to appear
    await new Promise((r) => setTimeout(r, 1000))
    expect(await detectRunsOf(id)).toEqual([])
  }
})
