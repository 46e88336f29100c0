// The risk calculator: initial and maintenance margin, liquidation and bankruptcy prices of one position under a
// rule set — the numbers a trader sees on the venue (CLI `backstop risk`, GraphQL `positionRisk`).
import { formatMicros, toMicros } from '../money.ts'
import type { RuleSet } from '../rules/schema.ts'
import { bracketAt, compileTier, type CompiledTier } from './brackets.ts'
import { adjustedBankruptcyRating, fillablePrice } from './fillable.ts'
import { contractOf } from '../rules/contract.ts'
import { inverseBankruptcyPrice, inverseLiquidationPrice } from './inverse.ts'
import { leverageWarning, requiredInitialRate } from './leverageLimit.ts'
import {
  bankruptcyPrice,
  bracketAtPrice,
  isLiquidatable,
  liquidationPrice,
  maintenanceRate,
  requirementAt,
  triggerParams,
} from './requirement.ts'

export interface RiskPosition {
  market: string
  side: 'long' | 'short'
  /** Base units (linear) or contracts (inverse). */
  qty: number
  entry: number
  /** Isolated: the margin of the position (defaults to the initial margin at `leverage`). Cross: the wallet. */
  wallet?: number
  /** Leverage the trader chose: initial margin = notional / leverage (defaults to the bracket's maximum). */
  leverage?: number
  mode?: 'isolated' | 'cross'
  /** Price to evaluate margin at (defaults to the entry). */
  mark?: number
  /** Market open interest in quote, for OI-scaled initial margin [D1]. */
  openInterestNotional?: number
  /** Cross: maintenance margin and unrealized PnL of the account's other positions (TMM1, UPNL1 [B1]). */
  otherMaintenance?: number
  otherUnrealizedPnl?: number
  /** Inverse: quote value of one contract (1 for BTCUSD). */
  contractValue?: number
  /** Round the liquidation price to this tick, towards the position (venues display it that way). */
  priceTick?: number
}

export interface BracketInfo {
  index: number
  notionalFloor: number
  maxLeverage: number
  mmr: number
  imr: number
  maintenanceAmount: number
}

export interface RiskResult {
  market: string
  side: 'long' | 'short'
  mode: 'isolated' | 'cross'
  contract: 'linear' | 'inverse'
  /** Amounts are in quote (linear) or base (inverse), rounded to micro-units. */
  settlementUnit: 'quote' | 'base'
  qty: number
  entry: number
  mark: number
  notional: number
  leverage: number
  bracket: BracketInfo
  /** 1 / chosen leverage, or the rule's rate when no leverage is given. */
  initialMarginRate: number
  /** The rule's minimum initial rate (bracket IMR, OI-scaled [D1], size premium [R3]). */
  requiredInitialMarginRate: number
  initialMargin: string
  maintenanceMarginRate: number
  maintenanceMargin: string
  /** Maintenance plus whatever the trigger adds (liquidation fee, minimum collateral). */
  liquidationRequirement: string
  equity: string
  /** liquidationRequirement / equity: at or above 1 the position is liquidatable. */
  marginRatio: number
  liquidatable: boolean
  liquidationPrice: number | null
  liquidationBracket: BracketInfo | null
  /** The bracket at the liquidation price differs from the one at entry, and the price was recomputed with it [B2]. */
  bracketSwitched: boolean
  bankruptcyPrice: number | null
  liquidationFeeAtLiquidation: string | null
  /** dYdX liquidation-order limit at the mark [D2], when the rule set uses it. */
  fillablePrice: number | null
  adjustedBankruptcyRating: number | null
  warnings: string[]
}

export function tierFor(rules: RuleSet, market: string) {
  return rules.margin.markets[market] ?? rules.margin.default
}

export function liquidationFeeRate(rules: RuleSet, market: string): number {
  return rules.fees.marketRates[market] ?? rules.fees.liquidationFeeRate
}

