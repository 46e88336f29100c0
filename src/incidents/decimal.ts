// Exact sums of decimal amounts (DuckDB DECIMAL text) as BigInt micro-units, and back to text.

/** "−12.345678" → −12345678n micro-units; more than 6 decimals is refused (amounts are DECIMAL(38, 6)). */
export function microsOf(text: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d{1,6}))?$/.exec(text.trim())
  if (!m) throw new Error(`not a decimal amount with at most 6 places: ${text}`)
  const v = BigInt(m[2]!) * 1_000_000n + BigInt((m[3] ?? '').padEnd(6, '0'))
  return m[1] ? -v : v
}

export function textOf(micros: bigint): string {
  const negative = micros < 0n
  const abs = negative ? -micros : micros
  const frac = (abs % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '')
  const body = frac ? `${abs / 1_000_000n}.${frac}` : `${abs / 1_000_000n}`
  return negative && body !== '0' ? `-${body}` : body
}

export const sumMicros = (texts: string[]) => texts.reduce((a, t) => a + microsOf(t), 0n)
