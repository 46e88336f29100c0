// dYdX v4 transfers of one subaccount → ledger: deposits and withdrawals (counterparty = the wallet the money came
// from or went to: a funding-source hint) and transfers between subaccounts (counterparty = address/subaccount).
import type { SourceColumn } from '../../domain/loadSpec.ts'
import { identityValues } from '../apiPartition.ts'
import type { PlannedPartition } from '../connector.ts'
import { negateDecimal } from '../decimal.ts'
import { arrayBody, FieldReader } from '../sourceRecord.ts'
import { accountOf, type Subaccount } from './account.ts'
import type { IndexerClient } from './indexer.ts'
import { subaccountDayPartition } from './pager.ts'

const c = (name: string, type: SourceColumn['type']): SourceColumn => ({ name, type })
const COLUMNS: SourceColumn[] = [
  c('ts', 'BIGINT'),
  c('account', 'VARCHAR'),
  c('delta', 'DECIMAL(38,18)'),
  c('kind', 'VARCHAR'),
  c('asset', 'VARCHAR'),
  c('counterparty', 'VARCHAR'),
  c('tx_id', 'VARCHAR'),
  c('extra', 'VARCHAR'),
]

export const TRANSFER_TYPES = ['DEPOSIT', 'WITHDRAWAL', 'TRANSFER_IN', 'TRANSFER_OUT'] as const

interface Transfer {
  id: string
  height: number
  ts: number
  row: Record<string, string | number | null>
}

/** A wallet is `address`; a subaccount `address/N`. */
function party(r: FieldReader, side: 'sender' | 'recipient'): string {
  const address = r.string(`${side}.address`)
  return r.has(`${side}.subaccountNumber`) ? `${address}/${r.integer(`${side}.subaccountNumber`)}` : address
}

export function parseTransfers(source: string, body: unknown, subaccount: Subaccount): Transfer[] {
  const account = accountOf(subaccount)
  return arrayBody(source, body, 'transfers').map((record, index) => {
    const r = new FieldReader(source, index, record)
    const id = r.string('id')
    r.identity = `id ${id}`
    const ts = r.isoMicros('createdAt')
    const type = r.oneOf('type', TRANSFER_TYPES)
    const size = r.decimal('size')
    const incoming = type === 'DEPOSIT' || type === 'TRANSFER_IN'
    return {
      id,
      height: r.integer('createdAtHeight'),
      ts,
      row: {
        ts,
        account,
        delta: incoming ? size : negateDecimal(size),
        kind: type === 'DEPOSIT' ? 'deposit' : type === 'WITHDRAWAL' ? 'withdrawal' : 'transfer',
        asset: r.string('symbol'),
        counterparty: party(r, incoming ? 'sender' : 'recipient'),
        tx_id: r.optionalString('transactionHash'),
        extra: JSON.stringify({ id, type, createdAtHeight: r.get('createdAtHeight') }),
      },
    }
  })
}

export function transfersPartition(indexer: IndexerClient, subaccount: Subaccount, day: string): PlannedPartition {
  return subaccountDayPartition({
    indexer,
    subaccount,
    day,
    path: 'transfers',
    dataset: 'ledger',
    table: 'ledger',
    columns: COLUMNS,
    loads: [
      {
        kind: 'rows',
        table: 'ledger',
        values: {
          ts: { epoch: 'ts', unit: 'us' },
          delta_quote: { column: 'delta' },
          ...identityValues('account', 'kind', 'asset', 'counterparty', 'tx_id', 'extra'),
        },
      },
    ],
    parse: parseTransfers,
  })
}