function bracketInfo(tier: CompiledTier, b: number): BracketInfo {
  return {
    index: b,
    notionalFloor: tier.floors[b]!,
    maxLeverage: tier.maxLeverage[b]!,
    mmr: tier.mmr[b]!,
    imr: tier.imr[b]!,
    maintenanceAmount: tier.cum[b]!,
  }
}

const money = (x: number) => formatMicros(toMicros(x))

function roundToTick(price: number, tick: number | undefined, side: number): number {
  if (!tick || !Number.isFinite(price)) return price
  const steps = price / tick
  // Long liquidation prices round up and short ones down: the displayed price is never past the real one.
  const rounded = side > 0 ? Math.ceil(steps - 1e-9) : Math.floor(steps + 1e-9)
  return Number((rounded * tick).toFixed(12))
}

export function positionRisk(rules: RuleSet, position: RiskPosition): RiskResult {
  const tier = compileTier(tierFor(rules, position.market))
  const feeRate = liquidationFeeRate(rules, position.market)
  const params = triggerParams(rules, feeRate)
  const side = position.side === 'long' ? 1 : -1
  const { qty, entry } = position
  const mark = position.mark ?? entry
  const mode = position.mode ?? rules.margin.mode
  const warnings: string[] = []
  const contract = contractOf(rules, position.market)
  const inverse = contract.type === 'inverse'
  const contractValue = position.contractValue ?? contract.contractValue
  // Notional in the settlement unit: quote for linear, base (Q/E) for inverse
  const entryValue = inverse ? (qty * contractValue) / entry : qty * entry
  const sizeNotional = inverse ? qty * contractValue : entryValue
  const b = bracketAt(tier, sizeNotional)
  const required = requiredInitialRate(tier, qty, sizeNotional, position.openInterestNotional)
  const tooHigh = position.leverage !== undefined ? leverageWarning(position.leverage, required) : null
  if (tooHigh) warnings.push(tooHigh)
  const imr = position.leverage !== undefined ? 1 / position.leverage : required
  const wallet = position.wallet ?? entryValue * imr
  const collateral =
    mode === 'cross' ? wallet - (position.otherMaintenance ?? 0) + (position.otherUnrealizedPnl ?? 0) : wallet
  if (inverse)
    return inverseRisk(
      rules,
      { ...position, contractValue },
      tier,
      params,
      side,
      mark,
      mode,
      collateral,
      imr,
      required,
      warnings,
    )

  const notional = entryValue
  const mmr = maintenanceRate(tier, b, qty)
  const markNotional = params.entryBased ? notional : qty * mark
  const mb = bracketAt(tier, markNotional)
  const maintenance = markNotional * maintenanceRate(tier, mb, qty) - tier.cum[mb]!
  const requirement = requirementAt(tier, params, qty, entry, mark)
  const equity = collateral + side * qty * (mark - entry)
  const leverage = notional / collateral
  const rawLp = liquidationPrice(tier, params, side, qty, entry, collateral)
  const lp = Number.isFinite(rawLp) && rawLp > 0 ? roundToTick(rawLp, position.priceTick, side) : null
  if (lp === null)
    warnings.push(
      side > 0
        ? 'the position cannot be liquidated at any positive price'
        : 'the position is liquidatable at any price',
    )
  const lb = lp === null ? null : bracketAtPrice(tier, params, qty, entry, rawLp)
  const bp = bankruptcyPrice(side, qty, entry, collateral, rules.trigger.includeLiquidationFee ? feeRate : 0)
  let fp: number | null = null
  let abr: number | null = null
  const fillable = rules.execution.fillable
  if (rules.execution.kind === 'fillablePrice' && fillable) {
    const tmmr = maintenance + (mode === 'cross' ? (position.otherMaintenance ?? 0) : 0)
    const tnc = equity + (mode === 'cross' ? (position.otherMaintenance ?? 0) : 0)
    abr = adjustedBankruptcyRating(tnc, tmmr, fillable.bankruptcyAdjustment)
    fp = fillablePrice({
      tnc,
      tmmr,
      pnnv: side * qty * mark,
      pmmr: maintenance,
      size: side * qty,
      bankruptcyAdjustment: fillable.bankruptcyAdjustment,
      spreadToMaintenanceMultiplier: fillable.spreadToMaintenanceMultiplier,
    })
  }
  return {
    market: position.market,
    side: position.side,
    mode,
    contract: 'linear',
    settlementUnit: 'quote',
    qty,
    entry,
    mark,
    notional,
    leverage,
    bracket: bracketInfo(tier, b),
    initialMarginRate: imr,
    requiredInitialMarginRate: required,
    initialMargin: money(notional * imr),
    maintenanceMarginRate: mmr,
    maintenanceMargin: money(maintenance),
    liquidationRequirement: money(requirement),
    equity: money(equity),
    marginRatio: equity > 0 ? requirement / equity : Infinity,
    liquidatable: isLiquidatable(params, equity, requirement),
    liquidationPrice: lp,
    liquidationBracket: lb === null ? null : bracketInfo(tier, lb),
    bracketSwitched: lb !== null && lb !== b,
    bankruptcyPrice: bp > 0 && Number.isFinite(bp) ? bp : null,
    liquidationFeeAtLiquidation: lp === null ? null : money(qty * rawLp * feeRate),
    fillablePrice: fp,
    adjustedBankruptcyRating: abr,
    warnings,
  }
}

