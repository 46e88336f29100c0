// Open-interest concentration and leverage crowding (venue-rules §3.6, §2.1 dYdX YFI): market OI growing by a large
// factor more than traded volume grew (YFI: OI $0.8M → $67M, +8,000%, on flat ADV), OI / average daily volume,
// and — where fills name the accounts — the top-k share and HHI of open positions, and clusters of many wallets with
// a common funding source that built up the same side together, in synchronized waves (YFI: 100+ wallets).
import { z } from 'zod'
import { readFundingSources, type FillColumns } from '../store/detect/accounts.ts'
import { readOpenInterest } from '../store/detect/openInterest.ts'
import { HOUR_US, iso, round } from './common.ts'
import { defineDetector, gap, type DetectionDraft } from './detector.ts'
import { mergeEpisodes } from './episodes.ts'
import { positionsAt } from './positions.ts'
import { severityOf, type Level } from './severity.ts'
import { binomialUpperTail } from './stats/binomial.ts'
import { median } from './stats/robust.ts'
import { marketFills, marketVolume } from './sharedReads.ts'

export const oiConcentrationParams = z.strictObject({
  /** Growth is the last 24 h against the first 24 h of this trailing window (at least 48 h). */
  growthWindowHours: z.number().min(48).default(72),
  /**
   * OI growth beyond volume growth — OI growth (mean OI) / max(volume growth (median hourly volume), 1), both the last
   * 24 h over the window's first 24 h — for a warning / for critical.
   */
  warningGrowth: z.number().gt(1).default(3),
  criticalGrowth: z.number().gt(1).default(10),
  /** Accounts: top-k share of OI. */
  topK: z.number().int().min(1).default(5),
  /** HHI of positions at or above this is concentrated (0.25: the antitrust "highly concentrated" level). */
  hhiThreshold: z.number().gt(0).max(1).default(0.25),
  /** A funding-source cluster: at least this many wallets with positions … */
  minClusterWallets: z.number().int().min(2).default(10),
  /** … this share of them on the same side (one actor's wallets all are; a skewed crowd is not) … */
  minSameSide: z.number().gt(0).max(1).default(0.9),
  /**
   * … and that agreement improbable for wallets drawn from the rest of the market: the binomial upper tail of the
   * cluster's same-side count at the other positions' share on that side (Laplace-smoothed) at most this. Where a
   * whale holds one side, the crowd that sold to it is short almost to a wallet; a dozen of those wallets sharing a
   * hot wallet agree because the crowd does, not because one actor holds them …
   */
  maxSideAgreementP: z.number().gt(0).max(1).default(0.01),
  /**
   * … at least this share of their build-up (fills on that side) in synchronized bins — bins of `entryWindowMinutes`
   * in which at least `minSyncShare` of the wallets (and 3) built up together (YFI's wallets entered in waves) …
   */
  minCorrelatedEntries: z.number().gt(0).max(1).default(0.5),
  entryWindowMinutes: z.number().int().min(1).default(60),
  minSyncShare: z.number().gt(0).max(1).default(0.1),
  /** … holding together at least this share of the market's OI. */
  minClusterOiShare: z.number().gt(0).max(1).default(0.2),
  mergeGapHours: z.number().int().min(0).default(6),
})
export type OiConcentrationParams = z.output<typeof oiConcentrationParams>

interface ClusterFinding {
  source: string
  wallets: string[]
  sameSide: number
  side: 'long' | 'short'
  /** The other positions' (smoothed) share on that side, and the binomial tail of the cluster's agreement at it. */
  crowdSameSide: number
  sideAgreementP: number
  correlatedEntries: number
  oiShare: number
  base: number
  firstEntry: number
  lastEntry: number
  flagged: boolean
}

