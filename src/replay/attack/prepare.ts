// Preparing a cost-of-attack search: validate the request (every problem), resolve the rule set, measure the
// market's liquidity on its trades before the attack time, and plan the replay of the window after it, so bad input
// (unknown pattern, no trades to measure, no stored prices after the time, bad bounds) throws before any run exists.
// A search may be given a rule set already resolved (a sweep's base: its reference is then not resolved again) and
// be replanned under another (a sweep point's) without preparing it again.
import { InvalidInputError } from '../../errors.ts'
import type { DuckStore } from '../../store/duck/open.ts'
import type { MetaClient } from '../../store/meta/client.ts'
import { planReplay } from '../backtest/plan.ts'
import { prepareBacktest, type PreparedBacktest } from '../backtest/prepare.ts'
import type { ResolvedRuleSet } from '../rules/resolve.ts'
import { measureLiquidity, measureReferenceLiquidity, type LiquidityEstimate } from './liquidity.ts'
import { ATTACK_PATTERNS } from './patterns.ts'
import { parseAttackCostRequest, type AttackCostRequest } from './request.ts'

export interface PreparedAttackCost {
  request: AttackCostRequest
  liquidity: LiquidityEstimate
  /** The window [at, at + window) prepared as a backtest of explicit positions (those of the smallest capital). */
  backtest: PreparedBacktest
}

/**
 * The same search under an already-resolved rule set (a sweep point's): the liquidity and the window's data do not
 * depend on the rules, the replay plan (mark method, price streams) is replanned under them (an attack request
 * names no price proxies, so there are none to carry over).
 */
export function attackCostUnder(prepared: PreparedAttackCost, ruleSet: ResolvedRuleSet): PreparedAttackCost {
  const { backtest } = prepared
  return {
    ...prepared,
    backtest: {
      ...backtest,
      ruleSet,
      plan: planReplay(ruleSet.rules, backtest.request, backtest.data),
    },
  }
}

export async function prepareAttackCost(
  deps: { duck: DuckStore; meta: MetaClient },
  input: unknown,
  options: { allowFiles: boolean; ruleSet?: ResolvedRuleSet },
): Promise<PreparedAttackCost> {
  const request = parseAttackCostRequest(input)
  const atUs = request.at.getTime() * 1000
  const own = await measureLiquidity(deps.duck, request.venue, request.market, atUs, request.lookback)
  // a push on the reference venues is priced on their liquidity (the market's own gives the price the legs open at)
  const liquidity =
    ATTACK_PATTERNS[request.pattern].target === 'references'
      ? await measureReferenceLiquidity(deps.duck, request.venue, request.market, atUs, request.lookback, own)
      : own
  const to = new Date(request.at.getTime() + request.window * 1000)
  let backtest: PreparedBacktest
  try {
    backtest = await prepareBacktest(
      deps,
      {
        ruleSet: request.ruleSet,
        venue: request.venue,
        markets: [request.market],
        from: request.at,
        to,
        positions: 'explicit',
        // a placeholder of the right shape: each step of the search brings its own positions
        explicitPositions: { accounts: [{ id: 'attacker', positions: [] }] },
        seed: request.seed,
        resolutionSeconds: request.resolutionSeconds,
        mode: 'isolated',
      },
      options,
    )
  } catch (error) {
    // no prices in the window: the time is outside what the store holds for the market
    if (error instanceof InvalidInputError && error.problems.some((p) => p.path === 'markets')) {
      throw new InvalidInputError('invalid attack-cost request', [
        {
          path: 'at',
          received: request.at.toISOString(),
          expected: `a time with stored prices of ${request.venue}/${request.market} in the ${request.window / 3600} h after it (${error.problems.map((p) => p.expected).join('; ')})`,
        },
      ])
    }
    throw error
  }
  return { request, liquidity, backtest }
}
