// Backtests end to end over a real DuckDB store: the feed's merge order, explicit / synthetic / account positions,
// exact DECIMAL outputs, run records (hash, seed, summary, timings, failure), byte-identical reruns, crash recovery,
// GraphQL and CLI. Runs go through the run system, as the CLI and the API submit them.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { backtestJob } from '../jobs/backtest.ts'
import type { JobDefinition } from '../jobs/job.ts'
import { recoverRuns } from '../jobs/recovery.ts'
import { jobRegistry } from '../jobs/registry.ts'
import { RunManager } from '../jobs/runManager.ts'
import type { Runtime } from '../src/app/runtime.ts'
import { BacktestCancelled, executeBacktest } from '../src/replay/backtest/execute.ts'
import { prepareBacktest } from '../src/replay/backtest/prepare.ts'
import type { BacktestSummary } from '../src/replay/backtest/summary.ts'
import { parseMicros } from '../src/replay/money.ts'
import { findPreset } from '../src/replay/rules/presets/index.ts'
import { readReplayFeed, type FeedSpec } from '../src/store/market/replayFeed.ts'
import { getBacktestRun } from '../src/store/meta/backtestRuns.ts'
import { appendBacktestResults, hashBacktestResults, RESULT_TABLES } from '../src/store/results/backtestResults.ts'
import { DuckStore } from '../src/store/duck/open.ts'
import { migrateDuck } from '../src/store/duck/schema.ts'
import { gqlClient } from './support/graphql.ts'
import {
  barsFromCloses,
  insertBars,
  insertFills,
  insertFunding,
  insertLedger,
  insertPrices,
} from './support/marketData.ts'
import { spawnBackstop } from './support/process.ts'
import { testRuntime } from './support/runtime.ts'
import { tempDir } from './support/tmp.ts'

const runtime = await testRuntime()
const runs = new RunManager(runtime, jobRegistry)
const client = await gqlClient(runtime, runs)
afterAll(async () => {
  await client.stop()
  await runs.stop(5000)
})

/** Runs a backtest through the run system (over `on`, another runtime, when given) and reads back its record. */
async function backtest(request: Record<string, unknown>, on: Runtime = runtime) {
  const system = on === runtime ? runs : new RunManager(on, jobRegistry)
  const result = await system.run(backtestJob as JobDefinition<never>, request, { trigger: 'api' })
  if (system !== runs) await system.stop(5000)
  const run = await getBacktestRun(runtime.meta, result.runId)
  return { result, run: run!, summary: run?.summary as unknown as BacktestSummary }
}

const resultRows = (runId: string) =>
  runtime.duck.use(async (c) => {
    let n = 0
    for (const t of RESULT_TABLES)
      n += Number(
        (await c.runAndReadAll(`SELECT count(*) AS n FROM ${t} WHERE run_id = $1`, [runId])).getRowObjectsJS()[0]!.n,
      )
    return n
  })

const T0 = Date.UTC(2025, 9, 10, 0, 0, 0) * 1000
const H = 3600 * 1e6
const iso = (us: number) => new Date(us / 1000).toISOString()

/** Two hours of BTCUSDT at 1 s: a slow drift, a −3% wick at 30 min, a −15% crash at 60 min with a partial rebound. */
function btcPath(): number[] {
  const closes: number[] = []
  let p = 60_000
  let x = 7
  for (let i = 0; i < 7_200; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0
    p *= 1 + ((x >>> 8) / 2 ** 24 - 0.5) * 0.0006
    if (i >= 3_600 && i < 3_660) p *= 0.9973 // a one-minute crash of about −15%
    if (i >= 3_660 && i < 3_720) p *= 1.001
    closes.push(p)
  }
  return closes
}

beforeAll(async () => {
  const closes = btcPath()
  await insertBars(
    runtime.duck,
    'binance-um',
    'BTCUSDT',
    1,
    barsFromCloses(T0, closes, { 1_800: { low: closes[1_800]! * 0.97 } }, 2e6),
  )
  // index prices every 10 s (for the Binance median mark), an oracle every 3 s
  const index: Array<[number, number]> = []
  for (let i = 0; i < 7_200; i += 10) index.push([T0 + i * 1e6, closes[i]! * 0.9999])
  await insertPrices(runtime.duck, 'binance-um', 'BTCUSDT', 'index', 'binance-um', index)
  await insertFunding(runtime.duck, 'binance-um', 'BTCUSDT', [
    [T0 + 0.5 * H, 0.0001],
    [T0 + 1.5 * H, -0.0002],
  ])
})

