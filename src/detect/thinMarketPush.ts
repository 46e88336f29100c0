// Thin-market price push with cost-of-attack (venue-rules §3.2, §2.1 Mango / GMX / XPL): a large, fast move of the
// price the venue marks positions at (its oracle, else mark, else last trade) against the move's own robust
// volatility; what moving it cost (the slippage the pushing trades paid beyond the start price, less that of forced
// liquidation fills closing into the move — the victims' trades, not the attacker's — and model costs from
// the market's trailing liquidity: Kyle's λ and Amihud's illiquidity on 5-minute buckets); what it unlocked (the
// open positions that gained, by linked-account cluster, and the liquidations it triggered, observed or replayed);
// and whether the estimated attacker profit exceeded the cost. The profit of the top beneficiary cluster is its price
// gain on exposure acquired before the price moved, plus the losses of liquidations it was the other side of (by
// trade id; allocated up to its own exposure's worth of the forced quantity when no fill names a counterparty), plus,
// on a market pushed on its own book, what the cluster got back selling the inventory it pushed with; its funding
// income is reported, never counted (a push pays off through the price). An oracle-priced market is pushed on
// the venues its oracle reads: when the store holds their trades (markets named `<market>@<source>`), the cost is summed over them
// (venue-rules §3.2: C(Δ) = Σ_v C_v), else the market's own trades are used. There the cost is the attacker's own: its
// pushing fills where a reference venue's fills name it, else the pushing trades' slippage attributed to flow beyond
// the venue's usual rate (ordinary flow in the push's direction is not the attacker's cost). An account's gain is marked to market
// over the push: its position at the start × (P1 − P0), plus fills inside the push valued at P1 — on a market pushed on
// its own book only those at prices still within a tenth of the move (buying while pushing is the cost side, not
// exposure; a fill at an oracle-priced venue moves nothing); on a market pushed on its own book, what
// an account built with its own pushing (its taker fills with the move inside the push, and its run of them leading up
// to it) is push inventory too, never marked as gain. A move that brought no more taker flow in its direction than
// its venues usually see is nobody's push — on the reference venues, and on the market's own book unless one actor's
// pushing ties it — whoever happened to be positioned for it. No order-book table exists yet, so the depth-integral cost
// C_v(Δ) is not computed; the evidence says so.
import { z } from 'zod'
import { linkClusters } from '../incidents/group.ts'
import { readAccountLinks, type FillColumns } from '../store/detect/accounts.ts'
import {
  readForcedFlow,
  readLiquidationCounterparties,
  readLiquidationEvents,
  type LiquidationCounterpartyFill,
} from '../store/detect/liquidations.ts'
import { readFunding } from '../store/detect/funding.ts'
import { listPriceSeries, readBucketSeries, readReturnSeries } from '../store/detect/priceSeries.ts'
import { readUsualFlowRate, readPushTrades, readTradeBuckets, referenceMarkets } from '../store/detect/tradeFlow.ts'
import { choosePriceSeries, HOUR_US, iso, round, SECOND_US } from './common.ts'
import { defineDetector, gap, type DetectionDraft } from './detector.ts'
import { mergeEpisodes } from './episodes.ts'
import { fundingIncome } from './fundingIncome.ts'
import { flowIn, markToMarket, passiveFills, positionsAt, pushInventory, recoveredInventory } from './positions.ts'
import { severityOf, type Level } from './severity.ts'
import { MAD_TO_SIGMA } from './stats/robust.ts'
import { marketFills, marketVolume } from './sharedReads.ts'

export const thinMarketPushParams = z.strictObject({
  /** Bucket of the price path the push is found in (XPL's sweep took 2 min, GMX's pushes 1–3 min). */
  bucketSeconds: z.number().int().min(1).max(3600).default(60),
  /** Longest push considered, in buckets (Mango's pump took 20–30 min); every shorter horizon is tested too. */
  horizonBuckets: z.number().int().min(1).default(30),
  /** Bucket of the liquidity estimates (venue-rules: Kyle's λ on 5-minute buckets). */
  liquidityBucketSeconds: z.number().int().min(1).max(3600).default(300),
  baselineHours: z
    .number()
    .gt(0)
    .max(24 * 30)
    .default(24),
  minBaselineBuckets: z.number().int().min(3).default(120),
  /**
   * A push: |move| over the horizon ≥ minMove (GMX's AVAX pushes moved the reference venues a few percent) and its
   * robust z (σ·√horizon) ≥ zThreshold …
   */
  minMove: z.number().gt(0).default(0.02),
  zThreshold: z.number().gt(0).default(6),
  /** … or a move this large whatever the market's volatility. */
  absoluteMove: z.number().gt(0).default(0.5),
  /** Floor of the robust σ of bucket returns. */
  returnScaleFloor: z.number().gt(0).default(1e-4),
  /** Critical when the top beneficiary cluster's profit is at least this multiple of the cost. */
  criticalProfitMultiple: z.number().gt(1).default(5),
  /** Beneficiary profit below this (quote) is not an attack worth a warning. */
  minProfitQuote: z.number().min(0).default(10_000),
  /**
   * The beneficiary cluster built at least this share of its position (at the push's end) in the `buildUpHours`
   * before the push ended: attackers position shortly before they push (Mango, JELLY, XPL, GMX); a holder of a
   * standing inventory that happens to gain from a move is not one.
   */
  buildUpShare: z.number().gt(0).max(1).default(0.5),
  buildUpHours: z.number().gt(0).default(6),
  /**
   * And the beneficiary is tied to the move: its exposure is at least this share of the market's 24 h volume before
   * the push (Mango, JELLY: 20–60 %), or the oracle's reference markets were pushed and the beneficiary built at least
   * `buildUpShare` of its exposure within one push horizon (`horizonBuckets`) before the push (GMX: open, push the
   * references, close, within minutes), or one linked cluster did at least
   * `minPushShare` of the pushing taker flow (XPL: one taker swept the book; a third is already far from a crowd).
   */
  minExposureShare: z.number().gt(0).default(0.2),
  minPushShare: z.number().gt(0).max(1).default(0.3),
  /**
   * … unless most of that cluster's pushing closed a position it held the other way (it sells back what it bought):
   * the fade of its own earlier move, not a push (a funding squeezer unwinding after each settlement).
   */
  maxClosingShare: z.number().gt(0).max(1).default(0.5),
  /** The move given back within this long after the peak is its reversal (evidence; see reversalShare). */
  reversalHours: z.number().gt(0).default(2),
  /** Liquidations counted as triggered this long after the push ends. */
  liquidationLagBuckets: z.number().int().min(0).default(30),
  /** Same-funding-source links through a source that funded more accounts than this are ignored (hot wallets). */
  linkHubSize: z.number().int().min(2).default(20),
  mergeGapBuckets: z.number().int().min(0).default(2),
  /**
   * A move whose pushing volume is at least this share of forced fills (liquidations closing into it) is a cascade,
   * not a push: nobody paid for it (venue-rules §3.2) — unless one actor paid for ≥ `minPushShare` of its voluntary
   * pushing.
   */
  maxForcedShare: z.number().gt(0).max(1).default(0.5),
})
export type ThinMarketPushParams = z.output<typeof thinMarketPushParams>

