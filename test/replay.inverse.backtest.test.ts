// A backtest of BitMEX XBTUSD under bitmex-2020-03 end to end (run system, worker kernel, DuckDB rows): a small
// generated inverse market (the store in ../shared/data has no BitMEX history) with a COVID-like crash, explicit and
// synthetic positions; rows in venue prices and sides with amounts in XBT; the summary states the settlement coin;
// the bad input prepare refuses for inverse markets.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { backtestJob } from '../jobs/backtest.ts'
import type { JobDefinition } from '../jobs/job.ts'
import { jobRegistry } from '../jobs/registry.ts'
import { RunManager } from '../jobs/runManager.ts'
import { InvalidInputError } from '../src/errors.ts'
import { prepareBacktest } from '../src/replay/backtest/prepare.ts'
import { deriveStoredRuleSet } from '../src/replay/rules/catalog.ts'
import type { BacktestSummary } from '../src/replay/backtest/summary.ts'
import { parseMicros } from '../src/replay/money.ts'
import { getBacktestRun } from '../src/store/meta/backtestRuns.ts'
import { barsFromCloses, insertBars, insertFunding, insertPrices } from './support/marketData.ts'
import { testRuntime } from './support/runtime.ts'

const runtime = await testRuntime()
const runs = new RunManager(runtime, jobRegistry)
afterAll(() => runs.stop(5000))

const T0 = Date.UTC(2020, 2, 12, 10, 0, 0) * 1000
const MIN = 60 * 1e6
const iso = (us: number) => new Date(us / 1000).toISOString()

/** 30 minutes of XBTUSD at 1 s: flat near 8,000, then a 40% fall over five minutes from minute 10, then flat. */
function xbtPath(): number[] {
  const closes: number[] = []
  let p = 8_000
  for (let i = 0; i < 1_800; i++) {
    if (i >= 600 && i < 900) p *= 0.6 ** (1 / 300)
    else p *= 1 + (i % 2 ? 1 : -1) * 0.0001
    closes.push(p)
  }
  return closes
}

beforeAll(async () => {
  const closes = xbtPath()
  // XBTUSD volume is in contracts, i.e. USD: the quote volume of the bar
  await insertBars(runtime.duck, 'bitmex', 'XBTUSD', 1, barsFromCloses(T0, closes, {}, 5e6))
  const index: Array<[number, number]> = []
  for (let i = 0; i < 1_800; i += 10) index.push([T0 + i * 1e6, closes[i]! * 0.9998])
  await insertPrices(runtime.duck, 'bitmex', 'XBTUSD', 'index', 'bitmex', index)
  await insertFunding(runtime.duck, 'bitmex', 'XBTUSD', [[T0 + 5 * MIN, 0.0001]])
})

async function backtest(request: Record<string, unknown>) {
  const result = await runs.run(backtestJob as JobDefinition<never>, request, { trigger: 'api' })
  const run = await getBacktestRun(runtime.meta, result.runId)
  return { result, run: run!, summary: run?.summary as unknown as BacktestSummary }
}

const request = (extra: Record<string, unknown> = {}) => ({
  ruleSet: 'bitmex-2020-03',
  venue: 'bitmex',
  markets: ['XBTUSD'],
  from: iso(T0),
  to: iso(T0 + 30 * MIN),
  positions: 'explicit',
  explicitPositions: {
    accounts: [
      // 100,000 contracts at 25x: liquidated at 100,000·1.005 / (0.5 + 12.5) ≈ 7,731
      { id: 'whale', positions: [{ market: 'XBTUSD', side: 'long', qty: 100_000, leverage: 25 }] },
      // 1x: liquidated only below ~4,020
      { id: 'careful', positions: [{ market: 'XBTUSD', side: 'long', qty: 10_000, leverage: 1 }] },
      { id: 'bear', positions: [{ market: 'XBTUSD', side: 'short', qty: 50_000, leverage: 10 }] },
    ],
  },
  ...extra,
})

const liquidationRows = (runId: string) =>
  runtime.duck.use(async (c) =>
    (
      await c.runAndReadAll(
        `SELECT account, side, qty, liquidation_price, bankruptcy_price, notional::VARCHAR AS notional,
                equity::VARCHAR AS equity
           FROM backtest_liquidations WHERE run_id = $1 ORDER BY seq`,
        [runId],
      )
    ).getRowObjectsJS(),
  )

