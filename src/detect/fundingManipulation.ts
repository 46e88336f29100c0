// Funding manipulation (venue-rules §3.7): taker flow or premium concentrated in the sampling window just before a
// funding settlement, compared with the other windows of the same funding interval (robust z), repeated at several
// settlements in the same direction; the settled rate against the market's own funding history, and against other
// sources' funding for the same asset (dispersion across venues) when peers are given.
import { z } from 'zod'
import { readFills } from '../store/detect/accounts.ts'
import { readFlowBuckets, readFunding } from '../store/detect/funding.ts'
import { HOUR_US, iso, MINUTE_US, round } from './common.ts'
import { defineDetector, gap, type DetectionDraft } from './detector.ts'
import { flowIn } from './positions.ts'
import { severityOf, type Level } from './severity.ts'
import { median, robustBand, robustZ } from './stats/robust.ts'

export const fundingManipulationParams = z.strictObject({
  /** The sampling window before each settlement that is tested (and the length of the control windows). */
  windowMinutes: z.number().int().min(1).max(240).default(5),
  /** Robust z of the pre-settlement window's net taker flow (or premium) against the interval's other windows. */
  zThreshold: z.number().gt(0).default(6),
  /** Control windows needed in the interval for a z-score. */
  minControlWindows: z.number().int().min(3).default(6),
  /** Flagged settlements in the same direction for a warning. */
  minSettlements: z.number().int().min(1).default(2),
  /** The settled rate's robust z against the market's funding history (for critical). */
  rateZThreshold: z.number().gt(0).default(6),
  /** History of settled rates the rate is compared with. */
  rateHistoryHours: z
    .number()
    .gt(0)
    .default(24 * 14),
  /** Other sources' funding for the same asset: markets of this venue, or "venue:market". */
  peers: z.array(z.string().min(1)).default([]),
  /** |rate − median(peer rates)| per interval at or above this is dispersed (the ±0.05 % clamp width [B8][H10]). */
  dispersionThreshold: z.number().gt(0).default(0.0005),
  /** Accounts whose net flow in the flagged windows is at least this share of it are named. */
  accountShare: z.number().gt(0).max(1).default(0.2),
})
export type FundingManipulationParams = z.output<typeof fundingManipulationParams>

interface Settlement {
  tsUs: number
  rate: number
  flowZ: number
  premiumZ: number
  net: number
  share: number
  direction: 1 | -1 | 0
  flagged: boolean
  controls: number
  rateZ: number
  peerMedian: number | null
  dispersion: number | null
}