export const thinMarketPush = defineDetector<ThinMarketPushParams>({
  id: 'thin-market-push',
  version: '1.10.0',
  label: 'Oracle push',
  params: thinMarketPushParams,
  usesRunOutputs: true,
  requirements(data, target) {
    const prices = (data.market.prices.oracle ?? 0) + (data.market.prices.mark ?? 0)
    return data.market.trades + data.market.bars + prices > 0
      ? []
      : [gap(target, 'trades', 'trades (cost of the move) with bars or oracle / mark prices (the pushed price)')]
  },
  async detect(stores, target, p) {
    const bucketUs = p.bucketSeconds * SECOND_US
    const baselineUs = Math.round(p.baselineHours * HOUR_US)
    const readFrom = target.fromUs - baselineUs
    const series = await listPriceSeries(stores.duck, target.venue, target.market, readFrom, target.toUs)
    const chosen = choosePriceSeries(series, target.venue, ['oracle', 'mark', 'bars', 'index'])
    if (!chosen) return []
    const r = await readReturnSeries(
      stores.duck,
      target.venue,
      target.market,
      chosen.key,
      readFrom,
      target.toUs,
      bucketUs,
      baselineUs,
    )
    const n = r.ts.length
    const H = p.horizonBuckets
    // up and down pushes are found separately (a push and its fade are two moves)
    const up = new Uint8Array(n)
    const down = new Uint8Array(n)
    const move = new Float64Array(n)
    const moveZ = new Float64Array(n).fill(Number.NaN)
    let lo = 0
    for (let i = 0; i < n; i++) {
      while (r.ts[lo]! < r.ts[i]! - H * bucketUs) lo++
      if (r.ts[i]! < target.fromUs || lo >= i) continue
      // every horizon up to H buckets: a 2-minute sweep is as unusual over one bucket as a pump over six
      const sigma = Math.max(MAD_TO_SIGMA * (r.retMad[i]! || 0), p.returnScaleFloor)
      const known = r.baselineCount[i]! >= p.minBaselineBuckets
      for (let j = i - 1; j >= lo; j--) {
        const R = Math.log(r.close[i]! / r.close[j]!)
        const h = Math.max(Math.round((r.ts[i]! - r.ts[j]!) / bucketUs), 1)
        const z = known ? R / (sigma * Math.sqrt(h)) : Number.NaN
        if (Math.abs(R) > move[i]!) move[i] = Math.abs(R)
        if (!(Math.abs(z) <= Math.abs(moveZ[i]!))) moveZ[i] = z
        if ((Math.abs(R) >= p.minMove && Math.abs(z) >= p.zThreshold) || Math.abs(R) >= p.absoluteMove) {
          if (R > 0) up[i] = 1
          else down[i] = 1
        }
      }
    }
    const episodes = [
      ...mergeEpisodes(up, move, p.mergeGapBuckets).map((e) => ({ ...e, direction: 1 as const })),
      ...mergeEpisodes(down, move, p.mergeGapBuckets).map((e) => ({ ...e, direction: -1 as const })),
    ].sort((a, b) => a.first - b.first || a.direction - b.direction)
    if (!episodes.length) return []
    // the path after the scope too, for the reversal after a push near its end
    const after = await readBucketSeries(
      stores.duck,
      target.venue,
      target.market,
      chosen.key,
      target.toUs,
      target.toUs + Math.round(p.reversalHours * HOUR_US),
      bucketUs,
    )
    const volume = await marketVolume(stores, target.venue, target.market, readFrom, target.toUs, HOUR_US)
    const liquidity = await readTradeBuckets(
      stores.duck,
      target.venue,
      target.market,
      readFrom,
      target.toUs,
      p.liquidityBucketSeconds * SECOND_US,
      baselineUs,
    )
    const fills = await marketFills(stores, target.venue, target.market, null, target.toUs)
    const references = await referenceMarkets(stores.duck, target.venue, target.market, readFrom, target.toUs)
    const costMarkets = references.length ? references : [target.market]
    // an oracle-priced market's references: each one's trailing liquidity (the model cost of moving it) and the account
    // fills the store holds on it (the attacker's own pushing, where a venue names it)
    const referenceData = await Promise.all(
      references.map(async (m) => ({
        market: m,
        liquidity: await readTradeBuckets(
          stores.duck,
          target.venue,
          m,
          readFrom,
          target.toUs,
          p.liquidityBucketSeconds * SECOND_US,
          baselineUs,
        ),
        fills: await marketFills(stores, target.venue, m, readFrom, target.toUs),
      })),
    )
    const drafts: DetectionDraft[] = []
    for (const e of episodes) {
      // the push runs from the extreme before it to the peak: start = opposite extreme within the horizon
      let start = e.first
      while (start > 0 && r.ts[start - 1]! >= r.ts[e.first]! - H * bucketUs) start--
      const direction = e.direction
      // the peak: the most extreme close of the episode in its direction
      let peak = e.first
      for (let j = e.first; j <= e.last; j++) if ((r.close[j]! - r.close[peak]!) * direction > 0) peak = j
      let from = start
      for (let j = start; j <= peak; j++) if ((r.close[j]! - r.close[from]!) * direction < 0) from = j
      const to = peak
      // the move starts at the last bucket still within a tenth of it (a flat stretch before a pump is not the push)
      const base = r.close[from]!
      for (let j = from; j < to; j++)
        if ((r.close[j]! - base) * direction <= 0.1 * (r.close[to]! - base) * direction) from = j
      const p0 = r.close[from]!
      const p1 = r.close[to]!
      const delta = Math.abs(Math.log(p1 / p0))
      const fromUs = r.ts[from]!
      const toUs = r.ts[to]! + bucketUs
      // cost: what the pushing trades paid beyond the start price; model costs from liquidity before the push
      const pushes = await Promise.all(
        costMarkets.map((m) => readPushTrades(stores.duck, target.venue, m, fromUs, toUs, direction)),
      )
      // forced fills (liquidations closing into the move) are the victims' trades, not the attacker's cost (venue-rules
      // §3.2): their slippage leaves the cost, and a move made mostly of them is a cascade, not a push
      const forcedFlows = await Promise.all(
        pushes.map((x) =>
          x.trades > 0 && Number.isFinite(x.p0)
            ? readForcedFlow(stores.duck, target.venue, x.market, fromUs, toUs, direction, x.p0)
            : { slippage: 0, quote: 0, count: 0 },
        ),
      )
      const pushed = {
        slippage: pushes.reduce((a, x, k) => a + Math.max(x.slippage - forcedFlows[k]!.slippage, 0), 0),
        quote: pushes.reduce((a, x) => a + x.quote, 0),
        trades: pushes.reduce((a, x) => a + x.trades, 0),
      }
      const forcedQuote = forcedFlows.reduce((a, x) => a + x.quote, 0)
      const forcedShare = pushed.quote > 0 ? Math.min(forcedQuote / pushed.quote, 1) : 0
      const li = liquidityBefore(liquidity, fromUs)
      const kyleCost =
        li && li.lambda > 0 && li.t >= 2 ? 0.5 * delta * ((delta / li.lambda) * (delta / li.lambda)) : Number.NaN
      const amihudCost = li && li.amihud > 0 ? (0.5 * delta * delta) / li.amihud : Number.NaN
      const modelCost = Number.isFinite(amihudCost) ? amihudCost : kyleCost
      const realizedCost = pushed.trades > 0 ? pushed.slippage : modelCost
      // exposure: mark-to-market gains over the push, by linked-account cluster
      const buildFrom = toUs - Math.round(p.buildUpHours * HOUR_US)
      const [beforeBuild, beforePush, atEnd] = positionsAt(fills, target.market, [
        buildFrom,
        fromUs - H * bucketUs,
        toUs,
      ])
      // on a market pushed on its own book, what an account built with its own pushing (inside the push, and its run of
      // pushing leading up to it) is push inventory, paid for as slippage: marking it at the price it pushed to would book
      // the pusher's own orders as its profit (a short built with market sells). An oracle read from other venues does
      // not move with this book, so there a position on it is exposure however it was opened (GMX, Mango, JELLY).
      const inventory =
        references.length === 0
          ? pushInventory(fills, target.market, fromUs, toUs, direction, H * bucketUs)
          : new Map<number, number>()
      const inventoryBy = new Map<string, number>()
      let inventorySince = Number.POSITIVE_INFINITY
      for (const [i, q] of inventory) {
        inventoryBy.set(fills.account[i]!, (inventoryBy.get(fills.account[i]!) ?? 0) + q)
        inventorySince = Math.min(inventorySince, fills.ts[i]!)
      }
      // what each pusher got back for its inventory by selling it into the buying the move brought, through the
      // liquidations' lag (XPL: the sweeper sold its sweep into the liquidated shorts' and followers' buying): the push's
      // cost is its slippage beyond p0, so each unit sold back is worth price − p0 — part of its gain from the push, as
      // its exposure's mark-to-market is (a pusher that sells back inside the push is a beneficiary too)
      const liquidationsToUs = toUs + p.liquidationLagBuckets * bucketUs
      const inventoryHolders = new Set(inventoryBy.keys())
      const soldBack = inventory.size
        ? recoveredInventory(
            fills,
            target.market,
            fromUs,
            toUs,
            liquidationsToUs,
            p0,
            p1,
            0.1,
            inventoryHolders,
            inventoryHolders,
            inventory,
          )
        : new Map<string, { bought: number; sold: number; recovered: number }>()
      // a fill at prices already a tenth of the way up the move is the pusher's buying on its own book (the cost side);
      // on an oracle-priced market a taker fill at the oracle moves nothing, so it is exposure wherever in the move it
      // was opened (GMX: the attacker opens seconds before or after the references start moving)
      const gains = markToMarket(fills, target.market, fromUs, toUs, p0, p1, 0.1, inventory, references.length > 0)
      for (const [a, r] of soldBack) gains.get(a)!.pnl += r.recovered
      const gainers = [...gains].filter(([, g]) => g.pnl > 0)
      const links = gainers.length ? await readAccountLinks(stores.duck, target.venue, null, p.linkHubSize) : []
      const clusters = linkClusters(links.map((l) => [l.account, l.linked]))
      const byCluster = new Map<
        string,
        {
          accounts: string[]
          base: number
          exposure: number
          before: number
          profit: number
          built: number
          beforePush: number
          builtJustBefore: number
          /** Signed base taken passively in the build-up window, and within one push horizon before the push. */
          passive: number
          passiveJustBefore: number
        }
      >()
      for (const [a, g] of gainers) {
        const key = clusters.get(a) ?? a
        const c = byCluster.get(key) ?? {
          accounts: [],
          base: 0,
          exposure: 0,
          before: 0,
          profit: 0,
          built: 0,
          beforePush: 0,
          builtJustBefore: 0,
          passive: 0,
          passiveJustBefore: 0,
        }
        c.accounts.push(a)
        c.base += g.end
        c.exposure += g.exposure
        c.before += beforeBuild!.get(a) ?? 0
        c.beforePush += beforePush!.get(a) ?? 0
        c.profit += g.pnl
        byCluster.set(key, c)
      }
      // what a gainer took passively before the push (maker fills against accounts outside its cluster: a pool that
      // is every trader's counterparty, a backstop taking a liquidated position over) was chosen by others: it is not
      // built up (venue-rules §1 backstop vault / liquidator takeover, §2.1 GMX: the attacker opens, the pool holds)
      const clusterOf = (a: string) => clusters.get(a) ?? a
      const passiveBuild = passiveFills(fills, target.market, buildFrom, fromUs, clusterOf)
      const passiveJustBefore = passiveFills(fills, target.market, fromUs - H * bucketUs, fromUs, clusterOf)
      for (const [a] of gainers) {
        const c = byCluster.get(clusterOf(a))!
        c.passive += passiveBuild.get(a) ?? 0
        c.passiveJustBefore += passiveJustBefore.get(a) ?? 0
      }
      // share of the exposure to the move that was built in the build-up window (attackers close at the top, so the
      // position at the end says nothing), and within one push horizon before the push (GMX: open, push, close)
      const builtShare = (exposure: number, held: number, passive: number) =>
        exposure > 0 ? Math.min(Math.max((exposure - Math.max(held, 0) - Math.max(passive, 0)) / exposure, 0), 1) : 0
      for (const c of byCluster.values()) {
        const exposure = c.exposure * direction
        c.built = builtShare(exposure, c.before * direction, c.passive * direction)
        c.builtJustBefore = builtShare(exposure, c.beforePush * direction, c.passiveJustBefore * direction)
      }
      const ranked = [...byCluster.values()].sort(
        (x, y) => y.profit - x.profit || (x.accounts[0]! < y.accounts[0]! ? -1 : 1),
      )
      // the 24 whole hours before the push's hour: the hour it starts in holds part of the push itself
      let adv = 0
      for (let i = 0; i < volume.ts.length; i++) {
        const end = volume.ts[i]! + HOUR_US
        if (end > fromUs - 24 * HOUR_US && end <= fromUs) adv += volume.quote[i]!
      }
      // the beneficiary: the most profitable cluster that positioned shortly before (a pool or a standing inventory
      // that happens to gain is not one); on an oracle-priced market, among those, first one whose own position ties it
      // to the move — outsized against the market's volume (Mango, JELLY) or opened within one push horizon before the
      // references moved (the GMX signal, venue-rules §2.1: open, push the references, close) — before a more
      // profitable one that is neither; the overall top is kept for the evidence when none positioned
      const positioned = ranked.filter((c) => c.built >= p.buildUpShare)
      // Opened just before is half of the GMX tie; the other half is the close: the references give a pushed move back
      // as the pusher unwinds there, so a profit on the oracle is taken within minutes of the push. An opener still
      // holding most of it one push horizon after the move is a trader with a view (gmx-oracle-push 1802: an ordinary
      // account's $1M short, sold 2.5 minutes before a reference-venue drop, covered over the next five hours). A
      // horizon that runs past the data cannot tell yet: the opening alone ties, as before 1.9.0.
      const heldAfter =
        references.length && toUs + H * bucketUs <= target.toUs
          ? positionsAt(fills, target.market, [toUs + H * bucketUs])[0]!
          : null
      /** Share of a cluster's exposure to the move closed one push horizon after the push (null: not known yet). */
      const closedAfter = (c: { accounts: string[]; exposure: number }): number | null => {
        if (!heldAfter) return null
        const still = c.accounts.reduce((sum, a) => sum + (heldAfter.get(a) ?? 0), 0) * direction
        const e = c.exposure * direction
        return e > 0 ? Math.min(Math.max((e - Math.max(still, 0)) / e, 0), 1) : 0
      }
      const roundTrip = (c: (typeof ranked)[number]) => {
        const closed = closedAfter(c)
        return c.builtJustBefore >= p.buildUpShare && (closed === null || closed >= p.buildUpShare)
      }
      const tiedByPosition = (c: (typeof ranked)[number]) =>
        (adv > 0 ? (Math.abs(c.exposure) * p0) / adv : Number.POSITIVE_INFINITY) >= p.minExposureShare || roundTrip(c)
      const top = (references.length ? positioned.find(tiedByPosition) : undefined) ?? positioned[0] ?? ranked[0]
      // what the push cost the attacker. On its own book: the realized slippage of the pushing trades (forced fills left
      // out). On the venues an oracle reads: the beneficiary's own pushing where the venue's fills name it, else the
      // pushing trades' slippage beyond what the venue's usual flow in that direction accounts for (referenceCost)
      const onReferences = references.length
        ? referenceCost(
            referenceData,
            pushes,
            forcedFlows,
            await Promise.all(
              pushes.map((x) => readUsualFlowRate(stores.duck, target.venue, x.market, fromUs, direction, baselineUs)),
            ),
            new Set(top?.accounts ?? []),
            fromUs,
            toUs,
            direction,
            delta,
          )
        : null
      const cost = onReferences ? onReferences.cost : realizedCost
      const flows = flowIn(fills, target.market, fromUs, toUs)
      const pushers = [...flows]
        .filter(([, f]) => f.base * direction > 0)
        .sort(([a, x], [b, y]) => y.quote - x.quote || (a < b ? -1 : 1))
        .slice(0, 5)
      // how concentrated the pushing flow on this market was: the largest linked cluster's taker fills in the push's
      // direction against the market's taker trades in that direction (XPL: one taker swept the book)
      // and how much of each cluster's pushing closed a position it held the other way (selling back what it bought
      // just before is closing, not pushing: the funding squeezer sells its squeeze buys back after each settlement)
      const pushedBy = new Map<string, number>()
      const pushedBase = new Map<string, number>()
      const closedBase = new Map<string, number>()
      // (each account's own position: a linked account's opposite position is another bet, not one being closed)
      const held = positionsAt(fills, target.market, [fromUs])[0]!
      for (let i = 0; i < fills.length; i++) {
        const t = fills.ts[i]!
        if (t < fromUs || t >= toUs || fills.market[i] !== target.market) continue
        const a = fills.account[i]!
        const key = clusterOf(a)
        const q = fills.qty[i]!
        const before = held.get(a) ?? 0
        held.set(a, before + fills.side[i]! * q)
        if (fills.side[i] !== direction || fills.taker[i] === 0 || fills.liquidation[i] !== 0) continue
        pushedBy.set(key, (pushedBy.get(key) ?? 0) + q * fills.price[i]!)
        pushedBase.set(key, (pushedBase.get(key) ?? 0) + q)
        closedBase.set(key, (closedBase.get(key) ?? 0) + Math.min(q, Math.max(-before * direction, 0)))
      }
      const [topPusher, clusterPushed] = [...pushedBy].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))[0] ?? [
        null,
        0,
      ]
      const closingShare = topPusher ? (closedBase.get(topPusher) ?? 0) / pushedBase.get(topPusher)! : 0
      const voluntaryQuote = pushed.quote - forcedQuote
      const pushedByCluster =
        references.length === 0 && voluntaryQuote > 0 ? Math.min(clusterPushed / voluntaryQuote, 1) : 0
      // that cluster's pushing beyond its usual rate of taker flow in the push's direction (over the 24 h before the
      // build-up window: an attacker's own accumulation is not its usual trading), as a share of the voluntary pushing
      // — the flow-beyond-usual measure of the reference venues, for one actor: a regular large trader selling into a
      // sell-off at a few times its usual pace does what it always does; XPL's sweeper had no usual flow at all
      const usualUs = 24 * HOUR_US
      const pusherUsualQuote =
        topPusher && pushedByCluster > 0
          ? (takerQuote(fills, target.market, buildFrom - usualUs, buildFrom, direction, topPusher, clusterOf) /
              usualUs) *
            (toUs - fromUs)
          : 0
      const pushedBeyondUsual =
        pushedByCluster > 0 ? Math.min(Math.max(clusterPushed - pusherUsualQuote, 0) / voluntaryQuote, 1) : 0
      const liquidations = await readLiquidationEvents(
        stores.duck,
        target.runId
          ? { kind: 'run', runId: target.runId, market: target.market }
          : { kind: 'observed', venue: target.venue, market: target.market },
        fromUs,
        liquidationsToUs,
      )
      const liquidated = liquidations.reduce((a, l) => a + l.notional, 0)
      // what the move forced onto the other side: liquidated positions closed at pushed prices instead of p0
      const forced = direction > 0 ? 'short' : 'long'
      const forcedOut = liquidations.filter((l) => l.side === forced)
      const transfer = forcedOut.reduce((a, l) => a + l.qty * Math.max((l.price - p0) * direction, 0), 0)
      const forcedQty = forcedOut.reduce((a, l) => a + Math.abs(l.qty), 0)
      // who the forced losses reached: the other side of each liquidation fill, paired by trade id — observed
      // liquidations of a venue whose account fills carry both sides; a run's replayed liquidations name nobody
      const counterparties =
        !target.runId && fills.length && forcedOut.length
          ? await readLiquidationCounterparties(
              stores.duck,
              target.venue,
              target.market,
              fromUs,
              liquidationsToUs,
              direction > 0 ? 'buy' : 'sell',
            )
          : null
      const attribution = liquidationAttribution(counterparties, top?.accounts ?? [], p0, p1, toUs, direction)
      // without a counterparty the losses are allocated: at most the beneficiary's own exposure's worth of the forced
      // quantity (a trader holding 1 base cannot take 500 base of liquidated longs' losses)
      const transferShare = top && forcedQty > 0 ? Math.min(Math.abs(top.exposure) / forcedQty, 1) : 0
      const credited = attribution ? attribution.bookedAfterPush : transfer * transferShare
      // the beneficiary cluster's share of it (in its profit already), and its linked pushers that sold back
      const topKey = top ? clusterOf(top.accounts[0]!) : null
      const recovered = new Map([...soldBack].filter(([a]) => top && clusterOf(a) === topKey))
      const recoveredTotal = top ? top.accounts.reduce((x, a) => x + (soldBack.get(a)?.recovered ?? 0), 0) : 0
      const profit = top ? top.profit + credited : Number.NaN
      // funding the beneficiary received over the push and its liquidations: reported beside the profit, never in it (a
      // push pays off through the price and the liquidations it forces; funding is the funding detector's pattern)
      const funding = top
        ? fundingIncome(
            fills,
            target.market,
            await readFunding(stores.duck, target.venue, target.market, fromUs, liquidationsToUs),
            () => true,
            new Set(top.accounts),
          )
        : new Map<string, number>()
      const beneficiaryFunding = [...funding.values()].reduce((a, q) => a + q, 0)
      // temporary impact: a pushed price gives the move back once the pushing stops; news does not
      const reversal = reversalOf(r, after, to, p0, p1, Math.round(p.reversalHours * HOUR_US))
      const exposureNotional = top ? Math.abs(top.exposure) * p0 : 0
      const exposureToAdv = adv > 0 ? exposureNotional / adv : Number.POSITIVE_INFINITY
      // what ties the move to an attack: an outsized beneficiary position, a beneficiary that opened its exposure just
      // before the oracle's reference venues moved (GMX: open, push the references, close, within minutes), or one actor
      // doing most of the pushing (a lucky trader before an honest move has none of these). Reference venues alone tie
      // nothing: every move of an oracle-priced market happens on them, pushed or not.
      // (opened within one push horizon before, and mostly closed within one after: see roundTrip)
      const positionedForReferences = references.length > 0 && top !== undefined && roundTrip(top)
      const closedAfterPush = top !== undefined ? closedAfter(top) : null
      // one actor's pushing ties the move to it only when that actor opened risk with it: closing its own position the
      // other way is the fade of a move it made before, whatever the beneficiary gains on it
      const pushedByOne = pushedBeyondUsual >= p.minPushShare && closingShare < p.maxClosingShare
      const tied = exposureToAdv >= p.minExposureShare || positionedForReferences || pushedByOne
      // a cascade is a move nobody paid for; when one actor paid for a large share of the voluntary pushing (the tie
      // above: ≥ minPushShare, opening risk with it), the liquidations are what its push forced (XPL: one taker's sweep
      // set off the short cluster), not the move's cause
      const cascade = forcedShare >= p.maxForcedShare && !pushedByOne
      // on the venues an oracle reads, where no fill names the pusher: a move that brought no more pushing flow than the
      // venues usually see (beyond-usual share under minPushShare, the share that ties one actor to a push on its own
      // book) was nobody's push — a drift or news move someone happened to be positioned for
      // on its own book the same holds where no one actor's pushing ties the move (pushedByOne): a move that brought no
      // more taker flow in its direction than the market usually sees (the whale that held a standing long through a
      // rally of ordinary buying, eth-whale-withdrawal) — however large the position it happened to lift
      const ownUsualQuote =
        references.length === 0 && voluntaryQuote > 0
          ? (await readUsualFlowRate(stores.duck, target.venue, target.market, fromUs, direction, baselineUs)) *
            (toUs - fromUs)
          : Number.NaN
      const ownBeyondUsualShare = Number.isFinite(ownUsualQuote)
        ? Math.max(voluntaryQuote - ownUsualQuote, 0) / voluntaryQuote
        : null
      const beyondUsualShare = onReferences?.beyondUsualShare ?? ownBeyondUsualShare
      const nobodysPush = beyondUsualShare !== null && beyondUsualShare < p.minPushShare && !pushedByOne
      let level: Level = 1
      if (
        Number.isFinite(cost) &&
        profit >= p.minProfitQuote &&
        profit > cost &&
        top!.built >= p.buildUpShare &&
        tied &&
        !cascade &&
        !nobodysPush
      ) {
        level = profit >= p.criticalProfitMultiple * cost ? 3 : 2
      }
      drafts.push({
        windowFromUs: fromUs,
        windowToUs: toUs,
        accounts:
          level >= 2 && top
            ? [...new Set([...top.accounts, ...[...recovered].filter(([, r]) => r.sold > 0).map(([a]) => a)])]
            : [],
        score: delta,
        severity: severityOf(level),
        estimatedCostQuote: Number.isFinite(cost) ? cost : null,
        estimatedProfitQuote: Number.isFinite(profit) ? profit : null,
        evidence: {
          statistic:
            'log move of the marked price over the horizon vs its robust σ·√horizon; attacker mark-to-market profit vs cost',
          costMarkets,
          series: chosen.label,
          bucketSeconds: p.bucketSeconds,
          horizonBuckets: H,
          thresholds: {
            minMove: p.minMove,
            zThreshold: p.zThreshold,
            absoluteMove: p.absoluteMove,
            minProfitQuote: p.minProfitQuote,
            criticalProfitMultiple: p.criticalProfitMultiple,
            buildUpShare: p.buildUpShare,
            buildUpHours: p.buildUpHours,
            minExposureShare: p.minExposureShare,
            minPushShare: p.minPushShare,
          },
          push: {
            from: iso(fromUs),
            to: iso(toUs),
            direction: direction > 0 ? 'up' : 'down',
            startPrice: round(p0),
            endPrice: round(p1),
            logMove: round(delta, 5),
            z: round(moveZ[peak]!, 4),
          },
          cost: {
            used: onReferences
              ? onReferences.used
              : pushed.trades > 0
                ? 'realized slippage of the pushing trades, forced fills left out'
                : 'Amihud model (no trades in the push)',
            onReferences: onReferences
              ? {
                  markets: onReferences.markets,
                  beyondUsualShare: beyondUsualShare === null ? null : round(beyondUsualShare, 4),
                  minShare: p.minPushShare,
                  nobodysPush,
                }
              : null,
            onOwnBook:
              ownBeyondUsualShare !== null
                ? {
                    voluntaryPushingQuote: round(voluntaryQuote),
                    usualQuote: round(ownUsualQuote),
                    beyondUsualShare: round(ownBeyondUsualShare, 4),
                    minShare: p.minPushShare,
                    tiedByOneActor: pushedByOne,
                    nobodysPush,
                  }
                : null,
            markets: pushes.map((x) => ({
              market: x.market,
              startPrice: round(x.p0),
              slippage: round(x.slippage),
              trades: x.trades,
              quoteVolume: round(x.quote),
              largest: x.top,
            })),
            realizedSlippage: pushed.trades > 0 ? round(pushed.slippage) : null,
            forcedFills: {
              note: 'observed liquidations that traded in the move direction: left out of the cost',
              count: forcedFlows.reduce((a, x) => a + x.count, 0),
              quoteVolume: round(forcedQuote),
              slippage: round(forcedFlows.reduce((a, x) => a + x.slippage, 0)),
              shareOfPushingVolume: round(forcedShare, 4),
              maxShare: p.maxForcedShare,
              paidForByOneActor: pushedByOne,
              cascade,
            },
            pushingTrades: pushed.trades,
            pushingQuoteVolume: round(pushed.quote),
            kyle: li
              ? { lambdaPerSqrtQuote: round(li.lambda), t: round(li.t, 4), buckets: li.n, costToMove: round(kyleCost) }
              : null,
            amihud: li ? { illiquidityPerQuote: round(li.amihud), costToMove: round(amihudCost) } : null,
            medianBucketQuoteVolume: li ? round(li.medianQuote) : null,
            depthIntegral: { available: false, reason: 'no order-book table in the store yet' },
          },
          exposure: {
            gainingAccounts: gainers.length,
            topClusters: ranked.slice(0, 5).map((c) => ({
              accounts: c.accounts.sort(),
              exposureBase: round(c.exposure),
              positionBaseAtEnd: round(c.base),
              builtInWindow: round(c.built, 4),
              builtJustBeforePush: round(c.builtJustBefore, 4),
              takenPassivelyBase: round(c.passive),
              profit: round(c.profit),
            })),
            positionsAtEnd: top ? top.accounts.map((a) => ({ account: a, base: round(atEnd!.get(a) ?? 0) })) : [],
            pushingAccounts: pushers.map(([a, f]) => ({ account: a, base: round(f.base), quote: round(f.quote) })),
            pushInventory: {
              note:
                references.length === 0
                  ? 'base built with their own pushing (taker fills with the move in the push, and each one’s run of them before it, gaps ≤ one horizon): the cost side, not exposure'
                  : 'none: the marked price is read from other venues, a position on this book does not move it',
              since: Number.isFinite(inventorySince) ? iso(inventorySince) : null,
              largest: [...inventoryBy]
                .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
                .slice(0, 5)
                .map(([account, base]) => ({ account, base: round(base) })),
            },
            liquidationsTriggered: {
              source: target.runId ? `run ${target.runId}` : 'observed',
              count: liquidations.length,
              notional: round(liquidated),
              forcedSide: forced,
              transferToPushedSide: round(transfer),
              forcedQuantity: round(forcedQty),
              attribution: attribution
                ? 'by trade id: the account on the other side of each liquidation fill'
                : target.runId
                  ? 'allocated by exposure share: replayed liquidations have no counterparty'
                  : 'allocated by exposure share: no liquidation fill with its other side in the account fills',
              counterparties: attribution
                ? {
                    liquidationFills: counterparties!.liquidationFills,
                    paired: counterparties!.paired,
                    transferToBeneficiary: round(attribution.toBeneficiary),
                    bookedInMarkToMarket: round(attribution.toBeneficiary - attribution.afterPush),
                    transferAfterPush: round(attribution.afterPush),
                    bookedAfterPush: round(attribution.bookedAfterPush),
                    largest: attribution.largest,
                  }
                : null,
              creditedToBeneficiary: round(credited),
              first: liquidations
                .slice(0, 10)
                .map((l) => ({ ts: iso(l.tsUs), side: l.side, account: l.account, ref: l.ref })),
            },
            accountData: fills.length ? 'fills' : 'none: profit unknown',
          },
          profit: {
            priceGain: top ? round(top.profit - recoveredTotal) : null,
            liquidationsBooked: round(credited),
            pushedInventorySoldBack: round(recoveredTotal),
            pushers: [...recovered]
              .filter(([, r]) => r.bought > 0)
              .sort(([a, x], [b, y]) => y.recovered - x.recovered || (a < b ? -1 : 1))
              .slice(0, 5)
              .map(([account, r]) => ({
                account,
                boughtWhilePushing: round(r.bought),
                soldBack: round(r.sold),
                recovered: round(r.recovered),
              })),
            fundingIncome: round(beneficiaryFunding),
            note: "price gain + liquidations' losses booked to the beneficiary + what its accounts got back selling the inventory they pushed with; its funding income is not counted",
          },
          profitExceedsCost: Number.isFinite(cost) && Number.isFinite(profit) ? profit > cost : null,
          reversal: { hours: p.reversalHours, share: round(reversal, 4) },
          beneficiaryExposure: {
            notional: round(exposureNotional),
            volume24h: round(adv),
            toVolume: Number.isFinite(exposureToAdv) ? round(exposureToAdv, 4) : null,
            pushedOnReferences: references.length > 0,
            positionedJustBeforeReferencePush: positionedForReferences,
            closedWithinHorizonAfter: closedAfterPush === null ? null : round(closedAfterPush, 4),
            largestPusher: topPusher,
            largestPusherShare: round(pushedByCluster, 4),
            largestPusherUsualQuote: round(pusherUsualQuote),
            largestPusherShareBeyondUsual: round(pushedBeyondUsual, 4),
            largestPusherClosingShare: round(closingShare, 4),
            tied,
          },
        },
      })
    }
    return drafts
  },
})

