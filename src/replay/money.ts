// Exact settled amounts: integer micro-units (1e-6 quote) held in JS numbers within ±2^53, totals in BigInt.
import { InvalidInputError, OutOfRangeError } from '../errors.ts'

export const MICROS_PER_UNIT = 1_000_000

/**
 * Thrown when an amount would leave the exactly representable integer range (±2^53 micro-units ≈ ±9e9 quote):
 * code OUT_OF_RANGE, with what overflowed and its value.
 */
export class ExactRangeError extends OutOfRangeError {
  constructor(what: string, value: number) {
    const quote = value / MICROS_PER_UNIT
    super(`${what} of ${quote} quote leaves the exact range (±9.007e9); split the replay or rescale`, {
      what,
      received: Number.isFinite(quote) ? quote : String(quote),
      max: Number.MAX_SAFE_INTEGER / MICROS_PER_UNIT,
    })
  }
}

/** Rounds a float64 quote amount to micro-units (half away from zero): the one rounding of a settled amount. */
export function toMicros(amount: number, what = 'amount'): number {
  const scaled = amount * MICROS_PER_UNIT
  const m = scaled < 0 ? -Math.round(-scaled) : Math.round(scaled)
  if (!Number.isSafeInteger(m)) throw new ExactRangeError(what, scaled)
  return m
}

/** Exact sum of two micro amounts; throws rather than lose a unit. */
export function addMicros(a: number, b: number, what = 'balance'): number {
  const r = a + b
  if (!Number.isSafeInteger(r)) throw new ExactRangeError(what, r)
  return r
}

/** Micro-units as a plain decimal string, exactly ("-12.5" for -12_500_000). */
export function formatMicros(micros: number | bigint): string {
  const v = BigInt(micros)
  const negative = v < 0n
  const abs = negative ? -v : v
  const int = abs / 1_000_000n
  const frac = (abs % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '')
  const body = frac ? `${int}.${frac}` : `${int}`
  return negative && body !== '0' ? `-${body}` : body
}

/** A decimal string with at most 6 places to micro-units, exactly (no float parsing). */
export function parseMicros(text: string, path = 'amount'): number {
  const m = /^(-?)(\d+)(?:\.(\d{1,6}))?$/.exec(text.trim())
  if (!m)
    throw new InvalidInputError('invalid amount', [
      { path, received: text, expected: 'a decimal with at most 6 places' },
    ])
  const v = BigInt(m[2]!) * 1_000_000n + BigInt((m[3] ?? '').padEnd(6, '0'))
  const signed = m[1] ? -v : v
  if (signed > BigInt(Number.MAX_SAFE_INTEGER) || signed < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new InvalidInputError('amount out of range', [
      { path, received: text, expected: 'at most 9007199254.740991 in magnitude' },
    ])
  }
  return Number(signed)
}
