// ADL rankings kept between claims (kernel/adlIndex.ts) against ranking afresh for every claim: the same fills in
// the same order for every ranking a preset uses, and the queue and position list agree with RankQueue on their own.
import crypto from 'node:crypto'
import { describe, expect, test } from 'vitest'
import { PositionOrder, ScoreQueue } from '../src/replay/kernel/adlIndex.ts'
import type { ReplayKernel } from '../src/replay/kernel/engine.ts'
import { allocBatch, EventKind, pushEvent, type EventBatch } from '../src/replay/kernel/events.ts'
import { populationRuntime, populationSchema } from '../src/replay/kernel/population.ts'
import { rankOrder } from '../src/replay/margin/adlRanking.ts'
import { kernelWith, PRESET_MARKET, rulesFrom, SEC, T0 } from './support/replay.ts'

/** 40 minutes of 1 s bars: a seeded walk, a −18% crash with wicks and a +15% squeeze, funding every 10 minutes. */
function crash(seed: number): EventBatch {
  const seconds = 2400
  const batch = allocBatch(seconds + 8)
  let x = seed >>> 0
  const rnd = () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0
    return (x >>> 8) / 2 ** 24
  }
  let price = 100
  for (let i = 0; i < seconds; i++) {
    const t = T0 + i * SEC
    const shock = i === 900 ? -0.18 : i === 1700 ? 0.15 : 0
    const close = price * (1 + (rnd() - 0.5) * 0.006 + shock)
    const low = Math.min(price, close) * (1 - rnd() * 0.01)
    const high = Math.max(price, close) * (1 + rnd() * 0.01)
    pushEvent(batch, t, EventKind.BAR, 0, low, high, close, 2e4 + rnd() * 8e4)
    if (i > 0 && i % 600 === 0) pushEvent(batch, t, EventKind.FUNDING, 0, (rnd() - 0.5) * 0.004, Number.NaN, 8)
    price = close
  }
  return batch
}

function run(preset: string, seed: number, kept: boolean, ranking?: string): { hash: string; adlFills: number } {
  // a tiny fund, so deficits reach ADL from the first bankruptcies (binance-um's ADL step may rank another way)
  const rules = rulesFrom(preset, {
    'insuranceFund.initialBalance': '100',
    ...(ranking ? { 'waterfall.1.ranking': ranking } : {}),
  })
  const market = PRESET_MARKET[preset]!
  const population = populationRuntime(
    populationSchema.parse({ initialPositions: 3000, meanHoldingHours: 0.3, leverageMax: 50, notionalMedian: 2_000 }),
    [5e5],
  )
  const k: ReplayKernel = kernelWith(rules, [market], null, { seed, population })
  k.adlRankingsKept = kept
  k.process(crash(seed))
  k.settleOpenFunding()
  const h = crypto.createHash('sha256')
  const o = k.outputs
  for (const buffer of [o.liquidations, o.deficits, o.fund, o.adl, o.social, o.guardrails])
    for (const n of buffer.names)
      h.update(new Uint8Array((buffer.cols as Record<string, Float64Array>)[n]!.buffer, 0, buffer.length * 8))
  const t = k.totals
  h.update(`${t.fundingPaidByPositions.value} ${t.shortfall.value} ${t.coveredByAdl.value} ${t.badDebt.value}`)
  return { hash: h.digest('hex'), adlFills: t.adlFills }
}