/** `cluster`'s voluntary taker fills (quote) in `direction` on `market` over [fromUs, toUs). */
function takerQuote(
  fills: FillColumns,
  market: string,
  fromUs: number,
  toUs: number,
  direction: number,
  cluster: string,
  clusterOf: (account: string) => string,
): number {
  let own = 0
  for (let i = 0; i < fills.length; i++) {
    const t = fills.ts[i]!
    if (t < fromUs || t >= toUs || fills.market[i] !== market) continue
    if (fills.side[i] !== direction || fills.taker[i] === 0 || fills.liquidation[i] !== 0) continue
    if (clusterOf(fills.account[i]!) === cluster) own += fills.qty[i]! * fills.price[i]!
  }
  return own
}

/**
 * The attacker's cost of pushing the venues an oracle reads, per venue (venue-rules §3.2: C(Δ) = Σ_v C_v). Where the
 * store holds account fills on the venue: the beneficiary cluster's own fills in the push's direction inside the push
 * (slippage beyond the venue's start price, plus fees). Where it does not: the realized slippage of the pushing trades
 * attributed to flow beyond the venue's usual rate (readExcessPushSlippage; ordinary traders buying into a pump at
 * their usual rate pay the moved price, they do not pay for the move), forced fills left out. A venue without pushing
 * trades is priced by its trailing liquidity (the larger of the Kyle-λ and Amihud costs of the move). Kyle and Amihud
 * are reported for every venue.
 */
