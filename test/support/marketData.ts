// Writes normalized market data (DDL 0001) straight into a test store: bars, reference prices, funding, fills,
// ledger, open interest. The ingestion connectors fill the same tables in production (and, like the loader, bars
// and prices written here refresh their partition's per-minute series rollups).
import { DuckDBTimestampValue } from '@duckdb/node-api'
import type { DuckStore } from '../../src/store/duck/open.ts'
import { writeMinuteRollups } from '../../src/store/series/minuteRollups.ts'

const tsv = (us: number) => new DuckDBTimestampValue(BigInt(Math.round(us)))

export interface Bar {
  /** Open time, µs. */
  tsUs: number
  open: number
  high: number
  low: number
  close: number
  quoteVolume?: number
}

export async function insertBars(
  store: DuckStore,
  venue: string,
  market: string,
  intervalS: number,
  bars: Bar[],
  source = 'trades',
) {
  await store.use(async (c) => {
    const a = await c.createAppender('bars')
    for (const b of bars) {
      a.appendVarchar(venue)
      a.appendVarchar(market)
      a.appendTimestamp(tsv(b.tsUs))
      a.appendInteger(intervalS)
      a.appendDouble(b.open)
      a.appendDouble(b.high)
      a.appendDouble(b.low)
      a.appendDouble(b.close)
      a.appendDouble((b.quoteVolume ?? 1e6) / b.close)
      a.appendDouble(b.quoteVolume ?? 1e6)
      a.appendBigInt(10n)
      a.appendNull()
      a.appendDouble(b.close)
      a.appendVarchar(source)
      a.appendVarchar(`test/${venue}/${market}`)
      a.endRow()
    }
    a.closeSync()
    await writeMinuteRollups(c, [`test/${venue}/${market}`])
  })
}

/** A 1 s bar path from closes: each bar opens at the previous close; `wicks` adds extra lows / highs by index. */
export function barsFromCloses(
  startUs: number,
  closes: number[],
  wicks: Record<number, { low?: number; high?: number }> = {},
  quoteVolume = 1e6,
): Bar[] {
  let prev = closes[0]!
  return closes.map((close, i) => {
    const w = wicks[i] ?? {}
    const bar = {
      tsUs: startUs + i * 1e6,
      open: prev,
      high: Math.max(prev, close, w.high ?? -Infinity),
      low: Math.min(prev, close, w.low ?? Infinity),
      close,
      quoteVolume,
    }
    prev = close
    return bar
  })
}

export async function insertPrices(
  store: DuckStore,
  venue: string,
  market: string,
  kind: string,
  source: string,
  points: Array<[number, number]>,
) {
  await store.use(async (c) => {
    const a = await c.createAppender('prices')
    for (const [us, price] of points) {
      a.appendVarchar(venue)
      a.appendVarchar(market)
      a.appendTimestamp(tsv(us))
      a.appendVarchar(kind)
      a.appendVarchar(source)
      a.appendDouble(price)
      a.appendNull()
      a.appendNull()
      a.appendNull()
      a.appendNull()
      a.appendNull()
      a.appendVarchar(`test/${venue}/${market}/${kind}`)
      a.endRow()
    }
    a.closeSync()
    await writeMinuteRollups(c, [`test/${venue}/${market}/${kind}`])
  })
}

export async function insertFunding(
  store: DuckStore,
  venue: string,
  market: string,
  points: Array<[number, number]>,
  intervalH = 8,
) {
  await store.use(async (c) => {
    for (const [us, rate] of points) {
      await c.run(`INSERT INTO funding VALUES ($1, $2, make_timestamp($3::BIGINT), $4, $5, NULL, 'test')`, [
        venue,
        market,
        BigInt(us),
        rate,
        intervalH,
      ])
    }
  })
}

export interface Fill {
  tsUs: number
  account: string
  market: string
  side: 'buy' | 'sell'
  price: string
  qty: string
  fee?: string
  liquidation?: boolean
}

export async function insertFills(store: DuckStore, venue: string, fills: Fill[]) {
  await store.use(async (c) => {
    for (const f of fills) {
      await c.run(
        `INSERT INTO fills (venue, market, ts, account, side, price, qty, fee, liquidation, partition_id)
         VALUES ($1, $2, make_timestamp($3::BIGINT), $4, $5, $6::DECIMAL(38,18), $7::DECIMAL(38,18), $8::DECIMAL(38,18), $9, 'test')`,
        [venue, f.market, BigInt(f.tsUs), f.account, f.side, f.price, f.qty, f.fee ?? '0', f.liquidation ?? false],
      )
    }
  })
}

export async function insertLedger(
  store: DuckStore,
  venue: string,
  rows: Array<{ tsUs: number; account: string; delta: string; kind: string }>,
) {
  await store.use(async (c) => {
    for (const r of rows) {
      await c.run(
        `INSERT INTO ledger (venue, ts, account, delta_quote, kind, partition_id) VALUES ($1, make_timestamp($2::BIGINT), $3, $4::DECIMAL(38,18), $5, 'test')`,
        [venue, BigInt(r.tsUs), r.account, r.delta, r.kind],
      )
    }
  })
}
