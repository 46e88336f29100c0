// Market data as export lists: trades, bars, prices and funding of one venue's market over a window (the scope the
// export adds), with the filterable fields of each. The same DuckListSpec shape as the API's lists (src/store/query).
import type { DuckListSpec } from '../query/duckList.ts'

/** A market-data list: venue and market are the scope, ts the time key (and the order). */
function marketList(
  from: string,
  select: string,
  fields: DuckListSpec['fields'],
  columns: Record<string, string>,
): DuckListSpec {
  const all = `venue, market, ts, ${select}`
  return {
    from,
    select: all,
    // one expression per file column (`columns=`); these select lists have no commas inside an expression
    selectFields: Object.fromEntries(
      all.split(',').map((e) => [/(?:\bAS\s+"(\w+)"|^(\w+))$/i.exec(e.trim())!.slice(1).find(Boolean)!, e.trim()]),
    ),
    fields: { ts: { type: 'timestamp', sortable: true }, ...fields },
    columns: { ts: 'ts', ...columns },
    id: 'ts',
    defaultOrder: [{ field: 'ts', direction: 'ASC' }],
  }
}

const num = { type: 'double', sortable: true } as const
const optionalNum = { type: 'double' } as const

export const MARKET_LISTS = {
  trades: marketList(
    'trades',
    `price, qty, side, trade_id AS "tradeId"`,
    { price: num, qty: num, side: { type: 'string' } },
    { price: 'price', qty: 'qty', side: 'side' },
  ),
  bars: marketList(
    'bars',
    `interval_s AS "intervalS", open, high, low, close, volume, quote_volume AS "quoteVolume", trades,
     taker_buy_volume AS "takerBuyVolume", vwap, source`,
    {
      intervalS: { type: 'bigint', sortable: true },
      open: num,
      high: num,
      low: num,
      close: num,
      volume: optionalNum,
      source: { type: 'enum', values: ['klines', 'trades'], sortable: true },
    },
    {
      intervalS: 'interval_s',
      open: 'open',
      high: 'high',
      low: 'low',
      close: 'close',
      volume: 'volume',
      source: 'source',
    },
  ),
  prices: marketList(
    'prices',
    `kind, source, price, open, high, low, interval_s AS "intervalS", confidence`,
    {
      kind: { type: 'enum', values: ['mark', 'index', 'oracle', 'last', 'premium'], sortable: true },
      source: { type: 'string', sortable: true },
      price: num,
    },
    { kind: 'kind', source: 'source', price: 'price' },
  ),
  funding: marketList(
    'funding',
    `rate, interval_h AS "intervalH", mark_price AS "markPrice"`,
    { rate: num, markPrice: optionalNum },
    { rate: 'rate', markPrice: 'mark_price' },
  ),
}
