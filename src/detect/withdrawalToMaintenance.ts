// Withdrawal to maintenance (venue-rules §2.1 Hyperliquid ETH whale): a withdrawal (or transfer out) that leaves an
// account's large position at its withdrawable limit — equity no more than the initial margin, which at the maximum
// leverage of Hyperliquid-style rules is 2 × maintenance, so a 1 / (2 × leverage) adverse move liquidates it — or
// within a small adverse move of maintenance, the position large against the market's recent volume. A withdrawal
// split into pieces is judged whole: its share counts what the account took out over the day before it. Positions and
// cash are rebuilt from the account's fills and ledger (average entry, realised PnL, fees), valued at the venue's
// mark (else oracle, else last trade) in force at the withdrawal (its last price at or before it). Maintenance and
// initial margin come from the rule set's brackets (src/replay/margin): the `rules` parameter, else the venue's preset
// in force on the window's start date; the synthetic venue's markets use its published leverage table
// (src/domain/syntheticVenue.ts).
import { z } from 'zod'
import { SCENARIO_VENUE } from '../domain/scenario.ts'
import { syntheticMaintenanceRate, syntheticMaxLeverage } from '../domain/syntheticVenue.ts'
import type { RuleSet, Tier } from '../replay/rules/schema.ts'
import { presets } from '../replay/rules/presets/index.ts'
import { resolveRuleSet } from '../replay/rules/resolve.ts'
import { bracketAt, compileTier, type CompiledTier } from '../replay/margin/brackets.ts'
import { initialRate, maintenanceRate } from '../replay/margin/requirement.ts'
import { tierFor } from '../replay/margin/positionRisk.ts'
import { accountLiquidations, readFills, readLedger, type LedgerRow } from '../store/detect/accounts.ts'
import { listPriceSeries, readSeriesAt } from '../store/detect/priceSeries.ts'
import { choosePriceSeries, HOUR_US, iso, round } from './common.ts'
import { defineDetector, gap, type DetectionDraft } from './detector.ts'
import { indexByAccount } from './positions.ts'
import { marketFills, marketVolume, mergeFills } from './sharedReads.ts'
import { severityOf, type Level } from './severity.ts'

/** The preset a venue's accounts are margined with when no rule set is given. */
export const DEFAULT_RULES: Record<string, string> = {
  'binance-um': 'binance-um',
  bybit: 'bybit',
  okx: 'okx',
  bitmex: 'bitmex',
  dydx: 'dydx-v4',
  hyperliquid: 'hyperliquid',
  drift: 'drift',
  gmx: 'gmx-v2',
}

export const withdrawalToMaintenanceParams = z.strictObject({
  /** Rule set (preset, stored rule set or JSON file) for the maintenance requirement; default: the venue's preset. */
  rules: z.string().min(1).optional(),
  /** Flag when after the withdrawal equity is at most this multiple of the initial margin (the withdrawable limit) … */
  maxInitialMarginMultiple: z.number().gt(0).default(1.1),
  /** … or an adverse move of at most this fraction of the position reaches maintenance. */
  maxLiquidationDistance: z.number().gt(0).default(0.01),
  /**
   * … and the withdrawal is at least this share of the equity before it — with what the account took out over the
   * `withdrawalSpanHours` before it: one decision split into pieces is judged whole …
   */
  minWithdrawalShare: z.number().gt(0).max(1).default(0.1),
  /** The span before a withdrawal whose withdrawals and transfers out count with it. */
  withdrawalSpanHours: z
    .number()
    .gt(0)
    .max(24 * 7)
    .default(24),
  /** … and the largest position is at least this share of the market's traded notional over the last 24 h. */
  minPositionToAdv: z.number().gt(0).default(0.1),
  /** Critical when the position is at least this multiple of that volume. */
  criticalPositionToAdv: z.number().gt(0).default(1),
  /** A liquidation of the account this soon after the withdrawal makes it critical. */
  liquidationHorizonHours: z.number().gt(0).default(24),
  /** Prices older than this are not used to value a position. */
  staleHours: z.number().gt(0).default(24),
})
export type WithdrawalToMaintenanceParams = z.output<typeof withdrawalToMaintenanceParams>

/** The venue preset in force on `day`, or its earliest version for days before any (a documented approximation). */
function presetInForce(name: string, day: string): RuleSet {
  const versions = presets.filter((x) => x.rules.name === name)
  const inForce = versions.filter((x) => x.rules.effective.from <= day)
  return (inForce.length ? inForce[inForce.length - 1]! : versions[0]!).rules
}

interface MarginModel {
  /** What the evidence names: a rule set ref with its version, or the synthetic venue's table. */
  ref: string
  tierOf(market: string): CompiledTier
}

