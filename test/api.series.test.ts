// Series and comparisons: bucket math (epoch-aligned, [from, to), every bucket present) and the refusal of too many
// buckets with the numbers; a market's OHLCV / VWAP / reference prices / funding / liquidations per bucket; a run's
// liquidations, deficits and carried-forward fund balance (from raw rows, and from the per-hour rollups with the same
// answers); compareRuns' differences and its errors.
import { afterAll, describe, expect, test } from 'vitest'
import { backtestJob } from '../jobs/backtest.ts'
import type { JobDefinition } from '../jobs/job.ts'
import { jobRegistry } from '../jobs/registry.ts'
import { RunManager } from '../jobs/runManager.ts'
import { bucketRange, type Granularity } from '../src/store/series/buckets.ts'
import { readMarketSeries } from '../src/store/series/marketSeries.ts'
import { readRunSeries } from '../src/store/series/runSeries.ts'
import { RUN_ROLLUP_TABLES, writeRunSeriesRollups } from '../src/store/series/runSeriesRollups.ts'
import { deleteBacktestResults } from '../src/store/results/backtestResults.ts'
import { gqlClient } from './support/graphql.ts'
import { barsFromCloses, insertBars, insertFunding, insertPrices } from './support/marketData.ts'
import { testRuntime } from './support/runtime.ts'
import {
  createRunRecord,
  insertDeficits,
  insertFundMovements,
  insertLiquidations,
  liquidationRow,
  T0_ISO,
} from './support/seededRuns.ts'

const runtime = await testRuntime()
const runs = new RunManager(runtime, jobRegistry)
const client = await gqlClient(runtime, runs)
afterAll(async () => {
  await client.stop()
  await runs.stop(5000)
})

const T0 = Date.parse(T0_ISO)
const MIN = 60_000
const HOUR = 3_600_000
const iso = (ms: number) => new Date(ms).toISOString()

describe('buckets', () => {
  test('the first bucket starts at from rounded down; the count covers [from, to)', () => {
    expect(bucketRange(new Date(T0 + 30_000), new Date(T0 + 2 * HOUR), 'HOUR')).toMatchObject({
      start: new Date(T0),
      count: 2,
      seconds: 3600,
    })
    expect(bucketRange(new Date(T0), new Date(T0 + HOUR), 'HOUR').count).toBe(1)
    expect(bucketRange(new Date(T0), new Date(T0 + HOUR + 1), 'HOUR').count).toBe(2)
    expect(bucketRange(new Date(T0 + 5 * HOUR), new Date(T0 + 30 * HOUR), 'DAY')).toMatchObject({
      start: new Date(T0),
      count: 2,
    })
  })

  test('more than 100 000 buckets, or an empty range, is BAD_USER_INPUT with the numbers', async () => {
    expect(() => bucketRange(new Date(T0), new Date(T0 + 100_000_000), 'SECOND')).not.toThrow()
    const r = await client.run(
      `{ marketSeries(venue: "v", market: "m", from: "${iso(T0)}", to: "${iso(T0 + 2 * 86_400_000)}", granularity: SECOND) { bucketSeconds } }`,
    )
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ path: 'granularity' }] })
    expect(r.errors?.[0]?.message).toContain('is 172800 buckets of SECOND; a series has at most 100000')
    expect(r.errors?.[0]?.message).toContain('MINUTE or coarser')
    const empty = await client.run(
      `{ runSeries(runId: "x", from: "${iso(T0)}", to: "${iso(T0)}", granularity: HOUR) { bucketSeconds } }`,
    )
    expect(empty.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ path: 'to' }] })
  })
})

