// Oracle front-running (venue-rules §3.8): accounts that open positions within Δt before a large oracle update, in
// the direction it then moves, and close them after it in profit. Whether an account's openings line up with the
// update's direction more often than chance is a one-sided binomial test (p = ½ under no foreknowledge): market
// makers trade both ways around every update and stay near ½; a front-runner is right nearly every time.
import { z } from 'zod'
import { readFillsNear, readOracleUpdates } from '../store/detect/oracle.ts'
import { listPriceSeries, type SeriesInfo } from '../store/detect/priceSeries.ts'
import { HOUR_US, iso, round, SECOND_US } from './common.ts'
import { defineDetector, gap, type DetectionDraft } from './detector.ts'
import { severityOf, type Level } from './severity.ts'
import { binomialUpperTail } from './stats/binomial.ts'
import { MAD_TO_SIGMA } from './stats/robust.ts'

export const oracleFrontRunningParams = z.strictObject({
  /** Openings this long before an update count (Δt). */
  beforeSeconds: z.number().gt(0).default(60),
  /** Closings this long after an update count. */
  afterSeconds: z.number().gt(0).default(900),
  /** A large update moves the oracle at least this much (log) … */
  minMove: z.number().gt(0).default(0.005),
  /** … and at least this many robust σ of the source's update returns. */
  moveSigma: z.number().gt(0).default(4),
  baselineHours: z.number().gt(0).default(24),
  /** Front-runs (opened before, in the move's direction, closed after) an account needs for a detection. */
  minHits: z.number().int().min(1).default(3),
  /** One-sided binomial p-value for a warning / for critical. */
  pWarning: z.number().gt(0).lt(1).default(1e-3),
  pCritical: z.number().gt(0).lt(1).default(1e-6),
  /** Floor of the robust σ of update returns. */
  returnScaleFloor: z.number().gt(0).default(1e-4),
})
export type OracleFrontRunningParams = z.output<typeof oracleFrontRunningParams>

interface AccountScore {
  aligned: number
  against: number
  hits: Array<{ update: number; openedBase: number; closedBase: number; profit: number }>
  profit: number
}

