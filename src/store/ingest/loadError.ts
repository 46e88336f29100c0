// A partition that could not be loaded because of its content: names the file, line, column, the value received and
// what was expected, turned from DuckDB's reader errors into one plain sentence.

export interface BadValue {
  file: string
  /** 1-based line in the file (header included), when the reader knows it. */
  line: number | null
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

function describe(p: BadValue): string {
  const where = [p.file, p.line !== null ? `line ${p.line}` : null, p.column !== null ? `column ${p.column}` : null]
    .filter(Boolean)
    .join(', ')
  const received = p.received === null ? '' : `received ${JSON.stringify(p.received)}; `
  return `${where}: ${received}expected ${p.expected}`
}

const TYPE_WORDS: Record<string, string> = {
  BIGINT: 'an integer (BIGINT)',
  INTEGER: 'an integer (INTEGER)',
  DOUBLE: 'a number (DOUBLE)',
  BOOLEAN: 'true or false (BOOLEAN)',
  TIMESTAMP: 'a UTC timestamp such as 2025-10-10 21:15:00[.ffffff] (TIMESTAMP)',
  VARCHAR: 'text (VARCHAR)',
}

const typeWords = (type: string): string =>
  TYPE_WORDS[type.toUpperCase()] ?? (/^DECIMAL/i.test(type) ? `a decimal number (${type})` : type)

/**
 * Reads DuckDB's reader error text (CSV conversion errors, wrong column counts, our own lookup errors) into a
 * PartitionDataError; returns null when the error is not about the file's content.
 */
export function explainReadError(error: unknown, fileName: string): PartitionDataError | null {
  const message = error instanceof Error ? error.message : String(error)
  const line = /CSV Error on Line: (\d+)/.exec(message)
  const lineNo = line ? Number(line[1]) : null
  const conversion = /Error when converting column "(.+?)"\. Could not convert string "(.*?)" to '(.+?)'/.exec(message)
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
  if (lineNo !== null) {
    const detail = message.split('\n').find((l) => l && !/^(Invalid Input|Conversion) Error: CSV Error/.test(l))
    return new PartitionDataError({
      file: fileName,
      line: lineNo,
      column: null,
      received: null,
      expected: `a well-formed row (${detail ?? message.split('\n')[0]})`,
    })
  }
  // Raised by a lookup mapping: "<file>: column <c>: received <v>; expected one of …"
  const lookup = /: column (\S+): received (.*); expected (one of .*)$/m.exec(message)
  if (lookup && message.includes(fileName)) {
    return new PartitionDataError({
      file: fileName,
      line: null,
      column: lookup[1]!,
      received: lookup[2]!,
      expected: lookup[3]!,
    })
  }
  const parquet = /Could not convert string "(.*?)" to '(.+?)'|Could not convert string '(.*?)' to (\w+)/.exec(message)
  if (parquet) {
    return new PartitionDataError({
      file: fileName,
      line: null,
      column: null,
      received: parquet[1] ?? parquet[3] ?? null,
      expected: typeWords(parquet[2] ?? parquet[4] ?? ''),
    })
  }
  // DuckDB's gzip reader (a zip member handed over as gzip, or a .gz download) meeting a damaged deflate stream.
  const gzip =
    /^.*(Input is not a GZIP stream|invalid\/unsupported GZIP stream|Failed to decode gzip stream|Failed to decompress GZIP block|Unsupported GZIP).*$/im.exec(
      message,
    )
  if (gzip) {
    return new PartitionDataError({
      file: fileName,
      line: null,
      column: null,
      received: null,
      expected: `an intact compressed stream (the data is damaged: ${gzip[0]!.trim()})`,
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
