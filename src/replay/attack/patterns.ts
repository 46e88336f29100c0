// Attack patterns for the cost-of-attack search, each a recipe that turns one figure — the attacker's capital — into
// the accounts and positions it opens (explicit positions the kernel replays like any other) and the price push its
// remaining capital buys on the market's measured liquidity. Modelled on the scenario library's attacks
// (src/ingest/scenarios: mango / JELLY self-trade pumps, the ETH whale's withdrawal).
import { compileTier, maintenanceMargin, type CompiledTier } from '../margin/brackets.ts'
import { requiredInitialRate } from '../margin/leverageLimit.ts'
import { liquidationFeeRate, tierFor } from '../margin/positionRisk.ts'
import type { ExplicitPositionsInput } from '../positions/explicit.ts'
import type { RuleSet } from '../rules/schema.ts'

/** The attacker's accounts: the victim leg (the one meant to go bankrupt) first, so its account index is 0. */
export const VICTIM_ACCOUNT = 'attacker-victim'
export const HEDGE_ACCOUNT = 'attacker-hedge'

/**
 * Sizes are taken this much below what the margin allows at the last trade before the attack, so the first mark
 * (a little off that trade) never makes the venue refuse the leverage.
 */
const SIZE_CUSHION = 0.999
/** Margin left after a withdrawal: this much above maintenance plus the liquidation fee (the venue's floor). */
const WITHDRAWAL_CUSHION = 1.05
/** Largest log move a push is allowed (×e^2.3 ≈ ×10): beyond it the linear impact estimate means nothing. */
export const MAX_LOG_MOVE = Math.log(10)

export interface AttackContext {
  rules: RuleSet
  market: string
  /** The market's last trade price before the attack. */
  price: number
  /** Log-return per quote unit of one-sided volume (the Amihud estimate; see liquidity.ts). */
  illiquidity: number
}

/** What the push moves: the market's own prices (every kind), or only its reference prices (index and oracle). */
export type PushTarget = 'market' | 'references'

export interface AttackLeg {
  account: string
  role: 'victim' | 'hedge'
  side: 'long' | 'short'
  qty: number
  notional: number
  /** Isolated margin posted at opening (quote). */
  marginPosted: number
  /** Margin the leg keeps in the replay (after a withdrawal, less than posted). */
  margin: number
}

export interface AttackPlan {
  capital: number
  legs: AttackLeg[]
  push: {
    target: PushTarget
    /** +1 the price is pushed up, −1 down. */
    direction: 1 | -1
    /** Capital spent on the push (quote). */
    capital: number
    /** Log move it causes at its peak (illiquidity × capital, capped at MAX_LOG_MOVE). */
    logMove: number
    capped: boolean
  }
  /** Margin withdrawn after opening (withdrawal pattern): it returns to the attacker. */
  withdrawn: number
  positions: ExplicitPositionsInput
}

export interface AttackPattern {
  description: string
  /** Share of the capital spent on the push; the rest is split equally between the two legs' margin. */
  pushShare: number
  /** Direction of the push; the victim leg is on the side the push hurts. */
  direction: 1 | -1
  target: PushTarget
  /** The victim's margin after opening, from what it posted (withdrawal: down to maintenance). */
  marginLeft(tier: CompiledTier, rules: RuleSet, market: string, leg: { notional: number; posted: number }): number
}

const margin6 = (x: number) => (Math.floor(x * 1e6) / 1e6).toFixed(6)

export const ATTACK_PATTERNS = {
  'thin-market-push': {
    description:
      'linked opposite accounts (long and short the same size at the largest leverage allowed) and a push of the mark up on the market; the short is meant to go bankrupt, the long to keep the gain (Mango, JELLY)',
    pushShare: 0.5,
    direction: 1,
    target: 'market',
    marginLeft: (_tier, _rules, _market, leg) => leg.posted,
  },
  'withdrawal-to-maintenance': {
    description:
      'a large long at the largest leverage allowed withdraws its margin down to maintenance (plus the liquidation fee, ×1.05), hedged by a linked short; a small push down then liquidates it on its own size (the ETH whale)',
    pushShare: 0.2,
    direction: -1,
    target: 'market',
    marginLeft: (tier, rules, market, leg) =>
      Math.min(
        leg.posted,
        (maintenanceMargin(tier, leg.notional) + liquidationFeeRate(rules, market) * leg.notional) * WITHDRAWAL_CUSHION,
      ),
  },
  'oracle-reference-push': {
    description:
      "linked opposite accounts as in thin-market-push, but the push buys the oracle's reference venues (markets named MARKET@SOURCE) up, not the market itself: the index and oracle move, the market's own trades do not (GMX AVAX, Mango's spot venues)",
    pushShare: 0.5,
    direction: 1,
    target: 'references',
    marginLeft: (_tier, _rules, _market, leg) => leg.posted,
  },
} as const satisfies Record<string, AttackPattern>

export type AttackPatternId = keyof typeof ATTACK_PATTERNS

/** The largest notional whose initial margin at `price` is at most `margin` (the brackets raise the rate with size). */
export function notionalForMargin(tier: CompiledTier, price: number, margin: number): number {
  const cost = (n: number) => n * requiredInitialRate(tier, n / price, n)
  let lo = 0
  let hi = margin / requiredInitialRate(tier, 0, 0)
  if (cost(hi) <= margin) return hi
  for (let i = 0; i < 80 && hi - lo > hi * 1e-12; i++) {
    const mid = (lo + hi) / 2
    if (cost(mid) <= margin) lo = mid
    else hi = mid
  }
  return lo
}

/** What `capital` buys under a pattern: the legs, the push and the explicit positions document. */
export function planAttack(id: AttackPatternId, capital: number, context: AttackContext): AttackPlan {
  const pattern: AttackPattern = ATTACK_PATTERNS[id]
  const { rules, market, price, illiquidity } = context
  const tier = compileTier(tierFor(rules, market))
  const pushCapital = capital * pattern.pushShare
  const posted = (capital - pushCapital) / 2
  const notional = notionalForMargin(tier, price, posted) * SIZE_CUSHION
  const qty = notional / price
  const left = pattern.marginLeft(tier, rules, market, { notional, posted })
  const victimSide = pattern.direction > 0 ? 'short' : 'long'
  const hedgeSide = victimSide === 'short' ? 'long' : 'short'
  const legs: AttackLeg[] = [
    { account: VICTIM_ACCOUNT, role: 'victim', side: victimSide, qty, notional, marginPosted: posted, margin: left },
    { account: HEDGE_ACCOUNT, role: 'hedge', side: hedgeSide, qty, notional, marginPosted: posted, margin: posted },
  ]
  const raw = illiquidity * pushCapital
  return {
    capital,
    legs,
    push: {
      target: pattern.target,
      direction: pattern.direction,
      capital: pushCapital,
      logMove: Math.min(raw, MAX_LOG_MOVE),
      capped: raw > MAX_LOG_MOVE,
    },
    withdrawn: posted - left,
    positions: {
      accounts: legs.map((l) => ({
        id: l.account,
        mode: 'isolated' as const,
        positions: [{ market, side: l.side, qty: l.qty, margin: margin6(l.margin) }],
      })),
    },
  }
}
