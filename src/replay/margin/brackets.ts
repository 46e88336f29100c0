// Notional brackets: the maintenance-amount recursion [B2] and bracket lookup, compiled into typed arrays.
import { Decimal } from 'decimal.js'
import type { Bracket, Tier } from '../rules/schema.ts'

/**
 * Maintenance amounts ("cum") per bracket: cum_n = floor_n·(MMR_n − MMR_{n−1}) + cum_{n−1}, cum_0 = 0 [B2].
 * Computed in decimal from the rates as written, so 50,000 × (0.5% − 0.4%) is exactly 50 (V7).
 */
export function maintenanceAmounts(brackets: ReadonlyArray<Pick<Bracket, 'notionalFloor' | 'mmr'>>): number[] {
  const out: number[] = []
  let cum = new Decimal(0)
  brackets.forEach((b, i) => {
    if (i > 0) {
      const prev = brackets[i - 1]!
      cum = cum.plus(new Decimal(b.notionalFloor).times(new Decimal(b.mmr).minus(prev.mmr)))
    }
    out.push(cum.toNumber())
  })
  return out
}

/** A tier's brackets as parallel arrays, for the hot path. */
export interface CompiledTier {
  floors: Float64Array
  mmr: Float64Array
  imr: Float64Array
  cum: Float64Array
  maxLeverage: Float64Array
  /** dYdX OI-scaled IMF caps (upper 0 = disabled) [D1]. */
  oiLowerCap: number
  oiUpperCap: number
  /** Drift size premium factor (0 = none) and its scale [R3]. */
  imfFactor: number
  imfScale: number
}

export function compileTier(tier: Tier): CompiledTier {
  const n = tier.brackets.length
  const cum = maintenanceAmounts(tier.brackets)
  const out: CompiledTier = {
    floors: new Float64Array(n),
    mmr: new Float64Array(n),
    imr: new Float64Array(n),
    cum: Float64Array.from(cum),
    maxLeverage: new Float64Array(n),
    oiLowerCap: tier.oiScaledInitial?.lowerCapNotional ?? 0,
    oiUpperCap: tier.oiScaledInitial?.upperCapNotional ?? 0,
    imfFactor: tier.sizePremium?.imfFactor ?? 0,
    imfScale: tier.sizePremium?.scale ?? 1,
  }
  tier.brackets.forEach((b, i) => {
    out.floors[i] = b.notionalFloor
    out.mmr[i] = b.mmr
    out.imr[i] = b.imr ?? 1 / b.maxLeverage
    out.maxLeverage[i] = b.maxLeverage
  })
  return out
}

/** Index of the bracket holding `notional`: the last one whose floor is ≤ notional (most positions sit low). */
export function bracketAt(tier: CompiledTier, notional: number): number {
  const floors = tier.floors
  const last = floors.length - 1
  let i = 0
  while (i < last && floors[i + 1]! <= notional) i++
  return i
}

/** Maintenance margin of a notional: notional·MMR − cum of its bracket [B5][B6]. */
export function maintenanceMargin(tier: CompiledTier, notional: number): number {
  const b = bracketAt(tier, notional)
  return notional * tier.mmr[b]! - tier.cum[b]!
}
