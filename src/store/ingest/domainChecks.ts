// The normalized tables' domain checks (src/domain/normalizedTables.ts) as SQL, and the pass over the rows a load
// just wrote that applies them inside its transaction: finite and positive numbers, known values, plausible times, and
// each table's duplicate policy. A violation found here is located in the file afterwards (diagnose.ts).
import type { DuckDBConnection } from '@duckdb/node-api'
import type { ColumnType, NormalizedTable, TargetTable } from '../../domain/loadSpec.ts'
import {
  DUPLICATE_POLICY,
  MARKET_TIME_AHEAD_DAYS,
  MARKET_TIME_FLOOR,
  NORMALIZED_COLUMNS,
  columnsOf,
  type ColumnCheck,
} from '../../domain/normalizedTables.ts'
import { constant, ident, numberText, SqlParams } from './sqlText.ts'
import { partFilter, type TradePart } from './tradeRows.ts'

/** The window a market time must fall in for a load starting at `now` (ms): [floor, now + ahead). */
export function marketTimeBounds(now: number): { loUs: bigint; hiUs: bigint } {
  return {
    loUs: BigInt(Date.parse(`${MARKET_TIME_FLOOR}T00:00:00Z`)) * 1000n,
    hiUs: BigInt(now + MARKET_TIME_AHEAD_DAYS * 86_400_000) * 1000n,
  }
}

export interface TimeBounds {
  /** SQL expressions of the bounds (bound parameters). */
  lo: string
  hi: string
}

export const boundTimes = (params: SqlParams, b: { loUs: bigint; hiUs: bigint }): TimeBounds => ({
  lo: params.timestamp(b.loUs),
  hi: params.timestamp(b.hiUs),
})

const CONTROL_CLASS = "'[\\x00-\\x1f\\x7f-\\x9f]'"

/**
 * SQL that is true when `value` passes `check` (or is NULL). `columnOf` gives the SQL of another column of the same
 * row (for `signedWhen`). Never NULL.
 */
export function checkSql(
  check: ColumnCheck,
  value: string,
  type: ColumnType,
  columnOf: (name: string) => string,
  time: TimeBounds,
): string {
  const parts: string[] = []
  if (check.finite && type === 'DOUBLE') parts.push(`isfinite(${value})`)
  const bound = check.positive ? `${value} > 0` : check.nonNegative ? `${value} >= 0` : null
  if (bound) {
    parts.push(
      check.signedWhen
        ? `(${bound} OR ${columnOf(check.signedWhen.column)} IN (${check.signedWhen.values.map(constant).join(', ')}))`
        : bound,
    )
  }
  if (check.oneOf) parts.push(`${value} IN (${check.oneOf.map(constant).join(', ')})`)
  if (check.marketTime) parts.push(`${value} >= ${time.lo} AND ${value} < ${time.hi}`)
  if (check.printable) parts.push(`NOT regexp_matches(${value}, ${CONTROL_CLASS})`)
  if (check.nonZero) parts.push(`${value} <> 0`)
  if (parts.length === 0) return 'true'
  return `coalesce(${value} IS NULL OR (${parts.join(' AND ')}), false)`
}

/** A stored value that breaks its table's checks (before it is located in the file). */
export class DomainViolation extends Error {
  constructor(
    readonly table: string,
    readonly column: string,
    readonly value: string | null,
    readonly expected: string,
  ) {
    super(`${table}.${column}: received ${value === null ? 'NULL' : JSON.stringify(value)}; expected ${expected}`)
    this.name = 'DomainViolation'
  }
}

/** The checked columns of a table a load writes, as stored. */
export const checkedColumns = (table: TargetTable) =>
  columnsOf(table).filter((c): c is typeof c & { check: ColumnCheck } => !!c.check)

/**
 * First stored row of the partition in `table` that breaks a check: which column, and its value as text. `where` is
 * the SQL selecting the partition's rows (bound in `params`).
 */
async function firstBadRow(
  c: DuckDBConnection,
  from: string,
  where: string,
  params: SqlParams,
  checks: Array<{ name: string; ok: string; value: string }>,
): Promise<{ column: string; value: string | null } | null> {
  if (checks.length === 0) return null
  const which = checks.map((k, i) => `WHEN NOT ${k.ok} THEN ${i}`).join(' ')
  const value = checks.map((k) => `WHEN NOT ${k.ok} THEN CAST(${k.value} AS VARCHAR)`).join(' ')
  const sql = `SELECT CASE ${which} END AS k, CASE ${value} END AS v FROM ${from}
      WHERE ${where} AND NOT (${checks.map((k) => k.ok).join(' AND ')}) LIMIT 1`
  const reader = await c.runAndReadAll(sql, params.for(sql))
  const row = reader.getRowObjectsJS()[0]
  if (!row) return null
  return { column: checks[Number(row.k)]!.name, value: (row.v as string | null) ?? null }
}

