// dYdX v4 fills of one subaccount → fills (account = address/subaccountNumber). Liquidation fills are flagged
// (LIQUIDATED: the liquidated side; DELEVERAGED: the deleveraged side); observed liquidations come from the trades
// feed, which covers every account, so they are not written twice from here.
import type { SourceColumn } from '../../domain/loadSpec.ts'
import { identityValues } from '../apiPartition.ts'
import type { PlannedPartition } from '../connector.ts'
import { negateDecimal } from '../decimal.ts'
import { arrayBody, FieldReader } from '../sourceRecord.ts'
import { accountOf, type Subaccount } from './account.ts'
import type { IndexerClient } from './indexer.ts'
import { subaccountDayPartition } from './pager.ts'

const c = (name: string, type: SourceColumn['type']): SourceColumn => ({ name, type })
const DEC = 'DECIMAL(38,18)'
const COLUMNS: SourceColumn[] = [
  c('ts', 'BIGINT'),
  c('market', 'VARCHAR'),
  c('account', 'VARCHAR'),
  c('side', 'VARCHAR'),
  c('price', DEC),
  c('qty', DEC),
  c('fee', DEC),
  c('liquidation', 'BOOLEAN'),
  c('liquidity', 'VARCHAR'),
  c('start_position', DEC),
  c('id', 'VARCHAR'),
  c('order_id', 'VARCHAR'),
  c('extra', 'VARCHAR'),
]

/** Fill fields with a column of their own; the rest (type, clientMetadata, heights, builder fees …) go to extra. */
const MAPPED = new Set([
  'id',
  'side',
  'liquidity',
  'market',
  'price',
  'size',
  'fee',
  'createdAt',
  'orderId',
  'subaccountNumber',
  'positionSizeBefore',
  'positionSideBefore',
])

interface Fill {
  id: string
  height: number
  ts: number
  row: Record<string, string | number | boolean | null>
}

export function parseFills(source: string, body: unknown, subaccount: Subaccount): Fill[] {
  const account = accountOf(subaccount)
  return arrayBody(source, body, 'fills').map((record, index) => {
    const r = new FieldReader(source, index, record)
    const id = r.string('id')
    r.identity = `id ${id}`
    if (r.has('subaccountNumber') && r.integer('subaccountNumber') !== subaccount.subaccountNumber)
      r.fail('subaccountNumber', `the subaccount asked for (${subaccount.subaccountNumber})`)
    const ts = r.isoMicros('createdAt')
    const type = r.string('type')
    // Newer indexers report the position before the fill as an unsigned size and a side.
    let start: string | null = null
    if (r.has('positionSizeBefore')) {
      const size = r.decimal('positionSizeBefore')
      const side = r.optionalString('positionSideBefore')
      start = side === 'SHORT' ? negateDecimal(size) : size
    }
    return {
      id,
      height: r.integer('createdAtHeight'),
      ts,
      row: {
        ts,
        market: r.string('market'),
        account,
        side: r.oneOf('side', ['BUY', 'SELL'] as const) === 'BUY' ? 'buy' : 'sell',
        price: r.decimal('price'),
        qty: r.decimal('size'),
        fee: r.decimal('fee'),
        liquidation: type === 'LIQUIDATED' || type === 'DELEVERAGED',
        liquidity: r.oneOf('liquidity', ['TAKER', 'MAKER'] as const) === 'TAKER' ? 'taker' : 'maker',
        start_position: start,
        id,
        order_id: r.optionalString('orderId'),
        extra: r.extra(MAPPED),
      },
    }
  })
}

export function fillsPartition(indexer: IndexerClient, subaccount: Subaccount, day: string): PlannedPartition {
  return subaccountDayPartition({
    indexer,
    subaccount,
    day,
    path: 'fills',
    dataset: 'fills',
    table: 'fills',
    columns: COLUMNS,
    loads: [
      {
        kind: 'rows',
        table: 'fills',
        values: {
          ts: { epoch: 'ts', unit: 'us' },
          trade_id: { column: 'id' },
          ...identityValues(
            'market',
            'account',
            'side',
            'price',
            'qty',
            'fee',
            'liquidation',
            'liquidity',
            'start_position',
            'order_id',
            'extra',
          ),
        },
      },
    ],
    parse: parseFills,
  })
}