describe('marketSeries', () => {
  test('OHLCV, VWAP, prices side by side, funding and liquidations per minute; empty buckets are null', async () => {
    // 120 one-second bars over two minutes, closes 100, 101, …
    const closes = Array.from({ length: 120 }, (_, i) => 100 + i)
    const bars = barsFromCloses(T0 * 1000, closes, { 30: { low: 50 } }, 1000)
    await insertBars(runtime.duck, 'bin', 'BTCUSDT', 1, bars)
    await insertPrices(runtime.duck, 'bin', 'BTCUSDT', 'mark', 'bin', [
      [T0 * 1000 + 5e6, 99],
      [T0 * 1000 + 59e6, 98],
      [(T0 + MIN) * 1000 + 1e6, 97],
    ])
    await insertPrices(runtime.duck, 'bin', 'BTCUSDT', 'oracle', 'pyth', [[T0 * 1000 + 10e6, 105]])
    await insertPrices(runtime.duck, 'bin', 'BTCUSDT', 'oracle', 'chainlink', [[T0 * 1000 + 20e6, 106]])
    await insertFunding(runtime.duck, 'bin', 'BTCUSDT', [[(T0 + MIN) * 1000 + 30e6, 0.0001]])
    await runtime.duck.use((c) =>
      c.run(`INSERT INTO liquidations VALUES
        ('bin', 'BTCUSDT', TIMESTAMP '2025-10-10 00:00:10', 'long', 100, 0.5, 'liquidation', NULL, NULL, 'bin', 'p', NULL, NULL),
        ('bin', 'BTCUSDT', TIMESTAMP '2025-10-10 00:00:20', 'short', 200, 0.25, 'liquidation', NULL, NULL, 'bin', 'p', NULL, NULL),
        ('bin', 'BTCUSDT', TIMESTAMP '2025-10-10 00:00:30', 'short', 200, 9, 'adl', NULL, NULL, 'bin', 'p', NULL, NULL)`),
    )
    const q = (oracle: string | null) =>
      client.run(
        `query($o: String) { marketSeries(venue: "bin", market: "BTCUSDT", from: "${iso(T0)}", to: "${iso(T0 + 3 * MIN)}",
          granularity: MINUTE, oracleSource: $o) {
          bucketSeconds nodes { bucket open high low close volume quoteVolume vwap barSeconds mark oracle index
            fundingRate fundingSettlements liquidations liquidatedQty liquidatedNotionalApprox } } }`,
        { o: oracle },
      )
    const r = await q(null)
    expect(r.errors).toBeUndefined()
    const s = r.data!.marketSeries as { bucketSeconds: number; nodes: Array<Record<string, unknown>> }
    expect(s.bucketSeconds).toBe(60)
    expect(s.nodes.map((n) => n.bucket)).toEqual([iso(T0), iso(T0 + MIN), iso(T0 + 2 * MIN)])
    const first = bars.slice(0, 60)
    const vol = first.reduce((a, b) => a + 1000 / b.close, 0)
    expect(s.nodes[0]).toMatchObject({
      open: first[0]!.open,
      high: 159,
      low: 50,
      close: 159,
      quoteVolume: 60_000,
      barSeconds: 1,
      mark: 98,
      oracle: 106,
      index: null,
      fundingRate: null,
      fundingSettlements: 0,
      liquidations: 2,
      liquidatedNotionalApprox: 100,
    })
    expect(s.nodes[0]!.volume).toBeCloseTo(vol, 9)
    expect(s.nodes[0]!.vwap).toBeCloseTo(60_000 / vol, 9)
    expect(Number(s.nodes[0]!.liquidatedQty)).toBe(0.75)
    expect(s.nodes[1]).toMatchObject({ open: 159, close: 219, mark: 97, fundingRate: 0.0001, fundingSettlements: 1 })
    expect(s.nodes[2]).toMatchObject({ open: null, close: null, mark: null, liquidations: 0, liquidatedQty: null })
    const pyth = (await q('pyth')).data!.marketSeries as { nodes: Array<{ oracle: number }> }
    expect(pyth.nodes[0]!.oracle).toBe(105)
  })

  test('series read from the per-minute rollups equal series read from the raw rows, gaps and partial minutes included', async () => {
    // 3 h of 1 s bars with a 25 min hole and every 13th second missing, 60 s klines over the first 70 min (so a range
    // inside the hole picks them), mark ticks every 3 s, index every 20 s, and two oracle sources that never share a
    // time (a tie has no defined winner), all with a 12 min hole of their own. Closes are powers of two and quote volume 1024, so every volume is exact
    // and sums cannot differ by their order.
    const SEC = 1000
    const pow = [64, 128, 256, 128, 32]
    const oneSecond = barsFromCloses(
      T0 * 1000,
      Array.from({ length: 3 * 3600 }, (_, i) => pow[Math.floor(i / 7) % 5]!),
      { 100: { low: 8 }, 4000: { high: 512 } },
      1024,
    ).filter((_, i) => !(i >= 50 * 60 && i < 75 * 60) && i % 13 !== 5)
    await insertBars(runtime.duck, 'bin', 'ROLL', 1, oneSecond)
    const klines = barsFromCloses(
      T0 * 1000,
      Array.from({ length: 70 }, (_, i) => pow[i % 5]! * 2),
      {},
      4096,
    ).map((b, i) => ({ ...b, tsUs: (T0 + i * MIN) * 1000 }))
    await insertBars(runtime.duck, 'bin', 'ROLL', 60, klines, 'klines')
    const ticks = (every: number, offset: number, price: (k: number) => number): Array<[number, number]> =>
      Array.from({ length: Math.floor((3 * 3600 - offset) / every) }, (_, k) => k)
        .map((k): [number, number] => [(T0 + (offset + k * every) * SEC) * 1000, price(k)])
        .filter(([us]) => !(us >= (T0 + 40 * MIN) * 1000 && us < (T0 + 52 * MIN) * 1000))
    await insertPrices(
      runtime.duck,
      'bin',
      'ROLL',
      'mark',
      'bin',
      ticks(3, 0, (k) => 1000 + (k % 17)),
    )
    await insertPrices(
      runtime.duck,
      'bin',
      'ROLL',
      'index',
      'bin',
      ticks(20, 1, (k) => 900 + (k % 5)),
    )
    await insertPrices(
      runtime.duck,
      'bin',
      'ROLL',
      'oracle',
      'pyth',
      ticks(4, 0, (k) => 2000 + (k % 11)),
    )
    await insertPrices(
      runtime.duck,
      'bin',
      'ROLL',
      'oracle',
      'chainlink',
      ticks(8, 2, (k) => 3000 + (k % 7)),
    )

    const both = async (fromMs: number, toMs: number, granularity: Granularity, oracleSource: string | null = null) => {
      const q = {
        venue: 'bin',
        market: 'ROLL',
        range: bucketRange(new Date(fromMs), new Date(toMs), granularity),
        oracleSource,
      }
      return {
        rolled: await readMarketSeries(runtime.duck, q),
        raw: await readMarketSeries(runtime.duck, q, { rollups: false }),
      }
    }
    const ranges: Array<[number, number, Granularity, string | null]> = [
      [T0, T0 + 3 * HOUR, 'HOUR', null],
      [T0 + 10 * MIN + 20_500, T0 + 3 * HOUR - 30 * SEC, 'HOUR', null],
      [T0 + 10 * MIN + 20_500, T0 + 3 * HOUR - 30 * SEC, 'HOUR', 'pyth'],
      [T0 + 49 * MIN + 10 * SEC, T0 + 76 * MIN + 45 * SEC, 'MINUTE', null],
      [T0 + 55 * MIN, T0 + 70 * MIN, 'MINUTE', null],
      [T0 - HOUR, T0 + 4 * HOUR, 'DAY', 'chainlink'],
      [T0 + 30_200, T0 + 50_900, 'MINUTE', null],
    ]
    for (const [fromMs, toMs, granularity, oracle] of ranges) {
      const { rolled, raw } = await both(fromMs, toMs, granularity, oracle)
      expect(rolled, `${iso(fromMs)}–${iso(toMs)} ${granularity} ${oracle}`).toEqual(raw)
      // not a comparison of empty answers
      expect(rolled.some((r) => r.open !== null && r.mark !== null && r.oracle !== null)).toBe(true)
    }
    // the hole is read from the klines, the 1 s bars elsewhere
    const inHole = await both(T0 + 55 * MIN, T0 + 70 * MIN, 'MINUTE')
    expect(inHole.rolled.map((r) => r.barSeconds)).toEqual(Array(15).fill(60))
    expect((await both(T0, T0 + 3 * HOUR, 'HOUR')).rolled.map((r) => r.barSeconds)).toEqual([1, 1, 1])

    // The rollups are what a coarse series reads: with the raw bars of the second hour gone, the rolled-up answer is
    // unchanged and the raw one is not.
    const before = await both(T0, T0 + 3 * HOUR, 'HOUR')
    await runtime.duck.use((c) =>
      c.run(
        `DELETE FROM bars WHERE market = 'ROLL' AND ts >= TIMESTAMP '2025-10-10 01:00:00' AND ts < TIMESTAMP '2025-10-10 02:00:00'`,
      ),
    )
    const after = await both(T0, T0 + 3 * HOUR, 'HOUR')
    expect(after.rolled).toEqual(before.rolled)
    expect(after.raw[1]!.open).toBeNull()
  })

  test('a market without data is NOT_FOUND', async () => {
    const r = await client.run(
      `{ marketSeries(venue: "bin", market: "NOPE", from: "${iso(T0)}", to: "${iso(T0 + HOUR)}", granularity: HOUR) { bucketSeconds } }`,
    )
    expect(r.errors?.[0]?.extensions?.code).toBe('NOT_FOUND')
  })
})

