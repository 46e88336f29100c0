// Local files in Backstop's normalized layout (CSV with a header row, or Parquet; one table per file): how users bring
// data from anywhere. Each file is one partition named by its file name, so loading it again replaces it.
import fs from 'node:fs'
import path from 'node:path'
import type { FileFormat, NormalizedTable, SourceColumn, ValueExpr } from '../../domain/loadSpec.ts'
import { NORMALIZED_COLUMNS, hasMarketColumn } from '../../domain/normalizedTables.ts'
import { sha256File } from '../checksum.ts'
import type { PlannedPartition } from '../connector.ts'
import { UnexpectedLayoutError } from '../csvLayout.ts'
import { firstLines } from '../peek.ts'

export const FILE_SOURCE = 'file'

export interface FilePlan {
  table: NormalizedTable
  venue: string
  /** Market for every row; without it the file's own market column is used. */
  market?: string
  paths: readonly string[]
}

/** The format a path's name announces, or null when it is not one we read. */
export function fileFormatOf(file: string): FileFormat | null {
  if (/\.csv(\.gz)?$/i.test(file)) return 'csv'
  if (/\.parquet$/i.test(file)) return 'parquet'
  if (/\.(ndjson|jsonl)(\.gz)?$/i.test(file)) return 'ndjson'
  return null
}

/** Value checks for columns whose meaning is a fixed vocabulary (sides and kinds). */
const VOCABULARY: Partial<Record<NormalizedTable, Record<string, Record<string, string>>>> = {
  trades: { side: { buy: 'buy', sell: 'sell' } },
  fills: { side: { buy: 'buy', sell: 'sell' }, liquidity: { maker: 'maker', taker: 'taker' } },
  liquidations: { side: { long: 'long', short: 'short' } },
  prices: { kind: { mark: 'mark', index: 'index', oracle: 'oracle', last: 'last', premium: 'premium' } },
}

function columnsFor(plan: FilePlan, name: string, header: string[] | null): SourceColumn[] {
  const known = NORMALIZED_COLUMNS[plan.table]
  const needed = known.filter((c) => c.required && !(c.name === 'market' && plan.market))
  if (header === null) {
    // Parquet / NDJSON: read every normalized column; those not required may be absent.
    return known.map((c) => ({ name: c.name, type: c.type, optional: !needed.includes(c) }))
  }
  const unknown = header.filter((h) => !known.some((c) => c.name === h))
  const missing = needed.filter((c) => !header.includes(c.name)).map((c) => c.name)
  if (unknown.length || missing.length) {
    throw new UnexpectedLayoutError(
      name,
      [
        missing.length ? `missing required column(s) ${missing.join(', ')}` : null,
        unknown.length ? `unknown column(s) ${unknown.join(', ')}` : null,
      ]
        .filter(Boolean)
        .join('; ') +
        `; expected the ${plan.table} layout: ${known.map((c) => c.name + (c.required ? '*' : '')).join(',')} (* = required)`,
    )
  }
  return header.map((h) => ({ name: h, type: known.find((c) => c.name === h)!.type }))
}

export function planFiles(plan: FilePlan): PlannedPartition[] {
  return plan.paths.map((given) => {
    const file = path.resolve(given)
    const name = path.basename(file)
    const key = {
      source: FILE_SOURCE,
      dataset: plan.table,
      venue: plan.venue,
      market: plan.market ?? (hasMarketColumn(plan.table) ? '*' : '-'),
      period: name,
    }
    return {
      key,
      table: plan.table,
      file,
      async fetch() {
        const format = fileFormatOf(file)
        if (!format) throw new UnexpectedLayoutError(name, 'expected a .csv, .csv.gz, .parquet or .ndjson file')
        if (!fs.existsSync(file)) throw new Error(`${file}: no such file`)
        let header: string[] | null = null
        if (format === 'csv') {
          const [first] = await firstLines(file, 1)
          header = (first ?? '').split(',').map((h) => h.trim().replace(/^"|"$/g, ''))
        }
        const columns = columnsFor(plan, name, header)
        const values: Record<string, ValueExpr> = {}
        for (const column of columns) {
          if (column.name === 'market' && plan.market) continue
          const vocabulary = VOCABULARY[plan.table]?.[column.name]
          const fallback = NORMALIZED_COLUMNS[plan.table].find((c) => c.name === column.name)?.default
          values[column.name] = vocabulary
            ? { lookup: column.name, values: vocabulary }
            : fallback === undefined
              ? { column: column.name }
              : { column: column.name, otherwise: fallback }
        }
        if (plan.market && hasMarketColumn(plan.table)) values.market = { literal: plan.market }
        return {
          kind: 'ready',
          scratch: [],
          bytes: 0,
          request: {
            partition: key,
            file: { path: file, name, format, header: format === 'csv', columns },
            loads: [{ kind: 'rows', table: plan.table, values }],
            ...(plan.table === 'trades' ? { tradeBars: {} } : {}),
            upstream: { file, checksum: await sha256File(file) },
          },
        }
      },
    }
  })
}
