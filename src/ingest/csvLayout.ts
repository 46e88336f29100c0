// Decides a CSV file's exact layout from its first lines: header or not, which columns (known optional trailing ones
// included), and the epoch unit of its time column, so the store reads it with explicit types and no sniffing.
import type { SourceColumn, TimeUnit } from '../domain/loadSpec.ts'
import { epochUnitOf, looksLikeHeader } from './peek.ts'

/** The file's first lines do not match the layout the dataset is known to have. */
export class UnexpectedLayoutError extends Error {
  constructor(file: string, detail: string) {
    super(`${file}: ${detail}`)
    this.name = 'UnexpectedLayoutError'
  }
}

export interface CsvLayoutSpec {
  /** Columns every file has, in order. */
  columns: readonly SourceColumn[]
  /** Columns some files add at the end (e.g. Bybit's 2025 RPI), in order. */
  optionalTrailing?: readonly SourceColumn[]
  /** Name of the numeric epoch column whose digits give the unit (omit when times are not epochs). */
  timeColumn?: string
  /** Unit to assume when the file has no data row to look at. */
  defaultUnit?: TimeUnit
}

export interface CsvLayout {
  header: boolean
  columns: SourceColumn[]
  unit: TimeUnit
  /** False when the file has no data row at all. */
  hasData: boolean
}

const split = (line: string) => line.split(',').map((f) => f.trim().replace(/^"|"$/g, ''))

export function detectCsvLayout(file: string, lines: readonly string[], spec: CsvLayoutSpec): CsvLayout {
  const first = lines[0]
  const header = first !== undefined && looksLikeHeader(first)
  const dataLine = header ? lines[1] : first
  const all = [...spec.columns, ...(spec.optionalTrailing ?? [])]
  let columns: SourceColumn[]
  if (header) {
    const names = split(first!).map((n) => n.toLowerCase())
    const count = names.length
    const expectedNames = all.slice(0, count).map((c) => c.name.toLowerCase())
    if (count < spec.columns.length || count > all.length || names.some((n, i) => n !== expectedNames[i])) {
      throw new UnexpectedLayoutError(
        file,
        `header ${JSON.stringify(first)} does not match the expected columns ` +
          `${JSON.stringify(spec.columns.map((c) => c.name).join(','))}` +
          (spec.optionalTrailing?.length
            ? ` (optionally followed by ${spec.optionalTrailing.map((c) => c.name).join(',')})`
            : ''),
      )
    }
    columns = all.slice(0, count)
  } else {
    const count = dataLine === undefined ? spec.columns.length : split(dataLine).length
    if (count < spec.columns.length || count > all.length) {
      throw new UnexpectedLayoutError(
        file,
        `line 1 has ${count} fields; expected ${spec.columns.length}` +
          (spec.optionalTrailing?.length ? ` to ${all.length}` : '') +
          ` (${all.map((c) => c.name).join(',')})`,
      )
    }
    columns = all.slice(0, count)
  }
  let unit: TimeUnit = spec.defaultUnit ?? 'ms'
  if (spec.timeColumn && dataLine !== undefined) {
    const index = columns.findIndex((c) => c.name === spec.timeColumn)
    const value = split(dataLine)[index] ?? ''
    const detected = epochUnitOf(value)
    if (!detected) {
      throw new UnexpectedLayoutError(
        file,
        `line ${header ? 2 : 1}, column ${spec.timeColumn}: received ${JSON.stringify(value)}; ` +
          'expected an epoch timestamp in seconds (10 digits), milliseconds (13) or microseconds (16)',
      )
    }
    unit = detected
  }
  return { header, columns, unit, hasData: dataLine !== undefined }
}