async function marginModel(
  stores: Parameters<typeof withdrawalToMaintenance.detect>[0],
  venue: string,
  ref: string | undefined,
  day: string,
): Promise<MarginModel> {
  if (!ref && venue === SCENARIO_VENUE) {
    const tiers = new Map<string, CompiledTier>()
    return {
      ref: 'synthetic venue: MMR = 0.5 / max leverage (src/domain/syntheticVenue.ts)',
      tierOf(market) {
        if (!tiers.has(market)) {
          const maxLeverage = syntheticMaxLeverage(market)
          const tier: Tier = {
            brackets: [{ notionalFloor: 0, maxLeverage, mmr: syntheticMaintenanceRate(market), imr: 1 / maxLeverage }],
            oiScaledInitial: null,
            sizePremium: null,
          }
          tiers.set(market, compileTier(tier))
        }
        return tiers.get(market)!
      },
    }
  }
  const rules: RuleSet = ref
    ? (await resolveRuleSet(ref, { meta: stores.meta, allowFiles: stores.allowRuleSetFiles === true })).rules
    : presetInForce(DEFAULT_RULES[venue]!, day)
  const tiers = new Map<string, CompiledTier>()
  return {
    ref: ref ? `${ref} (${rules.name}@${rules.effective.from})` : `${rules.name}@${rules.effective.from}`,
    tierOf(market) {
      if (!tiers.has(market)) tiers.set(market, compileTier(tierFor(rules, market)))
      return tiers.get(market)!
    },
  }
}

interface Position {
  qty: number
  entry: number
}

