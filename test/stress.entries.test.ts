// The synthetic population's initial positions enter before the window at the stored prices of their entry times
// (population.ts EntryHistory): spread over the lookback, survivors of the path since, the same for a seed.
import { describe, expect, test } from 'vitest'
import { prepareBacktest } from '../src/replay/backtest/prepare.ts'
import type { ReplayKernel } from '../src/replay/kernel/engine.ts'
import { populationRuntime, populationSchema, type EntryHistory } from '../src/replay/kernel/population.ts'
import { liquidationPrice } from '../src/replay/margin/requirement.ts'
import { barsFromCloses, insertBars } from './support/marketData.ts'
import { barsBatch, flat, kernelWith, PRESET_MARKET, rulesFrom, SEC, T0 } from './support/replay.ts'
import { testRuntime } from './support/runtime.ts'

const MIN = 60 * SEC
const runtime = await testRuntime()

/** Six hours of one-minute buckets before T0: 100 falling to 80 at −3 h, back to 90 at T0. */
function history(): EntryHistory {
  const n = 360
  const ts = new Float64Array(n)
  const close = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    ts[i] = T0 - (n - i) * MIN
    close[i] = i < 180 ? 100 - (20 * i) / 180 : 80 + (10 * (i - 180)) / 180
  }
  return { ts, low: close.map((c) => c * 0.998), high: close.map((c) => c * 1.002), close }
}

function run(seed: number, lookbackHours: number): ReplayKernel {
  const rules = rulesFrom('binance-um')
  const market = PRESET_MARKET['binance-um']!
  const population = populationRuntime(
    populationSchema.parse({
      initialPositions: 4000,
      meanHoldingHours: 4,
      notionalMedian: 2_000,
      entryLookbackHours: lookbackHours,
    }),
    [5e5],
    {},
    [history()],
  )
  const k = kernelWith(rules, [market], null, { seed, population })
  k.process(barsBatch(0, flat(0, 120, 90)))
  return k
}

function openPositions(k: ReplayKernel) {
  const b = k.book
  return [...Array(b.extent).keys()]
    .filter((p) => b.state[p] === 1)
    .map((p) => ({
      side: b.side[p]!,
      qty: b.qty[p]!,
      entry: b.entry[p]!,
      margin: b.margin[p]! / 1e6,
      openTs: b.openTs[p]!,
    }))
}

describe('population entries spread before the window', () => {
  test('initial positions enter at stored prices over the lookback and survived the path since', () => {
    const k = run(3, 6)
    const h = history()
    const open = openPositions(k).filter((p) => p.openTs < T0)
    expect(open.length).toBeGreaterThan(3000)
    const closes = new Set(h.close)
    const s = k.markets[0]!
    for (const p of open) {
      // entered at the close of the bucket of its entry time, before the window
      const i = h.ts.indexOf(p.openTs)
      expect(i).toBeGreaterThanOrEqual(0)
      expect(closes.has(p.entry)).toBe(true)
      expect(p.entry).toBe(h.close[i])
      // the path after its entry never reached its liquidation price
      const lp = liquidationPrice(s.tier, s.params, p.side, p.qty, p.entry, p.margin)
      const after = { low: Math.min(...h.low.subarray(i + 1), 90), high: Math.max(...h.high.subarray(i + 1), 90) }
      if (p.side > 0) expect(lp).toBeLessThan(after.low)
      else expect(lp).toBeGreaterThan(after.high)
    }
    // spread over the lookback, not clustered at one price: entries on both sides of the dip
    const entries = new Set(open.map((p) => p.entry))
    expect(entries.size).toBeGreaterThan(100)
    expect(open.some((p) => p.entry > 95)).toBe(true)
    expect(open.some((p) => p.entry < 85)).toBe(true)
    // longs entered near 100 at high leverage did not survive the dip to 80: the survivors there had the margin
    // to stay solvent at the low (at most about 5x), while at the first mark leverage reaches 50x
    const earlyLongs = open.filter((p) => p.side > 0 && p.entry > 97)
    expect(earlyLongs.length).toBeGreaterThan(0)
    for (const p of earlyLongs) expect(p.margin).toBeGreaterThan(p.qty * (p.entry - 80 * 0.998))
    const lateLeverage = open.filter((p) => p.entry > 89.9).map((p) => (p.qty * p.entry) / p.margin)
    expect(Math.max(...lateLeverage)).toBeGreaterThan(20)
    expect(k.warningList().some((w) => /drawn again because the path since their entry/.test(w))).toBe(true)
  })

  test('the same seed gives the same entries; lookback 0 puts every initial position at the first mark', () => {
    expect(openPositions(run(5, 6))).toEqual(openPositions(run(5, 6)))
    const atMark = openPositions(run(5, 0))
    expect(atMark.length).toBeGreaterThan(3000)
    expect(atMark.every((p) => p.entry === 90 && p.openTs >= T0)).toBe(true)
  })
})

describe('entry history from the store', () => {
  test('prepare reads the lookback before the window into one-minute buckets (lowest low, highest high, last close)', async () => {
    {
      // 1 s bars from 2 h before the window to 1 h into it
      const closes = Array.from({ length: 3 * 3600 }, (_, i) => 100 + Math.sin(i / 500) * 5)
      await insertBars(runtime.duck, 'binance-um', 'BTCUSDT', 1, barsFromCloses(T0 - 2 * 3600 * SEC, closes, {}, 1e6))
      const prepare = (lookback: number) =>
        prepareBacktest(
          runtime,
          {
            ruleSet: 'binance-um',
            venue: 'binance-um',
            markets: ['BTCUSDT'],
            from: new Date(T0 / 1000).toISOString(),
            to: new Date(T0 / 1000 + 3_600_000).toISOString(),
            positions: 'synthetic',
            population: { initialPositions: 100, entryLookbackHours: lookback },
          },
          { allowFiles: false },
        )
      const h = (await prepare(1.5)).entryHistory[0]!
      // 90 one-minute buckets, ending before the window
      expect(h.ts.length).toBe(90)
      expect(h.ts[0]).toBe(T0 - 90 * MIN)
      expect(h.ts.at(-1)).toBe(T0 - MIN)
      // the bucket of minute j holds seconds (j·60, j·60 + 60] of the bars (a bar is stamped at its close)
      const last = closes.slice(2 * 3600 - 60, 2 * 3600)
      expect(h.close.at(-1)).toBeCloseTo(closes[2 * 3600 - 2]!, 9)
      expect(h.high.at(-1)).toBeGreaterThanOrEqual(Math.max(...last.slice(0, 59)) - 1e-9)
      expect((await prepare(0)).entryHistory[0]).toBeNull()
    }
  })
})
