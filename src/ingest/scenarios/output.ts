// What a scenario generator produces: CSV text per (normalized table, market) in a fixed layout, and the description
// the store's partition loader needs to read each file (explicit column types, one partition per file).
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { LoadRequest, NormalizedTable, SourceColumn, ValueExpr } from '../../domain/loadSpec.ts'
import { SCENARIO_VENUE } from '../../domain/scenario.ts'

/** Partition source id of every scenario partition. */
export const SCENARIO_SOURCE = 'scenario'

type Cell = string | number | boolean | null | undefined

interface Layout {
  columns: SourceColumn[]
  values: Record<string, ValueExpr>
}

// Account money is written with at most 6 decimals and parsed as DECIMAL(18,6) (exact, and far faster to parse than
// DECIMAL(38,18)); the insert widens it exactly into the tables' DECIMAL(38,18) columns.
const DEC = 'DECIMAL(18,6)' as const
const ts: ValueExpr = { epoch: 'ts_us', unit: 'us' }

/** CSV layout per table: timestamps as integer microseconds, account money as exact decimal text. */
const LAYOUTS: Record<NormalizedTable, Layout> = {
  trades: {
    columns: [
      { name: 'ts_us', type: 'BIGINT' },
      { name: 'price', type: 'DOUBLE' },
      { name: 'qty', type: 'DOUBLE' },
      { name: 'side', type: 'VARCHAR' },
      { name: 'trade_id', type: 'BIGINT' },
    ],
    values: {
      ts,
      price: { column: 'price' },
      qty: { column: 'qty' },
      side: { lookup: 'side', values: { buy: 'buy', sell: 'sell' } },
      trade_id: { column: 'trade_id' },
    },
  },
  prices: {
    columns: [
      { name: 'ts_us', type: 'BIGINT' },
      { name: 'kind', type: 'VARCHAR' },
      { name: 'source', type: 'VARCHAR' },
      { name: 'price', type: 'DOUBLE' },
      { name: 'open', type: 'DOUBLE' },
      { name: 'high', type: 'DOUBLE' },
      { name: 'low', type: 'DOUBLE' },
      { name: 'interval_s', type: 'INTEGER' },
      { name: 'confidence', type: 'DOUBLE' },
    ],
    values: {
      ts,
      kind: {
        lookup: 'kind',
        values: { mark: 'mark', index: 'index', oracle: 'oracle', last: 'last', premium: 'premium' },
      },
      source: { column: 'source' },
      price: { column: 'price' },
      open: { column: 'open' },
      high: { column: 'high' },
      low: { column: 'low' },
      interval_s: { column: 'interval_s' },
      confidence: { column: 'confidence' },
    },
  },
  funding: {
    columns: [
      { name: 'ts_us', type: 'BIGINT' },
      { name: 'rate', type: 'DOUBLE' },
      { name: 'interval_h', type: 'INTEGER' },
      { name: 'mark_price', type: 'DOUBLE' },
    ],
    values: {
      ts,
      rate: { column: 'rate' },
      interval_h: { column: 'interval_h' },
      mark_price: { column: 'mark_price' },
    },
  },
  open_interest: {
    columns: [
      { name: 'ts_us', type: 'BIGINT' },
      { name: 'oi_base', type: 'DOUBLE' },
      { name: 'oi_quote', type: 'DOUBLE' },
    ],
    values: { ts, oi_base: { column: 'oi_base' }, oi_quote: { column: 'oi_quote' } },
  },
  liquidations: {
    columns: [
      { name: 'ts_us', type: 'BIGINT' },
      { name: 'side', type: 'VARCHAR' },
      { name: 'price', type: DEC },
      { name: 'qty', type: DEC },
      { name: 'kind', type: 'VARCHAR' },
      { name: 'account', type: 'VARCHAR' },
      { name: 'trade_id', type: 'VARCHAR' },
      { name: 'source', type: 'VARCHAR' },
      { name: 'mark_price', type: DEC },
    ],
    values: {
      ts,
      side: { lookup: 'side', values: { long: 'long', short: 'short' } },
      price: { column: 'price' },
      qty: { column: 'qty' },
      kind: { lookup: 'kind', values: { liquidation: 'liquidation', adl: 'adl' } },
      account: { column: 'account' },
      trade_id: { column: 'trade_id' },
      source: { column: 'source' },
      mark_price: { column: 'mark_price' },
    },
  },
  fills: {
    columns: [
      { name: 'ts_us', type: 'BIGINT' },
      { name: 'account', type: 'VARCHAR' },
      { name: 'side', type: 'VARCHAR' },
      { name: 'price', type: DEC },
      { name: 'qty', type: DEC },
      { name: 'fee', type: DEC },
      { name: 'fee_asset', type: 'VARCHAR' },
      { name: 'liquidation', type: 'BOOLEAN' },
      { name: 'liquidity', type: 'VARCHAR' },
      { name: 'closed_pnl', type: DEC },
      { name: 'start_position', type: DEC },
      { name: 'dir', type: 'VARCHAR' },
      { name: 'trade_id', type: 'VARCHAR' },
      { name: 'order_id', type: 'VARCHAR' },
    ],
    values: {
      ts,
      account: { column: 'account' },
      side: { lookup: 'side', values: { buy: 'buy', sell: 'sell' } },
      price: { column: 'price' },
      qty: { column: 'qty' },
      fee: { column: 'fee', otherwise: 0 },
      fee_asset: { column: 'fee_asset' },
      liquidation: { column: 'liquidation', otherwise: false },
      liquidity: { lookup: 'liquidity', values: { maker: 'maker', taker: 'taker' } },
      closed_pnl: { column: 'closed_pnl' },
      start_position: { column: 'start_position' },
      dir: { column: 'dir' },
      trade_id: { column: 'trade_id' },
      order_id: { column: 'order_id' },
    },
  },
  ledger: {
    columns: [
      { name: 'ts_us', type: 'BIGINT' },
      { name: 'account', type: 'VARCHAR' },
      { name: 'delta_quote', type: DEC },
      { name: 'kind', type: 'VARCHAR' },
      { name: 'asset', type: 'VARCHAR' },
      { name: 'counterparty', type: 'VARCHAR' },
      { name: 'tx_id', type: 'VARCHAR' },
    ],
    values: {
      ts,
      account: { column: 'account' },
      delta_quote: { column: 'delta_quote' },
      kind: {
        lookup: 'kind',
        values: {
          deposit: 'deposit',
          withdrawal: 'withdrawal',
          transfer: 'transfer',
          funding: 'funding',
          fee: 'fee',
          other: 'other',
        },
      },
      asset: { column: 'asset' },
      counterparty: { column: 'counterparty' },
      tx_id: { column: 'tx_id' },
    },
  },
  bars: { columns: [], values: {} },
}