export const withdrawalToMaintenance = defineDetector<WithdrawalToMaintenanceParams>({
  id: 'withdrawal-to-maintenance',
  version: '1.3.0',
  label: 'Withdrawal to maintenance',
  params: withdrawalToMaintenanceParams,
  usesRunOutputs: true,
  async checkParams(stores, p) {
    if (!p.rules) return []
    try {
      await resolveRuleSet(p.rules, { meta: stores.meta, allowFiles: stores.allowRuleSetFiles === true })
      return []
    } catch (error) {
      return [
        {
          path: 'params.withdrawal-to-maintenance.rules',
          received: p.rules,
          expected: `a rule set (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`,
        },
      ]
    }
  },
  requirements(data, target, p) {
    const out = []
    if (!data.ledger.outflows)
      out.push(gap(target, 'ledger', 'withdrawals or transfers out (ledger rows with delta_quote < 0)', null))
    if (!data.market.fillsToDate)
      out.push(gap(target, 'fills', 'account fills of the market up to the window’s end (positions)'))
    if (!p.rules && !DEFAULT_RULES[target.venue] && target.venue !== SCENARIO_VENUE)
      out.push(gap(target, 'rules', `a rule set: no default preset for venue ${target.venue}; pass params rules`))
    return out
  },
  async detect(stores, target, p) {
    const margin = await marginModel(stores, target.venue, p.rules, iso(target.fromUs).slice(0, 10))
    const outflows = (
      await readLedger(stores.duck, target.venue, {
        fromUs: target.fromUs,
        toUs: target.toUs,
        kinds: ['withdrawal', 'transfer'],
      })
    ).filter((r) => r.delta < 0)
    const accounts = [...new Set(outflows.map((r) => r.account))].sort()
    if (!accounts.length) return []
    // their fills: this market's from the execution's shared read, the other markets' read here
    const wanted = new Set(accounts)
    const own = await marketFills(stores, target.venue, target.market, null, target.toUs)
    const elsewhere = await readFills(stores.duck, target.venue, {
      accounts,
      exceptMarket: target.market,
      toUs: target.toUs,
    })
    const fills = mergeFills(own, (i) => wanted.has(own.account[i]!), elsewhere)
    const ledger = await readLedger(stores.duck, target.venue, { accounts, toUs: target.toUs })
    const staleUs = Math.round(p.staleHours * HOUR_US)
    // per market, the mark (else oracle, else bars) in force at each withdrawal — the last price at or before it, not
    // a minute's close, which runs a minute stale while a collapse is under way (mango 1701: 7 % rich, 6 M of equity)
    // — and one hourly volume
    const firstOut = outflows[0]!.tsUs
    const times = outflows.map((r) => r.tsUs)
    const marks = new Map<string, { label: string; at: Map<number, { price: number; atUs: number }> } | null>()
    const volumes = new Map<string, { ts: Float64Array; quote: Float64Array }>()
    for (const market of [...new Set(fills.market)].sort()) {
      const from = firstOut - staleUs
      const series = await listPriceSeries(stores.duck, target.venue, market, from, target.toUs)
      const chosen = choosePriceSeries(series, target.venue, ['mark', 'oracle', 'bars', 'index'])
      marks.set(
        market,
        chosen
          ? {
              label: chosen.label,
              at: await readSeriesAt(stores.duck, target.venue, market, chosen.key, times, from, target.toUs),
            }
          : null,
      )
      volumes.set(
        market,
        await marketVolume(stores, target.venue, market, firstOut - 24 * HOUR_US, target.toUs, HOUR_US),
      )
    }
    const mark = (market: string, t: number) => {
      const series = marks.get(market)
      const m = series?.at.get(t)
      return series && m && t - m.atUs <= staleUs ? { price: m.price, source: series.label } : null
    }
    const volume24h = (market: string, t: number) => {
      const v = volumes.get(market)
      let sum = 0
      if (v)
        for (let i = 0; i < v.ts.length; i++)
          if (v.ts[i]! >= t - 24 * HOUR_US && v.ts[i]! + HOUR_US <= t) sum += v.quote[i]!
      return sum
    }
    const drafts: DetectionDraft[] = []
    const fillsOf = indexByAccount(fills)
    const ledgerOf = new Map<string, LedgerRow[]>()
    for (const row of ledger) {
      const list = ledgerOf.get(row.account)
      if (list) list.push(row)
      else ledgerOf.set(row.account, [row])
    }
    for (const account of accounts) {
      const positions = new Map<string, Position>()
      let cash = 0
      let k = 0
      const mine = fillsOf.get(account) ?? []
      const rows = ledgerOf.get(account) ?? []
      const applyFillsUntil = (t: number, inclusive: boolean) => {
        for (; k < mine.length && (fills.ts[mine[k]!]! < t || (inclusive && fills.ts[mine[k]!]! === t)); k++) {
          const f = mine[k]!
          cash -= fills.fee[f]!
          const pos = positions.get(fills.market[f]!) ?? { qty: 0, entry: 0 }
          const q = fills.side[f]! * fills.qty[f]!
          const price = fills.price[f]!
          if (pos.qty === 0 || Math.sign(pos.qty) === Math.sign(q)) {
            pos.entry = (Math.abs(pos.qty) * pos.entry + Math.abs(q) * price) / (Math.abs(pos.qty) + Math.abs(q))
            pos.qty += q
          } else {
            const closed = Math.min(Math.abs(q), Math.abs(pos.qty))
            cash += closed * (price - pos.entry) * Math.sign(pos.qty)
            const rest = pos.qty + q
            if (Math.sign(rest) !== Math.sign(pos.qty) && rest !== 0) pos.entry = price
            pos.qty = Math.abs(rest) < 1e-12 ? 0 : rest
          }
          positions.set(fills.market[f]!, pos)
        }
      }
      const spanUs = Math.round(p.withdrawalSpanHours * HOUR_US)
      for (const [i, row] of rows.entries()) {
        applyFillsUntil(row.tsUs, true)
        const inWindow = row.tsUs >= target.fromUs && takesOut(row)
        if (!inWindow) {
          cash += row.delta
          continue
        }
        // what the account took out over the span before this row (this row excluded); deposits do not offset it:
        // the whale funds its account hours before taking the profit out
        let earlier = 0
        for (let j = i - 1; j >= 0 && rows[j]!.tsUs > row.tsUs - spanUs; j--)
          if (takesOut(rows[j]!)) earlier -= rows[j]!.delta
        const draft = await evaluate(stores, target, p, margin, account, row, earlier, positions, cash, mark, volume24h)
        cash += row.delta
        if (draft) drafts.push(draft)
      }
    }
    return drafts
  },
})

/** A withdrawal or a transfer out of the account. */
const takesOut = (row: LedgerRow) => row.delta < 0 && (row.kind === 'withdrawal' || row.kind === 'transfer')