function referenceCost(
  venues: Array<{ market: string; liquidity: Awaited<ReturnType<typeof readTradeBuckets>>; fills: FillColumns }>,
  pushes: Array<{ market: string; p0: number; slippage: number; quote: number; trades: number }>,
  forced: Array<{ slippage: number; quote: number }>,
  usualRate: number[],
  attacker: ReadonlySet<string>,
  fromUs: number,
  toUs: number,
  direction: 1 | -1,
  delta: number,
) {
  const markets = venues.map((v, k) => {
    const realized = Math.max(pushes[k]!.slippage - forced[k]!.slippage, 0)
    const p0 = pushes[k]!.p0
    const li = liquidityBefore(v.liquidity, fromUs)
    const kyle =
      li && li.lambda > 0 && li.t >= 2 ? 0.5 * delta * ((delta / li.lambda) * (delta / li.lambda)) : Number.NaN
    const amihud = li && li.amihud > 0 ? (0.5 * delta * delta) / li.amihud : Number.NaN
    const models = {
      kyleCost: Number.isFinite(kyle) ? round(kyle) : null,
      amihudCost: Number.isFinite(amihud) ? round(amihud) : null,
    }
    if (v.fills.length > 0) {
      let own = 0
      let fills = 0
      for (let i = 0; i < v.fills.length; i++) {
        const t = v.fills.ts[i]!
        if (t < fromUs || t >= toUs || v.fills.side[i] !== direction || !attacker.has(v.fills.account[i]!)) continue
        own += v.fills.qty[i]! * Math.max((v.fills.price[i]! - p0) * direction, 0) + Math.max(v.fills.fee[i]!, 0)
        fills++
      }
      const cost = Number.isFinite(own) ? own : 0
      return {
        market: v.market,
        estimate: 'own fills',
        cost,
        fills,
        realized: round(realized),
        beyond: Number.NaN,
        voluntary: 0,
        ...models,
      }
    }
    // the pushing volume beyond what the venue's usual flow on that side brings over the push's duration
    const usual = usualRate[k]! * (toUs - fromUs)
    const voluntary = Math.max(pushes[k]!.quote - forced[k]!.quote, 0)
    const beyond = Math.max(voluntary - usual, 0)
    if (pushes[k]!.trades > 0) {
      const share = voluntary > 0 ? beyond / voluntary : 0
      return {
        market: v.market,
        estimate: 'flow beyond the usual rate',
        cost: realized * share,
        pushingQuote: round(voluntary),
        usualQuote: round(usual),
        beyondUsualShare: round(share, 4),
        beyond,
        voluntary,
        realized: round(realized),
        ...models,
      }
    }
    const model = Math.max(Number.isFinite(kyle) ? kyle : 0, Number.isFinite(amihud) ? amihud : 0)
    return {
      market: v.market,
      estimate: 'liquidity model',
      cost: model,
      realized: round(realized),
      beyond: 0,
      voluntary: 0,
      ...models,
    }
  })
  const kinds = new Set(markets.map((m) => m.estimate))
  const used = [
    kinds.has('own fills')
      ? "the beneficiary's own pushing fills (slippage and fees) where the venue's fills name it"
      : '',
    kinds.has('flow beyond the usual rate')
      ? "the pushing trades' slippage × the share of their volume beyond the venue's usual flow on that side over the push's duration, where fills do not name the pusher (ordinary flow in the push's direction left out)"
      : '',
    kinds.has('liquidity model') ? 'the larger of the Kyle-λ and Amihud costs of the move where no trade pushed' : '',
  ]
    .filter(Boolean)
    .join('; ')
  // how much of the pushing on the venues whose fills do not name the pusher was beyond their usual flow: a move that
  // brought no more flow than usual was nobody's push (news, drift), whoever happened to be positioned for it
  const unnamed = markets.filter((m) => Number.isFinite(m.beyond))
  const voluntary = unnamed.reduce((a, m) => a + m.voluntary, 0)
  const beyondUsualShare = unnamed.length
    ? voluntary > 0
      ? unnamed.reduce((a, m) => a + m.beyond, 0) / voluntary
      : 0
    : null
  return {
    cost: markets.reduce((a, m) => a + m.cost, 0),
    used: `on the oracle's reference venues: ${used}`,
    beyondUsualShare,
    markets: markets.map(({ beyond: _b, voluntary: _v, ...m }) => ({ ...m, cost: round(m.cost) })),
  }
}

