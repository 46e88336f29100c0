// A stored report's headline (the Report row's JSON column) checked on its way out of the metadata store, so readers
// get typed figures instead of a cast; a sweep report's headline has no drawdown fraction (null, or absent in rows
// written before it was recorded).
import { z } from 'zod'

const storedHeadlineSchema = z.object({
  liquidations: z.number(),
  liquidatedNotional: z.string(),
  bankruptcies: z.number(),
  totalBadDebt: z.string(),
  fundLow: z.string(),
  maxFundDrawdown: z.string(),
  maxFundDrawdownFraction: z.number().nullish(),
  adlFills: z.number(),
  timeToFirstDeficitSeconds: z.number().nullable(),
})

export type StoredHeadline = z.output<typeof storedHeadlineSchema>

/** The headline of report `reportId`; a row that does not hold one is a broken store, said with what is wrong. */
export function parseStoredHeadline(json: unknown, reportId: string): StoredHeadline {
  const parsed = storedHeadlineSchema.safeParse(json)
  if (parsed.success) return parsed.data
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(headline)'}: ${i.message}`).join('; ')
  throw new Error(`report ${reportId}: its stored headline is not a report headline (${problems})`)
}
