// Each detector on small hand-built data: it fires on its pattern (with the severity its documented thresholds give,
// the accounts involved and its evidence) and stays quiet (nothing above info) on the same market without the attack.
// Every fixture lives under its own venue in one store.
import { describe, expect, test } from 'vitest'
import { runDetectors } from '../src/detect/run.ts'
import { readDetections, type StoredDetection } from '../src/store/detect/detections.ts'
import {
  barsOf,
  DAY,
  gauss,
  HOUR,
  insertBarRows,
  insertFillRows,
  insertFundingRows,
  insertLedgerRows,
  insertLiquidationRows,
  insertOpenInterest,
  insertPriceRows,
  insertTrades,
  MIN,
  rng,
  SEC,
  T0,
  tradeFills,
  type FillRow,
  type TradeRow,
} from './support/detectData.ts'
import { testRuntime } from './support/runtime.ts'

const runtime = await testRuntime()
const date = (us: number) => new Date(us / 1000)

async function detect(venue: string, detector: string, fromUs: number, toUs: number, params?: object) {
  const summary = await runDetectors(runtime, {
    venue,
    from: date(fromUs),
    to: date(toUs),
    detectors: [detector],
    ...(params ? { params: { [detector]: params } } : {}),
  })
  expect(summary.detectors.every((d) => d.status !== 'failed')).toBe(true)
  return readDetections(runtime.duck, { venue, detectors: [detector] })
}

const aboveInfo = (ds: StoredDetection[]) => ds.filter((d) => d.severity !== 'info')

describe('oracle-deviation', () => {
  async function market(venue: string, attack: boolean, premium = 0, pushBy = 1.3) {
    const r = rng(11)
    const mark = []
    const a = []
    const b = []
    let p = 100
    for (let i = 0; i < 8 * 60; i++) {
      const t = T0 + i * MIN
      p *= 1 + 0.0005 * gauss(r)
      const push = attack && i >= 400 && i < 410 ? pushBy : 1
      mark.push({ tsUs: t, price: p * push * (1 + premium) * (1 + 0.0002 * gauss(r)) })
      a.push({ tsUs: t + 5 * SEC, price: p * (1 + 0.0002 * gauss(r)) })
      b.push({ tsUs: t + 20 * SEC, price: p * (1 + 0.0002 * gauss(r)) })
    }
    await insertPriceRows(runtime.duck, venue, 'M', 'mark', venue, mark)
    await insertPriceRows(runtime.duck, venue, 'M', 'index', 'ref-a', a)
    await insertPriceRows(runtime.duck, venue, 'M', 'index', 'ref-b', b)
  }

  test('a mark 30 % off the median of two references for 10 minutes is one warning, with the peak as evidence', async () => {
    await market('od-fire', true)
    const found = await detect('od-fire', 'oracle-deviation', T0 + 2 * HOUR, T0 + 8 * HOUR)
    expect(found).toHaveLength(1)
    const [d] = found
    expect(d!.severity).toBe('warning')
    expect(d!.windowFromUs).toBe(T0 + 400 * MIN)
    expect(d!.windowToUs).toBe(T0 + 410 * MIN)
    expect(d!.score).toBeGreaterThan(0.28)
    const evidence = d!.evidence as { subject: string; references: string[]; peak: { deviation: number } }
    expect(evidence.subject).toBe('prices mark/od-fire')
    expect(evidence.references).toEqual(['prices index/ref-a', 'prices index/ref-b'])
    expect(evidence.peak.deviation).toBeGreaterThan(0.28)
  })

  test('the same market without the push: nothing', async () => {
    await market('od-calm', false)
    expect(await detect('od-calm', 'oracle-deviation', T0 + 2 * HOUR, T0 + 8 * HOUR)).toEqual([])
  })

  test('a listing that trades 12 % rich from its first minute: info, also before its deviation has a baseline', async () => {
    await market('od-listing', false, 0.12)
    const found = await detect('od-listing', 'oracle-deviation', T0, T0 + 8 * HOUR)
    expect(found.length).toBeGreaterThan(0)
    expect(found[0]!.windowFromUs).toBe(T0)
    // the first hour has no baseline (z null): the 10 % band alone cannot say the premium is unusual for this market
    expect((found[0]!.evidence as { peak: { z: number | null } }).peak.z).toBeNull()
    expect(aboveInfo(found)).toEqual([])
  })

  test('a market that always trades 9 % rich, up to 10.3 % for ten minutes: info (its σ is tiny, its move is not news)', async () => {
    await market('od-rich-wiggle', true, 0.09, 1.012)
    const found = await detect('od-rich-wiggle', 'oracle-deviation', T0 + 2 * HOUR, T0 + 8 * HOUR)
    expect(found.length).toBeGreaterThan(0)
    // beyond the 10 % band and many robust σ off its steady premium, but only 1.3 points beyond it
    const peak = (found[0]!.evidence as { peak: { deviation: number; z: number } }).peak
    expect(peak.deviation).toBeGreaterThan(0.1)
    expect(peak.z).toBeGreaterThan(4)
    expect(aboveInfo(found)).toEqual([])
  })

  test('the same 9 % rich market pushed to 16 % off its references: a warning', async () => {
    await market('od-rich-push', true, 0.09, 1.065)
    const found = aboveInfo(await detect('od-rich-push', 'oracle-deviation', T0 + 2 * HOUR, T0 + 8 * HOUR))
    expect(found).toHaveLength(1)
    expect(found[0]!.severity).toBe('warning')
    expect(found[0]!.windowFromUs).toBe(T0 + 400 * MIN)
  })

  /** A spot market with its trades' 1-minute bars only (the EMA test alone): `level(minute)` times a random walk. */
  async function spotOnly(venue: string, hours: number, level: (minute: number) => number) {
    const r = rng(13)
    const closes: number[] = []
    let p = 1
    for (let i = 0; i < hours * 60; i++) {
      p *= 1 + 0.001 * gauss(r)
      closes.push(p * level(i))
    }
    await insertBarRows(runtime.duck, venue, 'M', 60, barsOf(T0, MIN, closes, 1e4))
  }

  test('a 75-minute pump to 15× is critical, and the price back at its old level after it is not a deviation (1.4.0)', async () => {
    // pumped over 10 minutes from hour 4, held, dumped over 10 minutes at 5 h 15; 5 quiet hours after
    const pumpFrom = 240
    const dumpAt = 315
    const level = (i: number) =>
      i < pumpFrom || i >= dumpAt + 10
        ? 1
        : i < pumpFrom + 10
          ? 15 ** ((i - pumpFrom + 1) / 10)
          : i < dumpAt
            ? 15
            : 15 ** ((dumpAt + 10 - i - 1) / 10)
    await spotOnly('od-pump', 10.5, level)
    const found = aboveInfo(await detect('od-pump', 'oracle-deviation', T0 + 2 * HOUR, T0 + 10.5 * HOUR))
    expect(found).toHaveLength(1)
    expect(found[0]!.severity).toBe('critical')
    expect(found[0]!.windowFromUs).toBeGreaterThanOrEqual(T0 + pumpFrom * MIN)
    // the dump's last minutes are still far above the old level; then nothing (1.3.0: four more hours of warnings
    // at half an EMA the pump had tripled)
    expect(found[0]!.windowToUs).toBeLessThanOrEqual(T0 + (dumpAt + 10) * MIN)
  })

  test('a market re-priced 2.5× for good is a deviation until the move has held for the EMA’s 8 hours, then not', async () => {
    await spotOnly('od-reprice', 24, (i) => (i < 240 ? 1 : 2.5))
    const found = aboveInfo(await detect('od-reprice', 'oracle-deviation', T0 + 2 * HOUR, T0 + 24 * HOUR))
    expect(found).toHaveLength(1)
    expect(found[0]!.severity).toBe('warning')
    expect(found[0]!.windowFromUs).toBe(T0 + 240 * MIN)
    // held 8 h, then the EMA follows: 2.5 / EMA falls under 2 within about 1.5 h more
    expect(found[0]!.windowToUs).toBeGreaterThan(T0 + (240 + 8 * 60) * MIN)
    expect(found[0]!.windowToUs).toBeLessThan(T0 + (240 + 10 * 60) * MIN)
  })

  test("a sweep through the venue's own book counts once however many bar intervals show it: the index is not outvoted", async () => {
    const r = rng(12)
    const mark = []
    const index = []
    const closes: number[] = []
    let p = 100
    for (let i = 0; i < 8 * 60; i++) {
      p *= 1 + 0.0005 * gauss(r)
      mark.push({ tsUs: T0 + i * MIN, price: p * (1 + 0.0002 * gauss(r)) })
      index.push({ tsUs: T0 + i * MIN + 5 * SEC, price: p * (1 + 0.0002 * gauss(r)) })
      // liquidations sweep the book 8 % down for ten minutes; mark and index stay where they were
      closes.push(p * (i >= 400 && i < 410 ? 0.92 : 1 + 0.0002 * gauss(r)))
    }
    await insertPriceRows(runtime.duck, 'od-sweep', 'M', 'mark', 'od-sweep', mark)
    await insertPriceRows(runtime.duck, 'od-sweep', 'M', 'index', 'od-sweep', index)
    await insertBarRows(runtime.duck, 'od-sweep', 'M', 60, barsOf(T0, MIN, closes, 1e5))
    await insertBarRows(runtime.duck, 'od-sweep', 'M', 1, barsOf(T0 + 59 * SEC, MIN, closes, 1e3))
    const found = await detect('od-sweep', 'oracle-deviation', T0 + 2 * HOUR, T0 + 8 * HOUR)
    expect(aboveInfo(found)).toEqual([])
    for (const d of found) {
      expect((d.evidence as { references: string[] }).references).toEqual(['bars 1s/trades', 'prices index/od-sweep'])
    }
  })
})

