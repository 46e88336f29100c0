// A partition that could not be loaded because of its content: names the file, line (or Parquet row), column, the
// value received and what was expected, turned from DuckDB's reader errors into one plain sentence. Values are quoted
// cut to a readable length with their full length stated, so a 10 MB line never reaches a log or a job record whole.
import { quoteForMessage } from './sqlText.ts'

export interface BadValue {
  file: string
  /** 1-based line in the file (header included), when the reader knows it. */
  line: number | null
  /** 1-based row of a Parquet file (no lines there). */
  row?: number | null
  column: string | null
  received: string | null
  expected: string
}

export class PartitionDataError extends Error {
  constructor(readonly problem: BadValue) {
    super(describe(problem))
    this.name = 'PartitionDataError'
  }
}

/** A load that failed for a reason not tied to one value (the store, the machine): the file and a clean reason. */
export class PartitionLoadError extends Error {
  constructor(file: string, reason: string) {
    super(`${file}: could not be loaded: ${reason}`)
    this.name = 'PartitionLoadError'
  }
}

function describe(p: BadValue): string {
  const where = [
    p.file,
    p.line != null ? `line ${p.line}` : null,
    p.row != null ? `row ${p.row}` : null,
    p.column !== null ? `column ${p.column}` : null,
  ]
    .filter(Boolean)
    .join(', ')
  const received = p.received === null ? '' : `received ${quoteForMessage(p.received)}; `
  return `${where}: ${received}expected ${p.expected}`
}

const TYPE_WORDS: Record<string, string> = {
  BIGINT: 'an integer (BIGINT)',
  INTEGER: 'an integer (INTEGER)',
  INT32: 'an integer (INTEGER)',
  INT64: 'an integer (BIGINT)',
  DOUBLE: 'a number (DOUBLE)',
  BOOLEAN: 'true or false (BOOLEAN)',
  TIMESTAMP: 'a time such as 2025-10-10 21:15:00[.ffffff] (UTC), or with an offset or Z (TIMESTAMP)',
  'TIMESTAMP WITH TIME ZONE': 'a time such as 2025-10-10 21:15:00[.ffffff] (UTC), or with an offset or Z (TIMESTAMP)',
  TIMESTAMPTZ: 'a time such as 2025-10-10 21:15:00[.ffffff] (UTC), or with an offset or Z (TIMESTAMP)',
  VARCHAR: 'text (VARCHAR)',
  HUGEINT: 'an integer (HUGEINT)',
}

export const typeWords = (type: string): string =>
  TYPE_WORDS[type.toUpperCase()] ?? (/^DECIMAL/i.test(type) ? `a decimal number (${type})` : type)

/**
 * The first line of a DuckDB message, without the SQL it may quote (`LINE 1: INSERT …` and the caret under it) and
 * cut to a readable length: what a person can act on, never the statement.
 */
export function cleanDuckMessage(message: string): string {
  const first = message.split('\n').find((l) => l.trim() && !/^\s*(LINE \d+:|\^)/.test(l)) ?? 'unknown error'
  const text = first.replace(/\s+/g, ' ').trim()
  return text.length > 300 ? `${text.slice(0, 300)}… (${text.length} characters)` : text
}

/**
 * Reads DuckDB's reader error text (CSV conversion errors, wrong column counts, damaged compression, a column the
 * file lacks) into a PartitionDataError; returns null when the error is not one of those.
 */
export function explainReadError(error: unknown, fileName: string): PartitionDataError | null {
  const message = error instanceof Error ? error.message : String(error)
  const line = /CSV Error on Line: (\d+)/.exec(message)
  const lineNo = line ? Number(line[1]) : null
  // Values may span lines and be megabytes long: matched lazily up to the closing quote and the type.
  const conversion =
    /Error when converting column "([^"\n]+)"\. Could not convert string "([\s\S]*?)" to '([^'\n]+)'/.exec(message)
  if (conversion) {
    return new PartitionDataError({
      file: fileName,
      line: lineNo,
      column: conversion[1]!,
      received: conversion[2]!,
      expected: typeWords(conversion[3]!),
    })
  }
  const columns = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(message)
  if (columns) {
    const original = /Original Line: (.*)/.exec(message)
    return new PartitionDataError({
      file: fileName,
      line: lineNo,
      column: null,
      received: original ? `${original[1]} (${columns[2]} fields)` : `${columns[2]} fields`,
      expected: `${columns[1]} fields per row`,
    })
  }
  if (/not utf-8 encoded|Invalid unicode/i.test(message)) {
    return new PartitionDataError({
      file: fileName,
      line: lineNo,
      column: null,
      received: null,
      expected: 'UTF-8 text (the line holds bytes that are not UTF-8, e.g. Latin-1: convert the file to UTF-8)',
    })
  }
  if (lineNo !== null) {
    const detail = message
      .split('\n')
      .find((l) => l && !/^(Invalid Input|Conversion) Error: CSV Error/.test(l) && !/^Original Line:/.test(l))
    return new PartitionDataError({
      file: fileName,
      line: lineNo,
      column: null,
      received: null,
      expected: `a well-formed row (${cleanDuckMessage(detail ?? message)})`,
    })
  }
  // DuckDB's gzip reader (a zip member handed over as gzip, or a .gz download) meeting a damaged deflate stream.
  const gzip =
    /^.*(Input is not a GZIP stream|invalid\/unsupported GZIP stream|Failed to decode gzip stream|Failed to decompress GZIP block|Unsupported GZIP|incorrect header check|invalid block type|invalid distance).*$/im.exec(
      message,
    )
  if (gzip) {
    return new PartitionDataError({
      file: fileName,
      line: null,
      column: null,
      received: null,
      expected: `an intact compressed stream (the data is damaged: ${cleanDuckMessage(gzip[0]!)})`,
    })
  }
  const missing = /Referenced column "(.+?)" not found/.exec(message)
  if (missing) {
    return new PartitionDataError({
      file: fileName,
      line: null,
      column: missing[1]!,
      received: null,
      expected: `a column named ${missing[1]} in the file`,
    })
  }
  return null
}

/** Last resort for a value error no diagnosis could place: a Parquet cast or a lookup, by column only. */
export function explainValueError(error: unknown, fileName: string): PartitionDataError | null {
  const message = error instanceof Error ? error.message : String(error)
  // Raised by a lookup mapping: "<file>: column <c>: received <v>; expected one of …"
  const lookup = /: column (\S+): received ([\s\S]*); expected (one of .*)$/m.exec(message)
  if (lookup && message.includes(fileName)) {
    return new PartitionDataError({
      file: fileName,
      line: null,
      column: lookup[1]!,
      received: lookup[2]!,
      expected: lookup[3]!,
    })
  }
  const parquet =
    /Could not convert string "([\s\S]*?)" to '(.+?)'|Could not convert string '([\s\S]*?)' to (\w+)/.exec(message)
  const column = /when casting from source column (\S+)/.exec(message)
  if (parquet) {
    return new PartitionDataError({
      file: fileName,
      line: null,
      column: column?.[1] ?? null,
      received: parquet[1] ?? parquet[3] ?? null,
      expected: typeWords(parquet[2] ?? parquet[4] ?? ''),
    })
  }
  return null
}