/** Fund movements of a run: `pooled` from 1000 and a per-market fund from 500 (balances as given). */
async function seedRun(id: string, pooled: Array<[number, string]>, deficits: Array<[number, string, string]>) {
  await createRunRecord(runtime, id)
  await insertLiquidations(runtime, id, 0, 40)
  let seq = 0
  await insertFundMovements(runtime, id, [
    ...pooled.map(([ms, balance]) => ({ seq: seq++, tsMs: ms, fund: 'pooled', reason: 'payout', delta: '0', balance })),
    { seq: seq++, tsMs: T0 + 30 * MIN, fund: 'BTCUSDT', reason: 'initial', delta: '500', balance: '500' },
  ])
  await insertDeficits(
    runtime,
    id,
    deficits.map(([ms, shortfall, uncovered], i) => ({ seq: i, tsMs: ms, shortfall, uncovered })),
  )
}

await seedRun(
  'series-a',
  [
    [T0, '1000'],
    [T0 + 90 * MIN, '900'],
    [T0 + 100 * MIN, '880.5'],
  ],
  [
    [T0 + 90 * MIN, '10', '2'],
    [T0 + 100 * MIN, '5.25', '0'],
  ],
)
await seedRun(
  'series-b',
  [
    [T0, '1000'],
    [T0 + 150 * MIN, '700'],
  ],
  [[T0 + 150 * MIN, '300', '40']],
)
await createRunRecord(runtime, 'series-running', { status: 'running' })

