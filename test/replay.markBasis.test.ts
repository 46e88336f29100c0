// The Hyperliquid mark (median(oracle + EMA(last − oracle), last, EMA(last)) [H4]) in a replay where the oracle of
// an instant comes before its trade bar: the basis EMA integrates the basis that held over each interval, so an
// oracle and trades that agree at every second give a mark equal to them, in a falling market as in a flat one.
import { describe, expect, test } from 'vitest'
import { allocBatch, EventKind, pushEvent } from '../src/replay/kernel/events.ts'
import { kernelWith, rulesFrom, SEC, T0 } from './support/replay.ts'

/** The oracle and the bar of one second at the same price (the bar's trades inside the second before it closes). */
function second(s: number, p: number) {
  const batch = allocBatch(2)
  pushEvent(batch, T0 + s * SEC, EventKind.ORACLE, 0, p, p, p, Number.NaN)
  pushEvent(batch, T0 + s * SEC, EventKind.BAR, 0, p, p, p, 1_000_000)
  return batch
}

describe('oracleEmaBasis mark with the oracle of t before the bar of t', () => {
  test('oracle and trades that agree every second give a mark equal to them (a 9% fall over two minutes)', () => {
    const kernel = kernelWith(rulesFrom('hyperliquid'), ['BTC'], null, { method: 'oracleEmaBasis' })
    const path = Array.from({ length: 400 }, (_x, s) =>
      s < 100 ? 100_000 : 100_000 * (1 - 0.09 * Math.min(1, (s - 100) / 120)),
    )
    const marks = path.map((p, s) => {
      kernel.process(second(s, p))
      return kernel.markets[0]!.mark
    })
    // the stale mix (the new oracle against the previous second's last) put the mark about one second's fall above
    // the path all the way down
    for (let s = 0; s < path.length; s++) expect(marks[s]).toBeCloseTo(path[s]!, 6)
  })

  test('a real basis (trades above the oracle) still moves the mark by its EMA', () => {
    const kernel = kernelWith(rulesFrom('hyperliquid'), ['BTC'], null, { method: 'oracleEmaBasis' })
    const batch = allocBatch(1200)
    for (let s = 0; s < 600; s++) {
      pushEvent(batch, T0 + s * SEC, EventKind.ORACLE, 0, 100, 100, 100, Number.NaN)
      pushEvent(batch, T0 + s * SEC, EventKind.BAR, 0, 101, 101, 101, 1_000_000)
    }
    kernel.process(batch)
    // after 600 s (4 × the 150 s EMA) the basis EMA is ~1: mark = median(100 + ~1, 101, 101) → 101 − e^-4
    const mark = kernel.markets[0]!.mark
    expect(mark).toBeGreaterThan(100.95)
    expect(mark).toBeLessThanOrEqual(101)
  })
})