async function evaluate(
  stores: Parameters<typeof withdrawalToMaintenance.detect>[0],
  target: Parameters<typeof withdrawalToMaintenance.detect>[1],
  p: WithdrawalToMaintenanceParams,
  margin: MarginModel,
  account: string,
  row: LedgerRow,
  /** Withdrawn and transferred out over the span before `row`. */
  earlierWithdrawn: number,
  positions: Map<string, Position>,
  cash: number,
  mark: (market: string, t: number) => { price: number; source: string } | null,
  volume24h: (market: string, t: number) => number,
): Promise<DetectionDraft | null> {
  const open = [...positions].filter(([, pos]) => pos.qty !== 0)
  if (!open.length) return null
  let upnl = 0
  let maintenance = 0
  let initial = 0
  let gross = 0
  const valued: Array<{ market: string; qty: number; entry: number; mark: number; source: string; notional: number }> =
    []
  for (const [market, pos] of open) {
    const m = mark(market, row.tsUs)
    if (!m) return null
    const notional = Math.abs(pos.qty) * m.price
    const tier = margin.tierOf(market)
    const b = bracketAt(tier, notional)
    maintenance += notional * maintenanceRate(tier, b, Math.abs(pos.qty)) - tier.cum[b]!
    initial += notional * initialRate(tier, b, Math.abs(pos.qty))
    upnl += pos.qty * (m.price - pos.entry)
    gross += notional
    valued.push({ market, qty: pos.qty, entry: pos.entry, mark: m.price, source: m.source, notional })
  }
  valued.sort((a, b) => b.notional - a.notional || (a.market < b.market ? -1 : 1))
  const largest = valued[0]!
  // each withdrawal is reported once: on the market of the account's largest position
  if (largest.market !== target.market) return null
  const equityBefore = cash + upnl
  const equityAfter = equityBefore + row.delta
  const withdrawn = -row.delta
  const distanceBefore = (equityBefore - maintenance) / gross
  const distanceAfter = (equityAfter - maintenance) / gross
  const volume = volume24h(largest.market, row.tsUs)
  // no volume in the 24 h before (the data starts after them, or the store holds no trades nor bars there) says
  // nothing about the position's size against the market: unknown, not infinitely large (calm-volatile 1803: an
  // ordinary withdrawal 26 minutes after the data begins was called critical on that)
  const positionToAdv = volume > 0 ? largest.notional / volume : Number.NaN
  // the pieces of one withdrawal are judged together: what left over the span against the equity before all of it
  const withdrawnInSpan = withdrawn + earlierWithdrawn
  const material = equityBefore > 0 && withdrawnInSpan >= p.minWithdrawalShare * (equityBefore + earlierWithdrawn)
  const atLimit = equityAfter <= p.maxInitialMarginMultiple * initial || distanceAfter <= p.maxLiquidationDistance
  if (!atLimit || !material || !(positionToAdv >= p.minPositionToAdv)) return null
  const liquidated = await accountLiquidations(
    stores.duck,
    target.venue,
    account,
    row.tsUs,
    row.tsUs + Math.round(p.liquidationHorizonHours * HOUR_US),
    target.runId,
  )
  let level: Level = 2
  if (distanceAfter <= 0 || positionToAdv >= p.criticalPositionToAdv || liquidated.length) level = 3
  return {
    windowFromUs: row.tsUs,
    windowToUs: liquidated.length ? liquidated[0]!.tsUs + 1 : row.tsUs + 1,
    accounts: [account],
    score: equityAfter > 0 ? initial / equityAfter : 100,
    severity: severityOf(level),
    estimatedProfitQuote: Math.min(withdrawnInSpan, Math.max(upnl, 0)),
    evidence: {
      statistic:
        'equity after the withdrawal / initial margin (score), and the adverse move to maintenance: (equity − maintenance) / notional',
      margin: margin.ref,
      thresholds: {
        maxInitialMarginMultiple: p.maxInitialMarginMultiple,
        maxLiquidationDistance: p.maxLiquidationDistance,
        minWithdrawalShare: p.minWithdrawalShare,
        withdrawalSpanHours: p.withdrawalSpanHours,
        minPositionToAdv: p.minPositionToAdv,
        criticalPositionToAdv: p.criticalPositionToAdv,
      },
      withdrawal: {
        ts: iso(row.tsUs),
        kind: row.kind,
        amount: row.deltaText,
        txId: row.txId,
        counterparty: row.counterparty,
      },
      withdrawnInSpan: round(withdrawnInSpan),
      equityBefore: round(equityBefore),
      equityAfter: round(equityAfter),
      unrealizedPnl: round(upnl),
      maintenance: round(maintenance),
      initialMargin: round(initial),
      marginRatioAfter: maintenance > 0 ? round(equityAfter / maintenance, 4) : null,
      distanceBefore: round(distanceBefore, 5),
      distanceAfter: round(distanceAfter, 5),
      positions: valued.map((v) => ({
        market: v.market,
        base: round(v.qty),
        entry: round(v.entry),
        mark: round(v.mark),
        priceSource: v.source,
        notional: round(v.notional),
      })),
      positionToAdv: Number.isFinite(positionToAdv) ? round(positionToAdv, 4) : null,
      volume24h: round(volume),
      volumeNote: 'quote volume of the 24 whole hours before the withdrawal (trades, else bars)',
      liquidatedAfter: liquidated.map((l) => ({ ts: iso(l.tsUs), market: l.market, source: l.source })),
    },
  }
}