describe('the DuckDB feed', () => {
  // the two hours of BTCUSDT bars and funding loaded above, in half-hour slabs
  const twoHours: FeedSpec = {
    venue: 'binance-um',
    markets: ['BTCUSDT'],
    fromUs: T0,
    toUs: T0 + 2 * H,
    bars: [{ intervalS: 1, source: 'trades' }],
    prices: [],
    funding: true,
    premiumFundingIntervalH: null,
    openInterest: false,
    accounts: false,
    slabSeconds: 1_800,
  }

  test('events arrive in merge-key order; a bar is stamped at its close; memory is per slab', async () => {
    let prev = [-Infinity, -1]
    let bars = 0
    let index = 0
    let funding = 0
    let first = Number.NaN
    for await (const b of readReplayFeed(runtime.duck, {
      ...twoHours,
      prices: [{ market: 0, kind: 'index', source: 'binance-um', intervalS: null }],
    })) {
      for (let i = 0; i < b.length; i++) {
        const key = [b.ts[i]!, b.kind[i]!]
        expect(key[0]! > prev[0]! || (key[0] === prev[0] && key[1]! >= prev[1]!)).toBe(true)
        prev = key
        if (b.kind[i] === 3) {
          if (Number.isNaN(first)) first = b.ts[i]!
          bars++
        }
        if (b.kind[i] === 0) index++
        if (b.kind[i] === 4) funding++
      }
    }
    // the bar opening at T0 closes at T0 + 1 s; the last one closes at the window end, which is excluded
    expect(first).toBe(T0 + 1e6)
    expect(bars).toBe(7_199)
    expect(index).toBe(720)
    expect(funding).toBe(2)
  })

  test('a caller that stops early, with slabs still being read ahead, leaves the feed and the store usable', async () => {
    const spec = { ...twoHours, slabSeconds: 600 }
    for (let round = 0; round < 3; round++) {
      let batches = 0
      for await (const b of readReplayFeed(runtime.duck, spec)) {
        expect(b.length).toBeGreaterThan(0)
        if (++batches === 1) break
      }
      expect(batches).toBe(1)
    }
    // the store is still usable, and a full read after the early stops sees every bar
    let bars = 0
    for await (const b of readReplayFeed(runtime.duck, spec))
      for (let i = 0; i < b.length; i++) bars += +(b.kind[i] === 3)
    expect(bars).toBe(7_199)
  })
})

describe('store round trips', () => {
  test('rows loaded out of time order, or duplicated, come out sorted and complete', async () => {
    const day = Date.UTC(2025, 9, 12) * 1000
    const bars = barsFromCloses(
      day,
      Array.from({ length: 500 }, (_, i) => 100 + (i % 17)),
    )
    // the second half first, then the first half, then a duplicate of one bar
    await insertBars(runtime.duck, 'shuffle', 'X', 1, [...bars.slice(250), ...bars.slice(0, 250), bars[100]!])
    const seen: number[] = []
    for await (const b of readReplayFeed(runtime.duck, {
      venue: 'shuffle',
      markets: ['X'],
      fromUs: day,
      toUs: day + 3_600e6,
      bars: [{ intervalS: 1, source: 'trades' }],
      prices: [],
      funding: false,
      premiumFundingIntervalH: null,
      openInterest: false,
      accounts: false,
      slabSeconds: 86_400,
    })) {
      for (let i = 0; i < b.length; i++) seen.push(b.ts[i]!)
    }
    expect(seen).toHaveLength(501)
    expect(seen).toEqual([...seen].sort((x, y) => x - y))
  })

  test('amounts are written exactly: negative, zero, micro-units, 2^53 − 1; NULL prices stay NULL', async () => {
    const amounts = [-1, 0, 1, 999_999, -123_456_789_012_345, 9_007_199_254_740_991, -9_007_199_254_740_991]
    const n = amounts.length
    const col = (f: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => f(i))
    const empty = { length: 0, num: {}, text: {} }
    await appendBacktestResults(runtime.duck, 'exact', {
      liquidations: {
        length: n,
        num: {
          seq: col((i) => i),
          ts: col((i) => T0 + i),
          qty: col(() => 1),
          notional: col((i) => amounts[i]!),
          triggerMark: col(() => 1),
          liquidationPrice: col(() => Number.NaN),
          bankruptcyPrice: col((i) => (i % 2 ? 2.5 : Number.NaN)),
          fillPrice: col(() => 1),
          marketPrice: col(() => 1),
          fee: col((i) => amounts[i]!),
          feeToFund: col(() => 0),
          equity: col((i) => amounts[i]!),
          slippage: col(() => 0),
          surplus: col(() => 0),
          returned: col(() => 0),
          shortfall: col((i) => -amounts[i]!),
        },
        text: { account: (i) => `a'${i}`, market: () => 'M', side: () => 'long', kind: () => 'full' },
      },
      deficits: empty,
      fund: empty,
      adl: empty,
      social: empty,
      guardrails: empty,
    })
    const rows = await runtime.duck.use(async (c) =>
      (
        await c.runAndReadAll(
          `SELECT seq, ts, account, equity::VARCHAR AS e, shortfall::VARCHAR AS s, liquidation_price, bankruptcy_price
             FROM backtest_liquidations WHERE run_id = 'exact' ORDER BY seq`,
        )
      ).getRowObjectsJS(),
    )
    // DECIMAL(38, 6) as text: sign, integer part, six decimals
    const fixed6 = (x: number) => {
      const v = BigInt(x)
      const a = v < 0n ? -v : v
      return `${v < 0n ? '-' : ''}${a / 1_000_000n}.${(a % 1_000_000n).toString().padStart(6, '0')}`
    }
    expect(rows.map((r) => r.e)).toEqual(amounts.map(fixed6))
    expect(rows.map((r) => r.s)).toEqual(amounts.map((x) => fixed6(-x)))
    expect(rows[3]).toMatchObject({ account: "a'3", liquidation_price: null, bankruptcy_price: 2.5 })
    expect((rows[6]!.ts as Date).getTime()).toBe(Math.floor((T0 + 6) / 1000))
  })
})

