// What another stored venue offers as a price proxy (a mark or oracle taken from it): per market its bar series and
// reference price streams in a window, the venues the store holds and a venue's markets with rows in a window (for
// error messages naming what is valid).
import { listValue } from '@duckdb/node-api'
import type { DuckStore } from '../duck/open.ts'
import { inMarkets, type BarSeries, type PriceSeries } from './replayData.ts'

export interface ProxyMarketData {
  market: string
  bars: BarSeries[]
  prices: PriceSeries[]
}

const us = (n: number) => BigInt(Math.round(n))

/** Bars and price series of `markets` on `venue` in [fromUs, toUs), grouped in DuckDB. */
export async function describeProxyMarkets(
  store: DuckStore,
  venue: string,
  markets: readonly string[],
  fromUs: number,
  toUs: number,
): Promise<ProxyMarketData[]> {
  return store.use(async (c) => {
    const params = [venue, us(fromUs), us(toUs), listValue([...markets])]
    const where = `venue = $1 AND ts >= make_timestamp($2::BIGINT) AND ts < make_timestamp($3::BIGINT) AND ${inMarkets('$4')}`
    const bars = (
      await c.runAndReadAll(
        `SELECT market, interval_s, source, count(*)::DOUBLE AS n FROM bars WHERE ${where} GROUP BY ALL ORDER BY ALL`,
        params,
      )
    ).getRowObjectsJS()
    const prices = (
      await c.runAndReadAll(
        `SELECT market, kind, source, interval_s, count(*)::DOUBLE AS n
           FROM prices WHERE ${where} GROUP BY ALL ORDER BY market, kind, source, interval_s NULLS FIRST`,
        params,
      )
    ).getRowObjectsJS()
    return markets.map((market) => ({
      market,
      bars: bars
        .filter((r) => r.market === market)
        .map((r) => ({ intervalS: Number(r.interval_s), source: String(r.source), rows: Number(r.n) })),
      prices: prices
        .filter((r) => r.market === market)
        .map((r) => ({
          kind: String(r.kind),
          source: String(r.source),
          intervalS: r.interval_s === null ? null : Number(r.interval_s),
          rows: Number(r.n),
        })),
    }))
  })
}

/** Venues with stored prices or bars (any time), sorted. */
export async function priceVenues(store: DuckStore): Promise<string[]> {
  return store.use(async (c) =>
    (
      await c.runAndReadAll(
        `SELECT venue FROM (SELECT DISTINCT venue FROM prices UNION SELECT DISTINCT venue FROM bars) ORDER BY venue`,
      )
    )
      .getRowObjectsJS()
      .map((r) => String(r.venue)),
  )
}

/** Markets of `venue` with prices or bars in [fromUs, toUs), sorted, at most `limit`. */
export async function venueMarketsInWindow(
  store: DuckStore,
  venue: string,
  fromUs: number,
  toUs: number,
  limit = 20,
): Promise<string[]> {
  return store.use(async (c) =>
    (
      await c.runAndReadAll(
        `SELECT market FROM (
           SELECT DISTINCT market FROM prices WHERE venue = $1 AND ts >= make_timestamp($2::BIGINT) AND ts < make_timestamp($3::BIGINT)
           UNION SELECT DISTINCT market FROM bars WHERE venue = $1 AND ts >= make_timestamp($2::BIGINT) AND ts < make_timestamp($3::BIGINT)
         ) ORDER BY market LIMIT $4`,
        [venue, us(fromUs), us(toUs), limit],
      )
    )
      .getRowObjectsJS()
      .map((r) => String(r.market)),
  )
}
