// Mark and oracle proxies on a small hand-made store (fifteen minutes of 1 s data, runs in-process): a Hyperliquid-like
// market with no mark or oracle history replays with a Binance mark as its mark and is liquidated where that mark
// says; a Pyth or Chainlink oracle drives an oracle-priced mark; bad proxies are refused naming what was received and
// what is valid, in the request, the CLI options and GraphQL alike.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { jobRegistry } from '../jobs/registry.ts'
import { RunManager } from '../jobs/runManager.ts'
import { backtestInput } from '../src/cli/commands/backtest.ts'
import { InvalidInputError } from '../src/errors.ts'
import { executeBacktest } from '../src/replay/backtest/execute.ts'
import { prepareBacktest } from '../src/replay/backtest/prepare.ts'
import { priceStreamLines } from '../src/replay/backtest/priceStreamsText.ts'
import { inlineHost } from '../src/replay/host/inlineHost.ts'
import { gqlClient } from './support/graphql.ts'
import { barsFromCloses, insertBars, insertFills, insertLedger, insertPrices } from './support/marketData.ts'
import { testRuntime } from './support/runtime.ts'

const runtime = await testRuntime()
const runs = new RunManager(runtime, jobRegistry)
const client = await gqlClient(runtime, runs)
afterAll(async () => {
  await client.stop()
  await runs.stop(5000)
})

const T0 = Date.UTC(2025, 9, 10, 0, 0, 0) * 1000
const S = 1e6
const N = 900
const CRASH = 450
const iso = (us: number) => new Date(us / 1000).toISOString()
const flat = (p: number) => Array.from({ length: N }, () => p)
/** Flat at p, then −0.5% a second for 20 s from second CRASH (−10%), then flat. */
const crash = (p: number) =>
  Array.from({ length: N }, (_x, s) => p * (1 - 0.005 * Math.min(20, Math.max(0, s - CRASH + 1))))
const ticks = (path: number[]): Array<[number, number]> => path.map((p, s) => [T0 + s * S, p])

beforeAll(async () => {
  // the replayed venues trade flat: only a proxy can move their marks
  await insertBars(runtime.duck, 'hyperliquid', 'ETH', 1, barsFromCloses(T0, flat(2_000)))
  await insertBars(runtime.duck, 'hyperliquid', 'BTC', 1, barsFromCloses(T0, flat(60_000)))
  await insertPrices(runtime.duck, 'hyperliquid', 'BTC', 'mark', 'hyperliquid', ticks(flat(60_000)))
  await insertBars(runtime.duck, 'dydx', 'ETH-USD', 1, barsFromCloses(T0, flat(2_000)))
  await insertBars(runtime.duck, 'dydx', 'BTC-USD', 1, barsFromCloses(T0, flat(60_000)))
  // the proxies crash: Binance's ETHUSDT mark (ticks), its BTCUSDT trades (bars only), Pyth and Chainlink oracles
  await insertPrices(runtime.duck, 'binance-um', 'ETHUSDT', 'mark', 'binance-um', ticks(crash(2_000)))
  await insertBars(runtime.duck, 'binance-um', 'BTCUSDT', 1, barsFromCloses(T0, crash(60_000)))
  await insertBars(runtime.duck, 'binance-um', 'ETHUSDC', 1, barsFromCloses(T0, crash(2_000)))
  await insertPrices(runtime.duck, 'pyth', 'Crypto.ETH/USD', 'oracle', 'pyth', ticks(crash(2_000)))
  await insertPrices(runtime.duck, 'chainlink', 'ETH/USD', 'oracle', 'chainlink', ticks(crash(2_000)))
  await insertPrices(runtime.duck, 'chainlink', 'BTC/USD', 'oracle', 'chainlink', ticks(crash(60_000)))
  // one Hyperliquid account: a deposit, then 1 ETH bought at 2,000 (no leverage on record)
  await insertLedger(runtime.duck, 'hyperliquid', [
    { tsUs: T0 + 5 * S, account: 'alice', delta: '10000', kind: 'deposit' },
  ])
  await insertFills(runtime.duck, 'hyperliquid', [
    { tsUs: T0 + 10 * S, account: 'alice', market: 'ETH', side: 'buy', price: '2000', qty: '1', fee: '0.5' },
  ])
})

