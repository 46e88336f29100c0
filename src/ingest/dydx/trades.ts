// dYdX v4 trades → trades (taker side; 1 s / 1 min bars derived), and LIQUIDATED / DELEVERAGED trades → observed
// liquidations / ADL. The indexer lists taker fills, and the liquidated subaccount is the taker of its liquidation
// or deleveraging, so a SELL closes a long and a BUY a short.
import type { SourceColumn } from '../../domain/loadSpec.ts'
import { apiPartition } from '../apiPartition.ts'
import type { PlannedPartition } from '../connector.ts'
import { arrayBody, FieldReader } from '../sourceRecord.ts'
import { dayWindow } from '../dates.ts'
import { VENUE, type IndexerClient } from './indexer.ts'
import { collectIndexerDay } from './pager.ts'

const c = (name: string, type: SourceColumn['type']): SourceColumn => ({ name, type })

const COLUMNS: SourceColumn[] = [
  c('ts', 'BIGINT'),
  c('side', 'VARCHAR'),
  c('price', 'DOUBLE'),
  c('qty', 'DOUBLE'),
  c('price_exact', 'DECIMAL(38,18)'),
  c('qty_exact', 'DECIMAL(38,18)'),
  c('id', 'VARCHAR'),
  c('liq_side', 'VARCHAR'),
  c('liq_kind', 'VARCHAR'),
]

export const TRADE_TYPES = ['LIMIT', 'MARKET', 'LIQUIDATED', 'DELEVERAGED'] as const

interface Trade {
  id: string
  height: number
  ts: number
  row: Record<string, string | number | null>
}

export function parseTrades(source: string, body: unknown): Trade[] {
  return arrayBody(source, body, 'trades').map((record, index) => {
    const r = new FieldReader(source, index, record)
    const id = r.string('id')
    r.identity = `id ${id}`
    const ts = r.isoMicros('createdAt')
    const side = r.oneOf('side', ['BUY', 'SELL'] as const)
    // Types are an open set on the indexer (TWAP fills were added later): only the two that mean a liquidation
    // matter here, so any other type is an ordinary trade.
    const type = r.string('type')
    const price = r.decimal('price')
    const size = r.decimal('size')
    const liquidated = type === 'LIQUIDATED' || type === 'DELEVERAGED'
    return {
      id,
      height: r.integer('createdAtHeight'),
      ts,
      row: {
        ts,
        side: side === 'BUY' ? 'buy' : 'sell',
        price,
        qty: size,
        price_exact: price,
        qty_exact: size,
        id,
        liq_side: liquidated ? (side === 'SELL' ? 'long' : 'short') : null,
        liq_kind: type === 'DELEVERAGED' ? 'adl' : liquidated ? 'liquidation' : null,
      },
    }
  })
}

export function tradesPartition(indexer: IndexerClient, market: string, day: string): PlannedPartition {
  const w = dayWindow(day)
  const source = `${VENUE} trades ${market} ${day}`
  return apiPartition({
    key: { source: VENUE, dataset: 'trades', venue: VENUE, market, period: day },
    table: 'trades,liquidations',
    file: indexer.url(`trades/perpetualMarket/${encodeURIComponent(market)}`, { day }),
    columns: COLUMNS,
    loads: [
      {
        kind: 'rows',
        table: 'trades',
        values: {
          ts: { epoch: 'ts', unit: 'us' },
          price: { column: 'price' },
          qty: { column: 'qty' },
          side: { column: 'side' },
          trade_id: { column: 'id' },
        },
      },
      {
        kind: 'rows',
        table: 'liquidations',
        requireNotNull: ['liq_side'],
        values: {
          ts: { epoch: 'ts', unit: 'us' },
          side: { column: 'liq_side' },
          price: { column: 'price_exact' },
          qty: { column: 'qty_exact' },
          kind: { column: 'liq_kind' },
          trade_id: { column: 'id' },
          source: { literal: VENUE },
        },
      },
    ],
    // Event ids are block height, transaction and event index, big-endian hex: text order is event order.
    tradeBars: { sequence: { column: 'id' } },
    periodStart: w.start,
    periodEnd: w.end,
    async collect(ctx, out) {
      const trades = await collectIndexerDay({
        indexer,
        ctx,
        path: `trades/perpetualMarket/${encodeURIComponent(market)}`,
        window: w,
        source,
        parse: (body) => parseTrades(source, body),
      })
      trades.sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      for (const t of trades) out.write(t.row)
    },
  })
}
