// Explicit positions (scenarios, what-ifs) from a JSON document or GraphQL input, validated and opened in the kernel.
import { z } from 'zod'
import { InvalidInputError } from '../../errors.ts'
import type { ReplayKernel } from '../kernel/engine.ts'
import { parseMicros, toMicros } from '../money.ts'
import { amount } from '../rules/schema.ts'
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

/** Validates the document against the run's markets; every problem is reported. */
export function parseExplicitPositions(document: unknown, markets: readonly string[]): ExplicitPositions {
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
    })
  }
  if (problems.length) throw new InvalidInputError('invalid explicit positions', problems)
  return parsed.data!
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
      const side = p.side === 'long' ? 1 : -1
      const margin = cross ? 0 : p.margin !== undefined ? parseMicros(p.margin, `account ${a.id} margin`) : Number.NaN
      const leverage = p.leverage ?? Number.NaN
      if (p.entry !== undefined) {
        const m0 = Number.isNaN(margin) ? toMicros((p.qty * p.entry) / leverage) : margin
        kernel.openPosition(acc, m, side, p.qty, p.entry, m0, ts)
      } else kernel.openAtFirstMark(acc, m, side, p.qty, margin, leverage)
    }
  }
}