const long = (market: string, entry: number, leverage: number) => ({
  accounts: [{ id: 'long', positions: [{ market, side: 'long', qty: 1, entry, leverage }] }],
})

const request = (extra: Record<string, unknown>) => ({
  ruleSet: 'hyperliquid',
  venue: 'hyperliquid',
  markets: ['ETH'],
  from: iso(T0),
  to: iso(T0 + N * S),
  positions: 'explicit',
  mode: 'isolated',
  explicitPositions: long('ETH', 2_000, 20),
  ...extra,
})

let serial = 0
/** Prepares and replays in this thread; the summary and the liquidations written. */
async function replay(input: Record<string, unknown>) {
  const prepared = await prepareBacktest(runtime, input, { allowFiles: false })
  const runId = `proxy-${serial++}`
  const { summary } = await executeBacktest({ duck: runtime.duck }, prepared, { runId, host: inlineHost })
  const liquidations = await runtime.duck.use(async (c) =>
    (
      await c.runAndReadAll(
        `SELECT epoch_us(ts)::DOUBLE AS ts, market, trigger_mark, liquidation_price FROM backtest_liquidations
          WHERE run_id = $1 ORDER BY seq`,
        [runId],
      )
    ).getRowObjectsJS(),
  )
  return { prepared, summary, liquidations }
}

/** Problems of a refused preparation, as path → expected. */
async function refused(
  input: Record<string, unknown>,
): Promise<Array<{ path: string; received: unknown; expected: string }>> {
  const error = await prepareBacktest(runtime, input, { allowFiles: false }).then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(InvalidInputError)
  return (error as InvalidInputError).problems
}

describe('a mark proxy', () => {
  test('Hyperliquid ETH without mark or oracle history, marked by Binance ETHUSDT: liquidated where the Binance mark says', async () => {
    const own = await replay(request({}))
    // its own flat trades as the mark: nothing happens
    expect(own.liquidations).toEqual([])
    const proxied = await replay(request({ markProxy: { venue: 'binance-um', market: 'ETHUSDT' } }))
    expect(proxied.summary.prices[0]).toMatchObject({
      market: 'ETH',
      markMethod: 'published',
      streams: ['mark:binance-um/ETHUSDT mark:binance-um'],
      proxies: [{ kind: 'mark', venue: 'binance-um', market: 'ETHUSDT', stored: 'mark', source: 'binance-um' }],
    })
    expect(proxied.summary.warnings).toContain(
      'ETH: mark from a proxy, binance-um ETHUSDT mark (binance-um, ticks) (hyperliquid has no mark history in the window)',
    )
    expect(proxied.liquidations).toHaveLength(1)
    const liq = proxied.liquidations[0]!
    const path = crash(2_000)
    const second = (Number(liq.ts) - T0) / S
    // at the first second the proxy's mark is at or below the liquidation price, and at that very mark
    expect(liq.trigger_mark).toBe(path[second])
    expect(path[second]!).toBeLessThanOrEqual(Number(liq.liquidation_price))
    expect(path[second - 1]!).toBeGreaterThan(Number(liq.liquidation_price))
    expect(second).toBeGreaterThan(CRASH)
    expect(second).toBeLessThan(CRASH + 20)
    // the text summary names the proxy as the mark
    expect(priceStreamLines(proxied.summary)[0]).toEqual([
      'prices ETH',
      'mark: published mark, proxy binance-um ETHUSDT mark (binance-um, ticks)',
    ])
  })

  test("a proxy market with no mark takes its trades' bars' close, and says so; unmapped markets keep their own", async () => {
    const { summary, liquidations } = await replay(
      request({
        markets: ['BTC', 'ETH'],
        markProxy: { venue: 'binance-um', markets: { ETH: 'ETHUSDC' }, force: false },
      }),
    )
    // only the mapped market takes the proxy; BTC keeps its own streams
    expect(summary.prices.map((p) => p.markMethod)).toEqual(['oracleEmaBasis', 'published'])
    expect(summary.prices[1]!.proxies).toEqual([
      { kind: 'mark', venue: 'binance-um', market: 'ETHUSDC', stored: 'bars', source: 'trades', intervalS: 1 },
    ])
    expect(summary.prices[0]!.proxies).toBeUndefined()
    expect(summary.warnings.join('\n')).toContain("ETH: mark from a proxy, binance-um ETHUSDC 1 s trades bars' close")
    // a bar is known at its close: the liquidation comes with the first bar whose low crosses
    expect(liquidations).toHaveLength(1)
    const liq = liquidations[0]!
    const bar = (Number(liq.ts) - T0) / S - 1
    const path = crash(2_000)
    expect(liq.market).toBe('ETH')
    expect(Math.min(path[bar]!, path[bar - 1]!)).toBeLessThanOrEqual(Number(liq.liquidation_price))
    expect(Math.min(path[bar - 1]!, path[bar - 2]!)).toBeGreaterThan(Number(liq.liquidation_price))
  })

  test("a market's own mark stream is replaced only with force, and the warning says so", async () => {
    const input = request({
      markets: ['BTC'],
      explicitPositions: long('BTC', 60_000, 20),
      markProxy: { venue: 'binance-um', market: 'BTCUSDT' },
    })
    expect(await refused(input)).toEqual([
      {
        path: 'markProxy.force',
        received: undefined,
        expected: expect.stringMatching(
          /^true to replace BTC's own mark stream \(hyperliquid, 900 rows\) with the proxy binance-um BTCUSDT 1 s trades bars' close, or a mapping that leaves BTC out$/,
        ),
      },
    ])
    const forced = await replay({ ...input, markProxy: { venue: 'binance-um', market: 'BTCUSDT', force: true } })
    expect(forced.summary.warnings.join('\n')).toContain("replacing hyperliquid's own mark stream, forced")
    expect(forced.liquidations).toHaveLength(1)
  })
})