const RUN_SERIES = `query($id: ID!, $from: DateTime!, $to: DateTime!) {
  runSeries(runId: $id, from: $from, to: $to, granularity: HOUR) {
    nodes { bucket liquidations liquidatedNotional deficits shortfall uncovered uncoveredApprox fundBalance fundBalanceApprox }
  } }`

describe('runSeries', () => {
  test('liquidations and deficits per bucket; the fund balance is carried forward and summed over funds', async () => {
    const r = await client.run(RUN_SERIES, { id: 'series-a', from: iso(T0), to: iso(T0 + 4 * HOUR) })
    expect(r.errors).toBeUndefined()
    const nodes = (r.data!.runSeries as { nodes: Array<Record<string, unknown>> }).nodes
    const notional = Array.from({ length: 40 }, (_, i) => liquidationRow(i).notional).reduce((a, b) => a + b, 0)
    expect(nodes.map((n) => n.bucket)).toEqual([0, 1, 2, 3].map((h) => iso(T0 + h * HOUR)))
    expect(nodes[0]).toMatchObject({ liquidations: 40, deficits: 0, shortfall: '0.000000', fundBalance: '1500.000000' })
    expect(Number(nodes[0]!.liquidatedNotional)).toBe(notional)
    expect(nodes[1]).toMatchObject({
      liquidations: 0,
      deficits: 2,
      shortfall: '15.250000',
      uncovered: '2.000000',
      uncoveredApprox: 2,
      fundBalance: '1380.500000',
      fundBalanceApprox: 1380.5,
    })
    expect(nodes[2]!.fundBalance).toBe('1380.500000')
    expect(nodes[3]!.fundBalance).toBe('1380.500000')
    // from inside the run: the balance before the range is carried in
    const later = await client.run(RUN_SERIES, { id: 'series-a', from: iso(T0 + 2 * HOUR), to: iso(T0 + 3 * HOUR) })
    expect(later.data!.runSeries).toEqual({
      nodes: [expect.objectContaining({ bucket: iso(T0 + 2 * HOUR), liquidations: 0, fundBalance: '1380.500000' })],
    })
  })

  test('an unknown run is NOT_FOUND, a running one CONFLICT', async () => {
    const read = (id: string) => client.run(RUN_SERIES, { id, from: iso(T0), to: iso(T0 + HOUR) })
    expect((await read('nope')).errors?.[0]?.extensions?.code).toBe('NOT_FOUND')
    expect((await read('series-running')).errors?.[0]?.extensions).toMatchObject({
      code: 'CONFLICT',
      status: 'running',
    })
  })
})

