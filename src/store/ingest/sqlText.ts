// Quoting for SQL text the loader has to build (table functions take file paths and column maps as literals).

/** A SQL string literal. */
export const str = (value: string): string => `'${value.replaceAll("'", "''")}'`

/** A quoted identifier. */
export const ident = (name: string): string => `"${name.replaceAll('"', '""')}"`

/** A SQL literal for a constant value. */
export function literal(value: string | number | boolean | null): string {
  if (value === null) return 'NULL'
  if (typeof value === 'string') return str(value)
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`)
  return String(value)
}