describe('liquidation-cascade', () => {
  /** Background liquidations about every 10 minutes for 3 days; optionally a 300-liquidation burst in 5 minutes. */
  async function market(venue: string, burst: boolean) {
    const r = rng(21)
    const rows: Parameters<typeof insertLiquidationRows>[3] = []
    for (let t = T0; t < T0 + 3 * DAY; t += Math.round(-Math.log(1 - r.next()) * 10 * MIN)) {
      rows.push({ tsUs: t, side: r.next() < 0.5 ? 'long' : 'short', price: 100, qty: 50 + 150 * r.next() })
    }
    if (burst) {
      // self-exciting arrivals: each liquidation brings the next one closer
      let t = T0 + 2 * DAY + 12 * HOUR
      for (let k = 0; k < 300; k++) {
        t += Math.round(-Math.log(1 - r.next()) * (SEC + (300 - k) * 5000))
        rows.push({ tsUs: t, side: 'long', price: 95 - k * 0.01, qty: 500 + 200 * r.next(), account: `acct-${k}` })
      }
    }
    await insertLiquidationRows(runtime.duck, venue, 'M', rows)
  }

  test('a burst far above the trailing baseline is critical, with the Hawkes fit over the burst', async () => {
    await market('lc-fire', true)
    const found = aboveInfo(await detect('lc-fire', 'liquidation-cascade', T0 + DAY, T0 + 3 * DAY))
    expect(found).toHaveLength(1)
    const d = found[0]!
    expect(d.severity).toBe('critical')
    expect(d.windowFromUs).toBeGreaterThanOrEqual(T0 + 2 * DAY + 12 * HOUR - MIN)
    expect(d.windowToUs).toBeLessThanOrEqual(T0 + 2 * DAY + 12 * HOUR + 30 * MIN)
    const e = d.evidence as { mode: string; burst: { liquidations: number }; hawkes: { branchingRatio: number } }
    expect(e.mode).toBe('observed liquidations')
    expect(e.burst.liquidations).toBeGreaterThanOrEqual(250)
    expect(e.hawkes.branchingRatio).toBeGreaterThan(0)
  })

  test('the same burst is info in a market whose open interest is 5,000× its size, critical at 20× (1.5.0)', async () => {
    // ≈ $18M liquidated: 0.02 % of a $90B market's positions, 5 % of a $360M one's
    const withOpenInterest = async (venue: string, quote: number) => {
      await market(venue, true)
      const rows = []
      for (let t = T0; t < T0 + 3 * DAY; t += HOUR) rows.push({ tsUs: t, quote })
      await insertOpenInterest(runtime.duck, venue, 'M', rows)
    }
    await withOpenInterest('lc-oi-deep', 9e10)
    const deep = await detect('lc-oi-deep', 'liquidation-cascade', T0 + DAY, T0 + 3 * DAY)
    expect(aboveInfo(deep)).toEqual([])
    const burst = deep.find((d) => (d.evidence as { burst: { liquidations: number } }).burst.liquidations >= 250)
    const share = (burst!.evidence as { burst: { shareOfOpenInterest: number } }).burst.shareOfOpenInterest
    expect(share).toBeLessThan(0.001)
    await withOpenInterest('lc-oi-thin', 3.6e8)
    const thin = aboveInfo(await detect('lc-oi-thin', 'liquidation-cascade', T0 + DAY, T0 + 3 * DAY))
    expect(thin.map((d) => d.severity)).toEqual(['critical'])
  })

  test('background liquidations alone: nothing above info', async () => {
    await market('lc-calm', false)
    expect(aboveInfo(await detect('lc-calm', 'liquidation-cascade', T0 + DAY, T0 + 3 * DAY))).toEqual([])
  })

  test('a quiet market (six liquidations a day) liquidated one or two a minute for 40 minutes is a cascade', async () => {
    const quiet = async (venue: string, cascade: boolean) => {
      const r = rng(23)
      const rows: Parameters<typeof insertLiquidationRows>[3] = []
      for (let t = T0; t < T0 + 3 * DAY; t += Math.round(-Math.log(1 - r.next()) * 4 * HOUR))
        rows.push({ tsUs: t, side: r.next() < 0.5 ? 'long' : 'short', price: 100, qty: 20 + 80 * r.next() })
      // large positions, each at its own threshold: 45–75 s apart, so no minute holds three
      for (let k = 0, t = T0 + 2 * DAY + 12 * HOUR; cascade && k < 40; k++, t += 45 * SEC + r.int(30) * SEC)
        rows.push({ tsUs: t, side: 'long', price: 90 - k * 0.1, qty: 400 + 200 * r.next(), account: `whale-${k}` })
      await insertLiquidationRows(runtime.duck, venue, 'M', rows)
    }
    await quiet('lc-quiet', true)
    const found = aboveInfo(await detect('lc-quiet', 'liquidation-cascade', T0 + DAY, T0 + 3 * DAY))
    expect(found).toHaveLength(1)
    // a background liquidation 9 minutes before the cascade is part of its episode in a market that sees one every four
    // hours (a pause under its median wait, 1.4.0); the forty are all in
    expect(found[0]!.windowFromUs).toBe(T0 + 2 * DAY + 12 * HOUR - 9 * MIN)
    const e = found[0]!.evidence as { burst: { liquidations: number }; before: { baselineLiquidations: number } }
    expect(e.burst.liquidations).toBe(41)
    // fewer than the 30 liquidations a baseline needed before 1.1.0: judged by the Poisson count instead
    expect(e.before.baselineLiquidations).toBeLessThan(30)
    await quiet('lc-quiet-calm', false)
    expect(aboveInfo(await detect('lc-quiet-calm', 'liquidation-cascade', T0 + DAY, T0 + 3 * DAY))).toEqual([])
  })

  test('a thin market’s cascade pausing 8–9 minutes twice is one burst: pauses under its usual wait do not end it (1.4.0)', async () => {
    const thin = async (venue: string, cascade: boolean) => {
      const r = rng(25)
      const rows: Parameters<typeof insertLiquidationRows>[3] = []
      // one liquidation an hour on average: a median wait of about 40 minutes
      for (let t = T0; t < T0 + 3 * DAY; t += Math.round(-Math.log(1 - r.next()) * HOUR))
        rows.push({ tsUs: t, side: r.next() < 0.5 ? 'long' : 'short', price: 100, qty: 20 + 80 * r.next() })
      // 34 large longs, each a little lower, in three runs of 12, 12 and 10 split by pauses of 9 and 8 minutes
      let t = T0 + 2 * DAY + 12 * HOUR
      for (let k = 0; cascade && k < 34; k++) {
        rows.push({ tsUs: t, side: 'long', price: 90 - k * 0.1, qty: 400 + 200 * r.next(), account: `whale-${k}` })
        t += k === 11 ? 9 * MIN : k === 23 ? 8 * MIN : 45 * SEC + r.int(30) * SEC
      }
      await insertLiquidationRows(runtime.duck, venue, 'M', rows)
    }
    await thin('lc-thin', true)
    const found = aboveInfo(await detect('lc-thin', 'liquidation-cascade', T0 + DAY, T0 + 3 * DAY))
    // 1.3.0: three bursts of 12, 12 and 10 liquidations, each under the 20 a warning needs: nothing above info
    expect(found).toHaveLength(1)
    expect(found[0]!.windowFromUs).toBe(T0 + 2 * DAY + 12 * HOUR)
    expect((found[0]!.evidence as { burst: { liquidations: number } }).burst.liquidations).toBeGreaterThanOrEqual(34)
    await thin('lc-thin-calm', false)
    expect(aboveInfo(await detect('lc-thin-calm', 'liquidation-cascade', T0 + DAY, T0 + 3 * DAY))).toEqual([])
  })

  test('a cascade is a new high at its own length: one whale liquidated the day before does not hide it', async () => {
    const market = async (venue: string, cascade: boolean) => {
      const r = rng(24)
      const rows: Parameters<typeof insertLiquidationRows>[3] = []
      for (let t = T0; t < T0 + 3 * DAY; t += Math.round(-Math.log(1 - r.next()) * 2 * HOUR))
        rows.push({ tsUs: t, side: r.next() < 0.5 ? 'long' : 'short', price: 100, qty: 20 + 80 * r.next() })
      // one position larger than any minute of the cascade, liquidated alone ten hours before it
      rows.push({ tsUs: T0 + 2 * DAY + 2 * HOUR, side: 'short', price: 101, qty: 3_000, account: 'whale' })
      // fifty mid-sized longs one after another, each a little lower: ≈ 40 k a minute, 2 M in all
      for (let k = 0, t = T0 + 2 * DAY + 12 * HOUR; cascade && k < 50; k++, t += 50 * SEC + r.int(20) * SEC)
        rows.push({ tsUs: t, side: 'long', price: 90 - k * 0.1, qty: 400 + 100 * r.next(), account: `long-${k}` })
      await insertLiquidationRows(runtime.duck, venue, 'M', rows)
    }
    await market('lc-whale', true)
    const found = aboveInfo(await detect('lc-whale', 'liquidation-cascade', T0 + DAY, T0 + 3 * DAY))
    expect(found).toHaveLength(1)
    expect(found[0]!.windowFromUs).toBe(T0 + 2 * DAY + 12 * HOUR)
    const e = found[0]!.evidence as {
      peak: { notional: number }
      before: { baselineMax: number; newHigh: string; baselineLargestRunOfBurstLength: number }
      burst: { notional: number }
    }
    // the peak minute is below the whale's: before 1.3.0 nothing was above info
    expect(e.peak.notional).toBeLessThan(e.before.baselineMax)
    expect(e.before.newHigh).toBe('burst total')
    expect(e.burst.notional).toBeGreaterThan(e.before.baselineLargestRunOfBurstLength)
    await market('lc-whale-calm', false)
    expect(aboveInfo(await detect('lc-whale-calm', 'liquidation-cascade', T0 + DAY, T0 + 3 * DAY))).toEqual([])
  })

  test('without liquidation rows, a fast crash with clustered jumps in 1-minute bars is a cascade', async () => {
    const r = rng(22)
    const closes: number[] = []
    let p = 50_000
    for (let i = 0; i < 2 * 24 * 60; i++) {
      p *= 1 + 0.0005 * gauss(r) + (i >= 1800 && i < 1812 ? -0.01 : 0)
      closes.push(p)
    }
    await insertBarRows(runtime.duck, 'lc-bars', 'BTC', 60, barsOf(T0, MIN, closes, 1e6), 'klines')
    const found = aboveInfo(await detect('lc-bars', 'liquidation-cascade', T0 + 6 * HOUR, T0 + 2 * DAY))
    expect(found).toHaveLength(1)
    expect(found[0]!.severity).toBe('critical')
    expect((found[0]!.evidence as { mode: string }).mode).toMatch(/^price path/)
    expect(found[0]!.windowFromUs).toBeLessThanOrEqual(T0 + 1800 * MIN)
    expect(found[0]!.windowToUs).toBeGreaterThanOrEqual(T0 + 1811 * MIN)
  })
})