/**
 * The liquidated side's losses (qty × (fill price − p0) in the move's direction) by the account that took the other
 * side of each liquidation fill, when the fills pair them (null when none is paired). A beneficiary's mark-to-market
 * over the push already books the fills it made inside the push at their own prices, so the losses it took there are
 * in its gain; what it took after the push (the liquidations the move triggered later) was valued at p1 and is booked
 * at the fill price instead: qty × (price − p1) in the move's direction.
 */
function liquidationAttribution(
  counterparties: { paired: number; fills: LiquidationCounterpartyFill[] } | null,
  beneficiary: string[],
  p0: number,
  p1: number,
  pushToUs: number,
  direction: 1 | -1,
) {
  if (!counterparties || counterparties.paired === 0) return null
  const mine = new Set(beneficiary)
  const byAccount = new Map<string, number>()
  let toBeneficiary = 0
  let afterPush = 0
  let bookedAfterPush = 0
  for (const f of counterparties.fills) {
    const loss = f.qty * Math.max((f.price - p0) * direction, 0)
    byAccount.set(f.account, (byAccount.get(f.account) ?? 0) + loss)
    if (!mine.has(f.account)) continue
    toBeneficiary += loss
    if (f.tsUs < pushToUs) continue
    afterPush += loss
    bookedAfterPush += f.side * f.qty * (p1 - f.price)
  }
  const largest = [...byAccount]
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
    .slice(0, 5)
    .map(([account, transfer]) => ({ account, transfer: round(transfer), beneficiary: mine.has(account) }))
  return { toBeneficiary, afterPush, bookedAfterPush, largest }
}

