// Shared reads of one execution: a market's fills asked for up to a later end are the head already read plus the rows
// after it, and equal what one read up to that end gives (order, names, numbers), whole and sliced; a market's
// volume per bucket asked for over several windows equals readVolume over each window (cut edge buckets, a window
// inside one bucket, the bars fallback); one market's shared fills merged with the other markets' equal one read.
import { expect, test } from 'vitest'
import { mergeFills, SharedReads } from '../src/detect/sharedReads.ts'
import { readFills } from '../src/store/detect/accounts.ts'
import { readVolume } from '../src/store/detect/openInterest.ts'
import {
  barsOf,
  HOUR,
  insertBarRows,
  insertFillRows,
  insertTrades,
  MIN,
  T0,
  tradeFills,
  type FillRow,
  type TradeRow,
} from './support/detectData.ts'
import { testRuntime } from './support/runtime.ts'

const runtime = await testRuntime()

test('fills read to a later end (head + the rows after it) equal a single read, whole and sliced', async () => {
  const venue = 'shared'
  const fills: FillRow[] = []
  for (let i = 0; i < 40; i++) {
    const tsUs = T0 + Math.floor(i / 2) * MIN
    fills.push(
      ...tradeFills({
        tsUs,
        market: 'M',
        buyer: `a${i % 5}`,
        seller: `b${i % 3}`,
        price: 100 + i,
        qty: 1 + i / 10,
        tradeId: `t${i}`,
      }),
    )
    if (i % 7 === 0)
      fills.push({ tsUs, account: 'liq', market: 'M', side: 'sell', price: 99, qty: 2, liquidation: true })
  }
  await insertFillRows(runtime.duck, venue, fills)
  const shared = new SharedReads(runtime.duck)
  const mid = T0 + 8 * MIN
  const end = T0 + 15 * MIN + 1
  const first = await shared.marketFills(venue, 'M', null, mid)
  const whole = await shared.marketFills(venue, 'M', null, end)
  const direct = await readFills(runtime.duck, venue, { markets: ['M'], toUs: end })
  expect(first.length).toBeGreaterThan(0)
  expect(whole.length).toBeGreaterThan(first.length)
  expect(whole).toEqual(direct)
  // a slice inside the head and one across head and tail read the same as directly
  expect(await shared.marketFills(venue, 'M', T0 + 5 * MIN, T0 + 12 * MIN)).toEqual(
    await readFills(runtime.duck, venue, { markets: ['M'], fromUs: T0 + 5 * MIN, toUs: T0 + 12 * MIN }),
  )
})

test('volume per bucket through the shared read equals readVolume over each window asked for', async () => {
  const venue = 'shared-volume'
  const trades: TradeRow[] = []
  // 30 hours of trades every 7 minutes; none in hours 12–13 of the day (a bucket with no row)
  for (let k = 0; k < (30 * 60) / 7; k++) {
    const tsUs = T0 + k * 7 * MIN + 13_000_000
    if (tsUs >= T0 + 12 * HOUR && tsUs < T0 + 14 * HOUR) continue
    trades.push({ tsUs, price: 100 + Math.sin(k) * 3, qty: 0.1 + (k % 11) / 7, side: k % 3 ? 'buy' : 'sell' })
  }
  await insertTrades(runtime.duck, venue, 'M', trades)
  // a market with bars only: the fallback
  await insertBarRows(
    runtime.duck,
    venue,
    'B',
    60,
    barsOf(
      T0,
      MIN,
      Array.from({ length: 600 }, (_, i) => 50 + (i % 13)),
      (i) => 1000 + i,
    ),
  )
  const shared = new SharedReads(runtime.duck)
  const windows: Array<[string, number, number]> = [
    ['M', T0 + 6 * HOUR + 17 * MIN, T0 + 20 * HOUR + 5 * MIN], // both edges cut a bucket
    ['M', T0 - 2 * HOUR, T0 + 20 * HOUR + 5 * MIN], // wider start: only the hours before are read
    ['M', T0 + 3 * HOUR, T0 + 29 * HOUR], // aligned, later end
    ['M', T0 + 4 * HOUR + 5 * MIN, T0 + 4 * HOUR + 50 * MIN], // inside one bucket
    ['M', T0 + 12 * HOUR + 10 * MIN, T0 + 13 * HOUR + 30 * MIN], // no trades: bars (none here) → empty
    ['B', T0 + 17 * MIN, T0 + 8 * HOUR], // bars only
  ]
  let rows = 0
  for (const [market, from, to] of windows) {
    const direct = await readVolume(runtime.duck, venue, market, from, to, HOUR)
    const viaShared = await shared.marketVolume(venue, market, from, to, HOUR)
    expect({ market, from, to, v: viaShared }).toEqual({ market, from, to, v: direct })
    rows += direct.ts.length
  }
  expect(rows).toBeGreaterThan(40)
})

test("one market's shared fills, kept for some accounts and merged with the other markets' fills, equal one read", async () => {
  const venue = 'shared-merge'
  const fills: FillRow[] = []
  for (let i = 0; i < 60; i++) {
    const market = i % 3 === 0 ? 'OTHER' : 'M'
    // distinct instants across markets (an account's fills at one instant on two markets may come in either order)
    fills.push(
      ...tradeFills({
        tsUs: T0 + i * MIN,
        market,
        buyer: `a${i % 4}`,
        seller: `b${i % 5}`,
        price: 10 + i,
        qty: 1 + i / 20,
        tradeId: `m${i}`,
      }),
    )
  }
  await insertFillRows(runtime.duck, venue, fills)
  const accounts = ['a1', 'b2', 'b4']
  const end = T0 + 50 * MIN
  const own = await new SharedReads(runtime.duck).marketFills(venue, 'M', null, end)
  const elsewhere = await readFills(runtime.duck, venue, { accounts, exceptMarket: 'M', toUs: end })
  expect(elsewhere.market.every((m) => m === 'OTHER')).toBe(true)
  const wanted = new Set(accounts)
  const merged = mergeFills(own, (i) => wanted.has(own.account[i]!), elsewhere)
  const direct = await readFills(runtime.duck, venue, { accounts, toUs: end })
  expect(merged.length).toBeGreaterThan(10)
  expect(merged).toEqual(direct)
})
