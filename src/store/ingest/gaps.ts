// SQL that records holes inside a loaded partition (missing minutes, missing 5-minute rows, funding intervals with
// no settlement) against the dataset's expected cadence, in the loading transaction.
import type { Cadence } from '../../domain/loadSpec.ts'
import { ident, numberText, type SqlParams } from './sqlText.ts'

/**
 * A hole is a step between consecutive rows longer than 1.5 expected steps (so millisecond jitter on funding times
 * is not a hole), plus the stretch before the first row and after the last one within the period bounds (µs, or
 * NULL when the period has none).
 */
export function gapsInsert(
  cadence: Cadence,
  partitionId: string,
  bounds: { start: bigint | null; end: bigint | null },
  params: SqlParams,
): string {
  const stepUs =
    'everySeconds' in cadence
      ? `${numberText(Math.round(cadence.everySeconds * 1_000_000))}::BIGINT`
      : `CAST(${ident(cadence.stepColumn)} AS BIGINT) * ${numberText(Math.round(cadence.stepUnitSeconds * 1_000_000))}`
  // With a per-row step, the spacing to the next row is judged by the larger of the two rows' steps.
  const between = 'stepColumn' in cadence ? 'greatest(step_us, coalesce(next_step_us, step_us))' : 'step_us'
  const id = params.bind(partitionId)
  const start = params.bind(bounds.start, 'BIGINT')
  const end = params.bind(bounds.end, 'BIGINT')
  return `INSERT INTO partition_gaps (partition_id, table_name, gap_from, gap_to, missing, step_s)
WITH s AS (
  SELECT epoch_us(ts) AS t, ${stepUs} AS step_us
    FROM ${ident(cadence.table)} WHERE partition_id = ${id}
),
r AS (
  SELECT t, step_us, lead(step_us) OVER (ORDER BY t) AS next_step_us,
         lead(t) OVER (ORDER BY t) AS nxt, row_number() OVER (ORDER BY t) AS rn
    FROM s
),
holes AS (
  SELECT t + ${between} AS f, nxt AS e, ${between} AS step_us FROM r
   WHERE nxt IS NOT NULL AND nxt - t > ${between} * 1.5
  UNION ALL
  SELECT ${start}, t, step_us FROM r WHERE rn = 1 AND ${start} IS NOT NULL AND t - ${start} > step_us * 0.5
  UNION ALL
  SELECT t + step_us, ${end}, step_us FROM r
   WHERE nxt IS NULL AND ${end} IS NOT NULL AND ${end} - t > step_us * 1.5
)
SELECT ${id}, ${params.bind(cadence.table)}, make_timestamp(f), make_timestamp(e),
       CAST(round((e - f) / step_us) AS BIGINT), CAST(step_us // 1000000 AS INTEGER)
  FROM holes WHERE step_us > 0`
}