const explicitRequest = (extra: Record<string, unknown> = {}) => ({
  ruleSet: 'binance-um',
  venue: 'binance-um',
  markets: ['BTCUSDT'],
  from: iso(T0),
  to: iso(T0 + 2 * H),
  positions: 'explicit',
  explicitPositions: {
    accounts: [
      { id: 'whale', positions: [{ market: 'BTCUSDT', side: 'long', qty: 10, leverage: 50 }] },
      { id: 'careful', positions: [{ market: 'BTCUSDT', side: 'long', qty: 1, leverage: 3 }] },
      { id: 'bear', positions: [{ market: 'BTCUSDT', side: 'short', qty: 5, leverage: 20 }] },
    ],
  },
  ...extra,
})

describe('backtest runs', () => {
  test('explicit positions: the median mark ignores the trade wick and the crash takes the whale; exact amounts in DuckDB; the run records hash and summary', async () => {
    const { result, run } = await backtest(explicitRequest())
    expect(result.status).toBe('succeeded')
    expect(run).toMatchObject({
      run: { status: 'succeeded', kind: 'backtest', trigger: 'api' },
      ruleSetHash: findPreset('binance-um').hash,
      positionsSource: 'explicit',
      seed: 1,
    })
    const summary = run.summary as Record<string, unknown>
    expect(summary.eventsReplayed).toBe(7_199 + 720 + 2)
    expect(summary.liquidations).toBeGreaterThanOrEqual(1)
    expect((summary.prices as Array<{ markMethod: string }>)[0]!.markMethod).toBe('medianFundingBasis')
    // the kernel replayed on its own thread; the event loop's delay during the run is recorded
    const timings = run.timings as Record<string, unknown>
    expect(timings.kernelThread).toBe('worker')
    expect(timings.eventLoopDelayMaxMs).toEqual(expect.any(Number))
    const rows = await runtime.duck.use(async (c) =>
      (
        await c.runAndReadAll(
          `SELECT account, kind, ts, shortfall::VARCHAR AS shortfall, equity::VARCHAR AS equity, typeof(shortfall) AS t
             FROM backtest_liquidations WHERE run_id = $1 ORDER BY seq`,
          [run.id],
        )
      ).getRowObjectsJS(),
    )
    const whale = rows.find((r) => r.account === 'whale')!
    // Binance's mark is median(P1, P2, last) [B7]: the −3% trade wick at 1,800 s barely moves it, the crash does
    expect((whale.ts as Date).getTime() * 1000).toBeGreaterThan(T0 + 3_600 * 1e6)
    expect(whale.t).toBe('DECIMAL(18,6)') // micro-units as a 64-bit integer (DDL 0301)
    expect(String(whale.equity)).toMatch(/^-?\d+\.\d{6}$/)
    expect(rows.some((r) => r.account === 'careful')).toBe(false)
    const fund = await runtime.duck.use(async (c) =>
      (
        await c.runAndReadAll(
          `SELECT reason, balance::VARCHAR AS b FROM backtest_fund_series WHERE run_id = $1 ORDER BY seq`,
          [run.id],
        )
      ).getRowObjectsJS(),
    )
    expect(fund[0]).toMatchObject({ reason: 'initial', b: '1230000000.000000' })
  })

  test('with the mark on the last trade, the same whale goes at the wick (derived, stored rule set)', async () => {
    const derived = await client.run(
      `mutation { deriveRuleSet(input: { from: "binance-um", name: "binance-last", set: [{ path: "price.mark.method", value: "last" }] }) { version { hash } } }`,
    )
    expect(derived.errors).toBeUndefined()
    const { run } = await backtest(explicitRequest({ ruleSet: 'binance-last' }))
    expect(run.ruleSetHash).toBe((derived.data!.deriveRuleSet as { version: { hash: string } }).version.hash)
    expect(run.ruleSetVersionId).not.toBeNull()
    const whale = await runtime.duck.use(async (c) =>
      (
        await c.runAndReadAll(`SELECT ts FROM backtest_liquidations WHERE run_id = $1 AND account = 'whale'`, [run.id])
      ).getRowObjectsJS(),
    )
    // the wick is at 1,800 s; the bar closes one second later
    expect((whale[0]!.ts as Date).getTime() * 1000).toBe(T0 + 1_801 * 1e6)
  })

  test('identical inputs and rule set give byte-identical outputs (hash of every output row)', async () => {
    const a = await backtest(explicitRequest())
    const b = await backtest(explicitRequest())
    const ha = await hashBacktestResults(runtime.duck, a.run.id)
    expect(ha).toBe(await hashBacktestResults(runtime.duck, b.run.id))
    expect(a.summary.outputHash).toMatch(/^[0-9a-f]{64}$/)
    expect(a.summary.outputHash).toBe(b.summary.outputHash)
  })

  test('distance to failure: the search brackets the shocks of the first deficit, and runs at them agree', async () => {
    const request = explicitRequest({
      explicitPositions: {
        accounts: [{ id: 'mid', positions: [{ market: 'BTCUSDT', side: 'long', qty: 2, leverage: 10 }] }],
      },
    })
    // through the run system: the re-runs of the search replay on worker threads like the run itself
    const run = async (extra: Record<string, unknown>) => {
      const { result, summary } = await backtest({ ...request, ...extra })
      expect(result.status).toBe('succeeded')
      return summary
    }
    const base = await run({ distanceToFailure: true })
    const d = base.distanceToFailure
    // the crash liquidates the long without a deficit
    expect(base.liquidations).toBe(1)
    expect(base.totalShortfall).toBe('0')
    expect(d.nearest[0]).toMatchObject({ account: 'mid', side: 'long' })
    expect(d.closestMargin).toBeGreaterThan(0)
    const { returns, liquidity, searched } = d.stressToFirstDeficit
    expect(searched).toBe(true)
    expect(returns!.runs.length).toBeLessThanOrEqual(8)
    expect(liquidity!.runs.length).toBeLessThanOrEqual(8)
    expect(returns!.deficitAt).toBeGreaterThan(1)
    expect(liquidity!.deficitAt).toBeLessThan(1)
    expect(d.text).toMatch(
      /^No deficit\. .* It would have taken a [\d.]+× sharper move .* or [\d.]+× thinner liquidity/,
    )
    // re-run as ordinary stress runs: a deficit at the factors found, none at the strongest shocks without
    expect((await run({ shockReturns: returns!.deficitAt })).totalShortfall).not.toBe('0')
    expect((await run({ shockReturns: returns!.noDeficitUpTo })).totalShortfall).toBe('0')
    const thin = await run({ shockLiquidity: liquidity!.deficitAt })
    expect(thin.totalShortfall).not.toBe('0')
    expect(thin.stress).toMatchObject({ mode: 'stress', label: `stress: liquidity ×${liquidity!.deficitAt}` })
    expect((await run({ shockLiquidity: liquidity!.noDeficitUpTo })).totalShortfall).toBe('0')
    // five runs, up to 16 re-runs each on a worker thread that transpiles the sources at start: minutes on a loaded
    // machine (a timeout would leave its runs queued ahead of the next tests')
  }, 300_000)

  test('synthetic population: seeded, liquidations in the crash, same seed same outputs, another seed others', async () => {
    const request = (seed: number) => ({
      ruleSet: 'binance-um',
      venue: 'binance-um',
      markets: ['BTCUSDT'],
      from: iso(T0),
      to: iso(T0 + 2 * H),
      positions: 'synthetic',
      population: { initialPositions: 5_000, meanHoldingHours: 1, leverageMax: 75 },
      seed,
    })
    const summaries: BacktestSummary[] = []
    for (const seed of [3, 3, 4]) {
      const o = await backtest(request(seed))
      expect(o.result.status).toBe('succeeded')
      summaries.push(o.summary)
    }
    expect(summaries[0]!.liquidations).toBeGreaterThan(100)
    expect(summaries[0]!.positionsOpened).toBeGreaterThan(5_000)
    expect(summaries[0]!.outputHash).toBe(summaries[1]!.outputHash)
    expect(summaries[2]!.outputHash).not.toBe(summaries[0]!.outputHash)
    // every micro-unit of shortfall is covered by a step of the waterfall or left as bad debt
    const s = summaries[0]!
    const covered = [s.coveredByFund, s.coveredByFeePool, s.coveredByAdl, s.socializedLoss, s.totalBadDebt].reduce(
      (a, x) => a + parseMicros(x),
      0,
    )
    expect(covered).toBe(parseMicros(s.totalShortfall))
  })

  test('writes overlap the replay: small flushes give the same rows; a cancelled run leaves none behind', async () => {
    const request = {
      ruleSet: 'binance-um',
      venue: 'binance-um',
      markets: ['BTCUSDT'],
      from: iso(T0),
      to: iso(T0 + 2 * H),
      positions: 'synthetic',
      population: { initialPositions: 5_000, meanHoldingHours: 1, leverageMax: 75 },
      seed: 5,
    }
    const hashes = []
    const outputHashes = []
    const p = await prepareBacktest(runtime, request, { allowFiles: false })
    for (const flushRows of [250_000, 97]) {
      const runId = `flush-${flushRows}`
      const o = await executeBacktest(runtime, p, { runId, flushRows })
      hashes.push(await hashBacktestResults(runtime.duck, runId))
      outputHashes.push(o.summary.outputHash)
    }
    expect(hashes[1]).toEqual(hashes[0])
    // the summary's hash is per column, so it does not depend on where the flushes cut the rows either
    expect(outputHashes[1]).toBe(outputHashes[0])
    // cancelled while writes of 97 rows are in flight (the signal trips at the first write, after the opening delete): no row may remain
    const abort = new AbortController()
    const duck = Object.create(runtime.duck) as typeof runtime.duck
    let uses = 0
    duck.use = (fn) => {
      if (++uses === 2) abort.abort()
      return runtime.duck.use(fn)
    }
    await expect(
      executeBacktest({ ...runtime, duck }, p, { runId: 'cancelled-mid-write', flushRows: 97, signal: abort.signal }),
    ).rejects.toThrow(BacktestCancelled)
    expect(await resultRows('cancelled-mid-write')).toBe(0)
  })

  test('account-level positions from fills and ledger: history is followed, then the engine’s rules apply', async () => {
    const v = 'hyperliquid'
    const closes = btcPath().map((p) => p / 600)
    await insertBars(runtime.duck, v, 'BTC', 1, barsFromCloses(T0, closes, {}, 5e5))
    // A deposits before the window and opens 40x; B deposits and trades both ways; C only in the window
    await insertLedger(runtime.duck, v, [
      { tsUs: T0 - 2 * H, account: '0xA', delta: '2500', kind: 'deposit' },
      { tsUs: T0 - 2 * H, account: '0xB', delta: '50000', kind: 'deposit' },
      { tsUs: T0 + 0.1 * H, account: '0xC', delta: '1000', kind: 'deposit' },
      { tsUs: T0 + 0.2 * H, account: '0xB', delta: '-1000', kind: 'withdrawal' },
    ])
    await insertFills(runtime.duck, v, [
      { tsUs: T0 - H, account: '0xA', market: 'BTC', side: 'buy', price: '100', qty: '1000', fee: '5' },
      { tsUs: T0 - H, account: '0xB', market: 'BTC', side: 'sell', price: '100', qty: '500' },
      { tsUs: T0 + 0.25 * H, account: '0xC', market: 'BTC', side: 'buy', price: '100', qty: '20' },
      { tsUs: T0 + 1.9 * H, account: '0xA', market: 'BTC', side: 'sell', price: '90', qty: '1000', fee: '4.5' },
    ])
    const o = await backtest({
      ruleSet: 'hyperliquid',
      venue: v,
      markets: ['BTC'],
      from: iso(T0),
      to: iso(T0 + 2 * H),
      positions: 'accounts',
    })
    expect(o.result.status).toBe('succeeded')
    const liq = await runtime.duck.use(async (c) =>
      (
        await c.runAndReadAll(`SELECT account, kind FROM backtest_liquidations WHERE run_id = $1 ORDER BY seq`, [
          o.run.id,
        ])
      ).getRowObjectsJS(),
    )
    // A held 100k at 40x from before the window: the crash takes it (in clips, or through the backstop)
    expect(liq.filter((r) => r.account === '0xA').length).toBeGreaterThan(0)
    expect(liq.some((r) => r.account === '0xB')).toBe(false)
    // A's closing fill after the engine liquidated it is skipped, not replayed into a short
    expect(o.summary.fillsSkippedAfterDivergence).toBe(1)
  })

  test('bad input fails before a run exists; a failure inside a run is recorded as failed', async () => {
    await expect(
      prepareBacktest(
        runtime,
        { ...explicitRequest(), positions: 'synthetic', explicitPositions: undefined, markets: ['NOPE'] },
        { allowFiles: false },
      ),
    ).rejects.toThrow(/no price data/)
    await expect(
      prepareBacktest(runtime, { ...explicitRequest(), to: iso(T0 - H), seed: -1 }, { allowFiles: false }),
    ).rejects.toMatchObject({
      problems: expect.arrayContaining([
        expect.objectContaining({ path: 'to' }),
        expect.objectContaining({ path: 'seed' }),
      ]),
    })
    // bad input through the run system records nothing
    const before = await runtime.meta.jobRun.count()
    await expect(
      runs.submit(backtestJob as JobDefinition<never>, { ...explicitRequest(), seed: -1 }, { trigger: 'api' }),
    ).rejects.toThrow(/seed/)
    expect(await runtime.meta.jobRun.count()).toBe(before)
    // the store's first write fails once the data is planned (deleting a previous attempt's rows): the run must end
    // failed, with the error
    const broken = Object.create(runtime.duck) as typeof runtime.duck
    let writes = 0
    broken.transaction = (fn) =>
      ++writes === 1 ? Promise.reject(new Error('disk on fire')) : runtime.duck.transaction(fn)
    const o = await backtest(explicitRequest(), { ...runtime, duck: broken })
    expect(o.result.status).toBe('failed')
    expect(o.run).toMatchObject({ run: { status: 'failed', error: expect.stringMatching(/disk on fire/) } })
    expect(o.run.summary).toBeNull()
  })
})

