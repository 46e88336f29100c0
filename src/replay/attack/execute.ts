// The cost-of-attack search: the window after the attack time is read from DuckDB once; each step replays it through
// the real kernel (on this thread, yielding to the event loop) with the attacker's accounts of that capital opened at
// the first mark and the push laid over the prices, and keeps only the summary and the attacker's own rows. Capital
// doubles from the minimum until the rule set breaks (a deficit, or bad debt), then bisects down to the precision.
// The document depends on nothing but the inputs (no clock, no run id), so the same request gives the same bytes.
import type { DuckStore } from '../../store/duck/open.ts'
import { readReplayFeed } from '../../store/market/replayFeed.ts'
import type { ResultBatch } from '../../store/results/backtestResults.ts'
import { kernelSpec } from '../backtest/execute.ts'
import { KernelSession } from '../host/session.ts'
import type { EventBatch } from '../kernel/events.ts'
import { formatMicros, MICROS_PER_UNIT, toMicros } from '../money.ts'
import { parseExplicitPositions } from '../positions/explicit.ts'
import { ATTACK_PATTERNS, planAttack, type AttackPlan } from './patterns.ts'
import type { PreparedAttackCost } from './prepare.ts'
import { PUSH_DELAY_S, PUSH_HOLD_S, PUSH_RAMP_S, PUSH_UNWIND_S, withPush, type PushSchedule } from './push.ts'

/** Steps the search may take at most (doubling from 1,000 to 4·10^9 is 23, bisection to 2% about 6 more). */
export const MAX_STEPS = 48
const FLUSH_ROWS = 2_048
const YIELD_AFTER_MS = 20

export interface AttackStep {
  step: number
  phase: 'grow' | 'bisect'
  capital: string
  broke: boolean
  /** Shortfall of every liquidation (before the fund and the rest of the waterfall), and what none of it covered. */
  deficit: string
  badDebt: string
  liquidations: number
  victimLiquidated: boolean
  /** The attacker's hedge leg was deleveraged (ADL): its gain is then less than the profit figure assumes. */
  hedgeDeleveraged: boolean
  pushLogMove: number
  pushCapped: boolean
  profit: string
}

export interface AttackCostDocument {
  attack: {
    pattern: string
    description: string
    ruleSet: string
    ruleSetHash: string
    venue: string
    market: string
    at: string
    window: string
    seed: number
    breaks: 'deficit' | 'badDebt'
    bounds: { minCapital: string; maxCapital: string; precision: number }
    schedule: { delaySeconds: number; rampSeconds: number; holdSeconds: number; unwindSeconds: number }
  }
  liquidity: PreparedAttackCost['liquidity'] & { drives: 'amihud' }
  /** The smallest capital found that breaks the rule set (within the precision), or null (none up to maxCapital). */
  costOfAttack: string | null
  /** The attacker's profit at that capital (negative: the attack breaks the rule set but loses money). */
  profitAtCost: string | null
  /** True when even minCapital breaks it: the cost is at most minCapital. */
  atMinimum: boolean
  /** The plan at the cost: legs (sizes, margins), push, withdrawal. */
  plan: Omit<AttackPlan, 'positions'> | null
  statement: string
  steps: AttackStep[]
}

export interface AttackCostProgress {
  step: number
  capital: number
  phase: 'reading' | 'grow' | 'bisect'
  /** Events of the window replayed in this step, and the window's (0 while it is read). */
  events: number
  totalEvents: number
}

export class AttackCostCancelled extends Error {
  constructor() {
    super('the cost-of-attack search was cancelled')
    this.name = 'AttackCostCancelled'
  }
}

const money = (x: number) => formatMicros(toMicros(x, 'attack amount'))

/** The attacker's profit: the hedge's gain at the push's peak, less the victim's loss, the push's cost and fees. */
function profitOf(plan: AttackPlan, price: number, takerFeeRate: number, victimLiquidated: boolean): number {
  const victim = plan.legs[0]!
  const hedge = plan.legs[1]!
  const peak = Math.exp(plan.push.direction * plan.push.logMove)
  const gain = hedge.qty * price * Math.abs(peak - 1)
  const victimLoss = victimLiquidated ? victim.margin : Math.min(victim.margin, victim.qty * price * Math.abs(peak - 1))
  // linear impact: buying the push pays m/2 on average over the price before it, selling it back as much again
  const pushCost = plan.push.capital * plan.push.logMove
  const fees = takerFeeRate * (victim.notional + 2 * hedge.notional)
  return gain - victimLoss - pushCost - fees
}

