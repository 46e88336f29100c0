// Small hand-built market and account data for detector tests: trades (through the trades_data / trade_parts layout),
// liquidations, open interest, fills with trade ids, ledger rows with counterparties, prices and bars — written
// straight into a test store with appenders. Randomness comes from the engine's seeded PRNG.
import { DuckDBTimestampValue } from '@duckdb/node-api'
import { Prng } from '../../src/replay/kernel/prng.ts'
import type { FinishedRunStatus } from '../../src/domain/run.ts'
import type { DuckStore } from '../../src/store/duck/open.ts'
import { createBacktestRun, type NewBacktestRun } from '../../src/store/meta/backtestRuns.ts'
import type { MetaClient } from '../../src/store/meta/client.ts'
import { createRun, finishRun } from '../../src/store/meta/runs.ts'

const tsv = (us: number) => new DuckDBTimestampValue(BigInt(Math.round(us)))

export const SEC = 1_000_000
export const MIN = 60 * SEC
export const HOUR = 60 * MIN
export const DAY = 24 * HOUR
/** 2025-03-03 00:00 UTC in µs. */
export const T0 = Date.UTC(2025, 2, 3) * 1000

export const rng = (seed: number) => new Prng(seed)
/** Standard normal from two uniforms (Box–Muller). */
export function gauss(r: Prng): number {
  const u = Math.max(r.next(), 1e-12)
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.next())
}

export interface TradeRow {
  tsUs: number
  price: number
  qty: number
  side: 'buy' | 'sell' | null
  id?: number
}

let nextPart = 1_000_000
let nextTradeId = 1

export async function insertTrades(store: DuckStore, venue: string, market: string, trades: TradeRow[]) {
  const part = nextPart++
  await store.use(async (c) => {
    await c.run(`INSERT INTO trade_parts VALUES ($1, $2, $3, $4)`, [
      part,
      `test/trades/${venue}/${market}/${part}`,
      venue,
      market,
    ])
    const a = await c.createAppender('trades_data')
    for (const t of trades) {
      a.appendUInteger(part)
      a.appendTimestamp(tsv(t.tsUs))
      a.appendDouble(t.price)
      a.appendDouble(t.qty)
      if (t.side === null) a.appendNull()
      else a.appendBoolean(t.side === 'buy')
      a.appendBigInt(BigInt(t.id ?? nextTradeId++))
      a.appendNull()
      a.appendNull()
      a.endRow()
    }
    a.closeSync()
  })
}

export interface PriceRow {
  tsUs: number
  price: number
}

export async function insertPriceRows(
  store: DuckStore,
  venue: string,
  market: string,
  kind: string,
  source: string,
  rows: PriceRow[],
) {
  await store.use(async (c) => {
    const a = await c.createAppender('prices')
    for (const r of rows) {
      a.appendVarchar(venue)
      a.appendVarchar(market)
      a.appendTimestamp(tsv(r.tsUs))
      a.appendVarchar(kind)
      a.appendVarchar(source)
      a.appendDouble(r.price)
      for (let k = 0; k < 5; k++) a.appendNull()
      a.appendVarchar(`test/${venue}/${market}/${kind}/${source}`)
      a.endRow()
    }
    a.closeSync()
  })
}

export interface BarRow {
  tsUs: number
  open: number
  high: number
  low: number
  close: number
  quote: number
}

export async function insertBarRows(
  store: DuckStore,
  venue: string,
  market: string,
  intervalS: number,
  rows: BarRow[],
  source = 'trades',
) {
  await store.use(async (c) => {
    const a = await c.createAppender('bars')
    for (const b of rows) {
      a.appendVarchar(venue)
      a.appendVarchar(market)
      a.appendTimestamp(tsv(b.tsUs))
      a.appendInteger(intervalS)
      a.appendDouble(b.open)
      a.appendDouble(b.high)
      a.appendDouble(b.low)
      a.appendDouble(b.close)
      a.appendDouble(b.quote / b.close)
      a.appendDouble(b.quote)
      a.appendBigInt(10n)
      a.appendNull()
      a.appendDouble(b.close)
      a.appendVarchar(source)
      a.appendVarchar(`test/bars/${venue}/${market}`)
      a.endRow()
    }
    a.closeSync()
  })
}

/** Bars from a close path: each opens at the previous close. */
export function barsOf(
  startUs: number,
  stepUs: number,
  closes: number[],
  quote: number | ((i: number) => number),
): BarRow[] {
  let prev = closes[0]!
  return closes.map((close, i) => {
    const bar = {
      tsUs: startUs + i * stepUs,
      open: prev,
      high: Math.max(prev, close),
      low: Math.min(prev, close),
      close,
      quote: typeof quote === 'number' ? quote : quote(i),
    }
    prev = close
    return bar
  })
}

export async function insertLiquidationRows(
  store: DuckStore,
  venue: string,
  market: string,
  rows: Array<{ tsUs: number; side: 'long' | 'short'; price: number; qty: number; account?: string; kind?: string }>,
) {
  await store.use(async (c) => {
    for (const r of rows) {
      await c.run(
        `INSERT INTO liquidations (venue, market, ts, side, price, qty, kind, account, source, partition_id)
         VALUES ($1, $2, make_timestamp($3::BIGINT), $4, $5::DECIMAL(38,18), $6::DECIMAL(38,18), $7, $8, 'test', 'test')`,
        [
          venue,
          market,
          BigInt(Math.round(r.tsUs)),
          r.side,
          String(r.price),
          String(r.qty),
          r.kind ?? 'liquidation',
          r.account ?? null,
        ],
      )
    }
  })
}

