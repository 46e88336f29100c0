// Maintenance requirement, liquidation and bankruptcy prices of a linear position, shared by the calculator and
// the kernel. Every trigger of venue-rules §1.0 reduces to equity(P) < A + B·P (see triggerParams).
import type { RuleSet } from '../rules/schema.ts'
import { bracketAt, type CompiledTier } from './brackets.ts'
import { sizePremiumRatio } from './sizePremium.ts'

/** How the requirement is formed, from the rule set's trigger and margin blocks. */
export interface TriggerParams {
  /** Maintenance on entry value (Bybit isolated [Y1], GMX sizeInUsd [G1]) instead of mark value. */
  entryBased: boolean
  /** Liquidation fee counted in the requirement (OKX [O1], GMX close costs [G1]); 0 otherwise. */
  feeRate: number
  /** Floor added to the requirement, in quote (GMX MIN_COLLATERAL_USD [G1]). */
  minCollateral: number
  /** Liquidate at equality too (OKX margin ratio ≤ 100% [O1]). */
  inclusive: boolean
}

export function triggerParams(rules: RuleSet, liquidationFeeRate: number): TriggerParams {
  return {
    entryBased: rules.margin.maintenanceBase === 'entry',
    feeRate: rules.trigger.includeLiquidationFee ? liquidationFeeRate : 0,
    minCollateral: Number(rules.trigger.minCollateral),
    inclusive: rules.trigger.inclusive,
  }
}

/** Maintenance rate of bracket `b` for a position of `qty` base units, with Drift's size premium [R3]. */
export function maintenanceRate(tier: CompiledTier, b: number, qty: number): number {
  const base = tier.mmr[b]!
  return tier.imfFactor === 0 ? base : sizePremiumRatio(base, qty, tier.imfFactor, tier.imfScale)
}

/** Initial rate of bracket `b`, with the size premium [R3]. */
export function initialRate(tier: CompiledTier, b: number, qty: number): number {
  const base = tier.imr[b]!
  return tier.imfFactor === 0 ? base : sizePremiumRatio(base, qty, tier.imfFactor, tier.imfScale)
}

/**
 * Maintenance requirement at price P: notional·MMR − cum [B5][B6] on the mark notional (or the entry notional),
 * plus the liquidation fee on the mark notional when the trigger counts it, plus a fixed floor.
 */
export function requirementAt(tier: CompiledTier, p: TriggerParams, qty: number, entry: number, price: number): number {
  const notional = p.entryBased ? qty * entry : qty * price
  const b = bracketAt(tier, notional)
  return notional * maintenanceRate(tier, b, qty) - tier.cum[b]! + qty * price * p.feeRate + p.minCollateral
}

/** equity < requirement (or ≤ when inclusive). */
export function isLiquidatable(p: TriggerParams, equity: number, requirement: number): boolean {
  return p.inclusive ? equity <= requirement : equity < requirement
}

/**
 * Price at which equity C + s·q·(P − E) meets `scale`·requirement(P), where requirement(P) = A + B·P.
 * Solving gives P = (A − C + s·q·E) / (s·q − B); for Binance's one-way isolated case this is
 * (WB + cum − s·q·E) / (q·MMR − s·q) [B1]. The bracket is the one at the resulting notional: when it differs from
 * the bracket at entry the price is recomputed with it, until stable [B2]. `scale` < 1 gives the backstop price
 * (Hyperliquid ⅔·MM [H1]). A long that can never reach it gets a price ≤ 0, one that is always past it +Infinity;
 * a short that is always past it gets −Infinity.
 */
export function liquidationPrice(
  tier: CompiledTier,
  p: TriggerParams,
  side: number,
  qty: number,
  entry: number,
  collateral: number,
  scale = 1,
): number {
  const sq = side * qty
  let b = bracketAt(tier, qty * entry)
  let conservative = side > 0 ? -Infinity : Infinity
  for (let iter = 0; iter <= tier.floors.length; iter++) {
    const m = maintenanceRate(tier, b, qty)
    const cum = tier.cum[b]!
    const a = p.entryBased ? (qty * entry * m - cum + p.minCollateral) * scale : (p.minCollateral - cum) * scale
    const slope = p.entryBased ? qty * p.feeRate * scale : qty * (m + p.feeRate) * scale
    const denom = sq - slope
    // Requirement growing at least as fast as equity: a long is liquidatable at every price.
    if (side > 0 && denom <= 0) return Infinity
    const price = (a - collateral + sq * entry) / denom
    // A short's equity falls as the price rises: no positive solution means it is liquidatable at every price.
    if (side < 0 && !(price > 0)) return -Infinity
    if (p.entryBased) return price
    conservative = side > 0 ? Math.max(conservative, price) : Math.min(conservative, price)
    const next = bracketAt(tier, qty * Math.max(price, 0))
    if (next === b) return price
    b = next
  }
  // The bracket kept flipping at a boundary: keep the earliest trigger seen.
  return conservative
}

/** Bracket used at the liquidation price (for reporting the [B2] switch). */
export function bracketAtPrice(
  tier: CompiledTier,
  p: TriggerParams,
  qty: number,
  entry: number,
  price: number,
): number {
  return bracketAt(tier, p.entryBased ? qty * entry : qty * Math.max(price, 0))
}

/**
 * Bankruptcy price: equity C + s·q·(P − E) is zero, E − s·C/q; with `feeRate` the closing fee at that price is
 * reserved too (Bybit [Y2][Y7]).
 */
export function bankruptcyPrice(side: number, qty: number, entry: number, collateral: number, feeRate = 0): number {
  return (side * qty * entry - collateral) / (qty * (side - feeRate))
}
