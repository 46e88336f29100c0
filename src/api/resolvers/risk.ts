// Query.positionRisk: the risk calculator over a preset or stored rule set.
import { InvalidInputError, type InputProblem } from '../../errors.ts'
import { positionRisk as calculate, type RiskPosition } from '../../replay/margin/positionRisk.ts'
import { resolveRuleSet } from '../../replay/rules/resolve.ts'
import type { PositionInput, QueryResolvers } from '../generated/resolvers-types.ts'

/** Decimal strings to numbers (prices and sizes are binary64 in the engine), with every problem listed. */
function toRiskPosition(p: PositionInput): RiskPosition {
  const problems: InputProblem[] = []
  const num = (name: string, v: string | null | undefined, positive = false): number | undefined => {
    if (v === null || v === undefined) return undefined
    const n = Number(v)
    // a Decimal of 400 digits is Infinity as a number: refused here, not deep in the calculator
    if (!Number.isFinite(n))
      problems.push({ path: `position.${name}`, received: v, expected: 'a number within ±1.8e308' })
    else if (positive && !(n > 0))
      problems.push({ path: `position.${name}`, received: v, expected: 'a positive number' })
    return n
  }
  const out: RiskPosition = {
    market: p.market,
    side: p.side,
    qty: num('qty', p.qty, true) ?? 0,
    entry: num('entry', p.entry, true) ?? 0,
    wallet: num('wallet', p.wallet),
    leverage: p.leverage ?? undefined,
    mode: p.mode ?? undefined,
    mark: num('mark', p.mark, true),
    openInterestNotional: num('openInterestNotional', p.openInterestNotional),
    otherMaintenance: num('otherMaintenance', p.otherMaintenance),
    otherUnrealizedPnl: num('otherUnrealizedPnl', p.otherUnrealizedPnl),
    contractValue: num('contractValue', p.contractValue, true),
    priceTick: num('priceTick', p.priceTick, true),
  }
  if (p.leverage !== null && p.leverage !== undefined && !(p.leverage > 0)) {
    problems.push({ path: 'position.leverage', received: p.leverage, expected: 'a positive leverage' })
  }
  if (out.wallet === undefined && out.leverage === undefined) {
    problems.push({ path: 'position.wallet', received: null, expected: 'the margin / wallet balance, or leverage' })
  }
  if (problems.length) throw new InvalidInputError('invalid position', problems)
  return out
}

export const positionRisk: QueryResolvers['positionRisk'] = async (_parent, { ruleSet, position }, { runtime }) => {
  const input = toRiskPosition(position)
  const resolved = await resolveRuleSet(ruleSet, { meta: runtime.meta })
  const r = calculate(resolved.rules, input)
  const approx = (d: string | null) => (d === null ? null : Number(d))
  return {
    ...r,
    ruleSetName: resolved.rules.name,
    ruleSetHash: resolved.hash,
    initialMarginApprox: Number(r.initialMargin),
    maintenanceMarginApprox: Number(r.maintenanceMargin),
    liquidationRequirementApprox: Number(r.liquidationRequirement),
    equityApprox: Number(r.equity),
    marginRatio: Number.isFinite(r.marginRatio) ? r.marginRatio : null,
    liquidationFee: r.liquidationFeeAtLiquidation,
    liquidationFeeApprox: approx(r.liquidationFeeAtLiquidation),
  }
}
