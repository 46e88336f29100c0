// Where records sit in a text file (CSV or NDJSON, possibly gzip-compressed), for error messages: DuckDB numbers the
// records it reads, but people look for lines. Read only when a load has failed, up to the record asked for.
import fs from 'node:fs'
import zlib from 'node:zlib'
import type { SourceFile } from '../../domain/loadSpec.ts'

export interface RecordScan {
  /** 1-based line where each asked-for record starts (records numbered from 1, data rows only). */
  lines: Map<number, number>
  /** Line of the first data record, or null when the file has none. */
  firstDataLine: number | null
  /** First line whose ending differs from the first line's (LF, CRLF, CR), or null. */
  mixedEndingAt: { line: number; first: string; found: string } | null
}

const ENDINGS: Record<string, string> = { '\n': 'LF', '\r\n': 'CRLF', '\r': 'CR' }

/**
 * Scans the file: counts physical lines (LF, CRLF or CR), skips the header of a CSV and empty lines (which DuckDB
 * skips too), and follows double quotes so that a line break inside a quoted field belongs to its record. Stops once
 * the wanted records and the first data line are found, unless `toEnd` (to find mixed line endings).
 */
export async function scanRecords(
  file: SourceFile,
  wanted: readonly number[] = [],
  toEnd = false,
): Promise<RecordScan> {
  const raw = fs.createReadStream(file.path)
  const stream = /\.gz$/i.test(file.path) ? raw.pipe(zlib.createGunzip()) : raw
  const want = new Set(wanted)
  const last = wanted.length ? Math.max(...wanted) : 1
  const out: RecordScan = { lines: new Map(), firstDataLine: null, mixedEndingAt: null }
  const csv = file.format === 'csv'
  // In a CSV of one column an empty line is a record (of NULL), as DuckDB reads it.
  const emptyIsRecord = csv && file.columns.length === 1
  let line = 1
  let quoted = false
  let lineHasContent = false
  let recordStart = 1
  let record = csv && file.header ? -1 : 0 // the header is record 0
  let pendingCR = false
  let firstEnding: string | null = null
  let bom = true
  const endLine = (ending: string) => {
    if (firstEnding === null) firstEnding = ending
    else if (ending !== firstEnding && !out.mixedEndingAt)
      out.mixedEndingAt = { line, first: ENDINGS[firstEnding]!, found: ENDINGS[ending]! }
    if (!quoted) {
      if (lineHasContent || emptyIsRecord) {
        record++
        if (record >= 1) {
          if (out.firstDataLine === null && lineHasContent) out.firstDataLine = recordStart
          if (want.has(record)) out.lines.set(record, recordStart)
        }
      }
      lineHasContent = false
      recordStart = line + 1
    }
    line++
  }
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let text = chunk.toString('latin1')
      if (bom) {
        if (text.startsWith('\u00ef\u00bb\u00bf')) text = text.slice(3)
        bom = false
      }
      for (let i = 0; i < text.length; i++) {
        const ch = text[i]!
        if (pendingCR) {
          pendingCR = false
          if (ch === '\n') {
            endLine('\r\n')
            continue
          }
          endLine('\r')
        }
        if (ch === '\r') pendingCR = true
        else if (ch === '\n') endLine('\n')
        else {
          if (csv && ch === '"') quoted = !quoted
          lineHasContent = true
        }
      }
      if (!toEnd && record >= last && out.firstDataLine !== null) break
    }
  } finally {
    raw.destroy()
  }
  if (pendingCR) endLine('\r')
  // The last record may end without a line break.
  if (lineHasContent) {
    record++
    if (record >= 1) {
      if (out.firstDataLine === null) out.firstDataLine = recordStart
      if (want.has(record)) out.lines.set(record, recordStart)
    }
  }
  return out
}
