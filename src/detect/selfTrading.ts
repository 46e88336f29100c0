// Self-trading and linked accounts (venue-rules §3.3, §2.1 Mango / JELLY): trades whose two sides are the same
// account, or accounts linked through account_links (transfers between them, a common funding source that is not a
// hot wallet, one owner); the pair's share of the market's traded notional; and whether the pair came out of it with
// large opposite positions shortly before a price push — the Mango and JELLY set-up (one side's position then gains
// from the push while the other side's loss lands on the venue).
import { z } from 'zod'
import { readLinkedTrades, tradedNotional, type MatchedTrade } from '../store/detect/accounts.ts'
import { listPriceSeries, readBucketSeries } from '../store/detect/priceSeries.ts'
import { choosePriceSeries, HOUR_US, iso, round, SECOND_US } from './common.ts'
import { defineDetector, gap, type DetectionDraft } from './detector.ts'
import { indexByAccount, positionOf } from './positions.ts'
import { severityOf, type Level } from './severity.ts'
import { marketFills } from './sharedReads.ts'

export const selfTradingParams = z.strictObject({
  /** Pairs below this share of the market's traded notional are not reported. */
  infoShare: z.number().min(0).default(0.002),
  /** Share of the market's traded notional for a warning (a pair trading with itself at scale). */
  warningShare: z.number().gt(0).default(0.05),
  /** Opposite positions each at least this share of the market's average daily traded notional are "large". */
  largePositionShare: z.number().gt(0).default(0.1),
  /** A price move of at least this (log) within the lookahead after the pair's trades is a push. */
  pushMove: z.number().gt(0).default(0.2),
  lookaheadHours: z.number().gt(0).default(6),
  /** Bucket of the price path used to find the push. */
  bucketSeconds: z.number().int().min(1).default(60),
  /** Same-funding-source links through a source that funded more accounts than this are ignored (hot wallets). */
  linkHubSize: z.number().int().min(2).default(20),
})
export type SelfTradingParams = z.output<typeof selfTradingParams>

interface Pair {
  a: string
  b: string
  same: boolean
  reasons: Set<string>
  vias: Set<string>
  trades: MatchedTrade[]
  notional: number
}

