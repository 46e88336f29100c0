// Withdrawal to maintenance (venue-rules §2.1 Hyperliquid ETH whale): a withdrawal (or transfer out) that leaves an
// account's large position within a small adverse move of its maintenance requirement, the position large against
// the market's recent volume. Positions and cash are rebuilt from the account's fills and ledger (average entry,
// realised PnL, fees), valued at the venue's mark (else oracle, else last trade), and the maintenance requirement is
// the rule set's (src/replay/margin: brackets with maintenance amounts), by default the venue's preset in force on
// the window's start date.
import { z } from 'zod'
import type { RuleSet } from '../replay/rules/schema.ts'
import { presets } from '../replay/rules/presets/index.ts'
import { resolveRuleSet } from '../replay/rules/resolve.ts'
import { bracketAt, compileTier } from '../replay/margin/brackets.ts'
import { initialRate, maintenanceRate } from '../replay/margin/requirement.ts'
import { tierFor } from '../replay/margin/positionRisk.ts'
import {
  accountLiquidations,
  priceAt,
  readFills,
  readLedger,
  tradedNotional,
  type LedgerRow,
} from '../store/detect/accounts.ts'
import { HOUR_US, iso, round } from './common.ts'
import { defineDetector, gap, type DetectionDraft } from './detector.ts'
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
  // scenarios model on-chain venues with account data (the ETH whale was on Hyperliquid)
  synthetic: 'hyperliquid',
}

export const withdrawalToMaintenanceParams = z.strictObject({
  /** Rule set (preset, stored rule set or JSON file) for the maintenance requirement; default: the venue's preset. */
  rules: z.string().min(1).optional(),
  /** Flag when after the withdrawal an adverse move of at most this fraction reaches maintenance. */
  maxLiquidationDistance: z.number().gt(0).default(0.03),
  /** … and the withdrawal is at least this share of the equity before it … */
  minWithdrawalShare: z.number().gt(0).max(1).default(0.1),
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

interface Position {
  qty: number
  entry: number
}

export const withdrawalToMaintenance = defineDetector<WithdrawalToMaintenanceParams>({
  id: 'withdrawal-to-maintenance',
  version: '1.0.0',
  label: 'Withdrawal to maintenance',
  params: withdrawalToMaintenanceParams,
  usesRunOutputs: true,
  requirements(data, target, p) {
    const out = []
    if (!data.ledger.outflows)
      out.push(gap(target, 'ledger', 'withdrawals or transfers out (ledger rows with delta_quote < 0)', null))
    if (!data.market.fills) out.push(gap(target, 'fills', 'account fills of the market (positions)'))
    if (!p.rules && !DEFAULT_RULES[target.venue])
      out.push(gap(target, 'rules', `a rule set: no default preset for venue ${target.venue}; pass params rules`))
    return out
  },
  async detect(stores, target, p) {
    const rules: RuleSet = p.rules
      ? (await resolveRuleSet(p.rules, { meta: stores.meta, allowFiles: true })).rules
      : presetInForce(DEFAULT_RULES[target.venue]!, iso(target.fromUs).slice(0, 10))
    const ruleRef = p.rules ?? `${rules.name}@${rules.effective.from}`
    const outflows = (
      await readLedger(stores.duck, target.venue, {
        fromUs: target.fromUs,
        toUs: target.toUs,
        kinds: ['withdrawal', 'transfer'],
      })
    ).filter((r) => r.delta < 0)
    const accounts = [...new Set(outflows.map((r) => r.account))].sort()
    if (!accounts.length) return []
    const fills = await readFills(stores.duck, target.venue, { accounts, toUs: target.toUs })
    const ledger = await readLedger(stores.duck, target.venue, { accounts, toUs: target.toUs })
    const staleUs = Math.round(p.staleHours * HOUR_US)
    const priceCache = new Map<string, { price: number; source: string } | null>()
    const mark = async (market: string, t: number) => {
      const key = `${market}\n${t}`
      if (!priceCache.has(key)) priceCache.set(key, await priceAt(stores.duck, target.venue, market, t, staleUs))
      return priceCache.get(key)!
    }
    const drafts: DetectionDraft[] = []
    for (const account of accounts) {
      const positions = new Map<string, Position>()
      let cash = 0
      let f = 0
      const rows = ledger.filter((r) => r.account === account)
      const applyFillsUntil = (t: number, inclusive: boolean) => {
        for (; f < fills.length && (fills.ts[f]! < t || (inclusive && fills.ts[f]! === t)); f++) {
          if (fills.account[f] !== account) continue
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
      for (const row of rows) {
        applyFillsUntil(row.tsUs, true)
        const inWindow =
          row.tsUs >= target.fromUs && row.delta < 0 && (row.kind === 'withdrawal' || row.kind === 'transfer')
        if (!inWindow) {
          cash += row.delta
          continue
        }
        const draft = await evaluate(stores, target, p, rules, ruleRef, account, row, positions, cash, mark)
        cash += row.delta
        if (draft) drafts.push(draft)
      }
    }
    return drafts
  },
})

async function evaluate(
  stores: Parameters<typeof withdrawalToMaintenance.detect>[0],
  target: Parameters<typeof withdrawalToMaintenance.detect>[1],
  p: WithdrawalToMaintenanceParams,
  rules: RuleSet,
  ruleRef: string,
  account: string,
  row: LedgerRow,
  positions: Map<string, Position>,
  cash: number,
  mark: (market: string, t: number) => Promise<{ price: number; source: string } | null>,
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
    const m = await mark(market, row.tsUs)
    if (!m) return null
    const notional = Math.abs(pos.qty) * m.price
    const tier = compileTier(tierFor(rules, market))
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
  const volume = await tradedNotional(stores.duck, target.venue, largest.market, row.tsUs - 24 * HOUR_US, row.tsUs)
  const positionToAdv = volume.notional > 0 ? largest.notional / volume.notional : Number.POSITIVE_INFINITY
  const material = equityBefore > 0 && withdrawn >= p.minWithdrawalShare * equityBefore
  if (!(distanceAfter <= p.maxLiquidationDistance) || !material || !(positionToAdv >= p.minPositionToAdv)) return null
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
    score: p.maxLiquidationDistance - distanceAfter,
    severity: severityOf(level),
    estimatedProfitQuote: Math.min(withdrawn, Math.max(upnl, 0)),
    evidence: {
      statistic: 'adverse move to maintenance after the withdrawal: (equity − maintenance) / position notional',
      rules: ruleRef,
      rulesVersion: rules.effective.from,
      thresholds: {
        maxLiquidationDistance: p.maxLiquidationDistance,
        minWithdrawalShare: p.minWithdrawalShare,
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
      volume24h: round(volume.notional),
      volumeSource: volume.source,
      liquidatedAfter: liquidated.map((l) => ({ ts: iso(l.tsUs), market: l.market, source: l.source })),
    },
  }
}