describe('thin-market-push', () => {
  /**
   * An oracle-priced market M read from reference venue market M@ref. The attacker A holds 2M base bought from C an
   * hour before the push; the push lifts the oracle 30 % in 20 minutes through buys on M@ref.
   */
  async function market(venue: string, push: boolean) {
    const r = rng(31)
    const pushStart = T0 + DAY + 14 * HOUR
    const oracle = []
    const trades: TradeRow[] = []
    let p = 1
    for (let t = T0; t < T0 + 2 * DAY; t += MIN) {
      p *= 1 + 0.0005 * gauss(r)
      const k = push ? Math.min(Math.max((t - pushStart) / (20 * MIN), 0), 1) : 0
      const price = p * (1 + 0.3 * k)
      oracle.push({ tsUs: t, price })
      trades.push({ tsUs: t + 7 * SEC, price, qty: 2000 / price, side: r.next() < 0.5 ? 'buy' : 'sell' })
      if (push && t >= pushStart && t < pushStart + 20 * MIN)
        trades.push({ tsUs: t + 30 * SEC, price: price * 1.002, qty: 10_000 / price, side: 'buy' })
    }
    await insertPriceRows(runtime.duck, venue, 'M', 'oracle', venue, oracle)
    await insertTrades(runtime.duck, venue, 'M@ref', trades)
    await insertFillRows(
      runtime.duck,
      venue,
      tradeFills({
        tsUs: pushStart - HOUR,
        market: 'M',
        buyer: 'A',
        seller: 'C',
        price: oracle[Math.round((DAY + 13 * HOUR) / MIN)]!.price,
        qty: 2_000_000,
        tradeId: `${venue}-1`,
      }),
    )
  }

  test('a 30 % push whose beneficiary gains far more than the push cost is critical and names the beneficiary', async () => {
    await market('tp-fire', true)
    const found = aboveInfo(await detect('tp-fire', 'thin-market-push', T0 + DAY, T0 + 2 * DAY))
    expect(found).toHaveLength(1)
    const d = found[0]!
    expect(d.severity).toBe('critical')
    expect(d.accounts).toEqual(['A'])
    const cost = Number(d.estimatedCostQuote)
    const profit = Number(d.estimatedProfitQuote)
    // A's 2M base gains about 0.3 each; the pushing buys (~$200k) paid a fraction of the 30 % move
    expect(profit).toBeGreaterThan(500_000)
    expect(cost).toBeGreaterThan(1000)
    expect(profit).toBeGreaterThan(5 * cost)
    const e = d.evidence as { costMarkets: string[]; cost: { depthIntegral: { available: boolean } } }
    expect(e.costMarkets).toEqual(['M@ref'])
    expect(e.cost.depthIntegral.available).toBe(false)
  })

  test('the same market without the push: nothing above info', async () => {
    await market('tp-calm', false)
    expect(aboveInfo(await detect('tp-calm', 'thin-market-push', T0 + DAY, T0 + 2 * DAY))).toEqual([])
  })

  /**
   * A market priced from its own book (mark = last trade, no reference venue). A holds 150k base bought an hour before
   * a 20-minute 30 % rise and pushes it, buying `pushQuote` a minute at the pushed price (XPL: one taker sweeps);
   * liquidated shorts buy `forcedQuote` a minute far above it (a forced market order sweeps the book), printed as trades
   * and as observed liquidations: their slippage is the victims' loss, not the attacker's cost.
   */
  async function ownBook(
    venue: string,
    pushQuote: number,
    forcedQuote: number,
    holding = 150_000,
    o: {
      /** The liquidations are also fills: short S (taker) buys from this account, one trade id per liquidation. */
      counterparty?: string
      /** Who pushes (default A); it held this short an hour before the push (its pushing buys close it first). */
      pusher?: string
      pusherShort?: number
      /** The background trades' quote a minute (default 200). */
      tradeQuote?: number
      /** The pusher sells what it pushed with back to C over the 10 minutes after the push, at the top (its taker). */
      sellBack?: boolean
      /** The pusher's buys (taker) start before the push: from `from` to `to` minutes before it, at the flat price. */
      leadIn?: { from: number; to: number }
      /** The pusher's usual trading: it buys and sells this quote a minute (taker, with C) until 7 h before the push. */
      pusherUsual?: number
      /** Buying by takers no fill names, this quote a minute through the push (a crowd, or a pusher behind many accounts). */
      crowd?: number
    } = {},
  ) {
    const pusher = o.pusher ?? 'A'
    const r = rng(37)
    const pushStart = T0 + DAY + 14 * HOUR
    const mark = []
    const trades: TradeRow[] = []
    const liquidations: Array<{ tsUs: number; side: 'short'; price: number; qty: number }> = []
    const fills: FillRow[] = []
    let p = 1
    for (let t = T0; t < T0 + 2 * DAY; t += MIN) {
      p *= 1 + 0.0005 * gauss(r)
      const k = Math.min(Math.max((t - pushStart) / (20 * MIN), 0), 1)
      const price = p * (1 + 0.3 * k)
      mark.push({ tsUs: t, price })
      trades.push({
        tsUs: t + 7 * SEC,
        price,
        qty: (o.tradeQuote ?? 200) / price,
        side: r.next() < 0.5 ? 'buy' : 'sell',
      })
      // the pusher buys pushQuote from C at the minute's price (the lead-in's buys say they took liquidity)
      const pusherBuys = (taker?: 'buyer') => {
        trades.push({ tsUs: t + 20 * SEC, price, qty: pushQuote / price, side: 'buy' })
        fills.push(
          ...tradeFills({
            tsUs: t + 20 * SEC,
            market: 'M',
            buyer: pusher,
            seller: 'C',
            price,
            qty: pushQuote / price,
            tradeId: `${venue}-${t}`,
            ...(taker ? { taker } : {}),
          }),
        )
      }
      if (o.leadIn && t >= pushStart - o.leadIn.from * MIN && t < pushStart - o.leadIn.to * MIN) pusherBuys('buyer')
      if (o.pusherUsual && t < pushStart - 7 * HOUR)
        for (const [side, buyer, seller, at] of [
          ['buy', pusher, 'C', 40],
          ['sell', 'C', pusher, 50],
        ] as const) {
          const qty = o.pusherUsual / price
          trades.push({ tsUs: t + at * SEC, price, qty, side })
          const taker = side === 'buy' ? 'buyer' : 'seller'
          fills.push(
            ...tradeFills({
              tsUs: t + at * SEC,
              market: 'M',
              buyer,
              seller,
              price,
              qty,
              tradeId: `${venue}-U${side}${t}`,
              taker,
            }),
          )
        }
      if (t < pushStart || t >= pushStart + 20 * MIN) continue
      if (pushQuote > 0) pusherBuys()
      if (o.crowd) trades.push({ tsUs: t + 25 * SEC, price, qty: o.crowd / price, side: 'buy' })
      const forced = { tsUs: t + 3 * SEC, price: price * 1.12, qty: forcedQuote / price }
      trades.push({ ...forced, side: 'buy' })
      liquidations.push({ ...forced, side: 'short' })
      if (o.counterparty) {
        const [buy, sell] = tradeFills({
          ...forced,
          market: 'M',
          buyer: 'S',
          seller: o.counterparty,
          tradeId: `${venue}-L${t}`,
          taker: 'buyer',
        })
        fills.push({ ...buy!, liquidation: true }, sell!)
      }
    }
    if (o.sellBack) {
      const top = mark[Math.round((DAY + 14 * HOUR + 20 * MIN) / MIN)]!.price
      const qty = fills.filter((f) => f.account === pusher && f.side === 'buy').reduce((a, f) => a + f.qty, 0) / 10
      for (let k = 0; k < 10; k++) {
        const tsUs = pushStart + 20 * MIN + k * MIN + 30 * SEC
        trades.push({ tsUs, price: top, qty, side: 'sell' })
        fills.push(
          ...tradeFills({
            tsUs,
            market: 'M',
            buyer: 'C',
            seller: pusher,
            price: top,
            qty,
            tradeId: `${venue}-B${k}`,
            taker: 'seller',
          }),
        )
      }
      trades.sort((a, b) => a.tsUs - b.tsUs)
    }
    await insertPriceRows(runtime.duck, venue, 'M', 'mark', venue, mark)
    await insertTrades(runtime.duck, venue, 'M', trades)
    await insertLiquidationRows(runtime.duck, venue, 'M', liquidations)
    const entry = mark[Math.round((DAY + 13 * HOUR) / MIN)]!.price
    fills.unshift(
      ...tradeFills({
        tsUs: pushStart - HOUR,
        market: 'M',
        buyer: 'A',
        seller: 'C',
        price: entry,
        qty: holding,
        tradeId: `${venue}-1`,
      }),
    )
    if (o.pusherShort)
      fills.unshift(
        ...tradeFills({
          tsUs: pushStart - HOUR - MIN,
          market: 'M',
          buyer: 'C',
          seller: pusher,
          price: entry,
          qty: o.pusherShort,
          tradeId: `${venue}-0`,
        }),
      )
    await insertFillRows(runtime.duck, venue, fills)
  }

  type PushEvidence = {
    cost: {
      markets: Array<{ slippage: number }>
      realizedSlippage: number
      forcedFills: { count: number; slippage: number; shareOfPushingVolume: number }
    }
  }

  test('forced liquidation buys are left out of the cost: a push paid for by its victims still fires', async () => {
    // A's 250k base held an hour before (its pushing buys are push inventory, not exposure)
    await ownBook('tp-forced', 40_000, 8_000, 250_000)
    const found = aboveInfo(await detect('tp-forced', 'thin-market-push', T0 + DAY, T0 + 2 * DAY))
    expect(found).toHaveLength(1)
    const d = found[0]!
    expect(d.severity).toBe('warning')
    expect(d.accounts).toEqual(['A'])
    const e = (d.evidence as PushEvidence).cost
    // the push found runs from the last bucket within a tenth of the move to its peak: most of the 20 minutes
    expect(e.forcedFills.count).toBeGreaterThanOrEqual(15)
    expect(e.forcedFills.shareOfPushingVolume).toBeGreaterThan(0.1)
    expect(e.forcedFills.shareOfPushingVolume).toBeLessThan(0.5)
    // the cost is the taker slippage of the voluntary pushing trades only
    const all = e.markets[0]!.slippage
    expect(Number(d.estimatedCostQuote)).toBeCloseTo(all - e.forcedFills.slippage, 0)
    expect(e.realizedSlippage).toBeCloseTo(all - e.forcedFills.slippage, 0)
    // counted as cost, the forced buys would have hidden the push (profit < cost)
    expect(Number(d.estimatedProfitQuote)).toBeGreaterThan(Number(d.estimatedCostQuote))
    expect(Number(d.estimatedProfitQuote)).toBeLessThan(all)
  })

  test('liquidated shorts’ losses reach a pusher only up to its own size: a small holder is not paid for the rest', async () => {
    // A pushes but holds 10 base (its pushing buys are push inventory): a fraction of what the shorts were forced to buy
    await ownBook('tp-forced-small', 40_000, 30_000, 10)
    const found = await detect('tp-forced-small', 'thin-market-push', T0 + DAY, T0 + 2 * DAY)
    expect(aboveInfo(found)).toEqual([])
    const push = found.find((d) => (d.evidence as PushEvidence).cost.forcedFills.count >= 15)!
    const e = push.evidence as PushEvidence & {
      exposure: {
        topClusters: Array<{ accounts: string[]; profit: number }>
        liquidationsTriggered: { transferToPushedSide: number; creditedToBeneficiary: number }
      }
    }
    expect(e.exposure.topClusters[0]!.accounts).toEqual(['A'])
    expect(e.cost.forcedFills.shareOfPushingVolume).toBeLessThan(0.5)
    const { transferToPushedSide, creditedToBeneficiary } = e.exposure.liquidationsTriggered
    expect(creditedToBeneficiary).toBeLessThan(transferToPushedSide / 2)
    // credited whole, the shorts' losses would have made A's push pay (else this test proves nothing)
    expect(e.exposure.topClusters[0]!.profit + transferToPushedSide).toBeGreaterThan(Number(push.estimatedCostQuote))
    expect(Number(push.estimatedProfitQuote)).toBeLessThan(Number(push.estimatedCostQuote))
  })

  type Attribution = {
    profit: { priceGain: number; liquidationsBooked: number; pushedInventorySoldBack: number }
    exposure: {
      liquidationsTriggered: {
        attribution: string
        transferToPushedSide: number
        creditedToBeneficiary: number
        counterparties: {
          paired: number
          transferToBeneficiary: number
          bookedInMarkToMarket: number
          largest: Array<{ account: string; transfer: number; beneficiary: boolean }>
        } | null
      }
    }
  }

  test('liquidated shorts’ losses go to whoever filled them, by trade id: a market maker’s fills pay the pusher nothing', async () => {
    // the push of 'tp-forced' (a warning there, with the losses allocated to A), now with the liquidations' fills: a
    // market maker sold to every liquidated short
    await ownBook('tp-liq-maker', 40_000, 8_000, 250_000, { counterparty: 'MM' })
    const found = await detect('tp-liq-maker', 'thin-market-push', T0 + DAY, T0 + 2 * DAY)
    expect(aboveInfo(found)).toEqual([])
    const push = found.find((d) => (d.evidence as PushEvidence).cost.forcedFills.count >= 15)!
    const e = push.evidence as PushEvidence & Attribution
    const l = e.exposure.liquidationsTriggered
    expect(l.attribution).toMatch(/^by trade id/)
    expect(l.counterparties!.paired).toBeGreaterThanOrEqual(15)
    expect(l.counterparties!.largest.map((c) => c.account)).toEqual(['MM'])
    expect(l.counterparties!.largest[0]!.transfer).toBeCloseTo(l.transferToPushedSide, 0)
    expect(l.creditedToBeneficiary).toBe(0)
    expect(Number(push.estimatedProfitQuote)).toBeCloseTo(e.profit.priceGain, 0)
    // allocated as before, A's share of the losses would have made the push pay (else this test proves nothing)
    expect(e.profit.priceGain + l.transferToPushedSide).toBeGreaterThan(Number(push.estimatedCostQuote))
  })

  test('losses the beneficiary filled inside the push are in its mark-to-market once, not credited again', async () => {
    await ownBook('tp-liq-self', 40_000, 8_000, 150_000, { counterparty: 'A' })
    const found = await detect('tp-liq-self', 'thin-market-push', T0 + DAY, T0 + 2 * DAY)
    const push = found.find((d) => (d.evidence as PushEvidence).cost.forcedFills.count >= 15)!
    const e = push.evidence as PushEvidence & Attribution
    const c = e.exposure.liquidationsTriggered.counterparties!
    expect(c.largest.map((x) => [x.account, x.beneficiary])).toEqual([['A', true]])
    expect(c.transferToBeneficiary).toBeGreaterThan(0)
    expect(c.bookedInMarkToMarket).toBeCloseTo(c.transferToBeneficiary, 0)
    expect(e.exposure.liquidationsTriggered.creditedToBeneficiary).toBe(0)
    // (A's sales to the liquidated return part of what it pushed with: that is counted once, as sold back)
    expect(Number(push.estimatedProfitQuote)).toBeCloseTo(e.profit.priceGain + e.profit.pushedInventorySoldBack, 0)
  })

  test('one account’s pushing ties the move to a beneficiary only when it opens risk: buying back a short does not', async () => {
    // A holds 450k base (under a fifth of a day's volume), P does the pushing buys; P opening a long ties the move …
    const opening = aboveInfo(
      await (async () => {
        await ownBook('tp-opening', 40_000, 0, 450_000, { pusher: 'P', tradeQuote: 2000 })
        return detect('tp-opening', 'thin-market-push', T0 + DAY, T0 + 2 * DAY)
      })(),
    )
    expect(opening).toHaveLength(1)
    expect(opening[0]!.accounts).toEqual(['A'])
    // … P buying back a 1M base short it sold an hour before is closing: the move ties nobody
    await ownBook('tp-closing', 40_000, 0, 450_000, { pusher: 'P', pusherShort: 1_000_000, tradeQuote: 2000 })
    const found = await detect('tp-closing', 'thin-market-push', T0 + DAY, T0 + 2 * DAY)
    expect(aboveInfo(found)).toEqual([])
    const e = found.find((d) => d.windowFromUs === opening[0]!.windowFromUs)!.evidence as {
      beneficiaryExposure: { largestPusher: string; largestPusherShare: number; largestPusherClosingShare: number }
    }
    expect(e.beneficiaryExposure.largestPusher).toBe('P')
    expect(e.beneficiaryExposure.largestPusherShare).toBeGreaterThan(0.9)
    expect(e.beneficiaryExposure.largestPusherClosingShare).toBe(1)
  })

  test('a large regular trader pushing at a little over its usual pace ties nobody to the move (1.8.0)', async () => {
    // P buys and sells 30k a minute every day; in the rise it buys 40k a minute: most of the pushing (97 %), a quarter
    // of it beyond its usual pace — A, positioned an hour before, gains, but nobody pushed for it
    await ownBook('tp-regular', 40_000, 0, 450_000, { pusher: 'P', tradeQuote: 2000, pusherUsual: 30_000 })
    const found = await detect('tp-regular', 'thin-market-push', T0 + DAY, T0 + 2 * DAY)
    expect(aboveInfo(found)).toEqual([])
    const e = found.map((d) => d.evidence as { beneficiaryExposure?: Record<string, number | string> })
    const tie = e.find((x) => x.beneficiaryExposure?.largestPusher === 'P')!.beneficiaryExposure!
    expect(tie.largestPusherShare).toBeGreaterThan(0.9)
    expect(tie.largestPusherShareBeyondUsual).toBeLessThan(0.3)
    // the same push by a P with no usual trading fires and names A (the opening case above)
    await ownBook('tp-irregular', 40_000, 0, 450_000, { pusher: 'P', tradeQuote: 2000 })
    const fired = aboveInfo(await detect('tp-irregular', 'thin-market-push', T0 + DAY, T0 + 2 * DAY))
    expect(fired.map((d) => d.accounts)).toEqual([['A']])
  })

  test('a rise on no more buying than the market usually sees is nobody’s push, however large the long it lifts (1.10.0)', async () => {
    // nobody pushes: the background trades (200 a minute, either side) carry the 30 % rise; A's long, bought an hour
    // before, is half the day's volume and gains ≈ 45k — 1.9.0 tied it to the move by its size alone (critical)
    await ownBook('tp-ordinary-rise', 0, 0)
    const found = await detect('tp-ordinary-rise', 'thin-market-push', T0 + DAY, T0 + 2 * DAY)
    expect(aboveInfo(found)).toEqual([])
    type OwnBook = { beyondUsualShare: number; nobodysPush: boolean; tiedByOneActor: boolean }
    const own = found.map((d) => (d.evidence as { cost: { onOwnBook: OwnBook | null } }).cost.onOwnBook)
    expect(own.some((x) => x?.nobodysPush && x.beyondUsualShare < 0.3 && !x.tiedByOneActor)).toBe(true)
    // the same rise bought by takers no fill names, far beyond the market's usual buying: A's size ties it again
    await ownBook('tp-crowd-rise', 0, 0, 150_000, { crowd: 3000 })
    const fired = aboveInfo(await detect('tp-crowd-rise', 'thin-market-push', T0 + DAY, T0 + 2 * DAY))
    expect(fired.map((d) => [d.severity, d.accounts])).toEqual([['critical', ['A']]])
  })

  test('a pusher that sells its pushing buys back at the top recovers their cost: the push pays and names it', async () => {
    // the small holder of 'tp-forced-small' (nothing above info there), now selling what it pushed with after the push
    await ownBook('tp-sold-back', 40_000, 30_000, 10, { sellBack: true })
    const found = aboveInfo(await detect('tp-sold-back', 'thin-market-push', T0 + DAY, T0 + 2 * DAY))
    expect(found).toHaveLength(1)
    const d = found[0]!
    expect(d.accounts).toEqual(['A'])
    const e = d.evidence as {
      profit: {
        priceGain: number
        pushedInventorySoldBack: number
        pushers: Array<{ account: string; soldBack: number }>
      }
    }
    expect(e.profit.pushers.map((x) => x.account)).toEqual(['A'])
    expect(e.profit.pushedInventorySoldBack).toBeGreaterThan(Number(d.estimatedCostQuote))
    expect(Number(d.estimatedProfitQuote)).toBeGreaterThan(Number(d.estimatedCostQuote))
  })

  test('a position built by the pusher’s own buying into the push is push inventory, not profit: nothing above info', async () => {
    // A holds 10 base and buys $40k a minute from 20 minutes before the move through it, never selling: marked at the
    // top, its early buys would be ~$800k base of "profit" made by its own later buys (the self-marking mode)
    await ownBook('tp-own-run', 40_000, 0, 10, { leadIn: { from: 20, to: 0 } })
    const found = await detect('tp-own-run', 'thin-market-push', T0 + DAY, T0 + 2 * DAY)
    expect(aboveInfo(found)).toEqual([])
    const push = found.find((d) => (d.evidence as { push?: { direction: string } }).push?.direction === 'up')!
    const e = push.evidence as {
      exposure: { pushInventory: { since: string; largest: Array<{ account: string; base: number }> } }
    }
    expect(e.exposure.pushInventory.largest[0]!.account).toBe('A')
    // the run reaches back to A's first lead-in buy, 20 minutes before the move
    expect(Date.parse(e.exposure.pushInventory.since)).toBeLessThan((T0 + DAY + 14 * HOUR - 19 * MIN) / 1000)
    // the same buys ending 40 minutes before the move (more than one push horizon before it) are a position A held:
    // the push pays on them and fires
    await ownBook('tp-own-earlier', 40_000, 0, 10, { leadIn: { from: 60, to: 40 } })
    const earlier = aboveInfo(await detect('tp-own-earlier', 'thin-market-push', T0 + DAY, T0 + 2 * DAY))
    expect(earlier).toHaveLength(1)
    expect(earlier[0]!.accounts).toEqual(['A'])
  })

  test('forced fills past half the pushing volume, but one actor paid for the rest: its push, not a cascade', async () => {
    // A buys 10k a minute into the move; the shorts it sets off buy 20k a minute (XPL: one taker's sweep forced the
    // short cluster)
    await ownBook('tp-forced-paid', 10_000, 20_000, 250_000)
    const found = await detect('tp-forced-paid', 'thin-market-push', T0 + DAY, T0 + 2 * DAY)
    const fired = aboveInfo(found)
    expect(fired).toHaveLength(1)
    expect(fired[0]!.accounts).toEqual(['A'])
    const e = (fired[0]!.evidence as PushEvidence).cost.forcedFills as PushEvidence['cost']['forcedFills'] & {
      paidForByOneActor: boolean
      cascade: boolean
    }
    expect(e.shareOfPushingVolume).toBeGreaterThan(0.5)
    expect(e.paidForByOneActor).toBe(true)
    expect(e.cascade).toBe(false)
  })

  test('a move made of forced fills is a cascade, not a push: nothing above info', async () => {
    await ownBook('tp-cascade', 0, 10_000)
    const found = await detect('tp-cascade', 'thin-market-push', T0 + DAY, T0 + 2 * DAY)
    expect(aboveInfo(found)).toEqual([])
    // the same move with its forced fills found as such (else this test proves nothing)
    const push = found.find((d) => (d.evidence as PushEvidence).cost.forcedFills.count >= 15)
    expect(push).toBeDefined()
    expect((push!.evidence as PushEvidence).cost.forcedFills.shareOfPushingVolume).toBeGreaterThan(0.9)
    expect(Number(push!.estimatedProfitQuote)).toBeGreaterThan(Number(push!.estimatedCostQuote))
  })
  /**
   * The oracle-priced market of `market()`, now with its own trading ($2k a minute, ~$2.9M a day): A's 200k base long
   * is a few percent of a day's volume, and the 30 % move happens on the reference venue M@ref. A opened the long
   * `openedBefore` before the move: minutes before is the GMX round trip (open, push the references, close); hours
   * before is a trader positioned for a move that the references made, which ties nobody to it. A sells the long back
   * `closedAfter` the move's 20 minutes (the round trip's close; null: it holds on).
   */
  async function referenceMove(
    venue: string,
    openedBefore: number,
    opening: { taker?: 'buyer' | 'seller'; seller?: string } = {},
    /** `crowd`: quote a minute each side of ordinary flow on M@ref besides the $2k trade; `pusher`: the push's buys. */
    flow: { crowd?: number; pusher?: boolean } = {},
    closedAfter: number | null = 2 * MIN,
  ) {
    const r = rng(33)
    const pushStart = T0 + DAY + 14 * HOUR
    const oracle = []
    const own: TradeRow[] = []
    const reference: TradeRow[] = []
    let p = 1
    for (let t = T0; t < T0 + 2 * DAY; t += MIN) {
      p *= 1 + 0.0005 * gauss(r)
      const price = p * (1 + 0.3 * Math.min(Math.max((t - pushStart) / (20 * MIN), 0), 1))
      oracle.push({ tsUs: t, price })
      own.push({ tsUs: t + 11 * SEC, price, qty: 2000 / price, side: r.next() < 0.5 ? 'buy' : 'sell' })
      reference.push({ tsUs: t + 7 * SEC, price, qty: 2000 / price, side: r.next() < 0.5 ? 'buy' : 'sell' })
      if (flow.crowd) {
        reference.push({ tsUs: t + 20 * SEC, price, qty: flow.crowd / price, side: 'buy' })
        reference.push({ tsUs: t + 40 * SEC, price, qty: flow.crowd / price, side: 'sell' })
      }
      if ((flow.pusher ?? true) && t >= pushStart && t < pushStart + 20 * MIN)
        reference.push({ tsUs: t + 30 * SEC, price: price * 1.002, qty: 10_000 / price, side: 'buy' })
    }
    await insertPriceRows(runtime.duck, venue, 'M', 'oracle', venue, oracle)
    await insertTrades(runtime.duck, venue, 'M', own)
    await insertTrades(runtime.duck, venue, 'M@ref', reference)
    const opened = pushStart - openedBefore
    await insertFillRows(
      runtime.duck,
      venue,
      tradeFills({
        tsUs: opened,
        market: 'M',
        buyer: 'A',
        seller: opening.seller ?? 'C',
        price: oracle[Math.floor((opened - T0) / MIN)]!.price,
        qty: 200_000,
        tradeId: `${venue}-1`,
        taker: opening.taker,
      }),
    )
    if (closedAfter === null) return
    const closed = pushStart + 20 * MIN + closedAfter
    await insertFillRows(
      runtime.duck,
      venue,
      tradeFills({
        tsUs: closed,
        market: 'M',
        buyer: 'D',
        seller: 'A',
        price: oracle[Math.floor((closed - T0) / MIN)]!.price,
        qty: 200_000,
        tradeId: `${venue}-2`,
        taker: 'seller',
      }),
    )
  }

  type TieEvidence = {
    exposure: { topClusters: Array<{ accounts: string[]; builtInWindow: number }> }
    beneficiaryExposure: { toVolume: number; pushedOnReferences: boolean; positionedJustBeforeReferencePush: boolean }
  }

  test('a move on the reference venues ties nobody by itself: a long opened hours before is not a push', async () => {
    await referenceMove('tp-ref-early', 3 * HOUR)
    const found = await detect('tp-ref-early', 'thin-market-push', T0 + DAY, T0 + 2 * DAY)
    expect(aboveInfo(found)).toEqual([])
    // the same move, found and profitable for A, who built its long within the build-up window (else this proves nothing)
    const move = found.find((d) => d.score > 0.2)
    expect(move).toBeDefined()
    expect(Number(move!.estimatedProfitQuote)).toBeGreaterThan(Number(move!.estimatedCostQuote))
    expect(Number(move!.estimatedProfitQuote)).toBeGreaterThan(10_000)
    const e = move!.evidence as TieEvidence
    expect(e.exposure.topClusters[0]!.accounts).toEqual(['A'])
    expect(e.exposure.topClusters[0]!.builtInWindow).toBe(1)
    expect(e.beneficiaryExposure.toVolume).toBeLessThan(0.2)
    expect(e.beneficiaryExposure.pushedOnReferences).toBe(true)
    expect(e.beneficiaryExposure.positionedJustBeforeReferencePush).toBe(false)
  })

  type ReferenceCost = {
    cost: {
      realizedSlippage: number
      onReferences: { beyondUsualShare: number; nobodysPush: boolean; markets: Array<{ estimate: string }> }
    }
  }

  test("ordinary buying into the move at its usual rate is not the pusher's cost (GMX round trip, busy references)", async () => {
    // $10k a minute each side of ordinary flow on M@ref: in the 20-minute push they buy $200k at moved prices, and all
    // the pushing buys together paid more slippage beyond p0 than A's gain, which the pusher's own $200k did not
    await referenceMove('tp-ref-crowd', 10 * MIN, {}, { crowd: 10_000 })
    const found = aboveInfo(await detect('tp-ref-crowd', 'thin-market-push', T0 + DAY, T0 + 2 * DAY))
    expect(found).toHaveLength(1)
    expect(found[0]!.accounts).toEqual(['A'])
    const e = found[0]!.evidence as ReferenceCost
    const profit = Number(found[0]!.estimatedProfitQuote)
    expect(e.cost.realizedSlippage).toBeGreaterThan(profit)
    expect(Number(found[0]!.estimatedCostQuote)).toBeLessThan(profit)
    expect(e.cost.onReferences.markets[0]!.estimate).toBe('flow beyond the usual rate')
    expect(e.cost.onReferences.beyondUsualShare).toBeGreaterThan(0.3)
    expect(e.cost.onReferences.beyondUsualShare).toBeLessThan(0.6)
  })

  test('a move on the references with no more flow than usual is nobody’s push, whoever was positioned for it', async () => {
    await referenceMove('tp-ref-drift', 10 * MIN, {}, { crowd: 5_000, pusher: false })
    const found = await detect('tp-ref-drift', 'thin-market-push', T0 + DAY, T0 + 2 * DAY)
    expect(aboveInfo(found)).toEqual([])
    // the move is found and A, positioned minutes before, gained more than the slippage paid (else this proves nothing)
    const move = found.find((d) => d.score > 0.2)
    expect(move).toBeDefined()
    expect(Number(move!.estimatedProfitQuote)).toBeGreaterThan(10_000)
    const e = move!.evidence as ReferenceCost
    expect(Number(move!.estimatedProfitQuote)).toBeGreaterThan(e.cost.realizedSlippage)
    expect(e.cost.onReferences.nobodysPush).toBe(true)
  })

  test('the same move with the long opened minutes before it (GMX round trip) fires and names A', async () => {
    await referenceMove('tp-ref-late', 10 * MIN)
    const found = aboveInfo(await detect('tp-ref-late', 'thin-market-push', T0 + DAY, T0 + 2 * DAY))
    expect(found).toHaveLength(1)
    expect(found[0]!.accounts).toEqual(['A'])
    const e = found[0]!.evidence as TieEvidence
    expect(e.beneficiaryExposure.toVolume).toBeLessThan(0.2)
    expect(e.beneficiaryExposure.positionedJustBeforeReferencePush).toBe(true)
  })

  test('the same long opened minutes before but sold back three hours after the move: a view, not a round trip (1.9.0)', async () => {
    await referenceMove('tp-ref-held', 10 * MIN, {}, {}, 3 * HOUR)
    const found = await detect('tp-ref-held', 'thin-market-push', T0 + DAY, T0 + 2 * DAY)
    expect(aboveInfo(found)).toEqual([])
    // the same move, A opened just before it and gained (else this proves nothing): only the close is missing
    const move = found.find((d) => d.score > 0.2)
    expect(move).toBeDefined()
    expect(Number(move!.estimatedProfitQuote)).toBeGreaterThan(10_000)
    const e = move!.evidence as PassiveEvidence & {
      beneficiaryExposure: { closedWithinHorizonAfter: number | null }
    }
    expect(e.exposure.topClusters[0]!.accounts).toEqual(['A'])
    expect(e.exposure.topClusters[0]!.builtJustBeforePush).toBe(1)
    expect(e.beneficiaryExposure.closedWithinHorizonAfter).toBe(0)
  })

  test('the same long taken passively (A the maker of a trader’s sell, as a pool or backstop is) ties nobody', async () => {
    await referenceMove('tp-ref-passive', 10 * MIN, { taker: 'seller' }, {}, null)
    const found = await detect('tp-ref-passive', 'thin-market-push', T0 + DAY, T0 + 2 * DAY)
    expect(aboveInfo(found)).toEqual([])
    const move = found.find((d) => d.score > 0.2)
    const top = (move!.evidence as PassiveEvidence).exposure.topClusters[0]!
    // A still gains from the move and holds the long: only its being taken passively keeps it from being the attacker
    expect(top.accounts).toEqual(['A'])
    expect(top.profit).toBeGreaterThan(10_000)
    expect(top.takenPassivelyBase).toBe(200_000)
    expect(top.builtJustBeforePush).toBe(0)
  })

  test('a maker long crossed with a linked account (a pre-arranged trade, Mango / JELLY) is chosen: it fires', async () => {
    await insertLedgerRows(
      runtime.duck,
      'tp-ref-cross',
      ['A', 'B'].map((account, i) => ({
        tsUs: T0 + i * MIN,
        account,
        delta: 100_000,
        kind: 'deposit',
        counterparty: 'wallet-x',
      })),
    )
    await referenceMove('tp-ref-cross', 10 * MIN, { taker: 'seller', seller: 'B' })
    const found = aboveInfo(await detect('tp-ref-cross', 'thin-market-push', T0 + DAY, T0 + 2 * DAY))
    expect(found).toHaveLength(1)
    expect(found[0]!.accounts).toEqual(['A'])
    expect((found[0]!.evidence as PassiveEvidence).exposure.topClusters[0]!.takenPassivelyBase).toBe(0)
  })

  type PassiveEvidence = {
    exposure: {
      topClusters: Array<{
        accounts: string[]
        profit: number
        takenPassivelyBase: number
        builtJustBeforePush: number
      }>
    }
  }
})

