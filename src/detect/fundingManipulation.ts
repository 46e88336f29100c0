// Funding manipulation (venue-rules §3.7): taker flow or premium concentrated in the sampling window just before
// funding settlements. Every window of the same length is scored against all of them (robust z of the net taker flow
// and of the mean premium); the windows away from settlements say how often an extreme window happens by chance
// (q, so heavy-tailed flow and busy settlement hours calibrate themselves), and the number of settlements whose window
// is extreme in one direction is tested against Binomial(settlements, q). The settled rate is compared with the
// market's own funding history and, when peers are given, with other sources' funding for the same asset.
// The squeezers are named with the linked accounts that collected the funding they lifted, and that cluster's funding
// income at the flagged settlements is the estimated profit.
import { z } from 'zod'
import { linkClusters } from '../incidents/group.ts'
import { readAccountLinks } from '../store/detect/accounts.ts'
import { fundingPeers, readFlowBuckets, readFunding } from '../store/detect/funding.ts'
import { HOUR_US, iso, MINUTE_US, round } from './common.ts'
import { defineDetector, gap, type DetectionDraft } from './detector.ts'
import { fundingIncome } from './fundingIncome.ts'
import { flowIn } from './positions.ts'
import { severityOf, type Level } from './severity.ts'
import { binomialUpperTail } from './stats/binomial.ts'
import { median, robustBand, robustZ } from './stats/robust.ts'
import { marketFills } from './sharedReads.ts'

export const fundingManipulationParams = z.strictObject({
  /** The sampling window before each settlement that is tested (and the length of the control windows). */
  windowMinutes: z.number().int().min(1).max(240).default(5),
  /** A window is extreme when its robust z (net taker flow, or mean premium) is at least this. */
  zThreshold: z.number().gt(0).default(4),
  /** Windows away from settlements needed to estimate how often an extreme window happens by chance. */
  minControlWindows: z.number().int().min(10).default(50),
  /** Extreme settlement windows in one direction for a detection. */
  minSettlements: z.number().int().min(1).default(2),
  /** Binomial p-value (× 2 directions × 2 statistics) of that many extreme settlement windows, for a warning. */
  pWarning: z.number().gt(0).lt(1).default(1e-3),
  /** … and for critical (with an extreme rate or dispersion, or alone below this). */
  pCritical: z.number().gt(0).lt(1).default(1e-6),
  /** The settled rate's robust z against the market's funding history (for critical). */
  rateZThreshold: z.number().gt(0).default(6),
  /** History of settled rates the rate is compared with. */
  rateHistoryHours: z
    .number()
    .gt(0)
    .default(24 * 14),
  /**
   * Other sources' funding for the same asset: markets of this venue, or "venue:market". Default: the venue's
   * markets named `<market>@<source>` that have funding rows.
   */
  peers: z.array(z.string().min(1)).optional(),
  /** |rate − median(peer rates)| per interval at or above this is dispersed (the ±0.05 % clamp width [B8][H10]). */
  dispersionThreshold: z.number().gt(0).default(0.0005),
  /** Accounts whose net flow in the flagged windows is at least this share of it are named. */
  accountShare: z.number().gt(0).max(1).default(0.2),
  /** Same-funding-source links through a source that funded more accounts than this are ignored (hot wallets). */
  linkHubSize: z.number().int().min(2).default(20),
})
export type FundingManipulationParams = z.output<typeof fundingManipulationParams>

interface Settlement {
  tsUs: number
  rate: number
  flowZ: number
  premiumZ: number
  net: number
  rateZ: number
  peerMedian: number | null
  dispersion: number | null
}

