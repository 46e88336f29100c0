// Contract type of each market (linear or inverse, with its contract value), and what the replay engine can settle.
import type { InputProblem } from '../../errors.ts'
import type { RuleSet } from './schema.ts'

export interface MarketContract {
  type: 'linear' | 'inverse'
  /** Quote value of one contract (inverse); 1 for linear markets, whose size is in base. */
  contractValue: number
}

/** The contract of `market` under the rule set: its own entry in `contract.markets`, else the rule set's type. */
export function contractOf(rules: RuleSet, market: string): MarketContract {
  const own = rules.contract.markets?.[market]
  const type = own?.type ?? rules.contract.type
  return { type, contractValue: type === 'inverse' ? (own?.contractValue ?? rules.contract.contractValue ?? 1) : 1 }
}

/** What the run's money is counted in: the quote, or the settlement coin of its inverse markets. */
export function settlementUnitOf(rules: RuleSet, markets: readonly string[]): string {
  const inverse = markets.some((m) => contractOf(rules, m).type === 'inverse')
  return inverse ? (rules.contract.settlementAsset ?? 'base coin') : 'quote'
}

/**
 * Why the replay engine cannot settle these markets together under the rule set (empty when it can):
 * - linear and inverse markets in one run: wallets (one cross account), the insurance fund and the fee pool of a
 *   run hold one unit, and a rule set has no price to convert quote into coin;
 * - an inverse market whose tier is not an inverse bracket (one bracket, no OI scaling, no size premium): the engine
 *   holds an inverse position as a linear one in 1/price, whose bracket notional is its coin value, so a ladder of
 *   quote-notional floors would put positions in other brackets than the venue (and the calculator) does.
 */
export function replayContractProblems(rules: RuleSet, markets: readonly string[], path = 'ruleSet'): InputProblem[] {
  const problems: InputProblem[] = []
  const types = markets.map((m) => contractOf(rules, m).type)
  const inverse = markets.filter((_, i) => types[i] === 'inverse')
  const linear = markets.filter((_, i) => types[i] === 'linear')
  if (inverse.length && linear.length) {
    problems.push({
      path: 'markets',
      received: markets.map((m, i) => `${m} (${types[i]})`).join(', '),
      expected:
        `markets of one contract type under ${rules.name}: inverse ${inverse.join(', ')} settle in ` +
        `${rules.contract.settlementAsset ?? 'their base coin'} and linear ${linear.join(', ')} in quote, and one ` +
        'account (cross margin), the insurance fund and the fee pool cannot hold both without a conversion the ' +
        'rule set does not define; replay them in separate runs',
    })
  }
  for (const m of inverse) {
    const own = rules.margin.markets[m]
    const tier = own ?? rules.margin.default
    const at = own ? `${path}.margin.markets.${m}` : `${path}.margin.default`
    const extras = [
      tier.brackets.length > 1 ? `${tier.brackets.length} brackets` : null,
      tier.oiScaledInitial ? 'oiScaledInitial' : null,
      tier.sizePremium ? 'sizePremium' : null,
    ].filter((x): x is string => x !== null)
    if (extras.length) {
      problems.push({
        path: at,
        received: extras.join(', '),
        expected:
          `inverse brackets for inverse market ${m}: one bracket (its mmr and imr apply to the position's coin ` +
          'value) without oiScaledInitial or sizePremium; the replay engine has no bracket ladder for inverse ' +
          'contracts (the risk calculator, `backstop risk`, does)',
      })
    }
  }
  return problems
}