// A run over 5 hours with a gap (no liquidations 83–183 min), deficits and two funds' movements in partial edge
// hours, in whole hours and before the range; the rollups hold whole hours, edges come from raw rows.
const ROLLED = 'series-rolled'
const at = (min: number) => T0 + min * MIN
await createRunRecord(runtime, ROLLED)
await insertLiquidations(runtime, ROLLED, 0, 500)
await insertLiquidations(runtime, ROLLED, 1100, 1700)
const moves: Array<[number, string, string]> = [
  [0, 'pooled', '1000'],
  [0, 'BTCUSDT', '500'],
  [10, 'pooled', '990.5'],
  [61, 'BTCUSDT', '480.25'],
  [62, 'pooled', '970'],
  [62, 'pooled', '969.125'], // same minute, later seq: the last by seq wins
  [130, 'BTCUSDT', '470'],
  [241, 'pooled', '900'],
  [290, 'BTCUSDT', '455.5'],
]
await insertFundMovements(
  runtime,
  ROLLED,
  moves.map(([min, fund, balance], seq) => ({ seq, tsMs: at(min), fund, reason: 'payout', delta: '0', balance })),
)
const deficits: Array<[number, string, string]> = [
  [5, '10', '1'],
  [70, '2.5', '0.5'],
  [119, '3.75', '0'],
  [200, '100', '40'],
  [281, '7.125', '7.125'],
]
await insertDeficits(
  runtime,
  ROLLED,
  deficits.map(([min, shortfall, uncovered], seq) => ({ seq, tsMs: at(min), shortfall, uncovered })),
)
await writeRunSeriesRollups(runtime.duck, ROLLED)

