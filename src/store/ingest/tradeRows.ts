// Trade rows in their physical layout (DDL 0102): numeric rows in trades_data keyed by a part number per (partition,
// venue, market) in trade_parts; the `trades` view joins them back into the normalized columns.
import type { DuckDBConnection } from '@duckdb/node-api'
import type { LoadRequest, RowMapping, ValueExpr } from '../../domain/loadSpec.ts'
import { lookupSql, sourceRelation, valueSql, type RelationOptions, type ValueSqlOptions } from './sourceSql.ts'
import { ident, numberText, SqlParams } from './sqlText.ts'

/** Normalized trades columns a mapping may set (venue and partition_id come from the partition). */
const MAPPED = new Set(['ts', 'price', 'qty', 'side', 'trade_id', 'market'])

export interface TradePart {
  part: number
  market: string
}

/** The parts a partition's trades are stored under (one per market it holds), in part order. */
export async function tradePartsOf(c: DuckDBConnection, partitionId: string): Promise<TradePart[]> {
  const rows = (
    await c.runAndReadAll(
      `SELECT part::DOUBLE AS part, market FROM trade_parts WHERE partition_id = $1 ORDER BY part`,
      [partitionId],
    )
  ).getRowObjectsJS()
  return rows.map((r) => ({ part: Number(r.part), market: String(r.market) }))
}

/** `part = n` or `part IN (…)`: literal numbers, so DuckDB skips other partitions' row groups by their zone maps. */
export const partFilter = (parts: readonly TradePart[]): string => {
  const numbers = parts.map((p) => {
    if (!Number.isSafeInteger(p.part) || p.part < 0) throw new Error(`not a part number: ${p.part}`)
    return numberText(p.part)
  })
  return numbers.length === 1 ? `part = ${numbers[0]}` : `part IN (${numbers.join(', ') || 'NULL'})`
}

/** Deletes every trade row an earlier load of the partition wrote. */
export async function deleteTrades(c: DuckDBConnection, partitionId: string): Promise<void> {
  const parts = await tradePartsOf(c, partitionId)
  if (parts.length) await c.run(`DELETE FROM trades_data WHERE ${partFilter(parts)}`)
}

/** The part of (partition, venue, market), created on first use; a reload keeps its number. */
async function partFor(c: DuckDBConnection, partitionId: string, venue: string, market: string): Promise<number> {
  const params = [partitionId, venue, market]
  const found = (
    await c.runAndReadAll(
      `SELECT part::DOUBLE AS part FROM trade_parts WHERE partition_id = $1 AND venue = $2 AND market = $3`,
      params,
    )
  ).getRowObjectsJS()[0]
  if (found) return Number(found.part)
  const created = await c.runAndReadAll(
    `INSERT INTO trade_parts VALUES (nextval('trade_part_seq'), $1, $2, $3) RETURNING part::DOUBLE AS part`,
    params,
  )
  return Number(created.getRowObjectsJS()[0]!.part)
}

/** SQL for the side as is_buy: the mapping's 'buy' / 'sell' / NULL, as true / false / NULL. */
export function isBuySql(
  expr: ValueExpr | undefined,
  request: LoadRequest,
  params: SqlParams,
  options: ValueSqlOptions = {},
): string {
  const { columns, name } = request.file
  if (!expr) return 'NULL'
  const asBool = (value: string | number | boolean | null): string => {
    if (value === null) return 'NULL'
    if (value === 'buy') return 'true'
    if (value === 'sell') return 'false'
    throw new Error(`${name}: trades side maps to ${JSON.stringify(value)}; expected buy, sell or NULL`)
  }
  if ('lookup' in expr) return lookupSql(expr, columns, name, params, asBool, options)
  if ('literal' in expr) return asBool(expr.literal)
  // Any other expression is checked per row, like a lookup: an unknown side fails the partition.
  const side = valueSql(expr, columns, name, params, options)
  const unknown = options.lenientLookups
    ? 'NULL'
    : `error(${params.bind(`${name}: column side: received `)} || CAST(${side} AS VARCHAR) || ${params.bind('; expected one of buy, sell')})`
  return `CASE WHEN ${side} IS NULL THEN NULL WHEN ${side} = 'buy' THEN true WHEN ${side} = 'sell' THEN false ELSE ${unknown} END`
}

/**
 * How the trade id is kept: an integer source column as is (trade_id), anything else as its text (trade_ref). The
 * view shows coalesce(trade_ref, CAST(trade_id AS VARCHAR)), the text the 0001 VARCHAR column received.
 */
export function tradeIdSql(
  mapping: RowMapping,
  request: LoadRequest,
  params: SqlParams,
): { id: string; ref: string; key: string } {
  const expr = mapping.values.trade_id
  if (!expr) return { id: 'NULL', ref: 'NULL', key: 'NULL' }
  const type = 'column' in expr ? request.file.columns.find((c) => c.name === expr.column)?.type : undefined
  if ('column' in expr && expr.otherwise === undefined && (type === 'BIGINT' || type === 'INTEGER')) {
    return { id: valueSql(expr, request.file.columns, request.file.name, params), ref: 'NULL', key: 'trade_id' }
  }
  return {
    id: 'NULL',
    ref: `CAST(${valueSql(expr, request.file.columns, request.file.name, params)} AS VARCHAR)`,
    key: 'trade_ref',
  }
}