export const oiConcentration = defineDetector<OiConcentrationParams>({
  id: 'oi-concentration',
  version: '1.2.0',
  label: 'OI concentration',
  params: oiConcentrationParams,
  usesRunOutputs: false,
  requirements(data, target) {
    return data.market.openInterest > 0 || data.market.fills > 0
      ? []
      : [gap(target, 'open_interest', 'market open interest, or account fills to rebuild positions from')]
  },
  async detect(stores, target, p) {
    const W = Math.round(p.growthWindowHours * HOUR_US)
    const readFrom = target.fromUs - W
    const oi = await readOpenInterest(stores.duck, target.venue, target.market, readFrom, target.toUs, HOUR_US)
    const vol = await marketVolume(stores, target.venue, target.market, readFrom, target.toUs, HOUR_US)
    const fills = await marketFills(stores, target.venue, target.market, null, target.toUs)
    // hourly grid: OI carried forward (it is a level), volume 0 where nothing traded
    const h0 = Math.floor(readFrom / HOUR_US) * HOUR_US
    const hours = Math.max(Math.ceil((target.toUs - h0) / HOUR_US), 0)
    const ts = new Float64Array(hours)
    const oiAt = new Float64Array(hours).fill(Number.NaN)
    const volume = new Float64Array(hours)
    const close = new Float64Array(hours).fill(Number.NaN)
    for (let i = 0; i < hours; i++) ts[i] = h0 + i * HOUR_US
    for (let i = 0; i < vol.ts.length; i++) {
      const h = Math.round((vol.ts[i]! - h0) / HOUR_US)
      if (h >= 0 && h < hours) {
        volume[h] = vol.quote[i]!
        close[h] = vol.close[i]!
      }
    }
    for (let i = 1; i < hours; i++) if (!Number.isFinite(close[i]!)) close[i] = close[i - 1]!
    const oiSource = oi.ts.length ? 'open_interest' : 'fills (Σ|position| / 2 of the accounts in the store)'
    if (oi.ts.length) {
      for (let i = 0; i < oi.ts.length; i++) {
        const h = Math.round((oi.ts[i]! - h0) / HOUR_US)
        if (h < 0 || h >= hours) continue
        const q = Number.isFinite(oi.oiQuote[i]!) ? oi.oiQuote[i]! : oi.oiBase[i]! * close[h]!
        if (Number.isFinite(q)) oiAt[h] = q
      }
      for (let i = 1; i < hours; i++) if (!Number.isFinite(oiAt[i]!)) oiAt[i] = oiAt[i - 1]!
    } else {
      const snaps = positionsAt(
        fills,
        target.market,
        Array.from(ts, (t) => t + HOUR_US),
      )
      snaps.forEach((m, i) => {
        let gross = 0
        for (const q of m.values()) gross += Math.abs(q)
        oiAt[i] = (gross / 2) * close[i]!
      })
    }
    const wHours = Math.round(p.growthWindowHours)
    const levels = new Uint8Array(hours)
    const growth = new Float64Array(hours).fill(Number.NaN)
    const volRatio = new Float64Array(hours).fill(Number.NaN)
    // growth over the window, measured alike for OI and volume: the last 24 h against the window's first 24 h (mean OI,
    // median hourly volume), so OI growing with trading — and the lag of any 24 h average — cancels out
    const day = 24
    for (let i = 0; i < hours; i++) {
      if (ts[i]! < target.fromUs || i < wHours || !(oiAt[i]! > 0)) continue
      const recent = oiAt.subarray(i - day + 1, i + 1)
      const first = oiAt.subarray(i - wHours, i - wHours + day)
      const meanOf = (xs: Float64Array) => {
        let sum = 0
        let n = 0
        for (const x of xs) {
          if (!(x > 0)) continue
          sum += x
          n++
        }
        return n ? sum / n : Number.NaN
      }
      const g = meanOf(recent) / meanOf(first)
      if (!Number.isFinite(g)) continue
      const vRecent = median(volume.subarray(i - day + 1, i + 1))
      const vFirst = median(volume.subarray(i - wHours, i - wHours + day))
      const vr = vFirst > 0 ? vRecent / vFirst : vRecent > 0 ? Number.POSITIVE_INFINITY : 1
      growth[i] = g
      volRatio[i] = vr
      // OI may grow with trading; what it grew beyond the volume's growth is the crowding
      const excess = g / Math.max(vr, 1)
      let level: Level = 0
      if (excess >= p.criticalGrowth) level = 3
      else if (excess >= p.warningGrowth) level = 2
      else if (g >= p.warningGrowth) level = 1
      levels[i] = level
    }
    const sources = fills.length ? await readFundingSources(stores.duck, target.venue, target.toUs) : []
    const drafts: DetectionDraft[] = []
    const episodes = mergeEpisodes(levels, growth, p.mergeGapHours)
    for (const e of episodes) {
      const k = e.peak
      const T = ts[k]! + HOUR_US
      const windowFromUs = Math.max(ts[k]! - W, target.fromUs)
      const windowToUs = ts[e.last]! + HOUR_US
      const accounts = fills.length ? accountView(fills, sources, target.market, T, oiAt[k]!, close[k]!, p) : null
      // who held the concentrated OI: the top holders at the hour of the window when positions were most concentrated
      // (the peak of OI growth can come after the holders were liquidated or closed: Mango's pair)
      const concentrated = fills.length
        ? mostConcentrated(fills, sources, target.market, ts, oiAt, close, h0, windowFromUs, windowToUs, p)
        : null
      const flagged = accounts?.clusters.filter((c) => c.flagged) ?? []
      let level = e.level as Level
      if (flagged.length && level < 3) level = (level + 1) as Level
      const adv = dailyVolume(volume, k)
      drafts.push({
        windowFromUs,
        windowToUs,
        accounts: flagged.length
          ? flagged.flatMap((c) => c.wallets)
          : concentrated && concentrated.view.hhi >= p.hhiThreshold
            ? concentrated.view.top.map((t) => t.account)
            : [],
        score: growth[k]!,
        severity: severityOf(level),
        evidence: {
          statistic:
            'mean OI of the last 24 h / of the window’s first 24 h, divided by the same growth of the median hourly volume when above 1',
          oiSource,
          thresholds: {
            growthWindowHours: p.growthWindowHours,
            warningGrowth: p.warningGrowth,
            criticalGrowth: p.criticalGrowth,
          },
          peak: {
            ts: iso(ts[k]!),
            oi: round(oiAt[k]!),
            growth: round(growth[k]!, 4),
            volumeRatio: round(volRatio[k]!, 4),
            growthBeyondVolume: round(growth[k]! / Math.max(volRatio[k]!, 1), 4),
            averageDailyVolume: round(adv),
            oiToAdv: adv > 0 ? round(oiAt[k]! / adv, 4) : null,
          },
          flaggedHours: e.count,
          accounts: accounts ? accountEvidence(accounts, p) : { note: 'no fills for this market: no account view' },
          mostConcentrated: concentrated
            ? {
                note: 'positions at the hour of the window with the highest HHI: the accounts named hold its top-k',
                ts: iso(concentrated.ts),
                positions: concentrated.view.positions,
                top: concentrated.view.top.map((t) => ({
                  account: t.account,
                  base: round(t.base),
                  share: round(t.share, 4),
                })),
                topShare: round(concentrated.view.topShare, 4),
                hhi: round(concentrated.view.hhi, 4),
                hhiThreshold: p.hhiThreshold,
              }
            : null,
        },
      })
    }
    // a crowded cluster is worth reporting even while OI did not grow (yet)
    if (!episodes.length && fills.length && hours > 0) {
      const k = hours - 1
      const accounts = accountView(fills, sources, target.market, target.toUs, oiAt[k]!, close[k]!, p)
      const flagged = accounts.clusters.filter((c) => c.flagged)
      if (flagged.length) {
        drafts.push({
          windowFromUs: Math.max(Math.min(...flagged.map((c) => c.firstEntry)), target.fromUs),
          windowToUs: target.toUs,
          accounts: flagged.flatMap((c) => c.wallets),
          score: Math.max(...flagged.map((c) => c.oiShare)),
          severity: 'warning',
          evidence: {
            statistic: 'wallets with a common funding source holding one side of the market, entered together',
            oiSource,
            peak: { ts: iso(target.toUs), oi: round(oiAt[k]!) },
            accounts: accountEvidence(accounts, p),
          },
        })
      }
    }
    return drafts
  },
})