/** Text of one CSV field; values never contain commas, quotes or newlines (ids, enums, numbers). */
function field(v: Cell): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'number' && !Number.isFinite(v)) {
    throw new Error(`scenario generator produced a non-finite number (${v})`)
  }
  return typeof v === 'string' ? v : String(v)
}

const CHUNK = 4096

/** Rows of one table for one market, as CSV lines in the table's layout order (minus the header). */
export class TableRows {
  // Lines are joined into chunks of CHUNK lines as they come: short-lived line strings die young, which keeps the
  // garbage collector's work small for tables of a million rows.
  private readonly chunks: string[] = []
  private lines: string[] = []
  private count = 0
  private readonly width: number
  private cached: string | null = null

  constructor(
    readonly table: NormalizedTable,
    readonly market: string,
  ) {
    this.width = LAYOUTS[table].columns.length
  }

  /** One row, values in the order of the table's layout columns (ts first, as integer microseconds). */
  add(...cells: Cell[]): void {
    if (cells.length !== this.width) {
      throw new Error(`${this.table} row has ${cells.length} values; the layout has ${this.width}`)
    }
    let line = field(cells[0])
    for (let i = 1; i < cells.length; i++) line += ',' + field(cells[i])
    this.lines.push(line)
    this.count++
    if (this.lines.length === CHUNK) {
      this.chunks.push(this.lines.join('\n') + '\n')
      this.lines = []
    }
    this.cached = null
  }