/**
 * How much of the move from p0 to p1 the price gave back within `horizonUs` after the peak bucket (0 none, 1 all),
 * over the scope's path and the path read after it.
 */
function reversalOf(
  r: { ts: Float64Array; close: Float64Array },
  after: { ts: Float64Array; close: Float64Array },
  peak: number,
  p0: number,
  p1: number,
  horizonUs: number,
): number {
  const end = r.ts[peak]! + horizonUs
  const move = p1 - p0
  if (move === 0) return 0
  let best = 0
  const look = (ts: Float64Array, close: Float64Array, from: number) => {
    for (let j = from; j < ts.length && ts[j]! <= end; j++) best = Math.max(best, (p1 - close[j]!) / move)
  }
  look(r.ts, r.close, peak + 1)
  look(after.ts, after.close, 0)
  return Math.min(best, 1)
}

/** The trailing liquidity estimates of the last trade bucket before `tUs` (computed over the baseline window). */
function liquidityBefore(b: Awaited<ReturnType<typeof readTradeBuckets>>, tUs: number) {
  // binary search: the first bucket after tUs, minus one (buckets ascend)
  let lo = 0
  let hi = b.ts.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (b.ts[mid]! <= tUs) lo = mid + 1
    else hi = mid
  }
  const k = lo - 1
  if (k < 0) return null
  return {
    lambda: b.kyleLambda[k]!,
    t: b.kyleT[k]!,
    n: b.kyleN[k]!,
    amihud: b.amihud[k]!,
    medianQuote: b.medianQuote[k]!,
  }
}