/**
 * The account view at the end of the hour in [fromUs, toUs) whose positions had the highest HHI (the first such hour
 * on a tie), positions rebuilt from the fills.
 */
function mostConcentrated(
  fills: FillColumns,
  sources: Array<{ account: string; source: string; funded: number }>,
  market: string,
  ts: Float64Array,
  oiAt: Float64Array,
  close: Float64Array,
  h0: number,
  fromUs: number,
  toUs: number,
  p: OiConcentrationParams,
): { ts: number; view: AccountView } | null {
  const first = Math.max(Math.floor((fromUs - h0) / HOUR_US), 0)
  const last = Math.min(Math.ceil((toUs - h0) / HOUR_US), ts.length)
  if (first >= last) return null
  const hours = Array.from({ length: last - first }, (_, j) => first + j)
  const snaps = positionsAt(
    fills,
    market,
    hours.map((i) => ts[i]! + HOUR_US),
  )
  let best = -1
  let bestHhi = -1
  snaps.forEach((pos, j) => {
    const { gross, hhi } = concentrationOf(pos)
    if (!(gross > 0)) return
    if (hhi > bestHhi) {
      bestHhi = hhi
      best = hours[j]!
    }
  })
  if (best < 0) return null
  const T = ts[best]! + HOUR_US
  return { ts: T, view: accountView(fills, sources, market, T, oiAt[best]!, close[best]!, p) }
}

