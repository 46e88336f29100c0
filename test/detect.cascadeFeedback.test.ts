// liquidation-cascade 1.2: a burst needs feedback to be a warning (one shock that liquidates many and recovers stays
// info, saying why), and the price-path mode scales a push oracle by its updates, not by its unchanged minutes.
import { describe, expect, test } from 'vitest'
import { runDetectors } from '../src/detect/run.ts'
import { spearmanTrend } from '../src/detect/stats/trend.ts'
import { readDetections } from '../src/store/detect/detections.ts'
import { DAY, gauss, HOUR, insertLiquidationRows, insertPriceRows, MIN, rng, SEC, T0 } from './support/detectData.ts'
import { testRuntime } from './support/runtime.ts'

const runtime = await testRuntime()
const date = (us: number) => new Date(us / 1000)

async function cascade(venue: string, fromUs: number, toUs: number) {
  const summary = await runDetectors(runtime, {
    venue,
    from: date(fromUs),
    to: date(toUs),
    detectors: ['liquidation-cascade'],
  })
  expect(summary.detectors.every((d) => d.status !== 'failed')).toBe(true)
  return readDetections(runtime.duck, { venue, detectors: ['liquidation-cascade'] })
}

describe('spearmanTrend', () => {
  test('a monotone series is a trend its way, ties share ranks, noise is not a trend', () => {
    const falling = spearmanTrend([1, 2, 3, 4, 5, 6, 7, 8], [9, 8, 8, 6, 5, 4, 3, 1])
    expect(falling.rho).toBeLessThan(-0.99)
    expect(falling.pFalling).toBeLessThan(0.01)
    expect(falling.pRising).toBeGreaterThan(0.99)
    const r = rng(5)
    const noise = Array.from({ length: 200 }, () => gauss(r))
    const flat = spearmanTrend(
      noise.map((_, i) => i),
      noise,
    )
    expect(flat.pFalling).toBeGreaterThan(0.01)
    expect(flat.pRising).toBeGreaterThan(0.01)
    expect(spearmanTrend([1, 2], [2, 1]).pFalling).toBe(1)
  })
})

describe('liquidation-cascade feedback', () => {
  const SHOCK = T0 + DAY + 12 * HOUR

  /**
   * Background liquidations about every 15 minutes for two days, then a shock: 10 longs in its first minute as the
   * price drops to 96 (one of $5.8 M), 12 more in the next minute. `then`: 'recover' — the 12 print as the price comes
   * back (96.3 → 97); 'feed' — they and 3 a minute for 7 more minutes print ever lower (95.8 → 92); 'drift' — 20 more
   * over 8 minutes drift 0.4 % lower, less than the market's ordinary 8-minute move. With `mark`, the venue also
   * publishes a mark every minute, σ 0.2 % a minute.
   */
  async function market(venue: string, then: 'recover' | 'feed' | 'drift', mark = false) {
    const r = rng(41)
    const rows: Parameters<typeof insertLiquidationRows>[3] = []
    for (let t = T0; t < T0 + 2 * DAY; t += Math.round(-Math.log(1 - r.next()) * 15 * MIN))
      rows.push({ tsUs: t, side: r.next() < 0.5 ? 'long' : 'short', price: 100, qty: 20 + 80 * r.next() })
    for (let k = 0; k < 10; k++)
      rows.push({ tsUs: SHOCK + k * 5 * SEC, side: 'long', price: 96.5 - k * 0.05, qty: k === 4 ? 60_000 : 150 })
    if (then === 'recover') {
      for (let k = 0; k < 12; k++)
        rows.push({ tsUs: SHOCK + MIN + k * 4 * SEC, side: 'long', price: 96.3 + k * 0.06, qty: 150 + 10 * k })
    } else if (then === 'feed') {
      for (let k = 0; k < 33; k++)
        rows.push({ tsUs: SHOCK + MIN + k * 15 * SEC, side: 'long', price: 95.8 - k * 0.12, qty: 150 + 10 * k })
    } else {
      for (let k = 0; k < 20; k++)
        rows.push({ tsUs: SHOCK + MIN + k * 24 * SEC, side: 'long', price: 95.99 - k * 0.02, qty: 150 + 10 * k })
    }
    await insertLiquidationRows(runtime.duck, venue, 'M', rows)
    if (mark) {
      const marks = []
      for (let t = T0, p = 100; t < T0 + 2 * DAY; t += MIN, p *= 1 + 0.002 * gauss(r)) marks.push({ tsUs: t, price: p })
      await insertPriceRows(runtime.duck, venue, 'M', 'mark', venue, marks)
    }
  }

  test('one shock that liquidates 22 longs in 2 minutes and recovers is a burst without feedback: info, saying why', async () => {
    await market('lcf-recover', 'recover')
    const found = await cascade('lcf-recover', T0 + DAY, T0 + 2 * DAY)
    expect(found.filter((d) => d.severity !== 'info')).toEqual([])
    const burst = found.find((d) => d.windowFromUs === SHOCK)
    expect(burst).toBeDefined()
    const e = burst!.evidence as {
      verdict: string
      burst: { liquidations: number }
      feedback: { side: string; beyondShockExtreme: number; liquidationsAfterShock: number }
    }
    // the 22 of the shock (and a background liquidation that may fall in its minutes)
    expect(e.burst.liquidations).toBeGreaterThanOrEqual(22)
    expect(e.verdict).toMatch(/without feedback/)
    expect(e.feedback).toMatchObject({ side: 'long', beyondShockExtreme: 0 })
    expect(e.feedback.liquidationsAfterShock).toBeGreaterThanOrEqual(12)
  })

  test('the same shock followed by liquidations at ever lower prices is a cascade, with or without a mark', async () => {
    for (const mark of [false, true]) {
      const venue = `lcf-feed-${mark}`
      await market(venue, 'feed', mark)
      const found = (await cascade(venue, T0 + DAY, T0 + 2 * DAY)).filter((d) => d.severity !== 'info')
      expect(found).toHaveLength(1)
      expect(found[0]!.windowFromUs).toBe(SHOCK)
      const e = found[0]!.evidence as {
        verdict: string
        feedback: { beyondShockExtreme: number; moveScale: { z?: number; note?: string } }
      }
      expect(e.verdict).toMatch(/with feedback/)
      expect(e.feedback.beyondShockExtreme).toBeGreaterThanOrEqual(30)
      // −4 % in 8 minutes is many times the mark's ordinary 8-minute move (0.2 % × √8); without a mark, not scaled
      if (mark) expect(e.feedback.moveScale.z).toBeGreaterThan(5)
      else expect(e.feedback.moveScale.note).toMatch(/not scaled/)
    }
  })

  test('liquidations drifting on after the shock by less than the market’s ordinary move: info', async () => {
    await market('lcf-drift', 'drift', true)
    const found = await cascade('lcf-drift', T0 + DAY, T0 + 2 * DAY)
    expect(found.filter((d) => d.severity !== 'info')).toEqual([])
    const e = found.find((d) => d.windowFromUs === SHOCK)!.evidence as {
      verdict: string
      feedback: { beyondShockExtreme: number; moveScale: { z: number } }
    }
    // the prices kept falling (20 beyond the shock's low, a perfect trend), but by about one σ of the market
    expect(e.feedback.beyondShockExtreme).toBeGreaterThanOrEqual(20)
    expect(e.feedback.moveScale.z).toBeLessThan(3)
    expect(e.verdict).toMatch(/without feedback/)
  })
})