describe('self-trading', () => {
  /** 1,000 anonymous trades of $1k over a day, and flat 1-minute bars, on market M. */
  async function background(venue: string, pumpAfter?: number) {
    const r = rng(41)
    const trades: TradeRow[] = []
    for (let i = 0; i < 1000; i++)
      trades.push({ tsUs: T0 + Math.round(r.next() * DAY), price: 1, qty: 1000, side: r.next() < 0.5 ? 'buy' : 'sell' })
    trades.sort((a, b) => a.tsUs - b.tsUs)
    await insertTrades(runtime.duck, venue, 'M', trades)
    const closes = Array.from({ length: 26 * 60 }, (_, i) =>
      pumpAfter !== undefined && i * MIN >= pumpAfter ? 1 + 0.5 * Math.min((i * MIN - pumpAfter) / (30 * MIN), 1) : 1,
    )
    await insertBarRows(runtime.duck, venue, 'M', 60, barsOf(T0, MIN, closes, 1000))
  }

  const funded = (venue: string, accounts: string[], wallet: string) =>
    insertLedgerRows(
      runtime.duck,
      venue,
      accounts.map((a, i) => ({
        tsUs: T0 + i * MIN,
        account: a,
        delta: 100_000,
        kind: 'deposit',
        counterparty: wallet,
      })),
    )

  test('accounts funded from one wallet trading $100k with each other (10 % of volume) is a warning', async () => {
    await background('st-fire')
    await funded('st-fire', ['A', 'B'], 'wallet-w')
    await insertFillRows(runtime.duck, 'st-fire', [
      ...tradeFills({
        tsUs: T0 + 6 * HOUR,
        market: 'M',
        buyer: 'B',
        seller: 'A',
        price: 1,
        qty: 60_000,
        tradeId: 'x1',
      }),
      ...tradeFills({
        tsUs: T0 + 7 * HOUR,
        market: 'M',
        buyer: 'B',
        seller: 'A',
        price: 1,
        qty: 40_000,
        tradeId: 'x2',
      }),
    ])
    const found = await detect('st-fire', 'self-trading', T0, T0 + DAY)
    expect(found).toHaveLength(1)
    expect(found[0]!.severity).toBe('warning')
    expect(found[0]!.accounts).toEqual(['A', 'B'])
    const e = found[0]!.evidence as { linkReasons: string[]; fundingSources: string[]; trades: number; share: number }
    expect(e.linkReasons).toEqual(['same-funding-source'])
    expect(e.fundingSources).toEqual(['wallet-w'])
    expect(e.trades).toBe(2)
    // the market's traded notional comes from its trades table: the 1,000 anonymous trades
    expect(e.share).toBeCloseTo(100_000 / 1_000_000, 6)
  })

  test('the same pair building opposite positions before a 50 % price push is critical', async () => {
    await background('st-pump', 8 * HOUR)
    await funded('st-pump', ['A', 'B'], 'wallet-w')
    await insertFillRows(
      runtime.duck,
      'st-pump',
      tradeFills({ tsUs: T0 + 7 * HOUR, market: 'M', buyer: 'B', seller: 'A', price: 1, qty: 150_000, tradeId: 'y1' }),
    )
    const found = await detect('st-pump', 'self-trading', T0, T0 + DAY)
    expect(found.map((d) => d.severity)).toEqual(['critical'])
    expect((found[0]!.evidence as { oppositeLargePositions: boolean }).oppositeLargePositions).toBe(true)
    expect(Number(found[0]!.estimatedProfitQuote)).toBeGreaterThan(50_000)
  })

  test('the same trade between unlinked accounts, or accounts funded by a hot wallet of 25 users: nothing', async () => {
    await background('st-calm')
    await funded('st-calm', ['A', 'C'].slice(0, 1), 'wallet-w')
    await funded('st-calm', ['C'], 'wallet-v')
    const hub = Array.from({ length: 25 }, (_, i) => `user-${String(i).padStart(2, '0')}`)
    await funded('st-calm', hub, 'exchange-hot-wallet')
    await insertFillRows(runtime.duck, 'st-calm', [
      ...tradeFills({
        tsUs: T0 + 6 * HOUR,
        market: 'M',
        buyer: 'C',
        seller: 'A',
        price: 1,
        qty: 100_000,
        tradeId: 'z1',
      }),
      ...tradeFills({
        tsUs: T0 + 8 * HOUR,
        market: 'M',
        buyer: hub[3]!,
        seller: hub[7]!,
        price: 1,
        qty: 100_000,
        tradeId: 'z2',
      }),
    ])
    expect(await detect('st-calm', 'self-trading', T0, T0 + DAY)).toEqual([])
  })
})