function dailyVolume(volume: Float64Array, k: number): number {
  let s = 0
  for (let j = Math.max(k - 23, 0); j <= k; j++) s += volume[j]!
  return (s / Math.min(24, k + 1)) * 24
}

interface AccountView {
  positions: number
  top: Array<{ account: string; base: number; share: number }>
  topShare: number
  hhi: number
  oiBase: number
  clusters: ClusterFinding[]
}

/** Gross position (Σ|base|) and the Herfindahl index of the accounts' shares of it (0 for no position). */
function concentrationOf(pos: ReadonlyMap<string, number>): { gross: number; hhi: number } {
  let gross = 0
  for (const q of pos.values()) gross += Math.abs(q)
  let hhi = 0
  if (gross > 0) for (const q of pos.values()) hhi += (Math.abs(q) / gross) ** 2
  return { gross, hhi }
}

/** Positions at T: top-k share of OI, HHI, and funding-source clusters. */
function accountView(
  fills: FillColumns,
  sources: Array<{ account: string; source: string; funded: number }>,
  market: string,
  T: number,
  oiQuote: number,
  price: number,
  p: OiConcentrationParams,
): AccountView {
  const [pos] = positionsAt(fills, market, [T])
  const { gross, hhi } = concentrationOf(pos!)
  // market OI in base: the published OI when there is one (the store may hold only some accounts' fills)
  const published = oiQuote > 0 && price > 0 ? oiQuote / price : 0
  const oiBase = Math.max(published, gross / 2)
  const ranked = [...pos!].sort(([a, x], [b, y]) => Math.abs(y) - Math.abs(x) || (a < b ? -1 : 1))
  const top = ranked.slice(0, p.topK).map(([account, base]) => ({
    account,
    base,
    share: oiBase > 0 ? Math.abs(base) / oiBase : 0,
  }))
  // first fill of each account, and of the market: positions carried into the data show up as fills in its first bin
  const firstEntry = new Map<string, number>()
  let marketStart = Number.POSITIVE_INFINITY
  for (let i = 0; i < fills.length && fills.ts[i]! < T; i++) {
    if (fills.market[i] !== market) continue
    marketStart = Math.min(marketStart, fills.ts[i]!)
    if (!firstEntry.has(fills.account[i]!)) firstEntry.set(fills.account[i]!, fills.ts[i]!)
  }
  const binUs = p.entryWindowMinutes * 60_000_000
  const bySource = new Map<string, string[]>()
  for (const s of sources) {
    if (!pos!.has(s.account)) continue
    const list = bySource.get(s.source) ?? []
    if (!list.includes(s.account)) list.push(s.account)
    bySource.set(s.source, list)
  }
  // the side mix of every position, against which a cluster's agreement is judged
  let holders = 0
  let longHolders = 0
  for (const q of pos!.values()) {
    if (q === 0) continue
    holders++
    if (q > 0) longHolders++
  }
  const clusters: ClusterFinding[] = []
  for (const [source, wallets] of [...bySource].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (wallets.length < p.minClusterWallets) continue
    let long = 0
    let short = 0
    let net = 0
    let abs = 0
    for (const w of wallets) {
      const q = pos!.get(w)!
      if (q > 0) long++
      else if (q < 0) short++
      net += q
      abs += Math.abs(q)
    }
    const side = net >= 0 ? 'long' : 'short'
    const agreeing = side === 'long' ? long : wallets.length - long
    const sameSide = agreeing / wallets.length
    const others = holders - long - short
    const othersOnSide = side === 'long' ? longHolders - long : holders - longHolders - short
    const crowdSameSide = (othersOnSide + 1) / (others + 2)
    const sideAgreementP = binomialUpperTail(agreeing, wallets.length, crowdSameSide)
    const entries = wallets.map((w) => firstEntry.get(w)!).sort((a, b) => a - b)
    const correlated = synchronizedShare(fills, market, new Set(wallets), net >= 0 ? 1 : -1, T, marketStart, binUs, p)
    const oiShare = oiBase > 0 ? abs / oiBase : 0
    clusters.push({
      source,
      wallets: [...wallets].sort(),
      sameSide,
      side,
      crowdSameSide,
      sideAgreementP,
      correlatedEntries: correlated,
      oiShare,
      base: net,
      firstEntry: entries[0]!,
      lastEntry: entries[entries.length - 1]!,
      flagged:
        sameSide >= p.minSameSide &&
        sideAgreementP <= p.maxSideAgreementP &&
        correlated >= p.minCorrelatedEntries &&
        oiShare >= p.minClusterOiShare,
    })
  }
  clusters.sort((a, b) => b.oiShare - a.oiShare || (a.source < b.source ? -1 : 1))
  return {
    positions: ranked.length,
    top,
    topShare: top.reduce((a, t) => a + t.share, 0),
    hhi,
    oiBase,
    clusters,
  }
}

