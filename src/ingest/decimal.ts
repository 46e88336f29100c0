// Exact decimal text for money and prices from JSON APIs: validated and rescaled as strings, never through a float,
// so DECIMAL(38,18) columns receive exactly what the venue published (DuckDB would silently round a 19th decimal).

const PLAIN = /^-?\d+(\.\d+)?$/

/** A plain decimal numeral (no exponent, no sign other than a leading minus), as venues send money. */
export const isPlainDecimal = (text: string): boolean => PLAIN.test(text)

/** Canonical form: no leading zeros, no trailing fractional zeros, no "-0". */
export function canonicalDecimal(text: string): string {
  if (!PLAIN.test(text)) throw new Error(`not a plain decimal: ${text}`)
  const negative = text.startsWith('-')
  const [rawInt = '0', rawFrac = ''] = (negative ? text.slice(1) : text).split('.')
  const int = rawInt.replace(/^0+(?=\d)/, '')
  const frac = rawFrac.replace(/0+$/, '')
  const body = frac ? `${int}.${frac}` : int
  return negative && /[1-9]/.test(body) ? `-${body}` : body
}

/** Why a canonical decimal does not fit DECIMAL(38,18), or null when it fits exactly. */
export function decimal38Problem(canonical: string): string | null {
  const [int = '', frac = ''] = canonical.replace(/^-/, '').split('.')
  if (frac.length > 18) return `at most 18 decimal places (DECIMAL(38,18) would round it)`
  if (int.length > 20) return `at most 20 integer digits (DECIMAL(38,18))`
  return null
}

/**
 * `integer × 10^exponent` as an exact decimal string: Pyth's `price × 10^expo`, a Chainlink answer scaled by the
 * feed's decimals (exponent −decimals).
 */
export function scaleInteger(integer: string, exponent: number): string {
  if (!/^-?\d+$/.test(integer)) throw new Error(`not an integer: ${integer}`)
  if (!Number.isInteger(exponent)) throw new Error(`not an integer exponent: ${exponent}`)
  const negative = integer.startsWith('-')
  const digits = negative ? integer.slice(1) : integer
  let text: string
  if (exponent >= 0) text = digits + '0'.repeat(exponent)
  else {
    const places = -exponent
    const padded = digits.padStart(places + 1, '0')
    text = `${padded.slice(0, padded.length - places)}.${padded.slice(padded.length - places)}`
  }
  return canonicalDecimal(negative ? `-${text}` : text)
}

/** −x for a plain decimal string. */
export const negateDecimal = (text: string): string =>
  canonicalDecimal(text.startsWith('-') ? text.slice(1) : `-${text}`)

/** Sign of a plain decimal string: −1, 0 or 1. */
export function decimalSign(text: string): -1 | 0 | 1 {
  if (!/[1-9]/.test(text)) return 0
  return text.startsWith('-') ? -1 : 1
}
