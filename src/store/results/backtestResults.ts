// Replay outputs per run in DuckDB (DDL 0300): appended in batches with exact DECIMAL amounts, deleted per run, and
// hashed to prove two runs produced byte-identical outputs (resultLists.ts reads them back for the API).
import type { DuckStore } from '../duck/open.ts'
import { deleteRunSeriesRollups } from '../series/runSeriesRollups.ts'
import { appendColumns, type ColumnKind, type ColumnSpec } from './chunkAppender.ts'

/**
 * Text coded as numbers: row i is `names[codes[i]]`; a negative code is the synthetic account `syn-<serials[i]>`
 * when `serials` is given and that serial is ≥ 0, NULL otherwise. Coded columns cross into DuckDB as integers and
 * are turned into text there, instead of one string per row through the binding.
 */
export interface CodedText {
  codes: Float64Array
  names: readonly string[]
  serials?: Float64Array
}

/**
 * One table's rows as columns: numbers in Float64Arrays (timestamps in µs, amounts in integer micro-units, NaN or
 * a negative sequence number for NULL where a column allows it) and text columns coded, or as getters by row.
 */
export interface ResultColumns {
  length: number
  num: Record<string, Float64Array>
  text: Record<string, CodedText | ((row: number) => string | null)>
}

export interface ResultBatch {
  liquidations: ResultColumns
  deficits: ResultColumns
  fund: ResultColumns
  adl: ResultColumns
  social: ResultColumns
  guardrails: ResultColumns
}

export const RESULT_TABLES = [
  'backtest_liquidations',
  'backtest_deficits',
  'backtest_fund_series',
  'backtest_adl_fills',
  'backtest_social_losses',
  'backtest_guardrail_triggers',
] as const

/** Column order of each table (DDL 0300): where each value comes from and how it is stored. */
type Layout = Array<[ColumnKind | 'run' | 'seqOrNull' | 'doubleOrNull', string]>
const LAYOUT: Record<keyof ResultBatch, [string, Layout]> = {
  liquidations: [
    'backtest_liquidations',
    [
      ['run', ''],
      ['bigint', 'seq'],
      ['timestamp', 'ts'],
      ['varchar', 'account'],
      ['varchar', 'market'],
      ['varchar', 'side'],
      ['varchar', 'kind'],
      ['double', 'qty'],
      ['decimal', 'notional'],
      ['double', 'triggerMark'],
      ['doubleOrNull', 'liquidationPrice'],
      ['doubleOrNull', 'bankruptcyPrice'],
      ['double', 'fillPrice'],
      ['double', 'marketPrice'],
      ['decimal', 'fee'],
      ['decimal', 'feeToFund'],
      ['decimal', 'equity'],
      ['decimal', 'slippage'],
      ['decimal', 'surplus'],
      ['decimal', 'returned'],
      ['decimal', 'shortfall'],
    ],
  ],
  deficits: [
    'backtest_deficits',
    [
      ['run', ''],
      ['bigint', 'seq'],
      ['timestamp', 'ts'],
      ['varchar', 'account'],
      ['varchar', 'market'],
      ['seqOrNull', 'liquidationSeq'],
      ['varchar', 'kind'],
      ['decimal', 'shortfall'],
      ['decimal', 'fund'],
      ['decimal', 'feePool'],
      ['decimal', 'adl'],
      ['decimal', 'socialized'],
      ['decimal', 'uncovered'],
    ],
  ],
  fund: [
    'backtest_fund_series',
    [
      ['run', ''],
      ['bigint', 'seq'],
      ['timestamp', 'ts'],
      ['varchar', 'fund'],
      ['varchar', 'market'],
      ['varchar', 'reason'],
      ['decimal', 'delta'],
      ['decimal', 'balance'],
      ['seqOrNull', 'liquidationSeq'],
    ],
  ],
  adl: [
    'backtest_adl_fills',
    [
      ['run', ''],
      ['bigint', 'seq'],
      ['timestamp', 'ts'],
      ['varchar', 'market'],
      ['seqOrNull', 'liquidationSeq'],
      ['varchar', 'account'],
      ['varchar', 'side'],
      ['double', 'qty'],
      ['double', 'fillPrice'],
      ['double', 'mark'],
      ['integer', 'rank'],
      ['doubleOrNull', 'score'],
      ['decimal', 'realizedPnl'],
      ['decimal', 'haircut'],
      ['decimal', 'covered'],
    ],
  ],
  social: [
    'backtest_social_losses',
    [
      ['run', ''],
      ['bigint', 'seq'],
      ['timestamp', 'ts'],
      ['varchar', 'market'],
      ['bigint', 'liquidationSeq'],
      ['decimal', 'amount'],
      ['double', 'perBase'],
      ['double', 'totalBase'],
      ['integer', 'positions'],
    ],
  ],
  guardrails: [
    'backtest_guardrail_triggers',
    [
      ['run', ''],
      ['bigint', 'seq'],
      ['timestamp', 'ts'],
      ['varchar', 'market'],
      ['varchar', 'kind'],
      ['varchar', 'action'],
      ['doubleOrNull', 'value'],
      ['doubleOrNull', 'threshold'],
      ['varchar', 'account'],
    ],
  ],
}