describe('an oracle proxy', () => {
  const dydx = (extra: Record<string, unknown>) =>
    request({
      ruleSet: 'dydx-v4',
      venue: 'dydx',
      markets: ['ETH-USD'],
      explicitPositions: long('ETH-USD', 2_000, 10),
      ...extra,
    })

  test('a Pyth oracle drives the oracle-priced dYdX mark; without it the mark fell back to the last trade, and the text says so', async () => {
    const without = await replay(dydx({}))
    expect(without.summary.prices[0]!.markMethod).toBe('last')
    expect(without.liquidations).toEqual([])
    const lines = priceStreamLines(without.summary)
    expect(lines).toContainEqual([
      '',
      "fallback: the rule set's oracle mark needs an oracle stream, which the store does not have in the window: the mark was last instead",
    ])
    const withPyth = await replay(dydx({ oracleProxy: { venue: 'pyth', market: 'Crypto.ETH/USD' } }))
    expect(withPyth.summary.prices[0]).toMatchObject({ markMethod: 'oracle' })
    // the position goes (dYdX may close it in more than one step): first where the Pyth oracle says
    expect(withPyth.liquidations.length).toBeGreaterThan(0)
    const second = (Number(withPyth.liquidations[0]!.ts) - T0) / S
    expect(withPyth.liquidations[0]!.trigger_mark).toBe(crash(2_000)[second])
    expect(second).toBeGreaterThan(CRASH)
    expect(priceStreamLines(withPyth.summary)).toEqual([
      ['prices ETH-USD', 'mark: the oracle, proxy pyth Crypto.ETH/USD oracle (pyth, ticks)'],
      ['', 'oracle: proxy pyth Crypto.ETH/USD oracle (pyth, ticks); index: none used'],
    ])
  })

  test('Chainlink feeds mapped to several markets', async () => {
    const { summary, liquidations } = await replay(
      dydx({
        markets: ['ETH-USD', 'BTC-USD'],
        oracleProxy: { venue: 'chainlink', markets: { 'ETH-USD': 'ETH/USD', 'BTC-USD': 'BTC/USD' } },
      }),
    )
    expect(summary.prices.map((p) => [p.markMethod, p.proxies?.[0]?.market])).toEqual([
      ['oracle', 'ETH/USD'],
      ['oracle', 'BTC/USD'],
    ])
    // only ETH-USD holds a position
    expect(new Set(liquidations.map((l) => l.market))).toEqual(new Set(['ETH-USD']))
  })

  test("Hyperliquid's oracleEmaBasis mark with a CEX price as its oracle (Hyperliquid's oracle is a median of CEX prices)", async () => {
    const without = await replay(request({}))
    expect(priceStreamLines(without.summary)).toContainEqual([
      '',
      'fallback: oracleEmaBasis had no oracle stream: its oracle reference fell back to the last trade price, so the mark was the last trade price',
    ])
    const { summary } = await replay(request({ oracleProxy: { venue: 'binance-um', market: 'ETHUSDT' } }))
    expect(summary.prices[0]!.markMethod).toBe('oracleEmaBasis')
    expect(summary.prices[0]!.proxies).toEqual([
      { kind: 'oracle', venue: 'binance-um', market: 'ETHUSDT', stored: 'mark', source: 'binance-um', intervalS: null },
    ])
    const lines = priceStreamLines(summary)
    expect(lines[0]![1]).toBe(
      'mark: computed (oracleEmaBasis) from the oracle, proxy binance-um ETHUSDT mark (binance-um, ticks), and the last trade price (1 s trades bars)',
    )
    expect(lines.some(([, text]) => text.startsWith('fallback:'))).toBe(false)
  })
})