/**
 * Share of the wallets' build-up (their fills on `side` before T) that happened in synchronized bins: bins where at
 * least minSyncShare of the wallets (and 3) built up together. The market's first bin is left out (inventory
 * carried into the data is not an entry).
 */
function synchronizedShare(
  fills: FillColumns,
  market: string,
  wallets: Set<string>,
  side: 1 | -1,
  T: number,
  marketStart: number,
  binUs: number,
  p: OiConcentrationParams,
): number {
  const startBin = Math.floor(marketStart / binUs)
  const byBin = new Map<number, { members: Set<string>; qty: number }>()
  let total = 0
  for (let i = 0; i < fills.length && fills.ts[i]! < T; i++) {
    if (fills.market[i] !== market || fills.side[i] !== side || !wallets.has(fills.account[i]!)) continue
    const bin = Math.floor(fills.ts[i]! / binUs)
    if (bin === startBin) continue
    const b = byBin.get(bin) ?? { members: new Set<string>(), qty: 0 }
    b.members.add(fills.account[i]!)
    b.qty += fills.qty[i]!
    byBin.set(bin, b)
    total += fills.qty[i]!
  }
  const need = Math.max(3, Math.ceil(p.minSyncShare * wallets.size))
  let synced = 0
  for (const b of byBin.values()) if (b.members.size >= need) synced += b.qty
  return total > 0 ? synced / total : 0
}

function accountEvidence(a: AccountView, p: OiConcentrationParams) {
  return {
    positions: a.positions,
    oiBase: round(a.oiBase),
    topK: p.topK,
    top: a.top.map((t) => ({ account: t.account, base: round(t.base), share: round(t.share, 4) })),
    topShare: round(a.topShare, 4),
    hhi: round(a.hhi, 4),
    hhiThreshold: p.hhiThreshold,
    fundingClusters: a.clusters.slice(0, 5).map((c) => ({
      source: c.source,
      wallets: c.wallets.length,
      side: c.side,
      sameSide: round(c.sameSide, 4),
      crowdSameSide: round(c.crowdSameSide, 4),
      sideAgreementP: Number(c.sideAgreementP.toPrecision(3)),
      correlatedEntries: round(c.correlatedEntries, 4),
      oiShare: round(c.oiShare, 4),
      firstEntry: iso(c.firstEntry),
      lastEntry: iso(c.lastEntry),
      flagged: c.flagged,
      members: c.wallets.slice(0, 20),
    })),
    clusterThresholds: {
      minClusterWallets: p.minClusterWallets,
      minSameSide: p.minSameSide,
      maxSideAgreementP: p.maxSideAgreementP,
      minCorrelatedEntries: p.minCorrelatedEntries,
      entryWindowMinutes: p.entryWindowMinutes,
      minSyncShare: p.minSyncShare,
      minClusterOiShare: p.minClusterOiShare,
    },
  }
}
