// A planned partition for sources read through a JSON API: the connector pages through the API for one period and
// writes normalized rows to an NDJSON file; this turns that into the loader's request (checksum = the file's sha256,
// so a forced reload reports when the venue's history changed).
import type {
  Cadence,
  PartitionKey,
  SourceColumn,
  SourceGap,
  TableLoad,
  TradeBarsSpec,
  ValueExpr,
} from '../domain/loadSpec.ts'
import type { FetchContext, Fetched, PlannedPartition } from './connector.ts'
import { NdjsonFile } from './ndjsonFile.ts'

export interface Collected {
  /** Holes the connector measured (e.g. heartbeat overruns). */
  gaps?: SourceGap[]
  /** The source has nothing for the period (recorded as a gap at source instead of an empty load). */
  missing?: boolean
}

export interface ApiPartitionSpec {
  key: PartitionKey
  /** Normalized table(s) it loads, comma-separated (for the manifest of a gap). */
  table: string
  /** The request(s) as users know them, for messages and the manifest (no keys: redact RPC URLs). */
  file: string
  columns: SourceColumn[]
  loads: TableLoad[]
  cadence?: Cadence
  tradeBars?: TradeBarsSpec
  periodStart?: Date
  periodEnd?: Date
  /** An empty period is a gap at source (market data) rather than a loaded partition with no rows (account data). */
  emptyIsMissing?: boolean
  /** Pages through the source and writes the period's rows; `ctx.onBytes` counts this partition's bytes. */
  collect: (ctx: FetchContext, out: NdjsonFile) => Promise<Collected | void>
}

const safeName = (key: PartitionKey) =>
  `${key.source}-${key.dataset}-${key.market}-${key.period}`.replace(/[^A-Za-z0-9_.-]+/g, '_') + '.ndjson'

export function apiPartition(spec: ApiPartitionSpec): PlannedPartition {
  return {
    key: spec.key,
    table: spec.table,
    file: spec.file,
    async fetch(ctx): Promise<Fetched> {
      const name = safeName(spec.key)
      const path = ctx.temp.path(name)
      const out = new NdjsonFile(path)
      let bytes = 0
      const own: FetchContext = {
        ...ctx,
        onBytes: (n) => {
          bytes += n
          ctx.onBytes(n)
        },
      }
      let collected: Collected | void
      try {
        collected = await spec.collect(own, out)
      } catch (error) {
        out.discard()
        throw error
      }
      const written = out.close()
      if (collected?.missing || (spec.emptyIsMissing && written.rows === 0)) {
        ctx.temp.remove(path)
        return { kind: 'missing', file: spec.file }
      }
      return {
        kind: 'ready',
        scratch: [path],
        bytes,
        request: {
          partition: spec.key,
          file: { path, name, format: 'ndjson', columns: spec.columns },
          loads: spec.loads,
          upstream: { file: spec.file, checksum: written.sha256 },
          ...(spec.cadence ? { cadence: spec.cadence } : {}),
          ...(spec.tradeBars ? { tradeBars: spec.tradeBars } : {}),
          ...(collected?.gaps?.length ? { gaps: collected.gaps } : {}),
          ...(spec.periodStart ? { periodStart: spec.periodStart } : {}),
          ...(spec.periodEnd ? { periodEnd: spec.periodEnd } : {}),
        },
      }
    },
  }
}

/** `{ column: name }` for each name: table columns a connector's rows already hold under the same names. */
export function identityValues(...names: string[]): Record<string, ValueExpr> {
  return Object.fromEntries(names.map((name) => [name, { column: name }]))
}