describe('oi-concentration', () => {
  async function market(venue: string, volumeGrows: boolean) {
    const oi = []
    const closes = []
    for (let h = 0; h < 7 * 24; h++) {
      const growth = Math.min(Math.max((h - 96) / 48, 0), 1)
      oi.push({ tsUs: T0 + h * HOUR, quote: 1e6 * Math.pow(20, growth) })
      closes.push(100)
    }
    await insertOpenInterest(runtime.duck, venue, 'M', oi)
    await insertBarRows(
      runtime.duck,
      venue,
      'M',
      3600,
      barsOf(T0, HOUR, closes, (h) => 5e6 * (volumeGrows ? Math.pow(20, Math.min(Math.max((h - 96) / 48, 0), 1)) : 1)),
    )
  }

  test('OI ×20 in two days on flat volume is critical', async () => {
    await market('oi-fire', false)
    const found = aboveInfo(await detect('oi-fire', 'oi-concentration', T0 + 3 * DAY, T0 + 7 * DAY))
    expect(found).toHaveLength(1)
    expect(found[0]!.severity).toBe('critical')
    const e = found[0]!.evidence as { peak: { growth: number; volumeRatio: number } }
    expect(e.peak.growth).toBeGreaterThanOrEqual(10)
    expect(e.peak.volumeRatio).toBeLessThanOrEqual(1.01)
  })

  test('the accounts named are the holders at the most concentrated hour, not at the peak after they closed', async () => {
    // Mango: one pair built most of the OI, then was liquidated before OI growth peaked; at the peak the book holds
    // only small positions. The pair (long A, short B) holds 1,000,000 base from hour 100 to hour 130; ten small
    // traders hold 1,000 each against two makers throughout.
    const venue = 'oi-pair'
    await market(venue, false)
    const fills: FillRow[] = []
    for (let i = 0; i < 10; i++)
      fills.push(
        ...tradeFills({
          tsUs: T0 + HOUR + i * MIN,
          market: 'M',
          buyer: `small-${i}`,
          seller: `maker-${i % 2}`,
          price: 100,
          qty: 1_000,
          tradeId: `s${i}`,
        }),
      )
    fills.push(
      ...tradeFills({
        tsUs: T0 + 100 * HOUR,
        market: 'M',
        buyer: 'A',
        seller: 'B',
        price: 100,
        qty: 1e6,
        tradeId: 'ab',
      }),
      ...tradeFills({
        tsUs: T0 + 130 * HOUR,
        market: 'M',
        buyer: 'B',
        seller: 'A',
        price: 100,
        qty: 1e6,
        tradeId: 'ba',
      }),
    )
    await insertFillRows(runtime.duck, venue, fills)
    const found = aboveInfo(await detect(venue, 'oi-concentration', T0 + 3 * DAY, T0 + 7 * DAY))
    expect(found).toHaveLength(1)
    const [d] = found
    // the peak of OI growth comes after the pair closed (positions there are the small ones only)
    const peakUs = Date.parse((d!.evidence as { peak: { ts: string } }).peak.ts) * 1000
    expect(peakUs).toBeGreaterThan(T0 + 130 * HOUR)
    expect(d!.accounts.slice(0, 2).sort()).toEqual(['A', 'B'])
    const most = (d!.evidence as { mostConcentrated: { ts: string; hhi: number } }).mostConcentrated
    expect(Date.parse(most.ts) * 1000).toBeGreaterThan(T0 + 100 * HOUR)
    expect(Date.parse(most.ts) * 1000).toBeLessThanOrEqual(T0 + 130 * HOUR)
    expect(most.hhi).toBeGreaterThan(0.45)
  })

  test('OI ×20 while volume grows ×20 too: nothing above info', async () => {
    await market('oi-calm', true)
    expect(aboveInfo(await detect('oi-calm', 'oi-concentration', T0 + 3 * DAY, T0 + 7 * DAY))).toEqual([])
  })

  /** Four days of flat OI (1M quote) and hourly bars at price 1: the clusters' market, OI neither growing nor shrinking. */
  async function flatMarket(venue: string) {
    const hours = Array.from({ length: 4 * 24 }, (_, h) => T0 + h * HOUR)
    await insertOpenInterest(
      runtime.duck,
      venue,
      'M',
      hours.map((tsUs) => ({ tsUs, quote: 1e6 })),
    )
    await insertBarRows(
      runtime.duck,
      venue,
      'M',
      3600,
      barsOf(
        T0,
        HOUR,
        hours.map(() => 1),
        5e5,
      ),
    )
  }

  test('a dozen wallets from one funding source entering long together, 60 % of OI, are named (warning)', async () => {
    const venue = 'oi-cluster'
    await flatMarket(venue)
    const wallets = Array.from({ length: 12 }, (_, i) => `w${String(i).padStart(2, '0')}`)
    await insertLedgerRows(
      runtime.duck,
      venue,
      wallets.map((w, i) => ({
        tsUs: T0 + DAY + i * MIN,
        account: w,
        delta: 20_000,
        kind: 'deposit',
        counterparty: 'src',
      })),
    )
    // the market's history starts a day earlier (inventory carried into the data is not an entry)
    const fills: FillRow[] = tradeFills({
      tsUs: T0 + HOUR,
      market: 'M',
      buyer: 'maker-0',
      seller: 'maker-1',
      price: 1,
      qty: 10,
      tradeId: 'm0',
    })
    wallets.forEach((w, i) =>
      fills.push(
        ...tradeFills({
          tsUs: T0 + 2 * DAY + i * 5 * MIN,
          market: 'M',
          buyer: w,
          seller: `maker-${i % 3}`,
          price: 1,
          qty: 50_000,
          tradeId: `c${i}`,
        }),
      ),
    )
    await insertFillRows(runtime.duck, venue, fills)
    const found = aboveInfo(await detect(venue, 'oi-concentration', T0 + DAY, T0 + 4 * DAY))
    expect(found).toHaveLength(1)
    expect(found[0]!.severity).toBe('warning')
    expect(found[0]!.accounts).toEqual(wallets)
  })

  // A whale buys the market's OI from a crowd: the crowd ends short almost to a wallet, and fifteen of its wallets
  // that share an exchange hot wallet sold together (the whale's buying is one flow) and hold 40 % of OI. They agree
  // on their side because the crowd does; the same fifteen in a market whose other holders are split are one actor.
  async function whaleCrowd(venue: string, crowdSplit: boolean) {
    await flatMarket(venue)
    const cluster = Array.from({ length: 15 }, (_, i) => `hot-${String(i).padStart(2, '0')}`)
    const crowd = Array.from({ length: 25 }, (_, i) => `crowd-${String(i).padStart(2, '0')}`)
    await insertLedgerRows(runtime.duck, venue, [
      ...cluster.map((w, i) => ({
        tsUs: T0 + i * MIN,
        account: w,
        delta: 20_000,
        kind: 'deposit',
        counterparty: 'hot',
      })),
      ...crowd.map((w, i) => ({
        tsUs: T0 + i * MIN,
        account: w,
        delta: 20_000,
        kind: 'deposit',
        counterparty: `own-${i}`,
      })),
    ])
    const fills: FillRow[] = tradeFills({
      tsUs: T0 + HOUR,
      market: 'M',
      buyer: 'maker-0',
      seller: 'maker-1',
      price: 1,
      qty: 10,
      tradeId: 'm0',
    })
    // the cluster: fourteen sell to the whale in its two-hour build, one is long
    cluster.slice(0, 14).forEach((w, i) =>
      fills.push(
        ...tradeFills({
          tsUs: T0 + 2 * DAY + i * 7 * MIN,
          market: 'M',
          buyer: 'whale',
          seller: w,
          price: 1,
          qty: 30_000,
          tradeId: `h${i}`,
        }),
      ),
    )
    fills.push(
      ...tradeFills({
        tsUs: T0 + DAY,
        market: 'M',
        buyer: cluster[14]!,
        seller: 'maker-2',
        price: 1,
        qty: 10_000,
        tradeId: 'hl',
      }),
    )
    // the rest of the market: sellers to the whale too, or (crowdSplit) as many longs as shorts
    crowd.forEach((w, i) => {
      const sells = crowdSplit ? i % 2 === 0 : i < 20
      fills.push(
        ...tradeFills({
          tsUs: T0 + 2 * DAY + (i * 5 + 3) * MIN,
          market: 'M',
          buyer: sells ? 'whale' : w,
          seller: sells ? w : `maker-${i % 3}`,
          price: 1,
          qty: 30_000,
          tradeId: `c${i}`,
        }),
      )
    })
    await insertFillRows(runtime.duck, venue, fills)
    return { found: aboveInfo(await detect(venue, 'oi-concentration', T0 + DAY, T0 + 4 * DAY)), cluster }
  }

  test('a hot wallet’s share of the crowd that sold to a whale is not a cluster: the crowd is short too', async () => {
    const { found } = await whaleCrowd('oi-whale-crowd', false)
    expect(found).toEqual([])
  })

  test('the same fifteen wallets short in a market whose other holders are split are named', async () => {
    const { found, cluster } = await whaleCrowd('oi-split-crowd', true)
    expect(found).toHaveLength(1)
    expect(found[0]!.accounts).toEqual(cluster)
    const c = (
      found[0]!.evidence as { accounts: { fundingClusters: Array<{ source: string; sideAgreementP: number }> } }
    ).accounts.fundingClusters.find((x) => x.source === 'hot')!
    expect(c.sideAgreementP).toBeLessThan(0.01)
  })
})

