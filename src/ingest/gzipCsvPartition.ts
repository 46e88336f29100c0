// One partition of an archive published as a plain `.csv.gz` per day (Bybit, Tardis), downloaded or found on disk:
// peek the first lines for the header and epoch unit, tell an empty day (a gap) from a cut-off file, and describe
// the file for the loader. The sources differ only in where the file is, its layout and where its columns land.
import type { PartitionKey, TableLoad, TimeUnit, TradeBarsSpec } from '../domain/loadSpec.ts'
import type { PlannedPartition } from './connector.ts'
import { detectCsvLayout, type CsvLayoutSpec } from './csvLayout.ts'
import { periodRange } from './dates.ts'
import { fetchGzip, localGzip, verifyGzip } from './gzipFile.ts'
import { firstLines } from './peek.ts'

export interface GzipCsvPartitionSpec {
  key: PartitionKey
  /** The normalized table(s) it loads. */
  table: string
  /** The URL to download, or (with `local`) where the file is expected, for messages and the manifest. */
  file: string
  /** Candidate paths on disk, first found wins; absent: download `file`. */
  local?: readonly string[]
  /** The file's name in messages (e.g. the archive's own name for it). */
  name: string
  /** UTC day or month of the partition. */
  period: string
  layout: CsvLayoutSpec
  loads(unit: TimeUnit): TableLoad[]
  tradeBars?: TradeBarsSpec
}

export function gzipCsvPartition(spec: GzipCsvPartitionSpec): PlannedPartition {
  const { key, file, name } = spec
  return {
    key,
    table: spec.table,
    file,
    async fetch(ctx) {
      const got = spec.local ? await localGzip(spec.local) : await fetchGzip(ctx, file)
      if (got.kind === 'missing') return { kind: 'missing', file }
      const csv = detectCsvLayout(name, await firstLines(got.path, 2, undefined, name), spec.layout)
      // An empty or header-only day is a hole at the source, not a loaded day of 0 rows.
      if (!csv.hasData) {
        // a day cut short at the source could look empty: only a whole gzip stream is an empty day
        await verifyGzip(got.path, name)
        return { kind: 'missing', file, reason: 'empty-at-source', scratch: got.scratch }
      }
      const { start, end } = periodRange(spec.period)
      return {
        kind: 'ready',
        scratch: got.scratch,
        bytes: got.bytes,
        request: {
          partition: key,
          file: { path: got.path, name, format: 'csv', header: csv.header, columns: csv.columns },
          loads: spec.loads(csv.unit),
          ...(spec.tradeBars ? { tradeBars: spec.tradeBars } : {}),
          upstream: { file, checksum: got.sha256 },
          periodStart: start,
          periodEnd: end,
        },
      }
    },
  }
}