/** Coin-margined contracts: amounts in base, value Q/P with Q = contracts × contract value [Y1][Y2][Y4]. */
function inverseRisk(
  rules: RuleSet,
  position: RiskPosition,
  tier: CompiledTier,
  params: ReturnType<typeof triggerParams>,
  side: number,
  mark: number,
  mode: 'isolated' | 'cross',
  collateral: number,
  imr: number,
  required: number,
  warnings: string[],
): RiskResult {
  const { entry } = position
  const q = position.qty * (position.contractValue ?? 1)
  const b = bracketAt(tier, q)
  const mmr = maintenanceRate(tier, b, q)
  const valueAt = (p: number) => q / p
  const maintenance = (params.entryBased ? valueAt(entry) : valueAt(mark)) * mmr
  const feeRate = params.feeRate
  const bp = inverseBankruptcyPrice(side, q, entry, collateral, feeRate)
  const feeReserve = feeRate > 0 ? (q * feeRate) / bp : 0
  const requirement = maintenance + feeReserve
  const equity = collateral + side * q * (1 / entry - 1 / mark)
  const rawLp = inverseLiquidationPrice(side, q, entry, collateral, mmr, params.entryBased, feeReserve)
  const lp = Number.isFinite(rawLp) && rawLp > 0 ? roundToTick(rawLp, position.priceTick, side) : null
  const leverage = valueAt(entry) / collateral
  return {
    market: position.market,
    side: position.side,
    mode,
    contract: 'inverse',
    settlementUnit: 'base',
    qty: position.qty,
    entry,
    mark,
    notional: q,
    leverage,
    bracket: bracketInfo(tier, b),
    initialMarginRate: imr,
    requiredInitialMarginRate: required,
    initialMargin: money(valueAt(entry) * imr),
    maintenanceMarginRate: mmr,
    maintenanceMargin: money(maintenance),
    liquidationRequirement: money(requirement),
    equity: money(equity),
    marginRatio: equity > 0 ? requirement / equity : Infinity,
    liquidatable: isLiquidatable(params, equity, requirement),
    liquidationPrice: lp,
    liquidationBracket: lp === null ? null : bracketInfo(tier, b),
    bracketSwitched: false,
    bankruptcyPrice: bp > 0 && Number.isFinite(bp) ? bp : null,
    // the fee charged at liquidation is the rule set's rate whether or not the trigger counts it (as for linear)
    liquidationFeeAtLiquidation: lp === null ? null : money((q / rawLp) * liquidationFeeRate(rules, position.market)),
    fillablePrice: null,
    adjustedBankruptcyRating: null,
    warnings,
  }
}
