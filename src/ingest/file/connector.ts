// Local files in Backstop's normalized layout (CSV with a header row, or Parquet; one table per file): how users bring
// data from anywhere. A file is identified by its venue, table, market (--market, or the markets its rows name) and
// its content (sha256), not by its name: the same name for another venue or market is another partition, and a file
// only ever replaces rows it loaded itself.
import fs from 'node:fs'
import path from 'node:path'
import type { FileFormat, NormalizedTable, PartitionKey, SourceColumn, ValueExpr } from '../../domain/loadSpec.ts'
import { LEDGER_KINDS, NORMALIZED_COLUMNS, PRICE_KINDS, hasMarketColumn } from '../../domain/normalizedTables.ts'
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

/** A planned local file, with what its identity is made of (for finding the loads it made before). */
export interface PlannedFile extends PlannedPartition {
  /** Absolute path. */
  path: string
  /** sha256 of the content; null when the file could not be read (its fetch then fails with the reason). */
  sha256: string | null
  /** The id this file had before identities included venue and content: `file/<table>/<market>/<name>`. */
  legacyId: string
  /** Partitions an earlier version of this file (same path, venue, table, market) loaded; set by the job. */
  supersedes: string[]
  /** Why the file may not load as planned (set by the job, e.g. it would replace rows without --force). */
  refusal: string | null
}

/** The format a path's name announces, or null when it is not one we read. */
export function fileFormatOf(file: string): FileFormat | null {
  if (/\.csv(\.gz)?$/i.test(file)) return 'csv'
  if (/\.parquet$/i.test(file)) return 'parquet'
  if (/\.(ndjson|jsonl)(\.gz)?$/i.test(file)) return 'ndjson'
  return null
}

const vocabulary = (...values: readonly string[]) => Object.fromEntries(values.map((v) => [v, v]))

/** Columns whose meaning is a fixed vocabulary: read case-insensitively, stored in lower case, anything else refused. */
const VOCABULARY: Partial<Record<NormalizedTable, Record<string, Record<string, string>>>> = {
  trades: { side: vocabulary('buy', 'sell') },
  bars: { source: vocabulary('klines', 'trades') },
  fills: { side: vocabulary('buy', 'sell'), liquidity: vocabulary('maker', 'taker') },
  liquidations: { side: vocabulary('long', 'short'), kind: vocabulary('liquidation', 'adl') },
  prices: { kind: vocabulary(...PRICE_KINDS) },
  ledger: { kind: vocabulary(...LEDGER_KINDS) },
}

// eslint-disable-next-line no-control-regex
const UNSAFE_PATH = /[\u0000-\u001f\u007f-\u009f*?[]/

/** A header name as written in a message: quoted (control characters visible) unless it is a plain name. */
const columnText = (name: string) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : JSON.stringify(name))

const layoutText = (table: NormalizedTable) =>
  NORMALIZED_COLUMNS[table].map((c) => c.name + (c.required ? '*' : '')).join(',')

function columnsFor(plan: FilePlan, name: string, header: string[] | null): SourceColumn[] {
  const known = NORMALIZED_COLUMNS[plan.table]
  const needed = known.filter((c) => c.required && !(c.name === 'market' && plan.market))
  if (header === null) {
    // Parquet / NDJSON: read every normalized column; those not required may be absent.
    return known.map((c) => ({ name: c.name, type: c.type, optional: !needed.includes(c) }))
  }
  const unknown = header.filter((h) => !known.some((c) => c.name === h))
  const missing = needed.filter((c) => !header.includes(c.name)).map((c) => c.name)
  const repeated = header.filter((h, i) => header.indexOf(h) !== i)
  if (unknown.length || missing.length || repeated.length) {
    throw new UnexpectedLayoutError(
      name,
      [
        missing.length ? `missing required column(s) ${missing.join(', ')}` : null,
        unknown.length ? `unknown column(s) ${unknown.map(columnText).join(', ')}` : null,
        repeated.length ? `repeated column(s) ${repeated.join(', ')}` : null,
      ]
        .filter(Boolean)
        .join('; ') + `; expected the ${plan.table} layout: ${layoutText(plan.table)} (* = required)`,
    )
  }
  return header.map((h) => ({ name: h, type: known.find((c) => c.name === h)!.type }))
}

