// Reading fields of one record of a JSON API response: every problem is a SourceRecordError naming the source, the
// record and the field, the value received and what was expected, so a malformed body fails its partition clearly.
import { canonicalDecimal, decimal38Problem, isPlainDecimal } from './decimal.ts'

export class SourceRecordError extends Error {
  constructor(
    /** Source and request, e.g. "hyperliquid userFillsByTime 0xb7b6… 2023-05-05". */
    readonly source: string,
    /** Which record, e.g. "record 17 (tid 118906512037719)". */
    readonly record: string,
    readonly field: string,
    readonly received: unknown,
    readonly expected: string,
  ) {
    super(`${source}: ${record}: field ${field}: received ${show(received)}; expected ${expected}`)
    this.name = 'SourceRecordError'
  }
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing'
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 120 ? `${text.slice(0, 117)}...` : text
}

/** The response as a whole is not what the endpoint returns (not JSON, not an array, an error object). */
export class SourceResponseError extends Error {
  constructor(source: string, detail: string) {
    super(`${source}: ${detail}`)
    this.name = 'SourceResponseError'
  }
}

/** Parses a response body, naming the source when it is not JSON. */
export function parseJsonBody(source: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new SourceResponseError(source, `response is not JSON: ${show(text.slice(0, 200))}`)
  }
}

/** The array a response must be (or hold under `key`). */
export function arrayBody(source: string, body: unknown, key?: string): unknown[] {
  const value = key === undefined ? body : (body as Record<string, unknown> | null)?.[key]
  if (Array.isArray(value)) return value
  const where = key === undefined ? 'response' : `response field ${key}`
  throw new SourceResponseError(source, `${where}: received ${show(value)}; expected an array`)
}

/** Typed access to one record's fields (dotted paths reach into nested objects). */
export class FieldReader {
  constructor(
    readonly source: string,
    readonly index: number,
    readonly record: unknown,
  ) {
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      throw new SourceRecordError(source, `record ${index + 1}`, '(record)', record, 'a JSON object')
    }
  }

  /** A label for messages: the record's position, plus an identifying field once known. */
  identity = ''

  get label(): string {
    return `record ${this.index + 1}${this.identity ? ` (${this.identity})` : ''}`
  }

  fail(field: string, expected: string): never {
    throw new SourceRecordError(this.source, this.label, field, this.get(field), expected)
  }

  /** The raw value at a dotted path; undefined when absent. */
  get(path: string): unknown {
    let value: unknown = this.record
    for (const part of path.split('.')) {
      if (value === null || typeof value !== 'object') return undefined
      value = (value as Record<string, unknown>)[part]
    }
    return value
  }

  has(path: string): boolean {
    const value = this.get(path)
    return value !== undefined && value !== null
  }

  string(path: string): string {
    const value = this.get(path)
    if (typeof value !== 'string' || value.length === 0) this.fail(path, 'a non-empty string')
    return value
  }

  optionalString(path: string): string | null {
    return this.has(path) ? this.string(path) : null
  }

  /** One of the given strings (case-sensitive, as the venue documents them). */
  oneOf<T extends string>(path: string, allowed: readonly T[]): T {
    const value = this.get(path)
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value))
      this.fail(path, `one of ${allowed.join(', ')}`)
    return value as T
  }

  boolean(path: string): boolean {
    const value = this.get(path)
    if (typeof value !== 'boolean') this.fail(path, 'true or false')
    return value
  }

  /** A safe integer given as a JSON number or an integer string (heights, ids, epoch times). */
  integer(path: string): number {
    const value = this.get(path)
    const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value
    if (typeof n !== 'number' || !Number.isSafeInteger(n)) this.fail(path, 'an integer')
    return n
  }

  /** An integer of any size as decimal text (uint80 round ids, int256 answers, large ids). */
  integerText(path: string): string {
    const value = this.get(path)
    if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value)
    if (typeof value !== 'string' || !/^-?\d+$/.test(value)) this.fail(path, 'an integer')
    return value
  }

  /** Epoch milliseconds (a JSON integer), within 1970–2100. */
  epochMs(path: string): number {
    const value = this.get(path)
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > 4_102_444_800_000)
      this.fail(path, 'epoch milliseconds (an integer such as 1683245884863)')
    return value
  }

  /** An ISO-8601 UTC time such as 2024-08-05T01:09:28.338Z, as epoch microseconds (sub-ms digits kept). */
  isoMicros(path: string): number {
    const value = this.get(path)
    const us = typeof value === 'string' ? isoToMicros(value) : null
    if (us === null) this.fail(path, 'an ISO-8601 UTC time such as 2024-08-05T01:09:28.338Z')
    return us
  }

  /** A plain decimal string that fits DECIMAL(38,18) exactly, in canonical form. */
  decimal(path: string): string {
    const value = this.get(path)
    if (typeof value !== 'string' || !isPlainDecimal(value)) this.fail(path, 'a decimal string such as "1.25"')
    const canonical = canonicalDecimal(value)
    const problem = decimal38Problem(canonical)
    if (problem) this.fail(path, `a decimal with ${problem}`)
    return canonical
  }

  optionalDecimal(path: string): string | null {
    return this.has(path) ? this.decimal(path) : null
  }

  /**
   * A decimal string for a DOUBLE column (prices, rates): any plain decimal, kept as text so the store parses it to
   * the nearest binary64 (no JS float in between).
   */
  number(path: string): string {
    const value = this.get(path)
    if (typeof value === 'string' && isPlainDecimal(value)) return canonicalDecimal(value)
    if (typeof value === 'number' && Number.isFinite(value)) return String(value)
    this.fail(path, 'a decimal number such as "1.25"')
  }

  optionalNumber(path: string): string | null {
    return this.has(path) ? this.number(path) : null
  }

  /** The record's fields other than `mapped` (top level), as a JSON object string, or null when none are left. */
  extra(mapped: ReadonlySet<string>): string | null {
    const rest: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(this.record as Record<string, unknown>)) {
      if (!mapped.has(key) && value !== undefined) rest[key] = value
    }
    return Object.keys(rest).length ? JSON.stringify(rest) : null
  }
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?:Z|\+00:00)$/

/** Epoch microseconds of an ISO-8601 UTC time, or null when the text is not one. */
export function isoToMicros(text: string): number | null {
  const m = ISO.exec(text)
  if (!m) return null
  const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)
  const check = new Date(ms)
  if (check.getUTCDate() !== +m[3]! || check.getUTCHours() !== +m[4]! || check.getUTCMonth() !== +m[2]! - 1) return null
  return ms * 1000 + Number((m[7] ?? '').padEnd(6, '0'))
}
