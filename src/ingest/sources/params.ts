// Parameter pieces the sources' zod schemas share: days, day ranges, symbols, URLs, local paths, and the rule that a
// dataset asked per market (or per account) needs at least one market (or account).
import fs from 'node:fs'
import { z } from 'zod'
import { isIsoDay, toIsoDay, yesterday } from '../dates.ts'

export const isoDay = z.string().refine(isIsoDay, 'a UTC day as YYYY-MM-DD')
export const symbols = z.array(z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/, 'a symbol such as BTCUSDT')).min(1)
export const baseUrl = z.string().regex(/^https?:\/\/\S+$/, 'an http(s) URL')
export const force = z.boolean().default(false)
export const existingDir = z
  .string()
  .min(1)
  .refine((d) => fs.existsSync(d) && fs.statSync(d).isDirectory(), 'an existing directory')
export const existingFile = z
  .string()
  .min(1)
  .refine((f) => fs.existsSync(f) && fs.statSync(f).isFile(), 'an existing file')

/** A problem message when `day` has not ended yet (today or later, UTC); null when it has. */
export function unfinishedDay(day: string | undefined, now: Date = new Date()): string | null {
  if (!day) return null
  return day >= toIsoDay(now) ? `a UTC day that has ended (on or before ${yesterday(now)})` : null
}

/**
 * A day of an API source, which is asked about one UTC day at a time: only a day that has ended, because a partition
 * loaded while its day is still running would be incomplete and then skipped as loaded.
 */
export const closedDay = isoDay.superRefine((day, ctx) => {
  const late = isIsoDay(day) ? unfinishedDay(day) : null
  if (late) ctx.addIssue({ code: 'custom', message: late })
})

/** from/to; both default to yesterday (what a daily schedule wants). */
export const dayRange = { from: isoDay.optional(), to: isoDay.optional() }
/** The same for API sources: days that have ended. */
export const closedDayRange = { from: closedDay.optional(), to: closedDay.optional() }

export function resolveDays(params: { from?: string | undefined; to?: string | undefined }): {
  from: string
  to: string
} {
  const from = params.from ?? params.to ?? yesterday()
  const to = params.to ?? (params.from ? from : yesterday())
  return { from, to }
}

type Days = { from?: string | undefined; to?: string | undefined }

/** zod refinement of an object with from/to: from is not after to. */
export function refineDayOrder<T extends Days>(schema: z.ZodType<T>) {
  return schema.refine((p) => !p.from || !p.to || !isIsoDay(p.from) || !isIsoDay(p.to) || p.from <= p.to, {
    message: 'a day on or before to',
    path: ['from'],
  })
}

/**
 * zod refinement: the datasets asked per target (a market, an account…) need at least one such target. `targets`
 * maps a parameter holding targets to the datasets that need it and how to name them in the message.
 */
export function requireTargetsFor<T extends { datasets: readonly string[] }>(
  schema: z.ZodType<T>,
  targets: Record<string, { datasets: readonly string[]; message: string }>,
) {
  return schema.superRefine((p, ctx) => {
    for (const [param, rule] of Object.entries(targets)) {
      const list = (p as Record<string, unknown>)[param]
      const wanted = p.datasets.some((d) => rule.datasets.includes(d))
      if (wanted && (!Array.isArray(list) || list.length === 0))
        ctx.addIssue({ code: 'custom', message: rule.message, path: [param] })
    }
  })
}

/** An enumerated text parameter checked against the keys of a table (intervals, resolutions). */
export const keyOf = (table: Record<string, unknown>) =>
  z.string().refine((k) => Object.hasOwn(table, k), `one of ${Object.keys(table).join(', ')}`)

/** zod refinement of an archive source's origin: its base URL or a local directory (`dir`), not both. */
export function refineOneOrigin<T extends { baseUrl?: string | undefined; dir?: string | undefined }>(
  schema: z.ZodType<T>,
) {
  return schema.refine((p) => !(p.baseUrl && p.dir), { message: 'either baseUrl or dir, not both', path: ['dir'] })
}