export const selfTrading = defineDetector<SelfTradingParams>({
  id: 'self-trading',
  version: '1.0.0',
  label: 'Self-trading',
  params: selfTradingParams,
  usesRunOutputs: false,
  requirements(data, target) {
    return data.market.fills > 0 ? [] : [gap(target, 'fills', 'account fills of the market (both sides of trades)')]
  },
  async detect(stores, target, p) {
    const matched = await readLinkedTrades(
      stores.duck,
      target.venue,
      target.market,
      target.fromUs,
      target.toUs,
      p.linkHubSize,
    )
    if (!matched.length) return []
    const pairs = new Map<string, Pair>()
    for (const t of matched) {
      const [a, b] = t.buyer <= t.seller ? [t.buyer, t.seller] : [t.seller, t.buyer]
      const key = `${a}\n${b}`
      const pair = pairs.get(key) ?? {
        a,
        b,
        same: t.same,
        reasons: new Set(),
        vias: new Set(),
        trades: [],
        notional: 0,
      }
      for (const r of t.reasons) pair.reasons.add(r)
      for (const v of t.vias) pair.vias.add(v)
      pair.trades.push(t)
      pair.notional += t.price * t.qty
      pairs.set(key, pair)
    }
    const volume = await tradedNotional(stores.duck, target.venue, target.market, target.fromUs, target.toUs)
    const days = Math.max((target.toUs - target.fromUs) / (24 * HOUR_US), 1)
    const adv = volume.notional / days
    const lookaheadUs = Math.round(p.lookaheadHours * HOUR_US)
    const fills = await marketFills(stores, target.venue, target.market, null, target.toUs + lookaheadUs)
    const series = await listPriceSeries(
      stores.duck,
      target.venue,
      target.market,
      target.fromUs,
      target.toUs + lookaheadUs,
    )
    const chosen = choosePriceSeries(series, target.venue, ['oracle', 'mark', 'bars', 'index'])
    const path = chosen
      ? await readBucketSeries(
          stores.duck,
          target.venue,
          target.market,
          chosen.key,
          target.fromUs,
          target.toUs + lookaheadUs,
          p.bucketSeconds * SECOND_US,
        )
      : null
    const byAccount = indexByAccount(fills)
    const drafts: DetectionDraft[] = []
    const ordered = [...pairs.values()].sort((x, y) => y.notional - x.notional || (x.a + x.b < y.a + y.b ? -1 : 1))
    for (const pair of ordered) {
      const share = volume.notional > 0 ? pair.notional / volume.notional : 1
      if (share < p.infoShare) continue
      const firstUs = pair.trades[0]!.tsUs
      const lastUs = pair.trades[pair.trades.length - 1]!.tsUs
      const lastPrice = pair.trades[pair.trades.length - 1]!.price
      const qa = positionOf(fills, byAccount.get(pair.a), target.market, lastUs + 1)
      const qb = positionOf(fills, byAccount.get(pair.b), target.market, lastUs + 1)
      const large = (q: number) => adv > 0 && Math.abs(q) * lastPrice >= p.largePositionShare * adv
      const opposite = !pair.same && qa * qb < 0 && large(qa) && large(qb)
      const push = path ? pushAfter(path, lastUs, lastPrice, lookaheadUs) : null
      let level: Level = 1
      if (share >= p.warningShare || opposite) level = 2
      if (opposite && push && push.move >= p.pushMove) level = 3
      const longSide = qa > 0 ? pair.a : pair.b
      const profit = opposite && push ? Math.abs(longSide === pair.a ? qa : qb) * (push.price - lastPrice) : null
      drafts.push({
        windowFromUs: firstUs,
        windowToUs: Math.max(lastUs + 1, level === 3 && push ? push.tsUs : lastUs + 1),
        accounts: pair.same ? [pair.a] : [pair.a, pair.b],
        score: share,
        severity: severityOf(level),
        estimatedProfitQuote: profit !== null && Number.isFinite(profit) ? Math.abs(profit) : null,
        evidence: {
          statistic: 'notional traded between the same or linked accounts / the market’s traded notional',
          relation: pair.same ? 'same account' : 'linked accounts',
          linkReasons: [...pair.reasons].sort(),
          fundingSources: [...pair.vias].sort(),
          trades: pair.trades.length,
          notional: round(pair.notional),
          marketNotional: round(volume.notional),
          marketNotionalSource: volume.source,
          share: round(share, 6),
          thresholds: {
            infoShare: p.infoShare,
            warningShare: p.warningShare,
            largePositionShare: p.largePositionShare,
            pushMove: p.pushMove,
          },
          positionsAfter: pair.same
            ? [{ account: pair.a, base: round(qa) }]
            : [
                { account: pair.a, base: round(qa) },
                { account: pair.b, base: round(qb) },
              ],
          averageDailyNotional: round(adv),
          oppositeLargePositions: opposite,
          pushAfter: push
            ? {
                series: chosen!.label,
                lookaheadHours: p.lookaheadHours,
                ts: iso(push.tsUs),
                fromPrice: round(lastPrice),
                toPrice: round(push.price),
                logMove: round(push.move, 5),
              }
            : null,
          tradesById: pair.trades.slice(0, 20).map((t) => ({
            ts: iso(t.tsUs),
            tradeId: t.tradeId,
            buyer: t.buyer,
            seller: t.seller,
            price: round(t.price),
            qty: round(t.qty),
          })),
        },
      })
    }
    return drafts
  },
})

/** The largest |log move| of the path from `price` within (tUs, tUs + lookahead], and where it happened. */
function pushAfter(
  path: { ts: Float64Array; close: Float64Array; high: Float64Array; low: Float64Array },
  tUs: number,
  price: number,
  lookaheadUs: number,
): { tsUs: number; price: number; move: number } | null {
  let best: { tsUs: number; price: number; move: number } | null = null
  for (let i = 0; i < path.ts.length; i++) {
    const t = path.ts[i]!
    if (t <= tUs || t > tUs + lookaheadUs) continue
    for (const x of [path.high[i]!, path.low[i]!]) {
      if (!(x > 0)) continue
      const m = Math.abs(Math.log(x / price))
      if (!best || m > best.move) best = { tsUs: t, price: x, move: m }
    }
  }
  return best
}