describe('runSeries from rollups', () => {
  const read = (ids: string[], from: number, to: number, g: Granularity, rollups = true) =>
    readRunSeries(runtime.duck, ids, bucketRange(new Date(from), new Date(to), g), { rollups })
  const windows: Array<[number, number, Granularity]> = [
    [at(0), at(300), 'HOUR'], // aligned
    [at(17), at(281), 'HOUR'], // partial hours at both edges, the first bucket partial
    [at(70), at(250), 'HOUR'], // opening balances from whole hours and from the partial hour before `from`
    [at(125), at(300), 'HOUR'], // starting in the gap
    [at(17), at(281), 'DAY'],
    [at(61), at(62) + 30_000, 'HOUR'], // no whole hour: raw rows only
  ]

  test('every window, at HOUR and DAY, alone and compared with a raw run: the raw answer', async () => {
    for (const [from, to, g] of windows) {
      const rolled = await read([ROLLED], from, to, g)
      expect(rolled, `${iso(from)}..${iso(to)} ${g}`).toEqual(await read([ROLLED], from, to, g, false))
      expect(rolled.some((r) => r.liquidations > 0 || r.deficits > 0)).toBe(true)
      const compared = await read(['series-a', ROLLED], from, to, g)
      expect(compared).toEqual(await read(['series-a', ROLLED], from, to, g, false))
    }
    const [first] = await read([ROLLED], at(17), at(281), 'HOUR')
    expect(first).toMatchObject({ liquidations: 258, deficits: 0, fundBalance: '1490.500000' })
  })

  test('whole hours are read from the rollups: with their raw rows gone the answer stays', async () => {
    const before = await read([ROLLED], at(17), at(281), 'HOUR')
    await runtime.duck.use(async (c) => {
      for (const t of ['backtest_liquidations', 'backtest_deficits', 'backtest_fund_series'])
        await c.run(
          `DELETE FROM ${t} WHERE run_id = $1 AND ts >= TIMESTAMP '2025-10-10 01:00:00' AND ts < TIMESTAMP '2025-10-10 04:00:00'`,
          [ROLLED],
        )
    })
    expect(await read([ROLLED], at(17), at(281), 'HOUR')).toEqual(before)
    expect(await read([ROLLED], at(17), at(281), 'HOUR', false)).not.toEqual(before)
    // removed with the run's results: then read from the (remaining) raw rows
    await deleteBacktestResults(runtime.duck, ROLLED)
    const left = await runtime.duck.use(async (c) =>
      Promise.all(
        RUN_ROLLUP_TABLES.map(async (t) =>
          Number(
            (
              await c.runAndReadAll(`SELECT count(*)::DOUBLE AS n FROM ${t} WHERE run_id = $1`, [ROLLED])
            ).getRowObjectsJS()[0]!.n,
          ),
        ),
      ),
    )
    expect(left).toEqual([0, 0, 0])
    expect((await read([ROLLED], at(17), at(281), 'HOUR')).every((r) => r.liquidations === 0)).toBe(true)
  })
})

describe('runSeries of a backtest run', () => {
  // a backtest through the run system writes its per-hour rollups before it succeeds (src/replay/backtest/execute.ts)
  const BT0 = Date.UTC(2025, 9, 10) * 1000
  const H = 3600 * 1e6
  test('a succeeded backtest has rollups, and its series from them equals the raw one', async () => {
    /** Three hours of BTCUSDT at 1 s: flat, a −15% crash over a minute at 60 min, then a partial rebound. */
    const closes: number[] = []
    for (let i = 0, p = 60_000; i < 3 * 3600; i++) {
      if (i >= 3_600 && i < 3_660) p *= 0.9973
      if (i >= 3_660 && i < 3_720) p *= 1.001
      closes.push(p * (1 + 0.0002 * Math.sin(i / 30)))
    }
    await insertBars(runtime.duck, 'binance-um', 'BTCUSDT', 1, barsFromCloses(BT0, closes, {}, 2e6))
    const index: Array<[number, number]> = []
    for (let i = 0; i < closes.length; i += 10) index.push([BT0 + i * 1e6, closes[i]! * 0.9999])
    await insertPrices(runtime.duck, 'binance-um', 'BTCUSDT', 'index', 'binance-um', index)
    const result = await runs.run(
      backtestJob as JobDefinition<never>,
      {
        ruleSet: 'binance-um',
        venue: 'binance-um',
        markets: ['BTCUSDT'],
        from: new Date(BT0 / 1000).toISOString(),
        to: new Date((BT0 + 3 * H) / 1000).toISOString(),
        positions: 'synthetic',
        population: { initialPositions: 500, meanHoldingHours: 1, leverageMax: 75 },
        seed: 7,
      } as never,
      { trigger: 'api' },
    )
    expect(result.status).toBe('succeeded')
    const marked = await runtime.duck.use(
      async (c) =>
        (
          await c.runAndReadAll('SELECT count(*)::DOUBLE AS n FROM run_series_rolled WHERE run_id = $1', [result.runId])
        ).getRowObjectsJS()[0]!.n,
    )
    expect(marked).toBe(1)
    // 00:17 to 02:41: partial hours at both edges, the crash hour whole
    const range = bucketRange(new Date(BT0 / 1000 + 17 * 60_000), new Date(BT0 / 1000 + 161 * 60_000), 'HOUR')
    const rolled = await readRunSeries(runtime.duck, [result.runId], range)
    expect(rolled).toEqual(await readRunSeries(runtime.duck, [result.runId], range, { rollups: false }))
    expect(rolled[1]!.liquidations).toBeGreaterThan(10)
    expect(rolled.every((r) => r.fundBalance !== null)).toBe(true)
  })
})