/** The mapping of a file's columns onto its table: vocabularies as lookups, table defaults for empty values. */
function valuesFor(plan: FilePlan, columns: readonly SourceColumn[]): Record<string, ValueExpr> {
  const values: Record<string, ValueExpr> = {}
  for (const column of columns) {
    if (column.name === 'market' && plan.market) continue
    const words = VOCABULARY[plan.table]?.[column.name]
    const fallback = NORMALIZED_COLUMNS[plan.table].find((c) => c.name === column.name)?.default
    values[column.name] = words
      ? { lookup: column.name, values: words, ...(typeof fallback === 'string' ? { otherwise: fallback } : {}) }
      : fallback === undefined
        ? { column: column.name }
        : { column: column.name, otherwise: fallback }
  }
  if (plan.market && hasMarketColumn(plan.table)) values.market = { literal: plan.market }
  return values
}

/** Plans one partition per file. Reads each file once to hash it: the hash is part of the partition's identity. */
export async function planFiles(plan: FilePlan): Promise<PlannedFile[]> {
  const out: PlannedFile[] = []
  for (const given of plan.paths) {
    const file = path.resolve(given)
    const name = path.basename(file)
    const scope = plan.market ?? (hasMarketColumn(plan.table) ? '*' : '-')
    // eslint-disable-next-line no-control-regex
    const shown = /[\u0000-\u001f\u007f-\u009f]/.test(name) ? JSON.stringify(name) : name
    let problem: string | null = null
    let sha256: string | null = null
    const format = fileFormatOf(file)
    if (UNSAFE_PATH.test(file)) {
      problem = `the path ${JSON.stringify(file)} holds a control character or a glob character (* ? [); expected a plain path (rename the file)`
    } else if (!format) problem = 'expected a .csv, .csv.gz, .parquet or .ndjson file'
    else if (!fs.existsSync(file)) problem = `${file}: no such file`
    else sha256 = await sha256File(file)
    const key: PartitionKey = {
      source: FILE_SOURCE,
      dataset: plan.table,
      venue: plan.venue,
      market: scope,
      period: name,
      // venue, table, market and content: the same bytes are one partition whatever the file is called
      id: `${FILE_SOURCE}/${plan.table}/${plan.venue}/${scope}/${sha256 ? sha256.slice(0, 16) : `unreadable:${encodeURIComponent(name)}`}`,
    }
    const planned: PlannedFile = {
      key,
      table: plan.table,
      file,
      path: file,
      sha256,
      legacyId: `${FILE_SOURCE}/${plan.table}/${scope}/${name}`,
      supersedes: [],
      refusal: null,
      async fetch() {
        const refused = problem ?? planned.refusal
        if (refused) throw new UnexpectedLayoutError(shown, refused)
        let header: string[] | null = null
        if (format === 'csv') {
          const [first] = await firstLines(file, 1, undefined, name)
          if (first === undefined) {
            throw new UnexpectedLayoutError(
              name,
              `line 1: received an empty file; expected a header row: ${layoutText(plan.table)} (* = required)`,
            )
          }
          header = first.split(',').map((h) => h.trim().replace(/^"|"$/g, ''))
        }
        const columns = columnsFor(plan, name, header)
        return {
          kind: 'ready',
          scratch: [],
          bytes: 0,
          request: {
            partition: key,
            file: {
              path: file,
              name,
              format: format!,
              header: format === 'csv',
              columns,
              ...(format === 'parquet' ? { exactColumns: true } : {}),
            },
            loads: [{ kind: 'rows', table: plan.table, values: valuesFor(plan, columns) }],
            ...(plan.table === 'trades' ? { tradeBars: {} } : {}),
            upstream: { file, checksum: sha256 },
            ...(planned.supersedes.length ? { replaces: planned.supersedes } : {}),
          },
        }
      },
    }
    out.push(planned)
  }
  return out
}