describe('account positions whose leverage the data never states', () => {
  const accounts = (extra: Record<string, unknown>) =>
    request({
      positions: 'accounts',
      explicitPositions: undefined,
      markProxy: { venue: 'binance-um', market: 'ETHUSDT' },
      ...extra,
    })

  test("--default-leverage instead of the bracket's maximum, recorded as the source", async () => {
    // at Hyperliquid's 25x for ETH the −10% proxy crash takes the isolated position; at 5x it holds
    const max = await replay(accounts({}))
    expect(max.summary.accounts?.leverageSources).toEqual({ bracketMax: 1 })
    expect(max.liquidations).toHaveLength(1)
    const five = await replay(accounts({ defaultLeverage: 5 }))
    expect(five.summary.accounts?.leverageSources).toEqual({ request: 1 })
    expect(five.liquidations).toEqual([])
    expect(backtestInput({ ...CLI_BASE, positions: 'accounts', defaultLeverage: '5' })).toMatchObject({
      defaultLeverage: 5,
    })
  })

  test('only for account replays, and a positive leverage', async () => {
    const problems = await refused(request({ defaultLeverage: 0 }))
    expect(problems.map((p) => [p.path, p.expected])).toEqual([
      ['defaultLeverage', expect.stringMatching(/0/)],
      ['defaultLeverage', 'only with positions = accounts'],
    ])
  })
})

const CLI_BASE = {
  rules: 'hyperliquid',
  venue: 'hyperliquid',
  markets: 'ETH,BTC',
  from: '2025-10-10',
  to: '2025-10-11',
}

