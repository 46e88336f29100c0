// What a backtest schedule says (JobSchedule.params of job backtest.scheduled): rule sets, venue and markets, a
// rolling or fixed window, positions, detectors, report formats and delivery targets. One zod schema for the CLI,
// GraphQL and the configuration file.
import { z } from 'zod'
import { InvalidInputError } from '../../errors.ts'
import { problemsOf } from '../../replay/rules/validate.ts'
import { assertSafeInput } from '../../userInput.ts'

/** The job name every backtest schedule runs. */
export const SCHEDULED_BACKTEST_JOB = 'backtest.scheduled'

export const ROLLING_WINDOWS = {
  'last 24h': 86_400_000,
  'last 7d': 7 * 86_400_000,
  'last 30d': 30 * 86_400_000,
} as const
export type RollingWindow = keyof typeof ROLLING_WINDOWS

const instant = z
  .string()
  .max(40)
  .refine((v) => !Number.isNaN(Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v)), {
    message: 'a UTC date or date-time such as 2025-10-10 or 2025-10-10T21:00:00Z',
  })

const fixedWindow = z
  .strictObject({ from: instant, to: instant })
  .refine((w) => toDate(w.to).getTime() > toDate(w.from).getTime(), { message: 'to after from', path: ['to'] })

export const scheduleParamsSchema = z.strictObject({
  /** One rule set, or several compared side by side (the first is the reported one). */
  ruleSets: z.array(z.string().min(1).max(4096)).min(1).max(8),
  venue: z.string().min(1).max(100),
  markets: z.array(z.string().min(1).max(100)).min(1).max(64),
  window: z.union([z.enum(Object.keys(ROLLING_WINDOWS) as [RollingWindow, ...RollingWindow[]]), fixedWindow]),
  positions: z.enum(['synthetic', 'accounts', 'explicit']),
  explicitPositions: z.unknown().optional(),
  population: z.record(z.string(), z.number()).optional(),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(1),
  resolutionSeconds: z.union([z.literal(1), z.literal(60)]).default(60),
  /** Run the detectors on the runs before the report (when they are available). */
  detectors: z.boolean().default(false),
  formats: z
    .array(z.enum(['html', 'md', 'json']))
    .min(1)
    .default(['html', 'md', 'json']),
  delivery: z.array(z.enum(['webhook', 'email'])).default([]),
})

export type ScheduleParams = z.output<typeof scheduleParamsSchema>
export type ScheduleParamsInput = z.input<typeof scheduleParamsSchema>

export function toDate(text: string): Date {
  return new Date(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text)
}

/** Validates schedule parameters with every problem listed (paths prefixed with `path`). */
export function parseScheduleParams(input: unknown, path = 'params'): ScheduleParams {
  assertSafeInput(input, path, 'invalid schedule')
  const parsed = scheduleParamsSchema.safeParse(input, { reportInput: true })
  if (!parsed.success) {
    throw new InvalidInputError(
      'invalid schedule',
      problemsOf(parsed.error).map((p) => ({ ...p, path: p.path ? `${path}.${p.path}` : path })),
    )
  }
  return parsed.data
}

/** The window a run fired at `at` covers: a rolling window ends at the minute it fired; a fixed one is as given. */
export function scheduleWindow(window: ScheduleParams['window'], at: Date): { from: Date; to: Date } {
  if (typeof window === 'string') {
    const to = new Date(Math.floor(at.getTime() / 60_000) * 60_000)
    return { from: new Date(to.getTime() - ROLLING_WINDOWS[window]), to }
  }
  return { from: toDate(window.from), to: toDate(window.to) }
}

/** The backtest request of one rule set of a schedule over `window`. */
export function backtestRequestOf(params: ScheduleParams, ruleSet: string, window: { from: Date; to: Date }) {
  return {
    ruleSet,
    venue: params.venue,
    markets: params.markets,
    from: window.from.toISOString(),
    to: window.to.toISOString(),
    positions: params.positions,
    ...(params.explicitPositions !== undefined ? { explicitPositions: params.explicitPositions } : {}),
    ...(params.population ? { population: params.population } : {}),
    seed: params.seed,
    resolutionSeconds: params.resolutionSeconds,
  }
}
