// SQL that derives 1-second and 1-minute trade bars from the trades a partition loads, so wicks inside an interval
// are kept for the replay (which reads bars, not every trade).
import type { RowMapping, SourceFile, TradeBarsSpec } from '../../domain/loadSpec.ts'
import { sourceRelation, valueSql } from './sourceSql.ts'
import { literal } from './sqlText.ts'

/**
 * One INSERT writing both bar sizes. Bars are computed from the source file itself (read again, which costs far less
 * than the insert) so the trade count can come from aggregate-trade id spans and ties are broken by the numeric
 * sequence, neither of which the trades table keeps.
 */
export function tradeBarsInsert(
  file: SourceFile,
  trades: RowMapping,
  spec: TradeBarsSpec,
  ids: { venue: string; market: string; partitionId: string },
  present?: ReadonlySet<string>,
): string {
  const v = (name: string) => {
    const expr = trades.values[name]
    if (!expr) throw new Error(`trade bars need the trades mapping to define ${name}`)
    return valueSql(expr, file.columns, file.name)
  }
  const side = trades.values.side ? v('side') : 'NULL'
  const count = spec.tradeCount ? valueSql(spec.tradeCount, file.columns, file.name) : '1'
  const sequence = spec.sequence
    ? valueSql(spec.sequence, file.columns, file.name)
    : trades.values.trade_id
      ? v('trade_id')
      : 'NULL'
  const market = trades.values.market ? v('market') : literal(ids.market)
  const head = `${literal(ids.venue)}`
  const tail = `'trades', ${literal(ids.partitionId)}`
  return `INSERT INTO bars (venue, market, ts, interval_s, open, high, low, close, volume, quote_volume, trades,
                     taker_buy_volume, vwap, source, partition_id)
WITH src AS (
  SELECT ${market} AS market, ${v('ts')} AS ts, ${v('price')} AS price, ${v('qty')} AS qty, ${side} AS side,
         ${count} AS n, ${sequence} AS seq
    FROM ${sourceRelation(file, present)}
),
s AS MATERIALIZED (
  SELECT market, time_bucket(INTERVAL 1 second, ts) AS b,
         arg_min(price, {'t': ts, 'q': seq}) AS open, max(price) AS high, min(price) AS low,
         arg_max(price, {'t': ts, 'q': seq}) AS close,
         sum(qty) AS volume, sum(price * qty) AS quote_volume, sum(n) AS trades,
         CASE WHEN count(side) = 0 THEN NULL ELSE coalesce(sum(qty) FILTER (WHERE side = 'buy'), 0) END AS taker_buy_volume
    FROM src GROUP BY market, b
)
SELECT ${head}, market, b, 1, open, high, low, close, volume, quote_volume, trades, taker_buy_volume,
       CASE WHEN volume = 0 THEN NULL ELSE quote_volume / volume END, ${tail}
  FROM s
UNION ALL
SELECT ${head}, market, m, 60, open, high, low, close, volume, quote_volume, trades, taker_buy_volume,
       CASE WHEN volume = 0 THEN NULL ELSE quote_volume / volume END, ${tail}
  FROM (SELECT market, time_bucket(INTERVAL 1 minute, b) AS m, arg_min(open, b) AS open, max(high) AS high,
               min(low) AS low, arg_max(close, b) AS close, sum(volume) AS volume, sum(quote_volume) AS quote_volume,
               sum(trades) AS trades, sum(taker_buy_volume) AS taker_buy_volume
          FROM s GROUP BY market, m)`
}
