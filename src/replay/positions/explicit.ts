// Explicit positions (scenarios, what-ifs) from a JSON document or GraphQL input, validated and opened in the kernel.
import { z } from 'zod'
import { InvalidInputError } from '../../errors.ts'
import type { ReplayKernel } from '../kernel/engine.ts'
import { compileTier } from '../margin/brackets.ts'
import { leverageWarning, requiredInitialRate } from '../margin/leverageLimit.ts'
import { tierFor } from '../margin/positionRisk.ts'
import { parseMicros, toMicros } from '../money.ts'
import { contractOf } from '../rules/contract.ts'
import { amount, type RuleSet } from '../rules/schema.ts'
import { problemsOf } from '../rules/validate.ts'

const position = z
  .strictObject({
    market: z.string().min(1).max(100),
    side: z.enum(['long', 'short']),
    qty: z.number().gt(0),
    /** Entry price; omitted: the market's first mark in the window. */
    entry: z.number().gt(0).optional(),
    /** Isolated margin (quote). */
    margin: amount.optional(),
    /** Isolated margin = notional / leverage when margin is omitted. */
    leverage: z.number().gt(0).max(1000).optional(),
  })
  .superRefine((p, ctx) => {
    if (p.margin !== undefined && p.leverage !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['leverage'],
        input: p.leverage,
        message: 'either margin or leverage, not both',
      })
    }
  })

export const explicitPositionsSchema = z.strictObject({
  accounts: z
    .array(
      z.strictObject({
        id: z.string().min(1).max(200),
        mode: z.enum(['isolated', 'cross']).optional(),
        /** Cross: the collateral. Isolated: where margin and PnL return. */
        wallet: amount.default('0'),
        positions: z.array(position).default([]),
      }),
    )
    .min(1),
})

export type ExplicitPositions = z.output<typeof explicitPositionsSchema>
export type ExplicitPositionsInput = z.input<typeof explicitPositionsSchema>

/**
 * Validates the document against the run's markets and, given the rule set, against what the venue would accept:
 * an isolated position with an entry whose leverage (given, or notional / margin) is above its bracket's maximum,
 * or a cross account whose wallet is below the initial margin of its positions with an entry, is refused with the
 * calculator's warning. Positions without an entry are checked at the first mark (a run warning). Every problem is
 * reported.
 */
export function parseExplicitPositions(
  document: unknown,
  markets: readonly string[],
  rules?: RuleSet,
  defaultMode?: 'isolated' | 'cross',
): ExplicitPositions {
  const parsed = explicitPositionsSchema.safeParse(document, { reportInput: true })
  const problems = parsed.success ? [] : problemsOf(parsed.error, 'positions')
  if (parsed.success) {
    const ids = new Set<string>()
    parsed.data.accounts.forEach((a, i) => {
      if (ids.has(a.id))
        problems.push({ path: `positions.accounts[${i}].id`, received: a.id, expected: 'a unique account id' })
      ids.add(a.id)
      const seen = new Set<string>()
      a.positions.forEach((p, j) => {
        const path = `positions.accounts[${i}].positions[${j}]`
        if (!markets.includes(p.market))
          problems.push({
            path: `${path}.market`,
            received: p.market,
            expected: `one of the run's markets (${markets.join(', ')})`,
          })
        if (seen.has(p.market))
          problems.push({
            path: `${path}.market`,
            received: p.market,
            expected: 'one position per market per account (net mode)',
          })
        seen.add(p.market)
        if ((a.mode ?? 'isolated') === 'isolated' && p.margin === undefined && p.leverage === undefined) {
          problems.push({
            path: `${path}.margin`,
            received: undefined,
            expected: 'margin or leverage for an isolated position',
          })
        }
      })
      if (rules) problems.push(...venueRefusals(rules, a, i, a.mode ?? defaultMode ?? rules.margin.mode))
    })
  }
  if (problems.length) throw new InvalidInputError('invalid explicit positions', problems)
  return parsed.data!
}

/** What the venue would refuse to open in one account of the document (positions with an entry only). */
function venueRefusals(
  rules: RuleSet,
  account: ExplicitPositions['accounts'][number],
  i: number,
  mode: 'isolated' | 'cross',
): Array<{ path: string; received: unknown; expected: string }> {
  const problems: Array<{ path: string; received: unknown; expected: string }> = []
  let initialMargin = 0
  account.positions.forEach((p, j) => {
    if (p.entry === undefined) return
    // in the settlement unit: quote, or coin for inverse contracts (qty contracts of contractValue quote each)
    const contract = contractOf(rules, p.market)
    const notional = contract.type === 'inverse' ? (p.qty * contract.contractValue) / p.entry : p.qty * p.entry
    const required = requiredInitialRate(compileTier(tierFor(rules, p.market)), p.qty, notional)
    if (mode === 'cross') {
      initialMargin += notional * required
      return
    }
    const leverage = p.leverage ?? (p.margin !== undefined ? notional / Number(p.margin) : Number.NaN)
    const warning = Number.isFinite(leverage) ? leverageWarning(leverage, required) : null
    if (warning) {
      const path = `positions.accounts[${i}].positions[${j}].${p.leverage !== undefined ? 'leverage' : 'margin'}`
      problems.push({
        path,
        received: p.leverage ?? p.margin,
        expected: `what ${rules.name} accepts for ${p.qty} ${p.market} at ${p.entry} (notional ${notional}): ${warning}; at least ${notional * required} of margin`,
      })
    }
  })
  const wallet = Number(account.wallet)
  if (mode === 'cross' && initialMargin > 0 && wallet < initialMargin * (1 - 1e-12)) {
    problems.push({
      path: `positions.accounts[${i}].wallet`,
      received: account.wallet,
      expected: `at least the initial margin ${rules.name} requires for the account's positions, ${initialMargin}`,
    })
  }
  return problems
}

/** Opens the accounts and positions in the kernel (at their entry, or at the market's first mark). */
export function openExplicitPositions(
  kernel: ReplayKernel,
  doc: ExplicitPositions,
  markets: readonly string[],
  defaultMode: 'isolated' | 'cross',
  ts: number,
): void {
  for (const a of doc.accounts) {
    const cross = (a.mode ?? defaultMode) === 'cross'
    const acc = kernel.addAccount(a.id, cross, parseMicros(a.wallet, `account ${a.id} wallet`))
    for (const p of a.positions) {
      const m = markets.indexOf(p.market)
      // inverse: qty contracts long at P is a short of qty × contract value at 1/P in the kernel (kernel/inverse.ts)
      const inverse = kernel.inverse
      const side = (p.side === 'long' ? 1 : -1) * (inverse ? -1 : 1)
      const qty = inverse ? p.qty * kernel.contractValue[m]! : p.qty
      const entry = inverse && p.entry !== undefined ? 1 / p.entry : p.entry
      const margin = cross ? 0 : p.margin !== undefined ? parseMicros(p.margin, `account ${a.id} margin`) : Number.NaN
      const leverage = p.leverage ?? Number.NaN
      if (entry !== undefined) {
        const m0 = Number.isNaN(margin) ? toMicros((qty * entry) / leverage) : margin
        kernel.openPosition(acc, m, side, qty, entry, m0, ts)
      } else kernel.openAtFirstMark(acc, m, side, qty, margin, leverage)
    }
  }
}