/** Checks the rows a load wrote to a table other than trades (normalized or detail); throws DomainViolation. */
export async function checkTableRows(
  c: DuckDBConnection,
  table: TargetTable,
  partitionId: string,
  bounds: { loUs: bigint; hiUs: bigint },
  describe: (table: TargetTable, column: string) => string,
): Promise<void> {
  const params = new SqlParams()
  const time = boundTimes(params, bounds)
  const checks = checkedColumns(table).map((col) => ({
    name: col.name,
    ok: checkSql(col.check, ident(col.name), col.type, ident, time),
    value: ident(col.name),
  }))
  const where = `partition_id = ${params.bind(partitionId)}`
  const bad = await firstBadRow(c, ident(table), where, params, checks)
  if (bad) throw new DomainViolation(table, bad.column, bad.value, describe(table, bad.column))
  const policy = table in DUPLICATE_POLICY ? DUPLICATE_POLICY[table as NormalizedTable] : null
  if (policy?.kind === 'refuse-with-id') {
    // The whole stored row twice (every column: later DDL added some), among rows that carry an id.
    const columns = (
      await c.runAndReadAll(
        `SELECT column_name FROM duckdb_columns() WHERE table_name = $1 AND schema_name = 'main' AND column_name <> 'partition_id'`,
        [table],
      )
    )
      .getRowObjectsJS()
      .map((r) => ident(String(r.column_name)))
    const dup = (
      await c.runAndReadAll(
        `SELECT CAST(${ident(policy.id)} AS VARCHAR) AS id FROM ${ident(table)}
          WHERE partition_id = $1 AND ${ident(policy.id)} IS NOT NULL
          GROUP BY ${columns.join(', ')} HAVING count(*) > 1 LIMIT 1`,
        [partitionId],
      )
    ).getRowObjectsJS()[0]
    if (dup) throw new DomainViolation(table, policy.id, String(dup.id), duplicateExpectation(table, policy.id))
  }
}

export const duplicateExpectation = (table: string, id: string) =>
  `each ${table} row with a ${id} once (this row repeats an earlier one exactly)`

/** Integer trade ids spanning at most this many values are checked for repeats with a bitmap instead of a hash table. */
const BITMAP_SPAN = 1n << 27n

/**
 * Checks the trades a load wrote (trades_data, by part: only this partition's row groups are read). Repeated rows are
 * looked for among rows with an id: integer ids in a compact range are counted with a bitmap (one pass, a few MB;
 * exact), and only when some id occurs twice are whole rows compared.
 */
export async function checkTradeRows(
  c: DuckDBConnection,
  parts: readonly TradePart[],
  bounds: { loUs: bigint; hiUs: bigint },
  describe: (table: NormalizedTable, column: string) => string,
): Promise<void> {
  if (parts.length === 0) return
  const params = new SqlParams()
  const time = boundTimes(params, bounds)
  const stored = (name: string) => ident(name)
  const checks = ['ts', 'price', 'qty'].map((name) => {
    const col = NORMALIZED_COLUMNS.trades.find((x) => x.name === name)!
    return { name, ok: checkSql(col.check!, ident(name), col.type, stored, time), value: ident(name) }
  })
  checks.push({
    name: 'trade_count',
    ok: 'coalesce(trade_count IS NULL OR trade_count >= 1, false)',
    value: 'trade_count',
  })
  const where = partFilter(parts)
  // One pass counts the rows that break a check and gathers what the repeat check needs; the offending row itself
  // is only looked for when there is one.
  const statsSql = `SELECT count(*) FILTER (WHERE NOT (${checks.map((k) => k.ok).join(' AND ')}))::BIGINT AS bad,
            min(trade_id) AS lo, max(trade_id) AS hi, count(trade_id)::BIGINT AS n, count(trade_ref)::BIGINT AS refs
       FROM trades_data WHERE ${where}`
  const ids = (await c.runAndReadAll(statsSql, params.for(statsSql))).getRowObjectsJS()[0]!
  if (BigInt(ids.bad as bigint) > 0n) {
    const bad = (await firstBadRow(c, 'trades_data', where, params, checks))!
    const expected =
      bad.column === 'trade_count' ? 'a trade count ≥ 1 (last id ≥ first id)' : describe('trades', bad.column)
    throw new DomainViolation('trades', bad.column, bad.value, expected)
  }
  // Markets named by the rows (a multi-market file) key trade_parts: no control characters.
  const names = (
    await c.runAndReadAll(
      `SELECT market FROM trade_parts WHERE ${where} AND regexp_matches(market, ${CONTROL_CLASS}) LIMIT 1`,
    )
  ).getRowObjectsJS()[0]
  if (names) throw new DomainViolation('trades', 'market', String(names.market), describe('trades', 'market'))
  const n = BigInt(ids.n as bigint)
  const refs = BigInt(ids.refs as bigint)
  if (n === 0n && refs === 0n) return
  if (refs === 0n && ids.lo !== null && BigInt(ids.hi as bigint) - BigInt(ids.lo as bigint) < BITMAP_SPAN) {
    const lo = numberText(BigInt(ids.lo as bigint))
    const hi = numberText(BigInt(ids.hi as bigint))
    const distinct = (
      await c.runAndReadAll(
        `SELECT bool_and(d = k) AS unique_ids FROM (
           SELECT part, bit_count(bitstring_agg(trade_id, ${lo}, ${hi})) AS d, count(trade_id) AS k
             FROM trades_data WHERE ${where} AND trade_id IS NOT NULL GROUP BY part)`,
      )
    ).getRowObjectsJS()[0]!
    if (distinct.unique_ids === true) return
  }
  const dup = (
    await c.runAndReadAll(
      `SELECT coalesce(trade_ref, CAST(trade_id AS VARCHAR)) AS id FROM trades_data t
        WHERE ${where} AND (trade_id IS NOT NULL OR trade_ref IS NOT NULL)
        GROUP BY part, ts, price, qty, is_buy, trade_id, trade_ref, trade_count HAVING count(*) > 1 LIMIT 1`,
    )
  ).getRowObjectsJS()[0]
  if (dup) throw new DomainViolation('trades', 'trade_id', String(dup.id), duplicateExpectation('trades', 'trade_id'))
}