describe('kept ADL rankings', () => {
  // every ranking (binance-um's ADL step ranked each way), and the presets' own ADL steps (randomStart: dYdX)
  const cases = [
    ...['pnlPercentTimesLeverage', 'markOverEntryTimesNotionalOverEquity', 'leverage', 'unrealizedPnl'].map(
      (ranking) => ({ preset: 'binance-um', ranking }),
    ),
    ...['bybit', 'bitmex', 'dydx-v4'].map((preset) => ({ preset, ranking: undefined })),
  ]
  for (const { preset, ranking } of cases)
    test(`${preset}${ranking ? ` ranked by ${ranking}` : ''}: the same outputs as ranking every claim afresh`, () => {
      for (const seed of [3, 11]) {
        const fresh = run(preset, seed, false, ranking)
        const kept = run(preset, seed, true, ranking)
        // the scenario must deleverage many claims, or the comparison proves nothing
        expect(fresh.adlFills).toBeGreaterThan(50)
        expect(kept).toEqual(fresh)
      }
    })

  test('ScoreQueue pops in RankQueue order, also after entries are taken and pushed back re-scored', () => {
    let x = 7
    const rnd = () => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0
      return (x >>> 8) / 2 ** 24
    }
    // scores with ties and infinities (equal infinities tie, like RankQueue)
    const pick = () => [Infinity, -Infinity, 1, 2][Math.floor(rnd() * 4)]!
    const scores = Array.from({ length: 500 }, () => (rnd() < 0.2 ? pick() : Math.round(rnd() * 50)))
    const queue = new ScoreQueue()
    queue.reset(scores.length)
    // appended in a scrambled order: the order must not depend on it
    const ids = scores.map((_, i) => i).sort((a, b) => ((a * 7919) % 500) - ((b * 7919) % 500))
    for (const i of ids) queue.append(i, scores[i]!)
    queue.heapify()
    for (let round = 0; round < 20; round++) {
      const taken = Array.from({ length: 1 + Math.floor(rnd() * 10) }, () => queue.pop()).filter((p) => p >= 0)
      for (const p of taken) scores[p] = rnd() < 0.5 ? Math.round(rnd() * 50) : pick()
      for (const p of taken) queue.push(p, scores[p]!)
    }
    const popped: number[] = []
    for (let p = queue.pop(); p >= 0; p = queue.pop()) popped.push(p)
    expect(popped).toEqual(rankOrder(scores))
  })

  test('PositionOrder finds the k-th remaining position and walks on past struck-out ones', () => {
    const list = new PositionOrder()
    const positions = Int32Array.from({ length: 37 }, (_, i) => i * 3)
    list.reset(positions, positions.length)
    for (const i of [0, 5, 6, 7, 36, 20]) list.kill(i)
    const remaining = [...positions.keys()].filter((i) => ![0, 5, 6, 7, 36, 20].includes(i))
    expect(list.remaining).toBe(remaining.length)
    remaining.forEach((i, k) => expect(list.select(k)).toBe(i))
    // cyclic: after the last remaining entry comes the first
    expect(list.next(35)).toBe(1)
    expect(list.next(4)).toBe(8)
  })
})

describe('lazily socialized loss (Drift, synthetic population)', () => {
  test('each position pays its size × loss / Σ|base| when it settles, and the charges add up to the loss', () => {
    const rules = rulesFrom('drift')
    const market = PRESET_MARKET.drift!
    const population = populationRuntime(
      populationSchema.parse({ initialPositions: 2000, meanHoldingHours: 1000, leverageMax: 5, notionalMedian: 2_000 }),
      [5e5],
    )
    const k = kernelWith(rules, [market], null, { seed: 5, population })
    const bars = allocBatch(60)
    for (let i = 0; i < 60; i++) pushEvent(bars, T0 + i * SEC, EventKind.BAR, 0, 100, 100, 100, 1e6)
    k.process(bars)
    const b = k.book
    const open = [...Array(b.extent).keys()].filter((p) => b.state[p] === 1)
    expect(open.length).toBeGreaterThan(1000)
    const before = open.map((p) => b.margin[p]!)
    const totalBase = open.reduce((a, p) => a + b.qty[p]!, 0)
    const s = k.markets[0]!
    const amount = 123_456_789_012 // micro-units
    const claim = { seq: 0, ts: T0, market: 0, account: -1 }
    // the waterfall's last step, called directly: one claim socialized over the whole book
    ;(k as unknown as { socialize: (c: unknown, a: number, m: unknown) => number }).socialize(claim, amount, s)
    const [row] = [...Array(k.outputs.social.length).keys()].map((i) => ({
      amount: k.outputs.social.cols.amount[i]!,
      totalBase: k.outputs.social.cols.totalBase[i]!,
      positions: k.outputs.social.cols.positions[i]!,
    }))
    expect(row).toEqual({ amount, totalBase: expect.closeTo(totalBase, 6) as number, positions: open.length })
    k.settleOpenFunding()
    let charged = 0
    open.forEach((p, i) => {
      const c = before[i]! - b.margin[p]!
      // its own share, rounded once (flat price, no funding events: nothing else moved the margin)
      expect(Math.abs(c - (b.qty[p]! * amount) / totalBase)).toBeLessThanOrEqual(0.5 + 1e-6)
      charged += c
    })
    expect(Math.abs(charged - amount)).toBeLessThanOrEqual(open.length / 2)
  })
})