/**
 * Inserts the partition's trades (after any earlier rows were deleted); returns the row count and the parts used.
 * A partition of one market (the usual case) writes its part as a constant; a file whose rows name their market
 * gets one part per market, joined in by name.
 */
export async function insertTrades(
  c: DuckDBConnection,
  request: LoadRequest,
  mapping: RowMapping,
  partitionId: string,
  relation: RelationOptions,
): Promise<{ rows: number; parts: TradePart[] }> {
  const { file, partition } = request
  for (const column of Object.keys(mapping.values)) {
    if (!MAPPED.has(column)) throw new Error(`${file.name}: the trades table has no column ${column}`)
  }
  // Every statement binds its own parameters (DuckDB wants exactly the ones its text names).
  const statement = (params: SqlParams) => {
    const v = (column: string) => {
      const expr = mapping.values[column]
      return expr ? valueSql(expr, file.columns, file.name, params) : 'NULL'
    }
    const id = tradeIdSql(mapping, request, params)
    const count = request.tradeBars?.tradeCount
      ? valueSql(request.tradeBars.tradeCount, file.columns, file.name, params)
      : 'NULL'
    // In trades_data's column order: ts, price, qty, is_buy, trade_id, trade_ref, trade_count.
    const exprs = [v('ts'), v('price'), v('qty'), isBuySql(mapping.values.side, request, params), id.id, id.ref, count]
    const where = mapping.requireNotNull?.length
      ? ` WHERE ${mapping.requireNotNull.map((col) => `${ident(col)} IS NOT NULL`).join(' AND ')}`
      : ''
    return { exprs, where, source: sourceRelation(file, params, relation) }
  }
  const marketExpr = mapping.values.market
  const constant = !marketExpr ? partition.market : 'literal' in marketExpr ? marketExpr.literal : undefined
  if (constant !== undefined) {
    if (typeof constant !== 'string') throw new Error(`${file.name}: trades market must be text`)
    const part = await partFor(c, partitionId, partition.venue, constant)
    const params = new SqlParams()
    const { exprs, where, source } = statement(params)
    const sql = `INSERT INTO trades_data SELECT ${numberText(part)}, ${exprs.join(', ')} FROM ${source}${where}`
    const result = await c.run(sql, params.for(sql))
    return { rows: Number(result.rowsChanged), parts: [{ part, market: constant }] }
  }
  // Rows name their market: a part per distinct market first, then the rows with their part joined in.
  const partsParams = new SqlParams()
  const partsSource = sourceRelation(file, partsParams, relation)
  const partsWhere = statement(new SqlParams()).where
  const partsMarket = valueSql(marketExpr!, file.columns, file.name, partsParams)
  const p1 = partsParams.bind(partitionId)
  const v1 = partsParams.bind(partition.venue)
  const partsSql = `INSERT INTO trade_parts
     SELECT nextval('trade_part_seq'), ${p1}, ${v1}, m
       FROM (SELECT DISTINCT ${partsMarket} AS m FROM ${partsSource}${partsWhere}) s
      WHERE NOT EXISTS (SELECT 1 FROM trade_parts p WHERE p.partition_id = ${p1} AND p.venue = ${v1} AND p.market = s.m)`
  await c.run(partsSql, partsParams.for(partsSql))
  // The mapped values are computed over the file first, so the file's own columns (it may have one named market)
  // never meet trade_parts' in one scope.
  const params = new SqlParams()
  const market = valueSql(marketExpr!, file.columns, file.name, params)
  const { exprs, where, source } = statement(params)
  const p2 = params.bind(partitionId)
  const v2 = params.bind(partition.venue)
  const sql = `INSERT INTO trades_data
     WITH src AS (SELECT ${market} AS market_, ${exprs.map((e, i) => `${e} AS c${i}`).join(', ')} FROM ${source}${where})
     SELECT p.part, src.* EXCLUDE (market_)
       FROM src JOIN trade_parts p ON p.partition_id = ${p2} AND p.venue = ${v2} AND p.market = src.market_`
  const result = await c.run(sql, params.for(sql))
  return { rows: Number(result.rowsChanged), parts: await tradePartsOf(c, partitionId) }
}

/** min/max ts of the partition's trade rows (its own row groups only, by part). */
export async function tradesTimeRange(
  c: DuckDBConnection,
  parts: readonly TradePart[],
): Promise<{ lo: bigint | null; hi: bigint | null }> {
  const r = (
    await c.runAndReadAll(
      `SELECT epoch_us(min(ts)) AS lo, epoch_us(max(ts)) AS hi FROM trades_data WHERE ${partFilter(parts)}`,
    )
  ).getRowObjects()[0]!
  return { lo: (r.lo as bigint | null) ?? null, hi: (r.hi as bigint | null) ?? null }
}
