// Replay outputs per run in DuckDB (DDL 0300): appended in batches with exact DECIMAL amounts, read back as flat
// lists for the API, deleted per run, and hashed to prove two runs produced byte-identical outputs.
import type { DuckStore } from '../duck/open.ts'
import { appendColumns, type ColumnKind, type ColumnSpec } from './chunkAppender.ts'

/**
 * One table's rows as columns: numbers in Float64Arrays (timestamps in µs, amounts in integer micro-units, NaN or
 * a negative sequence number for NULL where a column allows it) and text columns as getters by row.
 */
export interface ResultColumns {
  length: number
  num: Record<string, Float64Array>
  text: Record<string, (row: number) => string | null>
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

/** Appends one batch for `runId`: 2,048 rows per data chunk, one commit per table. */
export async function appendBacktestResults(store: DuckStore, runId: string, batch: ResultBatch): Promise<void> {
  await store.use(async (c) => {
    for (const key of Object.keys(LAYOUT) as Array<keyof ResultBatch>) {
      const [table, layout] = LAYOUT[key]
      const cols = batch[key]
      const specs = layout.map(([kind, name]): ColumnSpec => {
        switch (kind) {
          case 'run':
            return { kind: 'varchar', text: () => runId }
          case 'varchar':
            return { kind: 'varchar', text: cols.text[name]! }
          case 'seqOrNull':
            return { kind: 'bigint', values: cols.num[name]!, nullBelowZero: true }
          case 'doubleOrNull':
            return { kind: 'double', values: cols.num[name]!, nullIfNaN: true }
          default:
            return { kind, values: cols.num[name]! }
        }
      })
      await appendColumns(c, table, cols.length, specs)
    }
  })
}

/** Removes every output row of a run (before a re-run, or after a failure). */
export async function deleteBacktestResults(store: DuckStore, runId: string): Promise<void> {
  await store.transaction(async (c) => {
    for (const t of RESULT_TABLES) await c.run(`DELETE FROM ${t} WHERE run_id = $1`, [runId])
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

export interface Page {
  limit: number
  offset: number
}

/** Exact amounts as decimal strings with Float twins (columns ending in _approx). */
async function page(store: DuckStore, sql: string, runId: string, p: Page): Promise<Array<Record<string, unknown>>> {
  return store.use(async (c) =>
    (await c.runAndReadAll(`${sql} ORDER BY seq LIMIT $2 OFFSET $3`, [runId, p.limit, p.offset])).getRowObjectsJS(),
  )
}

const exact = (col: string, as = col) => `${col}::VARCHAR AS ${as}, ${col}::DOUBLE AS ${as}_approx`

export function readLiquidations(store: DuckStore, runId: string, p: Page) {
  return page(
    store,
    `SELECT seq, ts, account, market, side, kind, qty, trigger_mark, liquidation_price, bankruptcy_price, fill_price, market_price,
            ${exact('notional')}, ${exact('fee')}, ${exact('fee_to_fund')}, ${exact('equity')}, ${exact('slippage')},
            ${exact('surplus_to_fund')}, ${exact('returned')}, ${exact('shortfall')}
       FROM backtest_liquidations WHERE run_id = $1`,
    runId,
    p,
  )
}

export function readDeficits(store: DuckStore, runId: string, p: Page) {
  return page(
    store,
    `SELECT seq, ts, account, market, liquidation_seq, kind, ${exact('shortfall')}, ${exact('covered_by_fund')},
            ${exact('covered_by_fee_pool')}, ${exact('covered_by_adl')}, ${exact('socialized')}, ${exact('uncovered')}
       FROM backtest_deficits WHERE run_id = $1`,
    runId,
    p,
  )
}

export function readFundSeries(store: DuckStore, runId: string, p: Page) {
  return page(
    store,
    `SELECT seq, ts, fund, market, reason, liquidation_seq, ${exact('delta')}, ${exact('balance')}
       FROM backtest_fund_series WHERE run_id = $1`,
    runId,
    p,
  )
}

export function readAdlFills(store: DuckStore, runId: string, p: Page) {
  return page(
    store,
    `SELECT seq, ts, market, liquidation_seq, account, side, qty, fill_price, mark, rank, score,
            ${exact('realized_pnl')}, ${exact('haircut')}, ${exact('covered_shortfall')}
       FROM backtest_adl_fills WHERE run_id = $1`,
    runId,
    p,
  )
}

export function readSocialLosses(store: DuckStore, runId: string, p: Page) {
  return page(
    store,
    `SELECT seq, ts, market, liquidation_seq, per_base_unit, total_base, positions, ${exact('amount')}
       FROM backtest_social_losses WHERE run_id = $1`,
    runId,
    p,
  )
}

export function readGuardrailTriggers(store: DuckStore, runId: string, p: Page) {
  return page(
    store,
    `SELECT seq, ts, market, kind, action, value, threshold, account FROM backtest_guardrail_triggers WHERE run_id = $1`,
    runId,
    p,
  )
}
