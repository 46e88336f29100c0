// A cost-of-attack request (CLI, API): the rule set, the attack pattern, the market and the time it is injected at,
// the window replayed after it, the trailing trades liquidity is measured on, and the capital bounds of the search;
// validated with every problem reported.
import { z } from 'zod'
import { parseRequest } from '../rules/validate.ts'
import { ATTACK_PATTERNS } from './patterns.ts'

const instant = z.union([z.date(), z.string()]).transform((v, ctx) => {
  const d = v instanceof Date ? v : new Date(v)
  if (Number.isNaN(d.getTime())) {
    ctx.addIssue({ code: 'custom', message: 'a UTC date-time such as 2025-10-10T21:00:00Z', input: v })
    return z.NEVER
  }
  return d
})

/** A duration as `90s`, `30m`, `6h` or `2d`, in seconds. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([smhd])$/.exec(text.trim())
  if (!m) return null
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86_400 }[m[2] as 's' | 'm' | 'h' | 'd']
}

const duration = (min: number, max: number, what: string) =>
  z.union([z.number(), z.string()]).transform((v, ctx) => {
    const s = typeof v === 'number' ? v : parseDuration(v)
    if (s === null || !Number.isFinite(s) || s < min || s > max) {
      ctx.addIssue({
        code: 'custom',
        input: v,
        message: `${what}: a duration from ${min}s to ${max / 3600}h (90s, 30m, 6h)`,
      })
      return z.NEVER
    }
    return s
  })

/** Capital in quote units: positive, and within the engine's exact range (±9.007e9) with room for the positions' PnL. */
const capital = z.number().gt(0, { message: 'a positive amount of quote' }).max(4e9)

const patternNames = Object.keys(ATTACK_PATTERNS) as [
  keyof typeof ATTACK_PATTERNS,
  ...Array<keyof typeof ATTACK_PATTERNS>,
]

export const attackCostRequestSchema = z
  .strictObject({
    /** Rule set: preset, stored rule set, or (CLI) a JSON file. */
    ruleSet: z.string().min(1).max(4096),
    pattern: z.enum(patternNames),
    venue: z.string().min(1).max(100),
    market: z.string().min(1).max(100),
    /** When the attack starts: the attacker's positions open at the first mark at or after it. */
    at: instant,
    /** Market time replayed from `at` (the attack, then the market's real path): default 6 h, at most 48 h. */
    window: duration(3600, 48 * 3600, 'window').default(6 * 3600),
    /** Trailing trades the liquidity is measured on: default 24 h before `at`. */
    lookback: duration(3600, 30 * 86_400, 'lookback').default(24 * 3600),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(1),
    resolutionSeconds: z.union([z.literal(1), z.literal(60)]).default(1),
    /** Where the search starts and the most it tries (quote). */
    minCapital: capital.default(1_000),
    maxCapital: capital.default(1e9),
    /** The search stops once the bracket [no deficit, deficit] is narrower than this share of its upper end. */
    precision: z.number().gt(0).max(0.5).default(0.02),
    /** What breaks the rule set: a deficit (a shortfall at all), or bad debt (a shortfall the waterfall left). */
    breaks: z.enum(['deficit', 'badDebt']).default('deficit'),
  })
  .superRefine((r, ctx) => {
    // each bound alone is checked above; their order only when both are valid
    if (r.minCapital > 0 && r.maxCapital > 0 && r.maxCapital <= r.minCapital)
      ctx.addIssue({
        code: 'custom',
        path: ['maxCapital'],
        input: r.maxCapital,
        message: `more than minCapital (${r.minCapital})`,
      })
  })

export type AttackCostRequest = z.output<typeof attackCostRequestSchema>
export type AttackCostRequestInput = z.input<typeof attackCostRequestSchema>

export function parseAttackCostRequest(input: unknown): AttackCostRequest {
  return parseRequest(attackCostRequestSchema, input, 'invalid attack-cost request')
}
