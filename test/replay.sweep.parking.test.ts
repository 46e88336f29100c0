// Parked triggers (kernel/indexHeap.ts) in the kernel: for every preset, a synthetic population with named cross and
// isolated accounts, a crash, a squeeze and heavy funding (ADL, socialized losses, full re-keys, waiting lists), the
// outputs with far triggers parked hash-equal those of plain heaps; and positions were parked, so the check is not
// two plain runs. Under a second per preset unloaded.
import crypto from 'node:crypto'
import { describe, expect, test } from 'vitest'
import type { ReplayKernel } from '../src/replay/kernel/engine.ts'
import type { EventBatch } from '../src/replay/kernel/events.ts'
import { populationRuntime, populationSchema } from '../src/replay/kernel/population.ts'
import { crashAndSqueeze, kernelWith, namedAccounts, PRESET_MARKET, rulesFrom } from './support/replay.ts'

const path = (seconds: number, seed: number): EventBatch =>
  crashAndSqueeze(seconds, seed, { at: 0.4, move: -0.15 }, { at: 0.7, move: 0.12 })

function kernel(preset: string, seed: number, parkFarTriggers: boolean, stressed: boolean): ReplayKernel {
  const market = PRESET_MARKET[preset]!
  const population = populationRuntime(
    populationSchema.parse({ initialPositions: 400, meanHoldingHours: 0.5, leverageMax: 60, notionalMedian: 2_000 }),
    [5e5],
  )
  return kernelWith(rulesFrom(preset, { 'insuranceFund.initialBalance': '5000' }), [market], namedAccounts(market), {
    seed,
    population,
    parkFarTriggers,
    ...(stressed ? { stress: { feedback: true, shockReturns: 1.5, shockLiquidity: 0.5 } } : {}),
  })
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
  h.update(JSON.stringify([t.events, t.positionsOpened, t.positionsExpired, t.liquidations, t.adlFills, t.deleveraged]))
  h.update(`${t.fundingPaidByPositions.value} ${t.shortfall.value} ${t.badDebt.value} ${t.socialized.value} ${k.now}`)
  return h.digest('hex')
}

describe('parked triggers', () => {
  const presets = ['binance-um', 'bybit', 'okx', 'bitmex', 'dydx-v4', 'hyperliquid', 'drift', 'gmx-v2']
  test.each(presets)('%s: the same outputs with far triggers parked as with plain heaps', (preset) => {
    for (const stressed of [false, true]) {
      const data = path(5400, 11)
      const parked = kernel(preset, 5, true, stressed)
      const plain = kernel(preset, 5, false, stressed)
      let mostParked = 0
      for (let from = 0, size = 1; from < data.length; from += size, size = (size * 7) % 2039 || 1) {
        const to = Math.min(data.length, from + size)
        parked.process(data, from, to)
        plain.process(data, from, to)
        const s = parked.markets[0]!
        mostParked = Math.max(mostParked, s.longs.parkedSize + s.shorts.parkedSize)
        expect(plain.markets[0]!.longs.parkedSize + plain.markets[0]!.shorts.parkedSize).toBe(0)
      }
      expect(parked.totals.liquidations).toBeGreaterThan(0)
      expect(mostParked).toBeGreaterThan(100)
      expect(hashOf(parked)).toBe(hashOf(plain))
    }
  })
})