export const fundingManipulation = defineDetector<FundingManipulationParams>({
  id: 'funding-manipulation',
  version: '1.1.0',
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
    const peerNames = p.peers ?? (await fundingPeers(stores.duck, target.venue, target.market))
    const peers = await Promise.all(
      peerNames.map(async (peer) => {
        const [venue, market] = peer.includes(':') ? peer.split(':', 2) : [target.venue, peer]
        return { peer, rows: await readFunding(stores.duck, venue!, market!, target.fromUs - maxInterval, target.toUs) }
      }),
    )
    // every window scored against all windows of the scope (robust: the attack's own windows cannot widen the band)
    const inScope = (i: number) => flow.ts[i]! >= target.fromUs - W
    const netAll: number[] = []
    const premAll: number[] = []
    for (let i = 0; i < flow.ts.length; i++) {
      if (!inScope(i)) continue
      netAll.push(Number.isFinite(flow.net[i]!) ? flow.net[i]! : 0)
      if (Number.isFinite(flow.premium[i]!)) premAll.push(flow.premium[i]!)
    }
    const netBand = robustBand(netAll, Math.max(median(netAll.map(Math.abs)) * 0.05, 1e-9))
    const premBand = robustBand(premAll, 1e-6)
    const zNet = (i: number) => robustZ(Number.isFinite(flow.net[i]!) ? flow.net[i]! : 0, netBand)
    const zPrem = (i: number) => (Number.isFinite(flow.premium[i]!) ? robustZ(flow.premium[i]!, premBand) : Number.NaN)
    const settleBucket = new Set<number>()
    for (const t of funding.ts) settleBucket.add(Math.floor((t - 1) / W) * W)
    // how often a window away from settlements is extreme, per statistic and direction
    const controls = { net: { up: 0, down: 0, n: 0 }, prem: { up: 0, down: 0, n: 0 } }
    for (let i = 0; i < flow.ts.length; i++) {
      if (!inScope(i) || settleBucket.has(flow.ts[i]!)) continue
      const zn = zNet(i)
      controls.net.n++
      if (zn >= p.zThreshold) controls.net.up++
      if (zn <= -p.zThreshold) controls.net.down++
      const zp = zPrem(i)
      if (!Number.isFinite(zp)) continue
      controls.prem.n++
      if (zp >= p.zThreshold) controls.prem.up++
      if (zp <= -p.zThreshold) controls.prem.down++
    }
    const index = new Map<number, number>()
    for (let i = 0; i < flow.ts.length; i++) index.set(flow.ts[i]!, i)
    const settlements: Settlement[] = []
    for (let s = 0; s < funding.ts.length; s++) {
      const t = funding.ts[s]!
      if (t < target.fromUs) continue
      const interval = (Number.isFinite(funding.intervalH[s]!) ? funding.intervalH[s]! : 8) * HOUR_US
      const ip = index.get(Math.floor((t - 1) / W) * W)
      const flowZ = ip === undefined ? 0 : zNet(ip)
      const premiumZ = ip === undefined ? Number.NaN : zPrem(ip)
      const history = Array.from(funding.rate.subarray(0, s)).filter((_, j) => funding.ts[j]! >= t - historyUs)
      const rateZ = history.length >= 6 ? robustZ(funding.rate[s]!, robustBand(history, 1e-6)) : Number.NaN
      let peerMedian: number | null = null
      if (peers.length) {
        const near = peers.map(({ rows }) => nearestRate(rows, t, interval)).filter((x): x is number => x !== null)
        if (near.length) peerMedian = median(near)
      }
      settlements.push({
        tsUs: t,
        rate: funding.rate[s]!,
        flowZ,
        premiumZ,
        net: ip === undefined || !Number.isFinite(flow.net[ip]!) ? 0 : flow.net[ip]!,
        rateZ,
        peerMedian,
        dispersion: peerMedian === null ? null : Math.abs(funding.rate[s]! - peerMedian),
      })
    }
    const drafts: DetectionDraft[] = []
    // from the first fill: the positions that collect or pay funding were opened before the scope, perhaps long before
    const fills = await marketFills(stores, target.venue, target.market, null, target.toUs)
    const n = settlements.length
    let links: Awaited<ReturnType<typeof readAccountLinks>> | null = null
    for (const direction of [1, -1] as const) {
      // the more significant statistic decides: flow or premium
      const tests = (['net', 'prem'] as const).map((stat) => {
        const c = controls[stat]
        const hits = settlements.filter((x) => {
          const z = stat === 'net' ? x.flowZ : x.premiumZ
          return Number.isFinite(z) && z * direction >= p.zThreshold
        })
        const chance = c.n >= p.minControlWindows ? Math.max(direction > 0 ? c.up : c.down, 1) / (c.n + 1) : Number.NaN
        const pValue = Number.isFinite(chance) ? binomialUpperTail(hits.length, n, chance) : 1
        return { stat, hits, chance, pValue: Math.min(1, pValue * 4), controls: c.n }
      })
      const best = tests.sort((a, b) => a.pValue - b.pValue || b.hits.length - a.hits.length)[0]!
      const hit = best.hits
      if (hit.length < p.minSettlements || best.pValue > p.pWarning) continue
      const extreme = hit.filter(
        (s) =>
          Math.abs(s.rateZ) >= p.rateZThreshold || (s.dispersion !== null && s.dispersion >= p.dispersionThreshold),
      )
      const level: Level = best.pValue <= p.pCritical || extreme.length ? 3 : 2
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
      // what the squeeze paid: the funding the squeezers' linked cluster received at the flagged settlements (a linked
      // account holding the receiving side collects what the flow lifted), named beside the squeezers when it gained
      links ??= named.length ? await readAccountLinks(stores.duck, target.venue, null, p.linkHubSize) : []
      const clusters = linkClusters(links.map((l) => [l.account, l.linked]))
      const squeezerClusters = new Set(named.map(([a]) => clusters.get(a) ?? a))
      const cluster = new Set<string>(named.map(([a]) => a))
      for (const [a, key] of clusters) if (squeezerClusters.has(key)) cluster.add(a)
      const flagged = new Set(hit.map((s) => s.tsUs))
      const income = fundingIncome(fills, target.market, funding, (t) => flagged.has(t), cluster)
      const collectors = [...income]
        .filter(([a, q]) => q > 0 && !named.some(([b]) => b === a))
        .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
      const clusterIncome = [...income.values()].reduce((a, q) => a + q, 0)
      drafts.push({
        windowFromUs: Math.floor((hit[0]!.tsUs - 1) / W) * W,
        windowToUs: hit[hit.length - 1]!.tsUs,
        accounts: [...named.map(([a]) => a), ...collectors.map(([a]) => a)],
        score: -Math.log10(Math.max(best.pValue, 1e-300)),
        severity: severityOf(level),
        estimatedProfitQuote: named.length && income.size ? clusterIncome : null,
        evidence: {
          statistic:
            'extreme windows (robust z of net taker flow or mean premium) before settlements vs Binomial(settlements, q), q = share of extreme windows away from settlements',
          test: best.stat === 'net' ? 'net taker flow' : 'mean premium',
          windowMinutes: p.windowMinutes,
          direction: direction > 0 ? 'buying (premium up: longs pay)' : 'selling (premium down: shorts pay)',
          thresholds: {
            zThreshold: p.zThreshold,
            minSettlements: p.minSettlements,
            pWarning: p.pWarning,
            pCritical: p.pCritical,
            rateZThreshold: p.rateZThreshold,
            dispersionThreshold: p.dispersionThreshold,
          },
          extremeSettlements: hit.length,
          settlements: n,
          chancePerWindow: round(best.chance, 6),
          controlWindows: best.controls,
          pValue: best.pValue,
          extremeRates: extreme.length,
          flagged: hit.slice(0, 24).map((s) => ({
            ts: iso(s.tsUs),
            rate: s.rate,
            flowZ: round(s.flowZ, 4),
            premiumZ: round(s.premiumZ, 4),
            netTakerQuote: round(s.net),
            rateZ: round(s.rateZ, 4),
            peerMedianRate: s.peerMedian,
            dispersion: s.dispersion === null ? null : round(s.dispersion, 6),
          })),
          peers: peerNames,
          accounts: named.slice(0, 10).map(([a, q]) => ({ account: a, directedQuote: round(q * direction) })),
          fundingIncome: {
            statistic:
              'Σ −position × rate × mark at the flagged settlements, over the squeezers and their linked accounts',
            total: round(clusterIncome),
            collectors: collectors.slice(0, 10).map(([a, q]) => ({ account: a, income: round(q) })),
            squeezers: named.slice(0, 10).map(([a]) => ({ account: a, income: round(income.get(a) ?? 0) })),
          },
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
