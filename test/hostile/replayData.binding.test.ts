// Market, source and kind names reach the replay store's SQL as bound values: a quote, an injection attempt or a NUL
// in a name reads exactly that series, and the other series are untouched.
import { describe, expect, test } from 'vitest'
import { describeReplayData, listReplayAccounts } from '../../src/store/market/replayData.ts'
import { readReplayFeed, type FeedSpec } from '../../src/store/market/replayFeed.ts'
import { barsFromCloses, insertBars, insertFills, insertFunding, insertPrices } from '../support/marketData.ts'
import { testRuntime } from '../support/runtime.ts'

const runtime = await testRuntime()
const T0 = Date.UTC(2025, 9, 10) * 1000
const HOUR_US = 3600e6
const NAMES = ["O'Brien", "x' OR '1'='1", 'NUL\u0000inside', 'plain']

// each market gets 60 bars at its own price level, an index tick and a funding row, from a source named like it
for (const [i, market] of NAMES.entries()) {
  await insertBars(
    runtime.duck,
    'venue',
    market,
    1,
    barsFromCloses(T0, new Array<number>(60).fill(100 * (i + 1))),
    market,
  )
  await insertPrices(runtime.duck, 'venue', market, 'index', market, [[T0 + 5e6, 100 * (i + 1)]])
  await insertFunding(runtime.duck, 'venue', market, [[T0 + 10e6, 0.0001 * (i + 1)]])
  await insertFills(runtime.duck, 'venue', [
    { tsUs: T0 + 20e6, account: `acct-${market}`, market, side: 'buy', price: '1', qty: '1' },
  ])
}

function spec(markets: string[]): FeedSpec {
  return {
    venue: 'venue',
    markets,
    fromUs: T0,
    toUs: T0 + HOUR_US,
    bars: markets.map((m) => ({ intervalS: 1, source: m })),
    prices: markets.map((_, i) => ({ market: i, kind: 'index' as const, source: markets[i]!, intervalS: null })),
    funding: true,
    premiumFundingIntervalH: null,
    openInterest: false,
    accounts: true,
    slabSeconds: 86_400,
  }
}

describe('names bound in the replay SQL', () => {
  test.each(NAMES.slice(0, 3).map((n) => [JSON.stringify(n), n] as const))(
    'the feed of market %s reads its own bars, index, funding and fills only',
    async (_shown, market) => {
      const level = 100 * (NAMES.indexOf(market) + 1)
      const closes: number[] = []
      let index = 0
      let funding = 0
      let fills = 0
      for await (const b of readReplayFeed(runtime.duck, spec([market]))) {
        for (let i = 0; i < b.length; i++) {
          if (b.kind[i] === 3) closes.push(b.c[i]!)
          if (b.kind[i] === 0) index++
          if (b.kind[i] === 4) funding++
          if (b.kind[i] === 7) fills++
        }
      }
      expect(closes).toEqual(new Array<number>(60).fill(level))
      expect([index, funding, fills]).toEqual([1, 1, 1])
    },
  )

  test('describeReplayData and the account dictionary take the names as values', async () => {
    const data = await describeReplayData(runtime.duck, 'venue', ["x' OR '1'='1", 'NUL\u0000inside'], T0, T0 + HOUR_US)
    expect(data.markets.map((m) => [m.market, m.bars[0]?.rows, m.funding, m.fills])).toEqual([
      ["x' OR '1'='1", 60, 1, 1],
      ['NUL\u0000inside', 60, 1, 1],
    ])
    expect(await listReplayAccounts(runtime.duck, 'venue', ["O'Brien"], T0 + HOUR_US)).toEqual(["acct-O'Brien"])
    expect(
      (await describeReplayData(runtime.duck, 'venue', ["nope' OR 1=1 --"], T0, T0 + HOUR_US)).markets[0],
    ).toMatchObject({
      bars: [],
      funding: 0,
      fills: 0,
    })
  })
})