describe('liquidation-cascade price path on a push oracle', () => {
  /**
   * A venue without liquidations priced by a push oracle, sampled every minute: the oracle takes the latent price when
   * it is 0.5 % away or an hour old, so most minutes are unchanged. Then the latent price falls `drop` over `minutes`.
   */
  async function oracle(venue: string, drop: number, minutes: number) {
    const r = rng(43)
    const rows = []
    let latent = Math.log(20)
    let pushed = latent
    let pushedAt = T0
    const start = T0 + DAY + 12 * HOUR
    for (let t = T0; t < T0 + 2 * DAY; t += MIN) {
      latent += 0.001 * gauss(r)
      if (t >= start && t < start + minutes * MIN) latent += Math.log(1 - drop) / minutes
      if (Math.abs(latent - pushed) >= 0.005 || t - pushedAt >= HOUR) {
        pushed = latent
        pushedAt = t
      }
      rows.push({ tsUs: t + 3 * SEC, price: Math.exp(pushed) })
    }
    await insertPriceRows(runtime.duck, venue, 'O', 'oracle', venue, rows)
  }

  test('a 5.5 % move made of ordinary 0.5 % updates is not hundreds of σ: nothing above info', async () => {
    await oracle('lcf-push', 0.055, 12)
    const found = await cascade('lcf-push', T0 + 6 * HOUR, T0 + 2 * DAY)
    expect(found.filter((d) => d.severity !== 'info')).toEqual([])
  })

  test('the same oracle crashing 15 % in 5 minutes is still a cascade, with its update scale as evidence', async () => {
    await oracle('lcf-crash', 0.15, 5)
    const found = (await cascade('lcf-crash', T0 + 6 * HOUR, T0 + 2 * DAY)).filter((d) => d.severity !== 'info')
    expect(found).toHaveLength(1)
    const peak = (found[0]!.evidence as { peak: { updateShare: number; sigmaPerUpdate: number } }).peak
    // a minority of minutes change the oracle, and each change is of the order of its 0.5 % trigger
    expect(peak.updateShare).toBeLessThan(0.5)
    expect(peak.sigmaPerUpdate).toBeGreaterThan(0.002)
  })
})