export async function insertOpenInterest(
  store: DuckStore,
  venue: string,
  market: string,
  rows: Array<{ tsUs: number; quote: number }>,
) {
  await store.use(async (c) => {
    const a = await c.createAppender('open_interest')
    for (const r of rows) {
      a.appendVarchar(venue)
      a.appendVarchar(market)
      a.appendTimestamp(tsv(r.tsUs))
      a.appendNull()
      a.appendDouble(r.quote)
      a.appendVarchar('test')
      a.endRow()
    }
    a.closeSync()
  })
}

export interface FillRow {
  tsUs: number
  account: string
  market: string
  side: 'buy' | 'sell'
  price: number
  qty: number
  tradeId?: string | null
  liquidation?: boolean
  /** maker | taker; absent: the venue does not say. */
  liquidity?: 'maker' | 'taker'
}

/** Fills as the venue publishes them (exact decimals from the numbers' shortest text). */
export async function insertFillRows(store: DuckStore, venue: string, fills: FillRow[]) {
  await store.use(async (c) => {
    const a = await c.createAppender('fills')
    for (const f of fills) {
      a.appendVarchar(venue)
      a.appendVarchar(f.market)
      a.appendTimestamp(tsv(f.tsUs))
      a.appendVarchar(f.account)
      a.appendVarchar(f.side)
      a.appendVarchar(decimal(f.price))
      a.appendVarchar(decimal(f.qty))
      a.appendVarchar('0')
      a.appendNull()
      a.appendBoolean(f.liquidation ?? false)
      if (f.liquidity) a.appendVarchar(f.liquidity)
      else a.appendNull()
      a.appendNull()
      a.appendNull()
      a.appendNull()
      if (f.tradeId) a.appendVarchar(f.tradeId)
      else a.appendNull()
      a.appendNull()
      a.appendVarchar('test')
      a.appendNull()
      a.appendNull()
      a.endRow()
    }
    a.closeSync()
  })
}

/** A trade between two accounts as both fills (one trade id); `taker` names the side that took (default: unsaid). */
export function tradeFills(o: {
  tsUs: number
  market: string
  buyer: string
  seller: string
  price: number
  qty: number
  tradeId: string
  taker?: 'buyer' | 'seller'
}): FillRow[] {
  const liquidity = (mine: 'buyer' | 'seller') =>
    (o.taker ? { liquidity: o.taker === mine ? 'taker' : 'maker' } : {}) as Pick<FillRow, 'liquidity'>
  return [
    {
      tsUs: o.tsUs,
      account: o.buyer,
      market: o.market,
      side: 'buy',
      price: o.price,
      qty: o.qty,
      tradeId: o.tradeId,
      ...liquidity('buyer'),
    },
    {
      tsUs: o.tsUs,
      account: o.seller,
      market: o.market,
      side: 'sell',
      price: o.price,
      qty: o.qty,
      tradeId: o.tradeId,
      ...liquidity('seller'),
    },
  ]
}

export async function insertLedgerRows(
  store: DuckStore,
  venue: string,
  rows: Array<{
    tsUs: number
    account: string
    delta: number
    kind: string
    counterparty?: string | null
    txId?: string
  }>,
) {
  await store.use(async (c) => {
    for (const r of rows) {
      await c.run(
        `INSERT INTO ledger (venue, ts, account, delta_quote, kind, counterparty, tx_id, partition_id)
         VALUES ($1, make_timestamp($2::BIGINT), $3, $4::DECIMAL(38,18), $5, $6, $7, 'test')`,
        [
          venue,
          BigInt(Math.round(r.tsUs)),
          r.account,
          decimal(r.delta),
          r.kind,
          r.counterparty ?? null,
          r.txId ?? null,
        ],
      )
    }
  })
}

export async function insertFundingRows(
  store: DuckStore,
  venue: string,
  market: string,
  rows: Array<{ tsUs: number; rate: number; intervalH?: number }>,
) {
  await store.use(async (c) => {
    const a = await c.createAppender('funding')
    for (const r of rows) {
      a.appendVarchar(venue)
      a.appendVarchar(market)
      a.appendTimestamp(tsv(r.tsUs))
      a.appendDouble(r.rate)
      a.appendInteger(r.intervalH ?? 1)
      a.appendNull()
      a.appendVarchar('test')
      a.endRow()
    }
    a.closeSync()
  })
}

/** A number as exact decimal text with at most 12 places (fills and ledger are DECIMAL(38, 18)). */
export function decimal(x: number): string {
  const s = x.toFixed(12).replace(/0+$/, '').replace(/\.$/, '')
  return s === '-0' ? '0' : s
}

/**
 * A backtest run's records as the run system leaves them (the run, its BacktestRun part), without replaying anything:
 * finished with `status`, or still queued. Detector tests then write the run's result rows themselves.
 */
export async function backtestRunRecord(
  meta: MetaClient,
  record: Omit<NewBacktestRun, 'ruleSetHash' | 'ruleSetRef' | 'ruleSetVersionId' | 'seed' | 'params'>,
  status: FinishedRunStatus | 'queued' = 'succeeded',
): Promise<{ id: string }> {
  const run = await createRun(meta, {
    kind: 'backtest',
    job: 'backtest',
    trigger: 'cli',
    params: {},
    owner: { host: 'test', pid: process.pid },
  })
  await createBacktestRun(meta, run.id, {
    ruleSetHash: 'h',
    ruleSetRef: 'hyperliquid',
    ruleSetVersionId: null,
    seed: 1,
    params: {},
    ...record,
  })
  if (status !== 'queued') await finishRun(meta, run.id, { status })
  return { id: run.id }
}