export const oracleFrontRunning = defineDetector<OracleFrontRunningParams>({
  id: 'oracle-front-running',
  version: '1.0.0',
  label: 'Oracle front-running',
  params: oracleFrontRunningParams,
  usesRunOutputs: false,
  requirements(data, target) {
    const out = []
    if (!data.market.prices.oracle) out.push(gap(target, 'prices', 'oracle prices (kind oracle) of the market'))
    if (!data.market.fills) out.push(gap(target, 'fills', 'account fills of the market'))
    return out
  },
  async detect(stores, target, p) {
    const baselineUs = Math.round(p.baselineHours * HOUR_US)
    // the venue's own oracle source first, then the one with most prints
    const own = (s: SeriesInfo) => (s.key.source === target.venue ? 0 : 1)
    const sources = (await listPriceSeries(stores.duck, target.venue, target.market, target.fromUs, target.toUs))
      .filter((s) => s.key.table === 'prices' && s.key.kind === 'oracle')
      .sort((a, b) => own(a) - own(b) || b.rows - a.rows || (a.label < b.label ? -1 : 1))
    const oracle = sources[0]
    if (!oracle || oracle.key.table !== 'prices') return []
    const u = await readOracleUpdates(
      stores.duck,
      target.venue,
      target.market,
      oracle.key.source,
      target.fromUs - baselineUs,
      target.toUs,
      baselineUs,
    )
    const large: number[] = []
    for (let i = 0; i < u.ts.length; i++) {
      if (u.ts[i]! < target.fromUs || !Number.isFinite(u.ret[i]!)) continue
      const sigma = Math.max(MAD_TO_SIGMA * (u.retMad[i]! || 0), p.returnScaleFloor)
      const off = Math.abs(u.ret[i]! - (Number.isFinite(u.retMedian[i]!) ? u.retMedian[i]! : 0))
      if (Math.abs(u.ret[i]!) >= p.minMove && off >= p.moveSigma * sigma) large.push(i)
    }
    if (!large.length) return []
    const beforeUs = p.beforeSeconds * SECOND_US
    const afterUs = p.afterSeconds * SECOND_US
    const near = await readFillsNear(
      stores.duck,
      target.venue,
      target.market,
      large.map((i) => u.ts[i]!),
      beforeUs,
      afterUs,
    )
    const scores = new Map<string, AccountScore>()
    let row = 0
    for (let k = 0; k < large.length; k++) {
      const i = large[k]!
      const t = u.ts[i]!
      const d = Math.sign(u.ret[i]!)
      // per account: signed base and quote before the update, and after it
      const pre = new Map<string, { base: number; quote: number }>()
      const post = new Map<string, { base: number; quote: number }>()
      for (; row < near.center.length && near.center[row]! === k; row++) {
        const m = near.ts[row]! < t ? pre : post
        const a = near.account[row]!
        const f = m.get(a) ?? { base: 0, quote: 0 }
        f.base += near.side[row]! * near.qty[row]!
        f.quote += near.side[row]! * near.qty[row]! * near.price[row]!
        m.set(a, f)
      }
      for (const [a, before] of pre) {
        if (Math.abs(before.base) < 1e-12) continue
        const s = scores.get(a) ?? { aligned: 0, against: 0, hits: [], profit: 0 }
        if (before.base * d > 0) {
          s.aligned++
          const after = post.get(a)
          if (after && after.base * d < 0) {
            const q = Math.min(Math.abs(before.base), Math.abs(after.base))
            const entry = before.quote / before.base
            const exit = after.quote / after.base
            const profit = q * (exit - entry) * d
            s.hits.push({ update: i, openedBase: before.base, closedBase: after.base, profit })
            s.profit += profit
          }
        } else s.against++
        scores.set(a, s)
      }
    }
    const drafts: DetectionDraft[] = []
    const ranked = [...scores].sort(([a, x], [b, y]) => y.hits.length - x.hits.length || (a < b ? -1 : 1))
    for (const [account, s] of ranked) {
      const n = s.aligned + s.against
      const pValue = binomialUpperTail(s.aligned, n, 0.5)
      if (s.hits.length < p.minHits || pValue > p.pWarning || !(s.profit > 0)) continue
      const level: Level = pValue <= p.pCritical ? 3 : 2
      const times = s.hits.map((h) => u.ts[h.update]!)
      drafts.push({
        windowFromUs: Math.min(...times) - beforeUs,
        windowToUs: Math.max(...times) + afterUs,
        accounts: [account],
        score: -Math.log10(Math.max(pValue, 1e-300)),
        severity: severityOf(level),
        estimatedProfitQuote: s.profit,
        evidence: {
          statistic:
            'one-sided binomial test: openings within Δt before large oracle updates in the update’s direction (p = ½)',
          oracle: oracle.label,
          thresholds: {
            beforeSeconds: p.beforeSeconds,
            afterSeconds: p.afterSeconds,
            minMove: p.minMove,
            moveSigma: p.moveSigma,
            minHits: p.minHits,
            pWarning: p.pWarning,
            pCritical: p.pCritical,
          },
          largeUpdates: large.length,
          aligned: s.aligned,
          against: s.against,
          pValue,
          roundTrips: s.hits.length,
          profit: round(s.profit),
          hits: s.hits.slice(0, 20).map((h) => ({
            update: iso(u.ts[h.update]!),
            oracleFrom: round(u.price[h.update - 1] ?? Number.NaN),
            oracleTo: round(u.price[h.update]!),
            move: round(u.ret[h.update]!, 5),
            openedBase: round(h.openedBase),
            closedBase: round(h.closedBase),
            profit: round(h.profit),
          })),
        },
      })
    }
    return drafts
  },
})