describe('compareRuns', () => {
  const COMPARE = `query($ids: [ID!]!) { compareRuns(ids: $ids, granularity: HOUR) {
    baseline from to bucketSeconds runs { id ruleSetRef }
    nodes { runId bucket fundBalance fundBalanceDiff shortfall shortfallDiff uncoveredDiff uncoveredDiffApprox } } }`

  test('per bucket and run: the values and their difference from the first run, over the runs’ windows', async () => {
    const r = await client.run(COMPARE, { ids: ['series-a', 'series-b'] })
    expect(r.errors).toBeUndefined()
    const c = r.data!.compareRuns as {
      baseline: string
      from: string
      to: string
      runs: Array<{ id: string }>
      nodes: Array<Record<string, unknown>>
    }
    expect(c).toMatchObject({ baseline: 'series-a', from: iso(T0), to: iso(T0 + 24 * HOUR) })
    expect(c.runs.map((x) => x.id)).toEqual(['series-a', 'series-b'])
    expect(c.nodes).toHaveLength(48)
    const at = (run: string, h: number) => c.nodes.find((n) => n.runId === run && n.bucket === iso(T0 + h * HOUR))!
    expect(at('series-a', 1)).toMatchObject({ fundBalanceDiff: '0.000000', shortfallDiff: '0.000000' })
    expect(at('series-b', 1)).toMatchObject({
      fundBalance: '1500.000000',
      fundBalanceDiff: '119.500000',
      shortfall: '0.000000',
      shortfallDiff: '-15.250000',
      uncoveredDiff: '-2.000000',
    })
    expect(at('series-b', 2)).toMatchObject({
      fundBalance: '1200.000000',
      fundBalanceDiff: '-180.500000',
      shortfallDiff: '300.000000',
      uncoveredDiff: '40.000000',
      uncoveredDiffApprox: 40,
    })
    expect(at('series-b', 23)).toMatchObject({ fundBalanceDiff: '-180.500000', shortfallDiff: '0.000000' })
  })

  test('too few, repeated, unknown or unfinished runs are refused', async () => {
    const code = async (ids: string[]) => (await client.run(COMPARE, { ids })).errors?.[0]?.extensions
    expect(await code(['series-a'])).toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ path: 'ids' }] })
    expect(await code(['series-a', 'series-a'])).toMatchObject({ code: 'BAD_USER_INPUT' })
    expect(await code(['series-a', 'ghost'])).toMatchObject({ code: 'NOT_FOUND', ids: ['ghost'] })
    expect(await code(['series-a', 'series-running'])).toMatchObject({ code: 'CONFLICT', status: 'running' })
  })
})