describe('funding-manipulation', () => {
  /**
   * Trades at 100 around the clock and hourly settlements at 0.01 %. With `attack`, buying in the 4 minutes before each
   * of the last 24 settlements; with `accounts`, those buys are fills of S, while H — funded from the same wallet as S —
   * holds a 10,000 base short from before the scope and collects the funding S's buying lifts.
   */
  async function market(venue: string, attack: boolean, accounts = false) {
    const r = rng(51)
    const trades: TradeRow[] = []
    const fills: FillRow[] = []
    for (let t = T0; t < T0 + 3 * DAY; t += Math.round(-Math.log(1 - r.next()) * 20 * SEC)) {
      trades.push({
        tsUs: t,
        price: 100,
        qty: (1000 * Math.exp(0.8 * gauss(r))) / 100,
        side: r.next() < 0.5 ? 'buy' : 'sell',
      })
    }
    const settlements = Array.from({ length: 72 }, (_, h) => T0 + (h + 1) * HOUR)
    if (attack) {
      for (const s of settlements.slice(48)) {
        for (let k = 0; k < 20; k++) {
          const tsUs = s - 4 * MIN + k * 10 * SEC
          trades.push({ tsUs, price: 100.05, qty: 50, side: 'buy' })
          if (accounts)
            fills.push(
              ...tradeFills({
                tsUs,
                market: 'M',
                buyer: 'S',
                seller: 'MM',
                price: 100.05,
                qty: 50,
                tradeId: `f${tsUs}`,
              }),
            )
        }
      }
    }
    trades.sort((a, b) => a.tsUs - b.tsUs)
    await insertTrades(runtime.duck, venue, 'M', trades)
    if (accounts) {
      fills.unshift(
        ...tradeFills({
          tsUs: T0 + HOUR / 2,
          market: 'M',
          buyer: 'MM',
          seller: 'H',
          price: 100,
          qty: 10_000,
          tradeId: 'h',
        }),
      )
      await insertFillRows(runtime.duck, venue, fills)
      await insertLedgerRows(runtime.duck, venue, [
        { tsUs: T0, account: 'H', delta: 1e6, kind: 'deposit', counterparty: 'W' },
        { tsUs: T0, account: 'S', delta: 1e6, kind: 'deposit', counterparty: 'W' },
      ])
    }
    await insertFundingRows(
      runtime.duck,
      venue,
      'M',
      settlements.map((s) => ({ tsUs: s, rate: 0.0001 })),
    )
  }

  test('heavy buying in the 5 minutes before 24 settlements is flagged, above what chance gives', async () => {
    await market('fm-fire', true)
    const found = aboveInfo(await detect('fm-fire', 'funding-manipulation', T0 + DAY, T0 + 3 * DAY))
    expect(found).toHaveLength(1)
    expect(found[0]!.severity).toBe('critical')
    const e = found[0]!.evidence as { extremeSettlements: number; pValue: number; test: string }
    expect(e.test).toBe('net taker flow')
    expect(e.extremeSettlements).toBeGreaterThanOrEqual(20)
    expect(e.pValue).toBeLessThan(1e-6)
  })

  test('the squeezer is named with the linked account that collected the funding, and their income is the profit', async () => {
    await market('fm-collect', true, true)
    const found = aboveInfo(await detect('fm-collect', 'funding-manipulation', T0 + DAY, T0 + 3 * DAY))
    expect(found).toHaveLength(1)
    const d = found[0]!
    expect([...d.accounts].sort()).toEqual(['H', 'S'])
    const e = d.evidence as {
      extremeSettlements: number
      fundingIncome: { total: number; collectors: Array<{ account: string; income: number }> }
    }
    // H's 10,000 base short receives 0.01 % of the last price (100.05) at each flagged settlement; S, long, pays
    expect(e.extremeSettlements).toBeGreaterThanOrEqual(20)
    expect(e.fundingIncome.collectors.map((c) => c.account)).toEqual(['H'])
    expect(e.fundingIncome.collectors[0]!.income).toBeCloseTo(e.extremeSettlements * 10_000 * 0.0001 * 100.05, 0)
    expect(Number(d.estimatedProfitQuote)).toBeCloseTo(e.fundingIncome.total, 0)
    expect(Number(d.estimatedProfitQuote)).toBeLessThan(e.fundingIncome.collectors[0]!.income)
  })

  test('the same flow without the concentration: nothing above info', async () => {
    await market('fm-calm', false)
    expect(aboveInfo(await detect('fm-calm', 'funding-manipulation', T0 + DAY, T0 + 3 * DAY))).toEqual([])
  })
})

