// Loads generated accounts with known liquidations (accountTruth/generate.ts) as a source: one NDJSON file per table
// through the store's atomic partition loader (source `account-truth`); trades derive their 1 s bars. The truth is
// returned to the caller (tests, the reconciliation figures), not stored.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { ColumnType, LoadRequest, SourceColumn, TableLoad } from '../domain/loadSpec.ts'
import type { DuckStore } from '../store/duck/open.ts'
import { loadPartition } from '../store/ingest/loadPartition.ts'
import {
  generateAccountsWithTruth,
  type GeneratedAccounts,
  type Row,
  type TruthOptions,
} from './accountTruth/generate.ts'

const DEC = 'DECIMAL(38,18)'
const col = (name: string, type: ColumnType): SourceColumn => ({ name, type })
const same = (names: string[]) => Object.fromEntries(names.map((n) => [n, { column: n }]))

interface TableSpec {
  rows: (g: GeneratedAccounts) => Row[]
  columns: SourceColumn[]
  loads: TableLoad[]
  tradeBars?: boolean
}

const TABLES: Record<string, TableSpec> = {
  trades: {
    rows: (g) => g.trades,
    columns: [
      col('market', 'VARCHAR'),
      col('time', 'BIGINT'),
      col('price', 'DOUBLE'),
      col('qty', 'DOUBLE'),
      col('side', 'VARCHAR'),
      col('trade_id', 'BIGINT'),
    ],
    loads: [
      {
        kind: 'rows',
        table: 'trades',
        values: { ...same(['market', 'price', 'qty', 'side', 'trade_id']), ts: { epoch: 'time', unit: 'us' } },
      },
    ],
    tradeBars: true,
  },
  prices: {
    rows: (g) => g.prices,
    columns: [
      col('market', 'VARCHAR'),
      col('time', 'BIGINT'),
      col('kind', 'VARCHAR'),
      col('source', 'VARCHAR'),
      col('price', 'DOUBLE'),
    ],
    loads: [
      {
        kind: 'rows',
        table: 'prices',
        values: { ...same(['market', 'kind', 'source', 'price']), ts: { epoch: 'time', unit: 'us' } },
      },
    ],
  },
  fills: {
    rows: (g) => g.fills,
    columns: [
      col('market', 'VARCHAR'),
      col('time', 'BIGINT'),
      col('account', 'VARCHAR'),
      col('side', 'VARCHAR'),
      col('price', DEC),
      col('qty', DEC),
      col('fee', DEC),
      col('fee_asset', 'VARCHAR'),
      col('liquidation', 'BOOLEAN'),
      col('liquidity', 'VARCHAR'),
      col('start_position', DEC),
      col('dir', 'VARCHAR'),
      col('trade_id', 'VARCHAR'),
      col('order_id', 'VARCHAR'),
    ],
    loads: [
      {
        kind: 'rows',
        table: 'fills',
        values: {
          ...same(['market', 'account', 'side', 'price', 'qty', 'fee', 'fee_asset', 'liquidation', 'liquidity']),
          ...same(['start_position', 'dir', 'trade_id', 'order_id']),
          ts: { epoch: 'time', unit: 'us' },
        },
      },
    ],
  },
  ledger: {
    rows: (g) => g.ledger,
    columns: [
      col('time', 'BIGINT'),
      col('account', 'VARCHAR'),
      col('delta', DEC),
      col('kind', 'VARCHAR'),
      col('tx_id', 'VARCHAR'),
    ],
    loads: [
      {
        kind: 'rows',
        table: 'ledger',
        values: {
          ...same(['account', 'kind', 'tx_id']),
          delta_quote: { column: 'delta' },
          ts: { epoch: 'time', unit: 'us' },
        },
      },
    ],
  },
  liquidations: {
    rows: (g) => g.liquidations,
    columns: [
      col('market', 'VARCHAR'),
      col('time', 'BIGINT'),
      col('account', 'VARCHAR'),
      col('side', 'VARCHAR'),
      col('price', DEC),
      col('qty', DEC),
      col('trade_id', 'VARCHAR'),
      col('source', 'VARCHAR'),
    ],
    loads: [
      {
        kind: 'rows',
        table: 'liquidations',
        values: {
          ...same(['market', 'account', 'side', 'price', 'qty', 'trade_id', 'source']),
          ts: { epoch: 'time', unit: 'us' },
        },
      },
    ],
  },
  account_states: {
    rows: (g) => g.accountStates,
    columns: [col('time', 'BIGINT'), col('account', 'VARCHAR'), col('account_value', DEC)],
    loads: [
      {
        kind: 'rows',
        table: 'account_states',
        values: { ...same(['account', 'account_value']), ts: { epoch: 'time', unit: 'us' } },
      },
    ],
  },
  account_positions: {
    rows: (g) => g.accountPositions,
    columns: [
      col('time', 'BIGINT'),
      col('account', 'VARCHAR'),
      col('market', 'VARCHAR'),
      col('size', DEC),
      col('entry_price', DEC),
      col('leverage_type', 'VARCHAR'),
      col('leverage', DEC),
      col('margin_used', DEC),
    ],
    loads: [
      {
        kind: 'rows',
        table: 'account_positions',
        values: {
          ...same(['account', 'market', 'size', 'entry_price', 'leverage_type', 'leverage', 'margin_used']),
          ts: { epoch: 'time', unit: 'us' },
        },
      },
    ],
  },
}

/** Generates the accounts and loads every table; returns what was generated (with its truth). */
export async function loadAccountsWithTruth(
  store: DuckStore,
  options: TruthOptions & { tmpDir?: string } = {},
): Promise<GeneratedAccounts> {
  const generated = generateAccountsWithTruth(options)
  const dir = fs.mkdtempSync(path.join(options.tmpDir ?? os.tmpdir(), 'backstop-truth-'))
  try {
    for (const [table, spec] of Object.entries(TABLES)) {
      const rows = spec.rows(generated)
      if (!rows.length) continue
      const file = path.join(dir, `${table}.ndjson`)
      fs.writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n')
      const request: LoadRequest = {
        partition: {
          source: 'account-truth',
          dataset: table,
          venue: generated.venue,
          market: 'all',
          period: `seed-${options.seed ?? 1}`,
        },
        file: { path: file, name: `${table}.ndjson`, format: 'ndjson', columns: spec.columns },
        loads: spec.loads,
        upstream: { file: `account-truth ${table}`, checksum: null },
        ...(spec.tradeBars ? { tradeBars: {} } : {}),
      }
      await loadPartition(store, request)
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
  return generated
}