describe('bad proxies', () => {
  test('an unknown venue, a mapping to a market with no rows in the window, a market as its own proxy: every problem at once', async () => {
    const problems = await refused(
      request({
        markets: ['ETH', 'BTC'],
        markProxy: { venue: 'binanse', markets: { ETH: 'ETHUSDT' } },
        oracleProxy: { venue: 'chainlink', markets: { ETH: 'SOL/USD' } },
      }),
    )
    expect(problems).toEqual([
      {
        path: 'markProxy.venue',
        received: 'binanse',
        expected: 'a venue with stored prices or bars (binance-um, chainlink, dydx, hyperliquid, pyth)',
      },
      {
        path: 'oracleProxy.markets.ETH',
        received: 'SOL/USD',
        expected: `a chainlink market with prices or bars between ${iso(T0)} and ${iso(T0 + N * S)} (BTC/USD, ETH/USD)`,
      },
    ])
    expect(await refused(request({ markProxy: { venue: 'hyperliquid', market: 'ETH' } }))).toEqual([
      {
        path: 'markProxy.market',
        received: 'hyperliquid ETH',
        expected: 'another venue or market than the replayed hyperliquid ETH',
      },
    ])
  })

  test('a window the proxy does not cover is refused like a market without rows', async () => {
    const problems = await refused(
      request({
        from: iso(T0 - 24 * 3600 * S),
        to: iso(T0 - 23 * 3600 * S),
        markProxy: { venue: 'binance-um', market: 'ETHUSDT' },
      }),
    )
    // the replayed market has no data then either: the proxy problem comes first, before any plan
    expect(problems[0]).toMatchObject({ path: 'markProxy.market', received: 'ETHUSDT' })
    expect(problems[0]!.expected).toMatch(/\(it has none in the window\)$/)
  })

  test('the request schema: market and markets together, a market for several, a mapping key not replayed', async () => {
    const problems = await refused(
      request({
        markets: ['ETH', 'BTC'],
        markProxy: { venue: 'binance-um', market: 'ETHUSDT' },
        oracleProxy: { venue: 'pyth', market: 'x', markets: { SOL: 'Crypto.SOL/USD' } },
      }),
    )
    expect(problems.map((p) => [p.path, p.expected])).toEqual([
      ['markProxy.market', 'a mapping (markets: {replayed: proxy}) when replaying 2 markets (ETH, BTC)'],
      ['oracleProxy.market', 'either market (one replayed market) or markets (a mapping), not both'],
      ['oracleProxy.markets.SOL', 'a replayed market as the key (one of ETH, BTC)'],
    ])
  })

  test('CLI options: --mark-from VENUE:MARKET, --map pairs or JSON, --force; malformed pairs and orphans refused', () => {
    const base = {
      rules: 'hyperliquid',
      venue: 'hyperliquid',
      markets: 'ETH,BTC',
      from: '2025-10-10',
      to: '2025-10-11',
    }
    expect(
      backtestInput({
        ...base,
        positions: 'synthetic',
        markFrom: 'binance-um',
        map: 'ETH=ETHUSDT, BTC=BTCUSDT',
        oracleFrom: 'pyth',
        oracleMap: '{"ETH": "Crypto.ETH/USD"}',
        force: true,
      }),
    ).toMatchObject({
      markProxy: { venue: 'binance-um', markets: { ETH: 'ETHUSDT', BTC: 'BTCUSDT' }, force: true },
      oracleProxy: { venue: 'pyth', markets: { ETH: 'Crypto.ETH/USD' }, force: true },
    })
    expect(backtestInput({ ...base, positions: 'synthetic', oracleFrom: 'chainlink:ETH/USD' })).toMatchObject({
      oracleProxy: { venue: 'chainlink', market: 'ETH/USD' },
    })
    const bad = (() => {
      try {
        backtestInput({
          ...base,
          positions: 'synthetic',
          markFrom: 'binance-um',
          map: 'ETH=ETHUSDT,BTC',
          oracleMap: 'x=y',
          force: true,
        })
      } catch (e) {
        return e as InvalidInputError
      }
      return null
    })()
    expect(bad?.problems).toEqual([
      { path: '--map', received: 'BTC', expected: 'REPLAYED=PROXY pairs, e.g. ETH=ETHUSDT,BTC=BTCUSDT' },
      { path: '--oracle-map', received: 'x=y', expected: 'with --oracle-from' },
    ])
  })

  test('GraphQL runBacktest takes the same proxies through the same validation', async () => {
    const mutation = `mutation($i: BacktestInput!) { runBacktest(input: $i) { id } }`
    const bad = await client.run(mutation, {
      i: {
        ...request({ markProxy: { venue: 'binanse', market: 'ETHUSDT', force: null } }),
        explicitPositions: long('ETH', 2_000, 20),
      },
    })
    expect(bad.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      problems: [{ path: 'markProxy.venue', received: 'binanse' }],
    })
  })
})
