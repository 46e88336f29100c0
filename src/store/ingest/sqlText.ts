// Where loader values meet SQL: values are bound as $n parameters (file paths and column maps included, which DuckDB
// binds in read_csv / read_parquet / read_json too); what must stay text — identifiers, type names and the loader's own
// vocabulary constants — is checked against strict patterns first, and control characters are refused everywhere.
import type { DuckDBValue } from '@duckdb/node-api'

/** A value or name that may not reach SQL (a control character, a glob in a path, an identifier out of pattern). */
export class UnsafeSqlTextError extends Error {
  constructor(
    readonly what: string,
    readonly received: string,
    readonly expected: string,
  ) {
    super(`${what}: received ${quoteForMessage(received)}; expected ${expected}`)
    this.name = 'UnsafeSqlTextError'
  }
}

/** Longest value quoted whole in a message; longer ones are cut and their length stated. */
const QUOTE_LIMIT = 120

/**
 * A value as quoted in a message: JSON-escaped (control characters visible), cut after QUOTE_LIMIT characters with
 * its length stated, e.g. `"abc…" (10485760 characters)`.
 */
export function quoteForMessage(value: string, limit = QUOTE_LIMIT): string {
  if (value.length <= limit) return JSON.stringify(value)
  return `${JSON.stringify(value.slice(0, limit) + '…')} (${value.length} characters)`
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/

/** The first control character in `value`, as U+XXXX, or null. */
export function controlCharacterIn(value: string): string | null {
  const m = CONTROL.exec(value)
  return m ? `U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}` : null
}

/** Refuses a string holding a control character (NUL would cut a statement; line breaks forge log lines). */
export function requirePrintable(what: string, value: string): string {
  const bad = controlCharacterIn(value)
  if (bad) throw new UnsafeSqlTextError(what, value, `text without control characters (found ${bad})`)
  return value
}

/** Identifiers the loader writes as SQL text: letters, digits and underscores, not starting with a digit. */
const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/

/** A quoted identifier, after checking it against IDENT. */
export function ident(name: string): string {
  if (!IDENT.test(name)) {
    throw new UnsafeSqlTextError('column or table name', name, 'letters, digits and underscores (at most 64)')
  }
  return `"${name}"`
}

/** DuckDB type names a load may cast to: a closed list, written as SQL text. */
const TYPES = new Set([
  'BIGINT',
  'INTEGER',
  'DOUBLE',
  'VARCHAR',
  'BOOLEAN',
  'TIMESTAMP',
  'TIMESTAMPTZ',
  'DECIMAL(38,18)',
  'DECIMAL(18,6)',
  'HUGEINT',
])

export function typeName(type: string): string {
  if (!TYPES.has(type)) throw new UnsafeSqlTextError('column type', type, `one of ${[...TYPES].join(', ')}`)
  return type
}

/** Glob characters DuckDB expands in a file path (a file named `*.csv` would read every CSV beside it). */
const GLOB = /[*?[]/

/** A local file path for DuckDB's readers: absolute, printable, without glob characters. */
export function filePath(path: string): string {
  requirePrintable('file path', path)
  if (GLOB.test(path)) {
    throw new UnsafeSqlTextError(
      'file path',
      path,
      'a path without the glob characters * ? [ (DuckDB would read every file matching it); rename the file',
    )
  }
  if (!path.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(path)) {
    throw new UnsafeSqlTextError('file path', path, 'an absolute local path')
  }
  return path
}

/**
 * A SQL string literal for the loader's own constants (lookup keys, enum values): printable and without quotes, so
 * nothing needs escaping. File values never come this way; they are bound.
 */
export function constant(value: string): string {
  requirePrintable('constant', value)
  if (value.includes("'")) throw new UnsafeSqlTextError('constant', value, 'text without quotes')
  return `'${value}'`
}

/** A number written as SQL text (finite; integers stay integers). */
export function numberText(value: number | bigint): string {
  if (typeof value === 'bigint') return value.toString()
  if (!Number.isFinite(value)) throw new UnsafeSqlTextError('number', String(value), 'a finite number')
  return String(value)
}

/**
 * Values bound to a statement's named parameters ($p1, $p2, …), collected while its text is built. Builders may bind
 * a value the final text leaves out; `for(sql)` sends only those the text names (DuckDB refuses extra values).
 */
export class SqlParams {
  private readonly values: DuckDBValue[] = []

  /** A placeholder for `value`; with `type`, cast to it (a bare parameter takes the type of the JS value). */
  bind(value: DuckDBValue, type?: string): string {
    if (typeof value === 'string') requirePrintable('value', value)
    this.values.push(value)
    const placeholder = `$p${this.values.length}`
    return type ? `CAST(${placeholder} AS ${typeName(type)})` : placeholder
  }

  /** A bound timestamp from µs since the epoch (NULL stays NULL). */
  timestamp(us: bigint | null): string {
    return `make_timestamp(${this.bind(us, 'BIGINT')})`
  }

  /** The values `sql` names, by name. */
  for(sql: string): Record<string, DuckDBValue> {
    const out: Record<string, DuckDBValue> = {}
    for (const m of sql.matchAll(/\$p(\d+)\b/g)) out[`p${m[1]}`] = this.values[Number(m[1]) - 1]!
    return out
  }
}