describe('oracle-front-running', () => {
  /**
   * Oracle prints every 30 s with 12 large updates 5 h apart; 30 accounts trade both ways around the clock. With
   * `reversal`, each large update is undone and more two minutes later (a larger update the other way), and the
   * front-runner closes 50 s after the first, before the reversal. `calls`: the front-runner trades around the first
   * that many updates only; `taker`: its fills record it as the taker and `mm`, the other side, as the maker.
   */
  async function market(
    venue: string,
    frontRun: boolean,
    reversal = false,
    o: { calls?: number; taker?: boolean } = {},
  ) {
    const r = rng(61)
    const jumps = new Map<number, number>()
    for (let k = 0; k < 12; k++) jumps.set(T0 + 3 * HOUR + k * 5 * HOUR, r.next() < 0.5 ? -0.015 : 0.015)
    const reversals = new Map<number, number>()
    if (reversal) for (const [t, move] of jumps) reversals.set(t + 2 * MIN, -2 * move)
    const oracle = []
    let p = 100
    const priceAt = new Map<number, number>()
    for (let t = T0; t < T0 + 3 * DAY; t += 30 * SEC) {
      p *= 1 + 0.0002 * gauss(r) + (jumps.get(t) ?? 0) + (reversals.get(t) ?? 0)
      oracle.push({ tsUs: t, price: p })
      priceAt.set(t, p)
    }
    await insertPriceRows(runtime.duck, venue, 'M', 'oracle', venue, oracle)
    const fills: FillRow[] = []
    let id = 0
    const accounts = Array.from({ length: 30 }, (_, i) => `acct-${String(i).padStart(2, '0')}`)
    for (let t = T0; t < T0 + 3 * DAY; t += 2 * MIN) {
      const [buyer, seller] = [accounts[r.int(30)]!, accounts[r.int(30)]!]
      if (buyer === seller) continue
      const price = priceAt.get(Math.floor((t - T0) / (30 * SEC)) * 30 * SEC + T0)!
      fills.push(
        ...tradeFills({
          tsUs: t + 3 * SEC,
          market: 'M',
          buyer,
          seller,
          price,
          qty: 10 + 90 * r.next(),
          tradeId: `b${id++}`,
        }),
      )
    }
    for (const [t, move] of [...jumps].slice(0, o.calls ?? jumps.size)) {
      const closeAt = t + (reversal ? 50 * SEC : 3 * MIN)
      const before = priceAt.get(t - 30 * SEC)!
      const after = priceAt.get(Math.floor((closeAt - T0) / (30 * SEC)) * 30 * SEC + T0)!
      // the front-runner opens 20 s before in the update's direction (or a random one), and closes 3 min after
      const up = frontRun ? move > 0 : r.next() < 0.5
      const [open, close] = up ? (['buy', 'sell'] as const) : (['sell', 'buy'] as const)
      const q = 1000
      fills.push(
        ...tradeFills({
          tsUs: t - 20 * SEC,
          market: 'M',
          buyer: open === 'buy' ? 'X' : 'mm',
          seller: open === 'buy' ? 'mm' : 'X',
          price: before,
          qty: q,
          tradeId: `o${id++}`,
          ...(o.taker ? { taker: open === 'buy' ? ('buyer' as const) : ('seller' as const) } : {}),
        }),
        ...tradeFills({
          tsUs: closeAt,
          market: 'M',
          buyer: close === 'buy' ? 'X' : 'mm',
          seller: close === 'buy' ? 'mm' : 'X',
          price: after,
          qty: q,
          tradeId: `c${id++}`,
          ...(o.taker ? { taker: close === 'buy' ? ('buyer' as const) : ('seller' as const) } : {}),
        }),
      )
    }
    // 20 other accounts each trade once or twice in the minute before some updates, in random directions, against one
    // market maker: they have calls but too few to be flagged, so they are not in the Bonferroni family
    const noise = rng(62)
    for (let k = 0; k < 20; k++) {
      for (let j = 0; j < 1 + noise.int(2); j++) {
        const t = [...jumps.keys()][noise.int(12)]! - (10 + noise.int(40)) * SEC
        const buy = noise.next() < 0.5
        fills.push(
          ...tradeFills({
            tsUs: t,
            market: 'M',
            buyer: buy ? `noise-${k}` : 'noise-mm',
            seller: buy ? 'noise-mm' : `noise-${k}`,
            price: priceAt.get(Math.floor((t - T0) / (30 * SEC)) * 30 * SEC + T0)!,
            qty: 5,
            tradeId: `n${id++}`,
          }),
        )
      }
    }
    // 60 position takers open in the minute before 5–7 updates each, in random directions, and hold on (no close
    // within 15 minutes): many calls, no round trips, so they are not front-running calls and stay out of the family
    const holders = rng(63)
    for (let k = 0; k < 60; k++) {
      for (let j = 5 + holders.int(3); j > 0; j--) {
        const t = [...jumps.keys()][holders.int(12)]! - (10 + holders.int(40)) * SEC
        const buy = holders.next() < 0.5
        fills.push(
          ...tradeFills({
            tsUs: t,
            market: 'M',
            buyer: buy ? `holder-${k}` : 'holder-mm',
            seller: buy ? 'holder-mm' : `holder-${k}`,
            price: priceAt.get(Math.floor((t - T0) / (30 * SEC)) * 30 * SEC + T0)!,
            qty: 5,
            tradeId: `h${id++}`,
          }),
        )
      }
    }
    await insertFillRows(runtime.duck, venue, fills)
  }

  test('opening before 12 of 12 large updates in their direction and closing after in profit is flagged', async () => {
    await market('fr-fire', true)
    const found = aboveInfo(await detect('fr-fire', 'oracle-front-running', T0, T0 + 3 * DAY))
    expect(found.map((d) => d.accounts)).toEqual([['X']])
    const e = found[0]!.evidence as {
      alignedEvents: number
      againstEvents: number
      roundTrips: number
      actorsTested: number
      actorsWithCalls: number
    }
    // a call is a round trip around an event; the Bonferroni family is the actors with ≥ minHits of them (X and its
    // counterparty mm), not every account that traded before updates (the holders would make it ~60 larger and
    // 12 of 12 (p = 2⁻¹²) no longer significant)
    expect(e.actorsTested).toBe(2)
    expect(e.actorsWithCalls).toBe(2)
    expect(e.alignedEvents).toBe(12)
    expect(e.againstEvents).toBe(0)
    expect(e.roundTrips).toBe(12)
    expect(Number(found[0]!.estimatedProfitQuote)).toBeGreaterThan(0)
  })

  test('an update reversed within the event gap is an event of its own: a call on the first is not read against the net', async () => {
    // 1.2.0 merged the update and its larger reversal into one event of the reversal's sign, so every call of X
    // counted against it and nothing fired
    await market('fr-reversal', true, true)
    const found = aboveInfo(await detect('fr-reversal', 'oracle-front-running', T0, T0 + 3 * DAY))
    expect(found.map((d) => d.accounts)).toEqual([['X']])
    const e = found[0]!.evidence as { alignedEvents: number; againstEvents: number; events: number }
    expect(e.alignedEvents).toBe(12)
    expect(e.againstEvents).toBe(0)
    expect(e.events).toBe(24)
  })

  test('the maker on the other side of the front-runner’s trades timed nothing: only the taker is tested (1.4.0)', async () => {
    // seven calls of seven: p = 2⁻⁷ ≈ 0.0078, flagged in a family of one, not of two (1.3.0 tested mm, its mirror)
    await market('fr-maker', true, false, { calls: 7, taker: true })
    const found = aboveInfo(await detect('fr-maker', 'oracle-front-running', T0, T0 + 3 * DAY))
    expect(found.map((d) => d.accounts)).toEqual([['X']])
    const e = found[0]!.evidence as { alignedEvents: number; actorsTested: number }
    expect(e.alignedEvents).toBe(7)
    expect(e.actorsTested).toBe(1)
  })

  test('the same trading with random directions: nothing above info', async () => {
    await market('fr-calm', false)
    expect(aboveInfo(await detect('fr-calm', 'oracle-front-running', T0, T0 + 3 * DAY))).toEqual([])
  })
})

