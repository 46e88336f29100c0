// Replay outputs per run in DuckDB (DDL 0300): appended in batches with exact DECIMAL amounts, read back as flat
// lists for the API, deleted per run, and hashed to prove two runs produced byte-identical outputs.
import { DuckDBDecimalValue, DuckDBTimestampValue, type DuckDBAppender } from '@duckdb/node-api'
import type { DuckStore } from '../duck/open.ts'

/** Amounts are integer micro-units (exact in a JS number below 2^53) or BigInt. */
type Micros = number | bigint

export interface LiquidationRow {
  seq: number
  tsUs: number
  account: string
  market: string
  side: string
  kind: string
  qty: number
  notional: Micros
  triggerMark: number
  liquidationPrice: number | null
  bankruptcyPrice: number | null
  fillPrice: number
  marketPrice: number
  fee: Micros
  feeToFund: Micros
  equity: Micros
  slippage: Micros
  surplus: Micros
  returned: Micros
  shortfall: Micros
}

export interface DeficitRow {
  seq: number
  tsUs: number
  account: string
  market: string
  liquidationSeq: number | null
  kind: string
  shortfall: Micros
  fund: Micros
  feePool: Micros
  adl: Micros
  socialized: Micros
  uncovered: Micros
}

export interface FundRow {
  seq: number
  tsUs: number
  fund: string
  market: string | null
  reason: string
  delta: Micros
  balance: Micros
  liquidationSeq: number | null
}

export interface AdlRow {
  seq: number
  tsUs: number
  market: string
  liquidationSeq: number | null
  account: string
  side: string
  qty: number
  fillPrice: number
  mark: number
  rank: number
  score: number | null
  realizedPnl: Micros
  haircut: Micros
  covered: Micros
}

export interface SocialRow {
  seq: number
  tsUs: number
  market: string
  liquidationSeq: number
  amount: Micros
  perBase: number
  totalBase: number
  positions: number
}

export interface GuardrailRow {
  seq: number
  tsUs: number
  market: string | null
  kind: string
  action: string
  value: number | null
  threshold: number | null
  account: string | null
}

export interface ResultBatch {
  liquidations: LiquidationRow[]
  deficits: DeficitRow[]
  fund: FundRow[]
  adl: AdlRow[]
  social: SocialRow[]
  guardrails: GuardrailRow[]
}

export const RESULT_TABLES = [
  'backtest_liquidations',
  'backtest_deficits',
  'backtest_fund_series',
  'backtest_adl_fills',
  'backtest_social_losses',
  'backtest_guardrail_triggers',
] as const

const dec = (a: DuckDBAppender, m: Micros) => a.appendDecimal(new DuckDBDecimalValue(BigInt(m), 38, 6))
const ts = (a: DuckDBAppender, us: number) => a.appendTimestamp(new DuckDBTimestampValue(BigInt(Math.round(us))))
const num = (a: DuckDBAppender, x: number | null) =>
  x === null || Number.isNaN(x) ? a.appendNull() : a.appendDouble(x)
const str = (a: DuckDBAppender, s: string | null) => (s === null ? a.appendNull() : a.appendVarchar(s))
const big = (a: DuckDBAppender, n: number | null) => (n === null ? a.appendNull() : a.appendBigInt(BigInt(n)))

/** Appends one batch of rows for `runId`, table by table (DuckDB's appender, so millions of rows stay cheap). */
export async function appendBacktestResults(store: DuckStore, runId: string, batch: ResultBatch): Promise<void> {
  await store.use(async (c) => {
    const table = async <R>(name: string, rows: R[], write: (a: DuckDBAppender, r: R) => void) => {
      if (!rows.length) return
      const a = await c.createAppender(name)
      for (const r of rows) {
        a.appendVarchar(runId)
        write(a, r)
        a.endRow()
      }
      a.closeSync()
    }
    await table('backtest_liquidations', batch.liquidations, (a, r) => {
      big(a, r.seq)
      ts(a, r.tsUs)
      str(a, r.account)
      str(a, r.market)
      str(a, r.side)
      str(a, r.kind)
      a.appendDouble(r.qty)
      dec(a, r.notional)
      a.appendDouble(r.triggerMark)
      num(a, r.liquidationPrice)
      num(a, r.bankruptcyPrice)
      a.appendDouble(r.fillPrice)
      a.appendDouble(r.marketPrice)
      dec(a, r.fee)
      dec(a, r.feeToFund)
      dec(a, r.equity)
      dec(a, r.slippage)
      dec(a, r.surplus)
      dec(a, r.returned)
      dec(a, r.shortfall)
    })
    await table('backtest_deficits', batch.deficits, (a, r) => {
      big(a, r.seq)
      ts(a, r.tsUs)
      str(a, r.account)
      str(a, r.market)
      big(a, r.liquidationSeq)
      str(a, r.kind)
      dec(a, r.shortfall)
      dec(a, r.fund)
      dec(a, r.feePool)
      dec(a, r.adl)
      dec(a, r.socialized)
      dec(a, r.uncovered)
    })
    await table('backtest_fund_series', batch.fund, (a, r) => {
      big(a, r.seq)
      ts(a, r.tsUs)
      str(a, r.fund)
      str(a, r.market)
      str(a, r.reason)
      dec(a, r.delta)
      dec(a, r.balance)
      big(a, r.liquidationSeq)
    })
    await table('backtest_adl_fills', batch.adl, (a, r) => {
      big(a, r.seq)
      ts(a, r.tsUs)
      str(a, r.market)
      big(a, r.liquidationSeq)
      str(a, r.account)
      str(a, r.side)
      a.appendDouble(r.qty)
      a.appendDouble(r.fillPrice)
      a.appendDouble(r.mark)
      a.appendInteger(r.rank)
      num(a, r.score)
      dec(a, r.realizedPnl)
      dec(a, r.haircut)
      dec(a, r.covered)
    })
    await table('backtest_social_losses', batch.social, (a, r) => {
      big(a, r.seq)
      ts(a, r.tsUs)
      str(a, r.market)
      big(a, r.liquidationSeq)
      dec(a, r.amount)
      a.appendDouble(r.perBase)
      a.appendDouble(r.totalBase)
      a.appendInteger(r.positions)
    })
    await table('backtest_guardrail_triggers', batch.guardrails, (a, r) => {
      big(a, r.seq)
      ts(a, r.tsUs)
      str(a, r.market)
      str(a, r.kind)
      str(a, r.action)
      num(a, r.value)
      num(a, r.threshold)
      str(a, r.account)
    })
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