export const fundingManipulation = defineDetector<FundingManipulationParams>({
  id: 'funding-manipulation',
  version: '1.0.0',
  label: 'Funding manipulation',
  params: fundingManipulationParams,
  usesRunOutputs: false,
  requirements(data, target) {
    const out = []
    if (!data.market.funding) out.push(gap(target, 'funding', 'funding settlements of the market'))
    if (!data.market.signedTrades && !data.market.prices.premium)
      out.push(gap(target, 'trades', 'taker-side trades or premium prices around the settlements'))
    return out
  },
  async detect(stores, target, p) {
    const W = p.windowMinutes * MINUTE_US
    const historyUs = Math.round(p.rateHistoryHours * HOUR_US)
    const funding = await readFunding(stores.duck, target.venue, target.market, target.fromUs - historyUs, target.toUs)
    const maxInterval = Math.max(8, ...Array.from(funding.intervalH).filter(Number.isFinite)) * HOUR_US
    const flow = await readFlowBuckets(
      stores.duck,
      target.venue,
      target.market,
      target.fromUs - maxInterval,
      target.toUs,
      W,
    )
    const index = new Map<number, number>()
    for (let i = 0; i < flow.ts.length; i++) index.set(flow.ts[i]!, i)
    const peers = await Promise.all(
      p.peers.map(async (peer) => {
        const [venue, market] = peer.includes(':') ? peer.split(':', 2) : [target.venue, peer]
        return { peer, rows: await readFunding(stores.duck, venue!, market!, target.fromUs - maxInterval, target.toUs) }
      }),
    )
    const settlements: Settlement[] = []
    for (let s = 0; s < funding.ts.length; s++) {
      const t = funding.ts[s]!
      if (t < target.fromUs) continue
      const interval = (Number.isFinite(funding.intervalH[s]!) ? funding.intervalH[s]! : 8) * HOUR_US
      const prev = s > 0 ? Math.max(funding.ts[s - 1]!, t - interval) : t - interval
      const pre = Math.floor((t - 1) / W) * W
      const nets: number[] = []
      const prems: number[] = []
      for (let b = Math.floor(prev / W) * W + W; b < pre; b += W) {
        const i = index.get(b)
        nets.push(i === undefined ? 0 : Number.isFinite(flow.net[i]!) ? flow.net[i]! : 0)
        if (i !== undefined && Number.isFinite(flow.premium[i]!)) prems.push(flow.premium[i]!)
      }
      const ip = index.get(pre)
      const net = ip === undefined || !Number.isFinite(flow.net[ip]!) ? 0 : flow.net[ip]!
      const gross = nets.reduce((a, x) => a + Math.abs(x), Math.abs(net))
      const flowBand = robustBand(nets, Math.max(median(nets.map(Math.abs)) * 0.05, 1e-9))
      const flowZ = nets.length >= p.minControlWindows && gross > 0 ? robustZ(net, flowBand) : Number.NaN
      const prem = ip === undefined ? Number.NaN : flow.premium[ip]!
      const premBand = robustBand(prems, 1e-6)
      const premiumZ =
        prems.length >= p.minControlWindows && Number.isFinite(prem) ? robustZ(prem, premBand) : Number.NaN
      const history = Array.from(funding.rate.subarray(0, s)).filter((_, j) => funding.ts[j]! >= t - historyUs)
      const rateZ = history.length >= 6 ? robustZ(funding.rate[s]!, robustBand(history, 1e-6)) : Number.NaN
      let peerMedian: number | null = null
      if (peers.length) {
        const near = peers.map(({ rows }) => nearestRate(rows, t, interval)).filter((x): x is number => x !== null)
        if (near.length) peerMedian = median(near)
      }
      const z = Math.abs(flowZ) >= Math.abs(premiumZ) || !Number.isFinite(premiumZ) ? flowZ : premiumZ
      const flagged = Number.isFinite(z) && Math.abs(z) >= p.zThreshold
      settlements.push({
        tsUs: t,
        rate: funding.rate[s]!,
        flowZ,
        premiumZ,
        net,
        share: gross > 0 ? Math.abs(net) / gross : 0,
        direction: flagged ? (z > 0 ? 1 : -1) : 0,
        flagged,
        controls: nets.length,
        rateZ,
        peerMedian,
        dispersion: peerMedian === null ? null : Math.abs(funding.rate[s]! - peerMedian),
      })
    }
    const drafts: DetectionDraft[] = []
    const fills = await readFills(stores.duck, target.venue, {
      markets: [target.market],
      fromUs: target.fromUs - W,
      toUs: target.toUs,
    })
    for (const direction of [1, -1] as const) {
      const hit = settlements.filter((s) => s.flagged && s.direction === direction)
      if (!hit.length) continue
      const extreme = hit.filter(
        (s) =>
          Math.abs(s.rateZ) >= p.rateZThreshold || (s.dispersion !== null && s.dispersion >= p.dispersionThreshold),
      )
      let level: Level = 1
      if (hit.length >= p.minSettlements) level = extreme.length ? 3 : 2
      // who traded the flagged windows in the flagged direction
      const flowBy = new Map<string, number>()
      for (const s of hit) {
        const pre = Math.floor((s.tsUs - 1) / W) * W
        for (const [a, f] of flowIn(fills, target.market, pre, pre + W))
          flowBy.set(a, (flowBy.get(a) ?? 0) + f.quote * Math.sign(f.base))
      }
      const totalDirected = [...flowBy.values()].reduce((a, q) => a + Math.max(q * direction, 0), 0)
      const named = [...flowBy]
        .filter(([, q]) => totalDirected > 0 && (q * direction) / totalDirected >= p.accountShare)
        .sort(([a, x], [b, y]) => y * direction - x * direction || (a < b ? -1 : 1))
      drafts.push({
        windowFromUs: Math.floor((hit[0]!.tsUs - 1) / W) * W,
        windowToUs: hit[hit.length - 1]!.tsUs,
        accounts: level >= 2 ? named.map(([a]) => a) : [],
        score: Math.max(...hit.map((s) => Math.abs(Number.isFinite(s.flowZ) ? s.flowZ : s.premiumZ))),
        severity: severityOf(level),
        evidence: {
          statistic:
            'robust z of the net taker flow (or mean premium) in the window before each settlement vs the interval’s other windows',
          windowMinutes: p.windowMinutes,
          direction: direction > 0 ? 'buying (premium up: longs pay)' : 'selling (premium down: shorts pay)',
          thresholds: {
            zThreshold: p.zThreshold,
            minSettlements: p.minSettlements,
            rateZThreshold: p.rateZThreshold,
            dispersionThreshold: p.dispersionThreshold,
          },
          flaggedSettlements: hit.length,
          settlementsInWindow: settlements.length,
          settlements: hit.slice(0, 24).map((s) => ({
            ts: iso(s.tsUs),
            rate: s.rate,
            flowZ: round(s.flowZ, 4),
            premiumZ: round(s.premiumZ, 4),
            netTakerQuote: round(s.net),
            shareOfIntervalFlow: round(s.share, 4),
            controlWindows: s.controls,
            rateZ: round(s.rateZ, 4),
            peerMedianRate: s.peerMedian,
            dispersion: s.dispersion === null ? null : round(s.dispersion, 6),
          })),
          peers: p.peers,
          accounts: named.slice(0, 10).map(([a, q]) => ({ account: a, directedQuote: round(q * direction) })),
        },
      })
    }
    return drafts
  },
})

/** The peer's settled rate nearest to `t` within half an interval, scaled to the same interval length. */
function nearestRate(
  rows: { ts: Float64Array; rate: Float64Array; intervalH: Float64Array },
  t: number,
  intervalUs: number,
) {
  let best = -1
  for (let i = 0; i < rows.ts.length; i++) {
    if (Math.abs(rows.ts[i]! - t) > intervalUs / 2) continue
    if (best < 0 || Math.abs(rows.ts[i]! - t) < Math.abs(rows.ts[best]! - t)) best = i
  }
  if (best < 0) return null
  const h = Number.isFinite(rows.intervalH[best]!) ? rows.intervalH[best]! : 8
  return (rows.rate[best]! * intervalUs) / (h * HOUR_US)
}
