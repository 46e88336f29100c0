// The kernel's fast paths against the general one: runs of quiet bars give the outputs of event-by-event
// processing, and lazily settled funding (heap offsets instead of re-keying) never leaves a liquidatable position
// in its heap — for every preset, with a synthetic population, named accounts, crashes and heavy funding.
import crypto from 'node:crypto'
import { describe, expect, test } from 'vitest'
import { PosState, Waiting } from '../src/replay/kernel/book.ts'
import type { ReplayKernel } from '../src/replay/kernel/engine.ts'
import { allocBatch, EventKind, pushEvent, type EventBatch } from '../src/replay/kernel/events.ts'
import { populationRuntime, populationSchema } from '../src/replay/kernel/population.ts'
import { isLiquidatable, requirementAt } from '../src/replay/margin/requirement.ts'
import type { MarkMethod } from '../src/replay/rules/schema.ts'
import { kernelWith, namedAccounts, PRESET_MARKET, rulesFrom, SEC, T0 } from './support/replay.ts'

const MARKET = PRESET_MARKET

/**
 * `seconds` of 1 s bars (a seeded walk with a −12% crash and a +10% squeeze), a reference tick every 3 s of the
 * kind the mark method reads, and funding every 10 minutes at rates up to ±0.5% per interval.
 */
function path(seconds: number, seed: number, reference: 'mark' | 'oracle' | 'index' | null): EventBatch {
  const batch = allocBatch(seconds * 2 + seconds / 600 + 8)
  let x = seed >>> 0
  const rnd = () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0
    return (x >>> 8) / 2 ** 24
  }
  let price = 100
  for (let i = 0; i < seconds; i++) {
    const t = T0 + i * SEC
    const shock = i === Math.floor(seconds * 0.4) ? -0.12 : i === Math.floor(seconds * 0.7) ? 0.1 : 0
    const close = price * (1 + (rnd() - 0.5) * 0.004 + shock)
    const low = Math.min(price, close) * (1 - rnd() * 0.002)
    const high = Math.max(price, close) * (1 + rnd() * 0.002)
    const kind =
      reference === null ? -1 : { index: EventKind.INDEX, oracle: EventKind.ORACLE, mark: EventKind.MARK }[reference]
    if (kind >= 0 && i % 3 === 0) pushEvent(batch, t, kind as 0 | 1 | 2, 0, close * (1 + (rnd() - 0.5) * 0.001))
    pushEvent(batch, t, EventKind.BAR, 0, low, high, close, 2e5 + rnd() * 8e5)
    if (i > 0 && i % 600 === 0) pushEvent(batch, t, EventKind.FUNDING, 0, (rnd() - 0.5) * 0.01, Number.NaN, 8)
    price = close
  }
  return batch
}

function kernel(preset: string, method: MarkMethod, seed: number, quietRuns: boolean): ReplayKernel {
  const rules = rulesFrom(preset, { 'insuranceFund.initialBalance': '20000' })
  const market = MARKET[preset]!
  const population = populationRuntime(
    populationSchema.parse({ initialPositions: 400, meanHoldingHours: 0.5, leverageMax: 50, notionalMedian: 2_000 }),
    [5e5],
  )
  return kernelWith(rules, [market], namedAccounts(market), { seed, population, markMethods: [method], quietRuns })
}

function hashOf(k: ReplayKernel): string {
  const h = crypto.createHash('sha256')
  const o = k.outputs
  for (const buffer of [o.liquidations, o.deficits, o.fund, o.adl, o.social, o.guardrails]) {
    for (const n of buffer.names)
      h.update(new Uint8Array((buffer.cols as Record<string, Float64Array>)[n]!.buffer, 0, buffer.length * 8))
  }
  k.settleOpenFunding()
  const t = k.totals
  h.update(JSON.stringify([t.events, t.eventsByKind, t.positionsOpened, t.positionsExpired, t.liquidations]))
  h.update(`${t.fundingPaidByPositions.value} ${t.shortfall.value} ${t.badDebt.value} ${k.now}`)
  return h.digest('hex')
}

describe('fast paths', () => {
  const cases: Array<[string, MarkMethod, 'mark' | 'oracle' | 'index' | null]> = [
    ['binance-um', 'last', null],
    ['binance-um', 'published', 'mark'],
    ['bybit', 'last', null],
    ['okx', 'index', 'index'],
    ['bitmex', 'last', null],
    ['dydx-v4', 'oracle', 'oracle'],
    ['hyperliquid', 'last', null],
    ['drift', 'oracle', 'oracle'],
    ['gmx-v2', 'oracle', 'oracle'],
  ]

  test.each(cases)(
    '%s (mark %s): runs of quiet bars give the outputs of event-by-event processing',
    (preset, method, ref) => {
      for (const seed of [1, 2]) {
        const data = path(6 * 3600, seed, ref)
        const fast = kernel(preset, method, seed, true)
        const slow = kernel(preset, method, seed, false)
        // the switch reached the kernel: otherwise both would take the quiet runs and prove nothing
        expect((slow as unknown as { quietRuns: boolean }).quietRuns).toBe(false)
        // batches of varied sizes, as the runner's slices cut them
        for (let from = 0, size = 1; from < data.length; from += size, size = (size * 7) % 4093 || 1) {
          const to = Math.min(data.length, from + size)
          fast.process(data, from, to)
          slow.process(data, from, to)
        }
        expect(fast.totals.liquidations).toBeGreaterThan(0)
        expect(fast.totals.positionsOpened).toBeGreaterThan(1000)
        expect(hashOf(fast)).toBe(hashOf(slow))
      }
    },
  )

  test.each(cases)(
    '%s (mark %s): lazily settled funding leaves no liquidatable position in a heap',
    (preset, method, ref) => {
      const data = path(3 * 3600, 7, ref)
      const k = kernel(preset, method, 7, true)
      const b = k.book
      const settle = (p: number) => (k as unknown as { settleFunding(p: number): void }).settleFunding(p)
      let checked = 0
      for (let i = 0; i < data.length; i++) {
        k.process(data, i, i + 1)
        const s = k.markets[0]!
        if (Number.isNaN(s.mark) || s.paused !== 0) continue
        for (let p = 0; p < b.extent; p++) {
          if (b.state[p] !== PosState.OPEN || b.slot[p]! < 0 || b.waiting[p] !== Waiting.NONE || b.account[p]! >= 0)
            continue
          settle(p)
          const qty = b.qty[p]!
          const entry = b.entry[p]!
          const equity = b.margin[p]! / 1e6 + b.side[p]! * qty * (s.mark - entry)
          if (isLiquidatable(s.params, equity, requirementAt(s.tier, s.params, qty, entry, s.mark)))
            throw new Error(
              `position ${p} is liquidatable at the mark ${s.mark} after event ${i} and still open (opened ${b.openTs[p]}, now ${k.now}, key ${b.key[p]! + (b.side[p]! > 0 ? s.longs : s.shorts).offset}, low ${s.markLow}, high ${s.markHigh}, side ${b.side[p]})`,
            )
          checked++
        }
      }
      expect(checked).toBeGreaterThan(100_000)
      expect(k.totals.eventsByKind[EventKind.FUNDING]).toBeGreaterThan(10)
    },
  )
})