describe('withdrawal-to-maintenance', () => {
  /**
   * ETH rising from 2000 to 2200 over 20 h (24 h volume $24M); each account in `longs` deposits 1M and buys 5000 ETH
   * at 2000 half an hour in; `withdrawals` are its ledger rows after that.
   */
  async function ethLongs(venue: string, longs: string[], withdrawals: Parameters<typeof insertLedgerRows>[2]) {
    const closes = Array.from({ length: 30 }, (_, h) => (h < 20 ? 2000 + 10 * h : 2200))
    await insertBarRows(runtime.duck, venue, 'ETH', 3600, barsOf(T0, HOUR, closes, 1e6))
    await insertLedgerRows(runtime.duck, venue, [
      ...longs.map((account) => ({
        tsUs: T0,
        account,
        delta: 1_000_000,
        kind: 'deposit' as const,
        counterparty: 'bank',
      })),
      ...withdrawals,
    ])
    await insertFillRows(
      runtime.duck,
      venue,
      longs.flatMap((account) =>
        tradeFills({
          tsUs: T0 + 30 * MIN,
          market: 'ETH',
          buyer: account,
          seller: 'mm',
          price: 2000,
          qty: 5000,
          tradeId: `${account.toLowerCase()}1`,
        }),
      ),
    )
  }

  // the window (3 Mar 2025) predates the 12 Mar 2025 tiers, so the venue's default would be the 2023 preset (flat
  // 50x): these rules are named
  const detectWithdrawals = (venue: string) =>
    detect(venue, 'withdrawal-to-maintenance', T0 + 20 * HOUR, T0 + 24 * HOUR, { rules: 'hyperliquid@2025-03-12' })

  test('withdrawing unrealized PnL down to the initial margin of a large ETH position is flagged (Hyperliquid rules)', async () => {
    const venue = 'hyperliquid'
    // W takes its PnL out down to about the initial margin (4 % at 25x); V takes 100k
    await ethLongs(
      venue,
      ['W', 'V'],
      [
        { tsUs: T0 + 21 * HOUR, account: 'W', delta: -1_560_000, kind: 'withdrawal', txId: '0xabc' },
        { tsUs: T0 + 21 * HOUR, account: 'V', delta: -100_000, kind: 'withdrawal', txId: '0xdef' },
      ],
    )
    const found = await detectWithdrawals(venue)
    expect(found).toHaveLength(1)
    const d = found[0]!
    expect(d.accounts).toEqual(['W'])
    expect(d.severity).toBe('warning')
    const e = d.evidence as {
      margin: string
      equityAfter: number
      initialMargin: number
      maintenance: number
      withdrawal: { txId: string }
    }
    expect(e.margin).toMatch(/^hyperliquid@2025-03-12\b/)
    expect(e.withdrawal.txId).toBe('0xabc')
    // 5000 ETH at 2200: equity 1M + 1M PnL − 1.56M = 440k; IM 4 % = 440k, MM 2 % = 220k
    expect(e.equityAfter).toBeCloseTo(440_000, -3)
    expect(e.initialMargin).toBeCloseTo(440_000, -3)
    expect(e.maintenance).toBeCloseTo(220_000, -3)
    expect(Number(d.estimatedProfitQuote)).toBeCloseTo(1_000_000, -3)
  })

  test('a withdrawal during a fast fall is valued at the mark in force, not at the last minute’s close (1.2.0)', async () => {
    const venue = 'hl-fast'
    // the mark follows the bars, then falls from 2200 to 2100 in the minute after 21:00; W withdraws at 21:00:50,
    // when the mark is 2116.7, down to the initial margin there (4 % of 5000 × 2116.7 = 423.3k). The last whole
    // minute closed at 2200: valued there the account would keep 838k, nearly twice its initial margin
    const withdrawAt = T0 + 21 * HOUR + 50 * SEC
    await ethLongs(venue, ['W'], [{ tsUs: withdrawAt, account: 'W', delta: -1_160_000, kind: 'withdrawal' }])
    const marks = Array.from({ length: 21 * 60 }, (_, m) => ({
      tsUs: T0 + m * MIN,
      price: m < 20 * 60 ? 2000 + m / 6 : 2200,
    }))
    for (let s = 5; s <= 60; s += 5) marks.push({ tsUs: T0 + 21 * HOUR + s * SEC, price: 2200 - (100 * s) / 60 })
    await insertPriceRows(runtime.duck, venue, 'ETH', 'mark', venue, marks)
    const found = await detectWithdrawals(venue)
    expect(found).toHaveLength(1)
    const e = found[0]!.evidence as { positions: Array<{ mark: number }>; equityAfter: number; initialMargin: number }
    expect(e.positions[0]!.mark).toBeCloseTo(2116.67, 1)
    expect(e.equityAfter).toBeCloseTo(e.initialMargin, -3)
  })

  test('a withdrawal before the market has any volume behind it is not judged large against it (1.3.0)', async () => {
    const venue = 'hl-new-data'
    // W withdraws down to its initial margin 20 minutes after buying, 50 minutes after the market's data begins: no
    // whole hour of volume before it, so the position's size against the market is unknown (1.2.0: infinite, critical)
    await ethLongs(venue, ['W'], [{ tsUs: T0 + 50 * MIN, account: 'W', delta: -600_000, kind: 'withdrawal' }])
    const marks = Array.from({ length: 60 }, (_, m) => ({ tsUs: T0 + m * MIN, price: 2000 }))
    await insertPriceRows(runtime.duck, venue, 'ETH', 'mark', venue, marks)
    const found = await detect(venue, 'withdrawal-to-maintenance', T0, T0 + 24 * HOUR, {
      rules: 'hyperliquid@2025-03-12',
    })
    expect(found).toEqual([])
  })

  test('the same withdrawal in 33 pieces, each under a tenth of the equity before it, is judged whole (1.1.0)', async () => {
    const venue = 'hl-split'
    // 32 pieces of 47,312.5 and a last one of 46,000 a minute apart: 1.56M in all, as W took at once above; the last
    // brings equity from 486k (above 1.1 × the 440k initial margin) to 440k and is 9.5 % of the equity before it
    const pieces = [...Array.from({ length: 32 }, () => 47_312.5), 46_000]
    await ethLongs(
      venue,
      ['W'],
      pieces.map((amount, k) => ({
        tsUs: T0 + 21 * HOUR + k * MIN,
        account: 'W',
        delta: -amount,
        kind: 'withdrawal' as const,
        txId: `0x${k}`,
      })),
    )
    const found = await detectWithdrawals(venue)
    expect(found).toHaveLength(1)
    const e = found[0]!.evidence as { withdrawal: { txId: string }; withdrawnInSpan: number; equityAfter: number }
    expect(e.withdrawal.txId).toBe('0x32')
    expect(e.withdrawnInSpan).toBeCloseTo(1_560_000, -3)
    expect(e.equityAfter).toBeCloseTo(440_000, -3)
    expect(Number(found[0]!.estimatedProfitQuote)).toBeCloseTo(1_000_000, -3)
  })
})