describe('crash recovery', () => {
  test('a backtest whose process died is marked failed by the next process that opens the stores, and its rows are deleted', async () => {
    const { run } = await backtest(explicitRequest())
    expect(await resultRows(run.id)).toBeGreaterThan(0)
    // pretend it was still running when its process died: another pid on this host that does not exist
    await runtime.meta.jobRun.update({
      where: { id: run.id },
      data: { status: 'running', finishedAt: null, host: os.hostname(), pid: 2 ** 22 + 7 },
    })
    // and one of this (live) process, still running: left alone
    const live = await backtest(explicitRequest())
    await runtime.meta.jobRun.update({ where: { id: live.run.id }, data: { status: 'running', finishedAt: null } })
    await recoverRuns(runtime, jobRegistry)
    expect(await getBacktestRun(runtime.meta, run.id)).toMatchObject({
      run: { status: 'failed', error: expect.stringMatching(/^interrupted:/) },
    })
    expect(await resultRows(run.id)).toBe(0)
    expect((await getBacktestRun(runtime.meta, live.run.id))!.run.status).toBe('running')
    expect(await resultRows(live.run.id)).toBeGreaterThan(0)
    await runtime.meta.jobRun.update({ where: { id: live.run.id }, data: { status: 'succeeded' } })
  })
})

