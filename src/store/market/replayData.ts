// What market data a replay window has, per market: bar intervals and sources, reference price streams, funding,
// open interest, account fills and ledger rows, and the mean traded volume (aggregated in DuckDB).
import { listValue } from '@duckdb/node-api'
import type { DuckStore } from '../duck/open.ts'

export interface BarSeries {
  intervalS: number
  source: string
  rows: number
}

export interface PriceSeries {
  kind: string
  source: string
  /** Bar length in seconds, or null for ticks. */
  intervalS: number | null
  rows: number
}

export interface MarketData {
  market: string
  bars: BarSeries[]
  prices: PriceSeries[]
  funding: number
  openInterest: number
  /** The first open-interest row of the window, in quote and in base (NaN when absent). */
  firstOpenInterestQuote: number
  firstOpenInterestBase: number
  fills: number
  /** Mean quote volume per second over the window, from the finest bars (NaN without volume). */
  meanQuoteVolumePerS: number
}

export interface ReplayData {
  markets: MarketData[]
  ledger: number
  /** Ledger rows of kind funding up to the window end (account replays then take funding from the ledger). */
  ledgerFunding: number
  /** Earliest fill or ledger row at or before the window end, µs (account replays warm up from here). */
  firstAccountTs: number | null
}

const us = (n: number) => BigInt(Math.round(n))

/** Row counts per series in [fromUs, toUs) for the venue's markets; DuckDB does the grouping. */
export async function describeReplayData(
  store: DuckStore,
  venue: string,
  markets: readonly string[],
  fromUs: number,
  toUs: number,
): Promise<ReplayData> {
  return store.use(async (c) => {
    const params = [venue, us(fromUs), us(toUs), listValue([...markets])]
    const where = `venue = $1 AND ts >= make_timestamp($2::BIGINT) AND ts < make_timestamp($3::BIGINT) AND ${inMarkets('$4')}`
    const bars = (
      await c.runAndReadAll(
        `SELECT market, interval_s, source, count(*)::DOUBLE AS n,
                sum(coalesce(quote_volume, volume * coalesce(vwap, close)))::DOUBLE AS qv
           FROM bars WHERE ${where} GROUP BY ALL ORDER BY market, interval_s, source`,
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
    const counts = async (table: string) =>
      new Map(
        (
          await c.runAndReadAll(
            `SELECT market, count(*)::DOUBLE AS n FROM ${table} WHERE ${where} GROUP BY market`,
            params,
          )
        )
          .getRowObjectsJS()
          .map((r) => [String(r.market), Number(r.n)]),
      )
    const funding = await counts('funding')
    const oi = await counts('open_interest')
    const firstOi = new Map(
      (
        await c.runAndReadAll(
          `SELECT market, arg_min(oi_quote, ts)::DOUBLE AS quote, arg_min(oi_base, ts)::DOUBLE AS base
             FROM open_interest WHERE ${where} GROUP BY market`,
          params,
        )
      )
        .getRowObjectsJS()
        .map((r) => [String(r.market), { quote: Number(r.quote ?? Number.NaN), base: Number(r.base ?? Number.NaN) }]),
    )
    const fills = await counts('fills')
    const ledgerRow = (
      await c.runAndReadAll(
        `SELECT count(*)::DOUBLE AS n FROM ledger WHERE venue = $1 AND ts >= make_timestamp($2::BIGINT) AND ts < make_timestamp($3::BIGINT)`,
        [venue, us(fromUs), us(toUs)],
      )
    ).getRowObjectsJS()[0]
    const ledgerFunding = (
      await c.runAndReadAll(
        `SELECT count(*)::DOUBLE AS n FROM ledger WHERE venue = $1 AND kind = 'funding' AND ts < make_timestamp($2::BIGINT)`,
        [venue, us(toUs)],
      )
    ).getRowObjectsJS()[0]
    const first = (
      await c.runAndReadAll(
        `SELECT min(t)::DOUBLE AS t FROM (
           SELECT epoch_us(min(ts)) AS t FROM fills WHERE venue = $1 AND ts < make_timestamp($2::BIGINT) AND ${inMarkets('$3')}
           UNION ALL SELECT epoch_us(min(ts)) FROM ledger
             WHERE venue = $1 AND ts < make_timestamp($2::BIGINT) AND account IN (${accountsSql('$3')}))`,
        [venue, us(toUs), listValue([...markets])],
      )
    ).getRowObjectsJS()[0]
    const windowS = (toUs - fromUs) / 1e6
    return {
      markets: markets.map((market) => {
        const mine = bars.filter((r) => r.market === market)
        const finest = mine.filter((r) => r.qv !== null).sort((a, b) => Number(a.interval_s) - Number(b.interval_s))[0]
        return {
          market,
          bars: mine.map((r) => ({ intervalS: Number(r.interval_s), source: String(r.source), rows: Number(r.n) })),
          prices: prices
            .filter((r) => r.market === market)
            .map((r) => ({
              kind: String(r.kind),
              source: String(r.source),
              intervalS: r.interval_s === null ? null : Number(r.interval_s),
              rows: Number(r.n),
            })),
          funding: funding.get(market) ?? 0,
          openInterest: oi.get(market) ?? 0,
          firstOpenInterestQuote: firstOi.get(market)?.quote ?? Number.NaN,
          firstOpenInterestBase: firstOi.get(market)?.base ?? Number.NaN,
          fills: fills.get(market) ?? 0,
          meanQuoteVolumePerS: finest ? Number(finest.qv) / windowS : Number.NaN,
        }
      }),
      ledger: Number(ledgerRow?.n ?? 0),
      ledgerFunding: Number(ledgerFunding?.n ?? 0),
      firstAccountTs: first?.t === null || first?.t === undefined ? null : Number(first.t),
    }
  })
}

/**
 * Account ids with fills in the markets up to `toUs`, sorted: position in the list = index. An account that never
 * traded them holds nothing a replay of them can move (its ledger rows alone change no outcome), so it is left out:
 * other markets' accounts of the venue — another scenario's, under `synthetic` — never enter this replay.
 */
export async function listReplayAccounts(
  store: DuckStore,
  venue: string,
  markets: readonly string[],
  toUs: number,
): Promise<string[]> {
  return store.use(async (c) => {
    const reader = await c.runAndReadAll(accountsSql('$3'), [venue, us(toUs), listValue([...markets])])
    return reader.getRowObjectsJS().map((r) => String(r.account))
  })
}

/** `market` is one of the markets in the VARCHAR[] parameter `param` (bound, never pasted into the SQL). */
export function inMarkets(param: string, column = 'market'): string {
  return `${column} IN (SELECT unnest(${param}::VARCHAR[]))`
}

/**
 * The account dictionary ($1 venue, $2 window end µs, `marketsParam` the markets as a VARCHAR[] parameter), ordered
 * so that the index is reproducible; the feed joins the same query.
 */
export function accountsSql(marketsParam: string): string {
  return `SELECT DISTINCT account FROM fills
    WHERE venue = $1 AND ts < make_timestamp($2::BIGINT) AND ${inMarkets(marketsParam)} ORDER BY account`
}
