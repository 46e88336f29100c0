// Shared reads of one execution: a market's fills asked for up to a later end are the head already read plus the rows
// after it, and equal what one read up to that end gives (order, names, numbers), whole and sliced.
import { expect, test } from 'vitest'
import { SharedReads } from '../src/detect/sharedReads.ts'
import { readFills } from '../src/store/detect/accounts.ts'
import { insertFillRows, MIN, T0, tradeFills, type FillRow } from './support/detectData.ts'
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
