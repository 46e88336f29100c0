// A sweep request (CLI, API): the base rule set, the axes (`PATH=V1,V2,…` or `PATH=FROM..TO:STEP`), the windows,
// the positions, the bad-debt budget and the sampling; validated with every problem reported.
import { z } from 'zod'
import { ATTACK_PATTERNS } from '../attack/patterns.ts'
import { populationSchema } from '../kernel/population.ts'
import { parseRequest } from '../rules/validate.ts'

/** Points a sweep may have unless the request allows fewer. */
export const DEFAULT_MAX_POINTS = 256
/** The most any request may allow: each point is a kernel in memory for the whole window. */
export const MAX_POINTS_CEILING = 1024

const instant = z.union([z.date(), z.string()]).transform((v, ctx) => {
  const d = v instanceof Date ? v : new Date(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v)
  if (Number.isNaN(d.getTime())) {
    ctx.addIssue({ code: 'custom', message: 'a UTC date-time such as 2025-10-10T00:00Z', input: v })
    return z.NEVER
  }
  return d
})

const window = z.strictObject({ from: instant, to: instant }).superRefine((w, ctx) => {
  if (w.to.getTime() <= w.from.getTime())
    ctx.addIssue({ code: 'custom', path: ['to'], input: w.to, message: `after from (${w.from.toISOString()})` })
  if (w.to.getTime() - w.from.getTime() > 366 * 86_400_000)
    ctx.addIssue({ code: 'custom', path: ['to'], input: w.to, message: 'at most 366 days after from' })
})

const patternNames = Object.keys(ATTACK_PATTERNS) as [
  keyof typeof ATTACK_PATTERNS,
  ...Array<keyof typeof ATTACK_PATTERNS>,
]

/**
 * A cost-of-attack search run for every evaluated point: the pattern, the time it is injected at and the market
 * (default the sweep's first); the search's other settings as in an attack-cost request (checked by its schema).
 */
const attackCostSpec = z.strictObject({
  pattern: z.enum(patternNames),
  at: z.union([z.date(), z.string().min(1).max(100)]),
  market: z.string().min(1).max(100).optional(),
  window: z.union([z.number(), z.string().max(20)]).optional(),
  lookback: z.union([z.number(), z.string().max(20)]).optional(),
  minCapital: z.number().optional(),
  maxCapital: z.number().optional(),
  precision: z.number().optional(),
  breaks: z.string().max(20).optional(),
})

export type SweepAttackCostSpec = z.output<typeof attackCostSpec>

export const sweepRequestSchema = z
  .strictObject({
    /** Base rule set: preset, stored rule set, or (CLI) a JSON file. */
    ruleSet: z.string().min(1).max(4096),
    venue: z.string().min(1).max(100),
    markets: z.array(z.string().min(1).max(100)).min(1).max(64),
    /** Axes as the CLI writes them: PATH=V1,V2,… or PATH=FROM..TO:STEP (special axes: see axes.ts). */
    vary: z.array(z.string().min(3).max(2000)).min(1).max(8),
    windows: z.array(window).min(1).max(16),
    /** synthetic, explicit, or accounts (the window's stored accounts, set up under each point's rules). */
    positions: z.enum(['synthetic', 'explicit', 'accounts']),
    explicitPositions: z.unknown().optional(),
    population: populationSchema.optional(),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(1),
    resolutionSeconds: z.union([z.literal(1), z.literal(60)]).default(1),
    /** Bad debt allowed in every window for a point to be recommended (exact decimal, quote units). */
    budget: z
      .union([z.string(), z.number()])
      .transform((v) => String(v).trim())
      .refine((v) => /^\d+(\.\d{1,6})?$/.test(v), { message: 'a non-negative amount with at most 6 decimals' })
      .default('0'),
    /** Latin-hypercube sample of this many points instead of the full grid. */
    samples: z.number().int().min(1).max(MAX_POINTS_CEILING).optional(),
    maxPoints: z.number().int().min(1).max(MAX_POINTS_CEILING).default(DEFAULT_MAX_POINTS),
    /** Worker threads for the kernels (default: the cores available). */
    threads: z.number().int().min(1).max(64).optional(),
    /** Cost-of-attack searches per evaluated point (each a few dozen replays of its window at most). */
    attackCost: z.array(attackCostSpec).min(1).max(4).optional(),
  })
  .superRefine((r, ctx) => {
    if (r.positions === 'explicit' && r.explicitPositions === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['explicitPositions'],
        input: undefined,
        message: 'the positions document when positions is explicit',
      })
    if (new Set(r.markets).size !== r.markets.length)
      ctx.addIssue({ code: 'custom', path: ['markets'], input: r.markets, message: 'distinct markets' })
    if (r.samples !== undefined && r.samples > r.maxPoints)
      ctx.addIssue({
        code: 'custom',
        path: ['samples'],
        input: r.samples,
        message: `at most maxPoints (${r.maxPoints})`,
      })
  })

export type SweepRequest = z.output<typeof sweepRequestSchema>
export type SweepRequestInput = z.input<typeof sweepRequestSchema>

export function parseSweepRequest(input: unknown): SweepRequest {
  return parseRequest(sweepRequestSchema, input, 'invalid sweep request')
}