describe('bitmex-2020-03 on XBTUSD', () => {
  test('explicit positions: the crash takes the 25x long at its inverse liquidation price; amounts in XBT; the summary names the coin', async () => {
    const { result, run, summary } = await backtest(request())
    expect(result.status).toBe('succeeded')
    expect(summary.prices[0]!.markMethod).toBe('indexMovingAverageBasis')
    expect(summary.settlement).toMatchObject({ contract: 'inverse', unit: 'XBT', contractValues: { XBTUSD: 1 } })
    expect(summary.settlement!.text).toMatch(/^settled in XBT/)
    // the fund starts at 36,493 XBT; its quote value is the XBT balance at the last mark (~4,800)
    expect(summary.fund.initial).toBe('36493')
    const valued = summary.settlement!.fundFinalQuote!
    expect(valued.mark).toBeGreaterThan(4_500)
    expect(valued.mark).toBeLessThan(5_000)
    expect(parseMicros(valued.amount)).toBe(Math.round(Number(summary.fund.final) * valued.mark * 1e6))
    const rows = await liquidationRows(run.id)
    const whale = rows.filter((r) => r.account === 'whale')
    expect(whale.length).toBeGreaterThan(0)
    expect(whale[0]).toMatchObject({ side: 'long' })
    // the first clip of the 25x long: its liquidation price from the inverse formula Q·(1 + mmr)/(C + Q/E), E the
    // first mark (≈ 8,000), in USD per XBT, and its notional in XBT (≈ 100,000 / 7,731 ≈ 12.9 before clipping)
    const lp = Number(whale[0]!.liquidation_price)
    expect(lp).toBeGreaterThan(7_700)
    expect(lp).toBeLessThan(7_760)
    expect(Number(whale[0]!.bankruptcy_price)).toBeLessThan(lp)
    const notional = Number(whale.reduce((s, r) => s + Number(r.notional), 0))
    expect(notional).toBeGreaterThan(12)
    expect(notional).toBeLessThan(13.5)
    expect(rows.some((r) => r.account === 'careful' || r.account === 'bear')).toBe(false)
    // funding in XBT: the longs (110,000 contracts) pay and the short (50,000) receives 0.01% of Q / mark
    const paid = Number(summary.fundingPaidByPositions)
    expect(paid).toBeGreaterThan((60_000 / 8_100) * 0.0001)
    expect(paid).toBeLessThan((60_000 / 7_900) * 0.0001)
  })

  test('a synthetic population: the crash liquidates only longs, at prices on the crash path, in XBT', async () => {
    const { result, summary, run } = await backtest(
      request({
        positions: 'synthetic',
        explicitPositions: undefined,
        population: {
          initialPositions: 400,
          notionalMedian: 0.5,
          entryLookbackHours: 0,
          leverageMin: 5,
          leverageMax: 50,
        },
      }),
    )
    expect(result.status).toBe('succeeded')
    expect(summary.settlement?.unit).toBe('XBT')
    expect(summary.liquidations).toBeGreaterThan(20)
    const rows = await liquidationRows(run.id)
    expect(new Set(rows.map((r) => r.side))).toEqual(new Set(['long']))
    for (const r of rows) {
      expect(Number(r.liquidation_price)).toBeGreaterThan(4_700)
      expect(Number(r.liquidation_price)).toBeLessThan(8_100)
    }
    // notionals are XBT: a 0.5 XBT median position, not 0.5 × the price
    const median = rows.map((r) => Number(r.notional)).sort((a, b) => a - b)[rows.length >> 1]!
    expect(median).toBeGreaterThan(0.02)
    expect(median).toBeLessThan(20)
  })

  test('prepare refuses account replays of inverse markets and mixed linear/inverse markets, naming them', async () => {
    const deps = { duck: runtime.duck, meta: runtime.meta }
    const refused = await prepareBacktest(deps, request({ positions: 'accounts', explicitPositions: undefined }), {
      allowFiles: false,
    }).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(InvalidInputError)
    expect((refused as InvalidInputError).problems).toEqual([
      expect.objectContaining({ path: 'positions', received: 'accounts', expected: expect.stringMatching(/XBTUSD/) }),
    ])
    // a stored rule set that keeps XBTUSDT linear beside the inverse XBTUSD: one run cannot hold both
    await deriveStoredRuleSet(runtime.meta, {
      from: 'bitmex-2020-03',
      name: 'bitmex-mixed',
      set: [{ path: 'contract.markets', value: { XBTUSDT: { type: 'linear' } } }],
    })
    const mixed = await prepareBacktest(
      deps,
      request({
        ruleSet: 'bitmex-mixed',
        markets: ['XBTUSD', 'XBTUSDT'],
        explicitPositions: { accounts: [{ id: 'a' }] },
      }),
      { allowFiles: false },
    ).catch((e: unknown) => e)
    expect(mixed).toBeInstanceOf(InvalidInputError)
    expect((mixed as InvalidInputError).problems).toEqual([
      expect.objectContaining({ path: 'markets', received: 'XBTUSD (inverse), XBTUSDT (linear)' }),
    ])
  })
})