export async function executeAttackCost(
  deps: { duck: DuckStore },
  prepared: PreparedAttackCost,
  options: { signal?: AbortSignal; onProgress?: (p: AttackCostProgress) => void } = {},
): Promise<{ document: AttackCostDocument; timings: { totalMs: number; readMs: number; events: number } }> {
  const started = performance.now()
  const { request, liquidity, backtest } = prepared
  const rules = backtest.ruleSet.rules
  const stop = () => {
    if (options.signal?.aborted) throw new AttackCostCancelled()
  }
  const fromUs = request.at.getTime() * 1000
  const toUs = fromUs + request.window * 1e6
  options.onProgress?.({ step: 0, capital: 0, phase: 'reading', events: 0, totalEvents: 0 })
  const batches: EventBatch[] = []
  let events = 0
  for await (const batch of readReplayFeed(deps.duck, { ...backtest.plan.feed, fromUs, toUs, reuseBatches: false })) {
    stop()
    batches.push(batch)
    events += batch.length
  }
  const readMs = performance.now() - started
  const schedule = (plan: AttackPlan): PushSchedule => ({
    market: 0,
    target: plan.push.target,
    startUs: fromUs + PUSH_DELAY_S * 1e6,
    direction: plan.push.direction,
    logMove: plan.push.logMove,
  })
  const context = { rules, market: request.market, price: liquidity.lastPrice, illiquidity: liquidity.amihud }

  const steps: AttackStep[] = []
  const plans = new Map<number, AttackPlan>()
  const evaluate = async (capital: number, phase: 'grow' | 'bisect'): Promise<AttackStep> => {
    stop()
    const step = steps.length + 1
    options.onProgress?.({ step, capital, phase, events: 0, totalEvents: events })
    const plan = planAttack(request.pattern, capital, context)
    plans.set(capital, plan)
    const explicit = parseExplicitPositions(plan.positions, [request.market])
    const spec = kernelSpec({ ...backtest, explicit }, FLUSH_ROWS)
    let victimLiquidated = false
    let hedgeDeleveraged = false
    const session = new KernelSession(spec, (out: ResultBatch) => {
      // the victim is account 0, the hedge account 1 (the order of the positions document)
      const liq = out.liquidations.num.account!
      for (let i = 0; i < out.liquidations.length; i++) if (liq[i] === 0) victimLiquidated = true
      const adl = out.adl.num.account!
      for (let i = 0; i < out.adl.length; i++) if (adl[i] === 1) hedgeDeleveraged = true
      return Promise.resolve()
    })
    let busy = 0
    const between = async (ms: number) => {
      busy += ms
      if (busy > YIELD_AFTER_MS) {
        busy = 0
        await new Promise<void>((resolve) => setImmediate(resolve))
      }
      stop()
    }
    session.start()
    const push = schedule(plan)
    let replayed = 0
    for (const batch of batches) {
      await session.process(withPush(batch, push), between)
      replayed += batch.length
      options.onProgress?.({ step, capital, phase, events: replayed, totalEvents: events })
    }
    const { summary } = await session.finish()
    const broke = request.breaks === 'deficit' ? summary.totalShortfall !== '0' : summary.totalBadDebt !== '0'
    const result: AttackStep = {
      step,
      phase,
      capital: money(capital),
      broke,
      deficit: summary.totalShortfall,
      badDebt: summary.totalBadDebt,
      liquidations: summary.liquidations,
      victimLiquidated,
      hedgeDeleveraged,
      pushLogMove: plan.push.logMove,
      pushCapped: plan.push.capped,
      profit: money(profitOf(plan, liquidity.lastPrice, rules.fees.takerFeeRate, victimLiquidated)),
    }
    steps.push(result)
    return result
  }

  // capitals are kept to whole micro-units of the quote, so the steps print exactly what was tried
  const micro = (x: number) => Math.round(x * MICROS_PER_UNIT) / MICROS_PER_UNIT
  let lo: number | null = null
  let hi: number | null = null
  for (let capital = request.minCapital; steps.length < MAX_STEPS; capital = micro(capital * 2)) {
    const c = Math.min(capital, request.maxCapital)
    if ((await evaluate(c, 'grow')).broke) {
      hi = c
      break
    }
    lo = c
    if (c >= request.maxCapital) break
  }
  if (hi !== null && lo !== null) {
    while (steps.length < MAX_STEPS && (hi - lo) / hi > request.precision) {
      const mid = micro((lo + hi) / 2)
      if (mid <= lo || mid >= hi) break
      if ((await evaluate(mid, 'bisect')).broke) hi = mid
      else lo = mid
    }
  }
  const at = hi === null ? null : steps.find((s) => s.capital === money(hi))!
  const plan = hi === null ? null : plans.get(hi)!
  const pattern = ATTACK_PATTERNS[request.pattern]
  const what = request.breaks === 'deficit' ? 'a deficit' : 'bad debt'
  const statement =
    hi === null
      ? `no capital up to ${money(request.maxCapital)} produces ${what} under ${backtest.ruleSet.ref}`
      : lo === null
        ? `even the smallest capital tried, ${money(hi)}, produces ${what}: the cost of attack is at most that`
        : `${money(hi)} of capital produces ${what} under ${backtest.ruleSet.ref} (${money(lo)} does not); the attacker's profit there is ${at!.profit}`
  const document: AttackCostDocument = {
    attack: {
      pattern: request.pattern,
      description: pattern.description,
      ruleSet: backtest.ruleSet.ref,
      ruleSetHash: backtest.ruleSet.hash,
      venue: request.venue,
      market: request.market,
      at: request.at.toISOString(),
      window: `${request.at.toISOString()}/${new Date(toUs / 1000).toISOString()}`,
      seed: request.seed,
      breaks: request.breaks,
      bounds: {
        minCapital: money(request.minCapital),
        maxCapital: money(request.maxCapital),
        precision: request.precision,
      },
      schedule: {
        delaySeconds: PUSH_DELAY_S,
        rampSeconds: PUSH_RAMP_S,
        holdSeconds: PUSH_HOLD_S,
        unwindSeconds: PUSH_UNWIND_S,
      },
    },
    liquidity: { ...liquidity, drives: 'amihud' },
    costOfAttack: hi === null ? null : money(hi),
    profitAtCost: at ? at.profit : null,
    atMinimum: hi !== null && lo === null,
    plan: plan ? { capital: plan.capital, legs: plan.legs, push: plan.push, withdrawn: plan.withdrawn } : null,
    statement,
    steps,
  }
  return { document, timings: { totalMs: performance.now() - started, readMs, events } }
}