  get rows(): number {
    return this.count
  }

  /** The CSV text with its header row. */
  text(): string {
    if (this.cached === null) {
      const header = LAYOUTS[this.table].columns.map((c) => c.name).join(',')
      const tail = this.lines.length ? this.lines.join('\n') + '\n' : ''
      this.cached = header + '\n' + this.chunks.join('') + tail
    }
    return this.cached
  }
}

/** Every table a scenario writes, keyed by (table, market). */
export class ScenarioTables {
  private readonly tables = new Map<string, TableRows>()

  /** Rows for `table` of `market` (ledger has no market column: pass the scenario's main market). */
  of(table: NormalizedTable, market: string): TableRows {
    if (table === 'bars') throw new Error('bars are derived from trades at load; scenarios do not write them')
    const key = `${table}\u0000${market}`
    let t = this.tables.get(key)
    if (!t) {
      t = new TableRows(table, market)
      this.tables.set(key, t)
    }
    return t
  }

  /** Non-empty tables in a fixed order (by table, then market), so files and hashes are reproducible. */
  all(): TableRows[] {
    return [...this.tables.values()]
      .filter((t) => t.rows > 0)
      .sort((a, b) => (a.table === b.table ? (a.market < b.market ? -1 : 1) : a.table < b.table ? -1 : 1))
  }
}

export interface ScenarioFile {
  request: LoadRequest
  table: NormalizedTable
  market: string
  rows: number
  sha256: string
}

/** The period (partition key) shared by every partition of one loaded copy: scenario name and seed. */
export const scenarioPeriod = (name: string, seed: number): string => `${name}@${seed}`

/** Writes each table to `dir` and describes it for the loader; the checksum is the file's sha256. */
export function writeScenarioFiles(
  tables: ScenarioTables,
  dir: string,
  scenario: { name: string; seed: number; from: Date; to: Date },
): ScenarioFile[] {
  const period = scenarioPeriod(scenario.name, scenario.seed)
  return tables.all().map((t) => {
    const text = t.text()
    const file = path.join(dir, `${t.table}-${t.market.replace(/[^A-Za-z0-9_.-]/g, '_')}.csv`)
    fs.writeFileSync(file, text)
    const sha256 = crypto.createHash('sha256').update(text).digest('hex')
    const layout = LAYOUTS[t.table]
    const request: LoadRequest = {
      partition: { source: SCENARIO_SOURCE, dataset: t.table, venue: SCENARIO_VENUE, market: t.market, period },
      file: {
        path: file,
        name: `${period} ${t.table} ${t.market}`,
        format: 'csv',
        header: true,
        columns: layout.columns,
      },
      loads: [{ kind: 'rows', table: t.table, values: layout.values }],
      upstream: { file: `scenario:${period}/${t.table}/${t.market}`, checksum: sha256 },
      ...(t.table === 'trades' ? { tradeBars: {} } : {}),
      periodStart: scenario.from,
      periodEnd: scenario.to,
    }
    return { request, table: t.table, market: t.market, rows: t.rows, sha256 }
  })
}

/** sha256 over every table's text in order: one fingerprint of everything a (scenario, seed) generates. */
export function tablesHash(tables: ScenarioTables): string {
  const h = crypto.createHash('sha256')
  for (const t of tables.all()) h.update(`${t.table}/${t.market}\n`).update(t.text())
  return h.digest('hex')
}