const SQL_TYPE: Record<ColumnKind, string> = {
  varchar: 'VARCHAR',
  bigint: 'BIGINT',
  timestamp: 'TIMESTAMP',
  double: 'DOUBLE',
  decimal: 'DECIMAL(18, 6)',
  integer: 'INTEGER',
}

const sqlText = (s: string) => `'${s.replaceAll("'", "''")}'`

/**
 * Appends one batch for `runId`. Each table's rows are first appended to a temporary staging table as typed data
 * chunks (text as integer codes), then moved with one `INSERT … SELECT` that names the codes inside DuckDB.
 * `onStaged` is called once every row is staged: from then on the caller may reuse the batch's buffers while
 * DuckDB finishes the inserts off the JS thread (the returned promise settles when they are committed).
 */
export async function appendBacktestResults(
  store: DuckStore,
  runId: string,
  batch: ResultBatch,
  onStaged?: () => void,
): Promise<void> {
  await store.use(async (c) => {
    const moves: string[] = []
    for (const key of Object.keys(LAYOUT) as Array<keyof ResultBatch>) {
      const [table, layout] = LAYOUT[key]
      const cols = batch[key]
      if (!cols.length) continue
      const specs: ColumnSpec[] = []
      const defs: string[] = []
      const select: string[] = []
      const stage = (spec: ColumnSpec) => {
        const name = `c${specs.length}`
        specs.push(spec)
        defs.push(`${name} ${SQL_TYPE[spec.kind]}`)
        return name
      }
      for (const [kind, name] of layout) {
        switch (kind) {
          case 'run':
            select.push('$1')
            break
          case 'varchar': {
            const text = cols.text[name]!
            if (typeof text === 'function') {
              select.push(stage({ kind: 'varchar', text }))
              break
            }
            const code = stage({ kind: 'integer', values: text.codes })
            const named = text.names.length
              ? `WHEN ${code} >= 0 THEN [${text.names.map(sqlText).join(', ')}][${code} + 1]`
              : ''
            let synthetic = ''
            if (text.serials) {
              const serial = stage({ kind: 'bigint', values: text.serials, nullBelowZero: true })
              synthetic = `WHEN ${serial} >= 0 THEN 'syn-' || CAST(${serial} AS VARCHAR)`
            }
            select.push(named || synthetic ? `CASE ${named} ${synthetic} END` : 'NULL::VARCHAR')
            break
          }
          case 'seqOrNull':
            select.push(stage({ kind: 'bigint', values: cols.num[name]!, nullBelowZero: true }))
            break
          case 'doubleOrNull':
            select.push(stage({ kind: 'double', values: cols.num[name]!, nullIfNaN: true }))
            break
          default:
            select.push(stage({ kind, values: cols.num[name]! }))
        }
      }
      await c.run(`CREATE OR REPLACE TEMP TABLE stage_${table} (${defs.join(', ')})`)
      await appendColumns(c, `stage_${table}`, cols.length, specs)
      moves.push(`INSERT INTO ${table} SELECT ${select.join(', ')} FROM stage_${table}`)
      moves.push(`DROP TABLE stage_${table}`)
    }
    onStaged?.()
    for (const sql of moves) await c.run(sql, sql.includes('$1') ? [runId] : undefined)
  })
}

/** Removes every output row of a run, and its series rollups (before a re-run, or after a failure). */
export async function deleteBacktestResults(store: DuckStore, runId: string): Promise<void> {
  await store.transaction(async (c) => {
    for (const t of RESULT_TABLES) await c.run(`DELETE FROM ${t} WHERE run_id = $1`, [runId])
    await deleteRunSeriesRollups(c, runId)
  })
}

/** sha256 over every output row of a run, table by table in seq order: equal hashes = byte-identical outputs. */
export async function hashBacktestResults(store: DuckStore, runId: string): Promise<string> {
  return store.use(async (c) => {
    const parts: string[] = []
    for (const t of RESULT_TABLES) {
      const r = await c.runAndReadAll(
        `SELECT sha256(coalesce(string_agg(x::VARCHAR, chr(10) ORDER BY x.seq), '')) AS h
           FROM (SELECT * EXCLUDE (run_id) FROM ${t} WHERE run_id = $1) x`,
        [runId],
      )
      parts.push(`${t}:${String(r.getRowObjectsJS()[0]!.h)}`)
    }
    const all = await c.runAndReadAll(`SELECT sha256($1) AS h`, [parts.join('\n')])
    return String(all.getRowObjectsJS()[0]!.h)
  })
}