describe('GraphQL', () => {
  test('runBacktest returns the run at once; it then succeeds and its results read as flat lists', async () => {
    const started = await client.run(
      `mutation($i: BacktestInput!) { runBacktest(input: $i) { id status ruleSetHash positionsSource from to markets } }`,
      { i: explicitRequest({ explicitPositions: explicitRequest().explicitPositions }) },
    )
    expect(started.errors).toBeUndefined()
    const run = started.data!.runBacktest as { id: string; status: string }
    expect(['queued', 'running']).toContain(run.status)
    await runs.idle()
    const { data, errors } = await client.run(
      `query($id: ID!) {
        backtestRun(id: $id) { status summary { liquidations totalBadDebt totalBadDebtApprox maxFundDrawdown outputHash } timings }
        backtestLiquidations(runId: $id) { seq ts account side kind equity equityApprox shortfall fillPrice }
        backtestFundSeries(runId: $id) { fund reason delta balance balanceApprox }
        backtestDeficits(runId: $id) { kind shortfall uncovered }
        backtestAdlFills(runId: $id) { account qty }
        backtestRuns(limit: 3) { id status }
      }`,
      { id: run.id },
    )
    expect(errors).toBeUndefined()
    expect(data!.backtestRun).toMatchObject({ status: 'succeeded' })
    const liqs = data!.backtestLiquidations as Array<{ account: string; equity: string; equityApprox: number }>
    expect(liqs.length).toBeGreaterThan(0)
    expect(Number(liqs[0]!.equity)).toBe(liqs[0]!.equityApprox)
    expect((data!.backtestFundSeries as Array<{ reason: string }>)[0]!.reason).toBe('initial')
    expect((data!.backtestRuns as Array<{ id: string }>)[0]!.id).toBe(run.id)
  })

  test('results are served whole only: a running or failed run answers CONFLICT with its status and why', async () => {
    const rows = {
      length: 1,
      num: { seq: new Float64Array([0]), ts: new Float64Array([T0]), rank: new Float64Array([1]) },
      text: {},
    }
    const empty = { length: 0, num: {}, text: {} }
    const partial = async (status: string, error: string | null) => {
      const id = `partial-${status}`
      await runtime.meta.jobRun.create({
        data: { id, kind: 'backtest', job: 'backtest', trigger: 'api', host: 'h', pid: 1, status, error },
      })
      // a row written before the run stopped (as an interrupted run may leave behind)
      await appendBacktestResults(runtime.duck, id, {
        liquidations: empty,
        deficits: empty,
        fund: empty,
        adl: empty,
        social: {
          ...rows,
          num: {
            ...rows.num,
            liquidationSeq: new Float64Array([0]),
            amount: new Float64Array([1]),
            perBase: new Float64Array([1]),
            totalBase: new Float64Array([1]),
            positions: new Float64Array([1]),
          },
          text: { market: () => 'BTCUSDT' },
        },
        guardrails: empty,
      })
      return id
    }
    const running = await partial('running', null)
    const failed = await partial('failed', 'disk on fire')
    const read = (id: string) => client.run(`query($id: ID!) { backtestSocialLosses(runId: $id) { seq } }`, { id })
    const r = await read(running)
    expect(r.data).toBeNull()
    expect(r.errors?.[0]).toMatchObject({
      message: `run ${running} is running: its results are served once it has succeeded`,
      extensions: { code: 'CONFLICT', status: 'running' },
    })
    const f = await read(failed)
    expect(f.errors?.[0]).toMatchObject({
      message: `run ${failed} failed (disk on fire): it keeps no results`,
      extensions: { code: 'CONFLICT', status: 'failed', reason: 'disk on fire' },
    })
    expect((await read('nope')).errors?.[0]?.extensions?.code).toBe('NOT_FOUND')
  })

  test('cancelRun stops a running backtest: run and backtest both say cancelled, and it keeps no rows', async () => {
    // 400k positions open first: seconds of kernel work, so the run is still running when it is cancelled
    const started = await client.run(
      `mutation($i: BacktestInput!) { runBacktest(input: $i) { id status run { id kind } } }`,
      {
        i: {
          ruleSet: 'binance-um',
          venue: 'binance-um',
          markets: ['BTCUSDT'],
          from: iso(T0),
          to: iso(T0 + 2 * H),
          positions: 'synthetic',
          population: { initialPositions: 400_000, meanHoldingHours: 1, leverageMax: 75 },
        },
      },
    )
    expect(started.errors).toBeUndefined()
    const id = (started.data!.runBacktest as { id: string }).id
    expect(started.data!.runBacktest).toMatchObject({ run: { id, kind: 'backtest' } })
    const status = async () =>
      ((await client.run(`query($id: ID!) { run(id: $id) { status } }`, { id })).data!.run as { status: string }).status
    await expect.poll(status, { timeout: 20_000 }).toBe('running')
    const cancelled = await client.run(`mutation($id: ID!) { cancelRun(id: $id) { id status cancelRequestedAt } }`, {
      id,
    })
    expect(cancelled.errors).toBeUndefined()
    expect((cancelled.data!.cancelRun as { cancelRequestedAt: string | null }).cancelRequestedAt).not.toBeNull()
    await runs.idle()
    const after = await client.run(
      `query($id: ID!) {
        backtestRun(id: $id) { status error run { status error finishedAt } }
        runs(kind: "backtest", first: 5) { id status }
      }`,
      { id },
    )
    expect(after.data!.backtestRun).toMatchObject({
      status: 'cancelled',
      error: 'cancelled on request',
      run: { status: 'cancelled', error: 'cancelled on request' },
    })
    expect(after.data!.runs).toContainEqual({ id, status: 'cancelled' })
    expect(await resultRows(id)).toBe(0)
    // a finished run cannot be cancelled again into another state
    const again = await client.run(`mutation($id: ID!) { cancelRun(id: $id) { status } }`, { id })
    expect(again.data!.cancelRun).toEqual({ status: 'cancelled' })
  })

  test('runBacktest with bad input is BAD_USER_INPUT with every problem', async () => {
    const { errors } = await client.run(`mutation($i: BacktestInput!) { runBacktest(input: $i) { id } }`, {
      i: {
        ruleSet: 'binance-um',
        venue: 'binance-um',
        markets: ['BTCUSDT'],
        from: iso(T0),
        to: iso(T0),
        positions: 'explicit',
      },
    })
    expect(errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT')
    expect((errors?.[0]?.extensions?.problems as Array<{ path: string }>).map((p) => p.path).sort()).toEqual([
      'explicitPositions',
      'to',
    ])
  })
})

describe('CLI', () => {
  test('backtest prints the summary as text and as JSON; bad input exits 2', async () => {
    const dir = tempDir()
    // the CLI opens its own stores: copy the market data into a fresh DuckDB file
    const duckFile = path.join(dir, 'cli.duckdb')
    const store = await DuckStore.open({ path: duckFile })
    await migrateDuck(store)
    await insertBars(store, 'binance-um', 'BTCUSDT', 1, barsFromCloses(T0, btcPath().slice(0, 3_600), {}, 2e6))
    store.close()
    const positions = path.join(dir, 'positions.json')
    fs.writeFileSync(positions, JSON.stringify(explicitRequest().explicitPositions))
    const env = { DATA_DIR: path.join(dir, 'data'), DUCKDB_PATH: duckFile, LOG_LEVEL: 'silent' }
    const args = ['backtest', '--rules', 'binance-um', '--venue', 'binance-um', '--markets', 'BTCUSDT']
    args.push('--from', iso(T0), '--to', iso(T0 + H), '--positions', positions)
    const ok = spawnBackstop([...args, '--json'], env)
    const code = (await ok.exited).code
    const out = ok.output()
    expect(code, out).toBe(0)
    const json = JSON.parse(out.slice(out.indexOf('{'))) as {
      status: string
      summary: { eventsReplayed: number; outputHash: string }
    }
    expect(json.status).toBe('succeeded')
    expect(json.summary.eventsReplayed).toBeGreaterThan(3_000)
    // without --json: one line per figure, guardrail triggers included, the same output hash
    const text = spawnBackstop(args, env)
    expect((await text.exited).code, text.output()).toBe(0)
    for (const line of [/^events replayed\s+\d+/m, /^liquidations\s+\d+ \(\+\d+ partial\)/m, /^guardrails\s+\S/m])
      expect(text.output()).toMatch(line)
    expect(text.output()).toMatch(new RegExp(`^output hash\\s+${json.summary.outputHash}$`, 'm'))
    const bad = spawnBackstop(
      ['backtest', '--rules', 'binance-um', '--positions', 'nowhere.json', '--resolution', '5'],
      env,
    )
    expect((await bad.exited).code).toBe(2)
    expect(bad.output()).toMatch(/--venue: received nothing/)
    expect(bad.output()).toMatch(/--resolution: received "5"/)
    // three CLI processes, each transpiling the TypeScript sources at start (seconds each on a busy machine)
  }, 120_000)
})
