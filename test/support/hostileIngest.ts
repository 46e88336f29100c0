// Hostile inputs for `ingest file`: a fast-check generator of files in the normalized layout (CSV and Parquet) —
// valid rows, impossible values, duplicates, time zones, line endings, encodings, broken structure — with a model of
// what each must do: load exactly (the stored rows equal the input, value for value) or be refused with an error that
// names the file and the line, row or column. The model is written from the README's documented checks, not from the
// loader's own tables, so it can disagree with them.
import fs from 'node:fs'
import { DuckDBInstance } from '@duckdb/node-api'
import fc from 'fast-check'
import { ingestJob } from '../../jobs/ingest/index.ts'
import type { JobOutcome } from '../../jobs/job.ts'
import { silentReporter } from '../../jobs/progress.ts'
import type { Runtime } from '../../src/app/runtime.ts'
import type { NormalizedTable } from '../../src/domain/loadSpec.ts'
import { NORMALIZED_COLUMNS } from '../../src/domain/normalizedTables.ts'

export type Category = 'valid' | 'line-endings' | 'time-zones' | 'impossible-values' | 'duplicates' | 'malformed'
export const CATEGORIES: readonly Category[] = [
  'valid',
  'line-endings',
  'time-zones',
  'impossible-values',
  'duplicates',
  'malformed',
]
export type Format = 'csv' | 'parquet'

type Sign = 'positive' | 'nonNegative' | 'any'
type Kind =
  | { t: 'market' }
  | { t: 'ts' }
  | { t: 'double'; sign: Sign; premiumMayBeSigned?: true }
  | { t: 'int'; max: number }
  | { t: 'count' }
  | { t: 'dec'; sign: Sign }
  | { t: 'bool' }
  | { t: 'enum'; values: readonly string[] }
  | { t: 'text' }

const market: Kind = { t: 'market' }
const ts: Kind = { t: 'ts' }
const text: Kind = { t: 'text' }
const dbl = (sign: Sign): Kind => ({ t: 'double', sign })
const dec = (sign: Sign): Kind => ({ t: 'dec', sign })
const priceLike: Kind = { t: 'double', sign: 'positive', premiumMayBeSigned: true }

/** What every column may hold (README, "Checks at load"). */
const KINDS: Record<NormalizedTable, Record<string, Kind>> = {
  trades: {
    market,
    ts,
    price: dbl('positive'),
    qty: dbl('positive'),
    side: { t: 'enum', values: ['buy', 'sell'] },
    trade_id: text,
  },
  bars: {
    market,
    ts,
    interval_s: { t: 'int', max: 86_400 },
    open: dbl('positive'),
    high: dbl('positive'),
    low: dbl('positive'),
    close: dbl('positive'),
    volume: dbl('nonNegative'),
    quote_volume: dbl('nonNegative'),
    trades: { t: 'count' },
    taker_buy_volume: dbl('nonNegative'),
    vwap: dbl('positive'),
    source: { t: 'enum', values: ['klines', 'trades'] },
  },
  prices: {
    market,
    ts,
    kind: { t: 'enum', values: ['mark', 'index', 'oracle', 'last', 'premium', 'mid'] },
    source: text,
    price: priceLike,
    open: priceLike,
    high: priceLike,
    low: priceLike,
    interval_s: { t: 'int', max: 86_400 },
    confidence: dbl('nonNegative'),
  },
  funding: { market, ts, rate: dbl('any'), interval_h: { t: 'int', max: 24 }, mark_price: dbl('positive') },
  open_interest: { market, ts, oi_base: dbl('nonNegative'), oi_quote: dbl('nonNegative') },
  liquidations: {
    market,
    ts,
    side: { t: 'enum', values: ['long', 'short'] },
    price: dec('positive'),
    qty: dec('positive'),
    kind: { t: 'enum', values: ['liquidation', 'adl'] },
    account: text,
    trade_id: text,
    source: text,
  },
  fills: {
    market,
    ts,
    account: text,
    side: { t: 'enum', values: ['buy', 'sell'] },
    price: dec('positive'),
    qty: dec('positive'),
    fee: dec('any'),
    fee_asset: text,
    liquidation: { t: 'bool' },
    liquidity: { t: 'enum', values: ['maker', 'taker'] },
    closed_pnl: dec('any'),
    start_position: dec('any'),
    dir: text,
    trade_id: text,
    order_id: text,
  },
  ledger: {
    ts,
    account: text,
    delta_quote: dec('any'),
    kind: { t: 'enum', values: ['deposit', 'withdrawal', 'transfer', 'funding', 'fee', 'liquidation', 'other'] },
    asset: text,
    counterparty: text,
    tx_id: text,
  },
}

/** Duplicate policy per table: rows equal in every stored value are kept once, or refused when they carry an id. */
const DUPLICATE_ID: Partial<Record<NormalizedTable, string>> = {
  trades: 'trade_id',
  fills: 'trade_id',
  liquidations: 'trade_id',
  ledger: 'tx_id',
}
export const collapsesDuplicates = (table: NormalizedTable) => !(table in DUPLICATE_ID)

/** A stored value as the test reads it back: numbers, µs bigints, decimal strings scaled by 1e18, text, booleans. */
export type Stored = string | number | bigint | boolean | null

interface Cell {
  /** The field's text; null = an empty field. */
  text: string | null
  /** Raw bytes replacing the text in a CSV (encodings). */
  bytes?: Buffer
  /** What the store must hold for it (valid cells only). */
  stored: Stored
}

export interface HostileCase {
  table: NormalizedTable
  format: Format
  category: Category
  /** `--market`: every row's market (the file then has no market column). */
  market?: string
  columns: string[]
  rows: Cell[][]
  csv: { eol: string; bom: boolean; trailingBlank: number; quoteAll: boolean }
  /** Parquet: columns typed like the table (else every column is text for the loader to convert). */
  typed: boolean
  /** The file as a whole is broken in this way (structure, not one value). */
  structure?: 'extra-field' | 'missing-field' | 'unknown-column' | 'missing-column' | 'empty' | 'header-only'
  /** What was injected, for reports. */
  fault: string | null
  expect: 'load' | 'refuse'
  /** Valid cases: the rows the store must hold, in any order. */
  expected: Array<Record<string, Stored>>
}

const FLOOR_US = BigInt(Date.UTC(2015, 0, 1)) * 1000n
const CEIL_US = BigInt(Date.UTC(2025, 0, 1)) * 1000n

const pad = (n: number | bigint, w = 2) => String(n).padStart(w, '0')

/** `YYYY-MM-DD?HH:MM:SS[.ffffff]` of a µs instant, shifted by `offsetMin` for display. */
function clock(us: bigint, offsetMin: number, sep: string, fraction: 'none' | 'trim' | 'full'): string {
  const shifted = us + BigInt(offsetMin) * 60_000_000n
  const ms = Number(shifted / 1000n)
  const d = new Date(ms)
  const micros = ((shifted % 1_000_000n) + 1_000_000n) % 1_000_000n
  const base =
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}${sep}` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
  if (fraction === 'none' || micros === 0n) return base
  const f = pad(micros, 6)
  return `${base}.${fraction === 'trim' ? f.replace(/0+$/, '') : f}`
}

const OFFSETS = [300, -210, 0, 840, -720, 345, 60]
const zoneText = (minutes: number) => {
  const sign = minutes < 0 ? '-' : '+'
  const m = Math.abs(minutes)
  return `${sign}${pad(Math.floor(m / 60))}:${pad(m % 60)}`
}

/** A timestamp cell; `zoned` writes an offset or Z (the stored value is always the UTC instant). */
const tsCell = (zoned: boolean): fc.Arbitrary<Cell> =>
  fc
    .record({
      us: fc.bigInt({ min: FLOOR_US, max: CEIL_US }),
      sep: fc.constantFrom(' ', 'T'),
      fraction: fc.constantFrom('none' as const, 'trim' as const, 'full' as const),
      zone: fc.integer({ min: -1, max: OFFSETS.length - 1 }),
    })
    .map(({ us, sep, fraction, zone }) => {
      // whole seconds now and then, so equal instants in two spellings are likely enough to collide
      const t = fraction === 'none' ? us - (us % 1_000_000n) : us
      if (!zoned) return { text: clock(t, 0, sep, fraction), stored: t }
      if (zone < 0) return { text: `${clock(t, 0, 'T', fraction)}Z`, stored: t }
      const offset = OFFSETS[zone]!
      return { text: clock(t, offset, sep, fraction) + zoneText(offset), stored: t }
    })

/** A double that its shortest text reads back exactly. */
const doubleCell = (sign: Sign): fc.Arbitrary<Cell> => {
  const min = sign === 'any' ? -1e7 : 0
  const value = fc
    .oneof(
      fc.double({ min, max: 1e7, noNaN: true, noDefaultInfinity: true }),
      fc.integer({ min: sign === 'any' ? -100_000 : 0, max: 200_000 }).map((n) => n / 100),
    )
    .map((v) => (Object.is(v, -0) ? 0 : v))
    .filter((v) => (sign === 'positive' ? v > 0 : true))
  return value.map((v) => ({ text: String(v), stored: v }))
}

/** A decimal with up to 12 integer and 18 fraction digits; stored as its value × 1e18. */
const decCell = (sign: Sign): fc.Arbitrary<Cell> =>
  fc
    .record({
      negative: sign === 'any' ? fc.boolean() : fc.constant(false),
      whole: fc.bigInt({ min: 0n, max: 999_999_999_999n }),
      digits: fc.integer({ min: 0, max: 18 }),
      fraction: fc.bigInt({ min: 0n, max: 10n ** 18n - 1n }),
    })
    .map(({ negative, whole, digits, fraction }) => {
      const frac = digits === 0 ? '' : pad(fraction % 10n ** BigInt(digits), digits)
      const scaled =
        (whole * 10n ** 18n + (frac ? BigInt(frac) * 10n ** BigInt(18 - digits) : 0n)) * (negative ? -1n : 1n)
      return { text: `${negative ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`, stored: String(scaled) }
    })
    .filter((c) => (sign === 'positive' ? BigInt(c.stored as string) > 0n : true))

/** Free text: commas, quotes, spaces and (sometimes) line breaks, which the CSV writer quotes. */
const textCell = (breaks: boolean): fc.Arbitrary<Cell> =>
  fc
    .array(
      fc.constantFrom(...'abcXYZ019_-./:;'.split(''), ',', '"', "'", ' ', 'é', '€', ...(breaks ? ['\n', '\r\n'] : [])),
      { minLength: 1, maxLength: 12 },
    )
    .map((chars) => chars.join(''))
    // DuckDB trims nothing in quoted fields, but a value of spaces only is not a useful id; keep one visible char
    .filter((s) => /[A-Za-z0-9]/.test(s))
    .map((s) => ({ text: s, stored: s }))

const marketCell: fc.Arbitrary<Cell> = fc
  .tuple(fc.constantFrom('BTC', 'ETH', 'SOL', 'kPEPE'), fc.constantFrom('', 'USDT', '-PERP', '-USD', '/USD'))
  .map(([a, b]) => ({ text: a + b, stored: a + b }))

const enumCell = (values: readonly string[]): fc.Arbitrary<Cell> =>
  fc.tuple(fc.constantFrom(...values), fc.constantFrom('lower', 'upper', 'title')).map(([v, style]) => ({
    text: style === 'lower' ? v : style === 'upper' ? v.toUpperCase() : v[0]!.toUpperCase() + v.slice(1),
    stored: v,
  }))

function validCell(kind: Kind, options: { zoned: boolean; breaks: boolean; premium: boolean }): fc.Arbitrary<Cell> {
  switch (kind.t) {
    case 'market':
      return marketCell
    case 'ts':
      return tsCell(options.zoned)
    case 'double':
      return doubleCell(kind.premiumMayBeSigned && options.premium ? 'any' : kind.sign)
    case 'int':
      return fc.integer({ min: 1, max: kind.max }).map((n) => ({ text: String(n), stored: n }))
    case 'count':
      return fc.integer({ min: 0, max: 5_000_000 }).map((n) => ({ text: String(n), stored: BigInt(n) }))
    case 'dec':
      return decCell(kind.sign)
    case 'bool':
      return fc.boolean().map((b) => ({ text: String(b), stored: b }))
    case 'enum':
      return enumCell(kind.values)
    case 'text':
      return textCell(options.breaks)
  }
}

/** Values that no column of that kind may hold, though the reader parses them (or not: then it must say where). */
function impossibleTexts(kind: Kind, premium: boolean): string[] {
  switch (kind.t) {
    case 'double': {
      const always = ['NaN', 'nan', 'inf', 'Infinity', '-Infinity', '1e400', '-1e400']
      if (kind.premiumMayBeSigned && premium) return always
      if (kind.sign === 'positive') return [...always, '0', '-0', '-5.5', '1e-400']
      if (kind.sign === 'nonNegative') return [...always, '-1', '-0.000001']
      return always
    }
    case 'int':
      return ['0', '-1', '-86400']
    case 'count':
      return ['-1']
    case 'dec':
      return kind.sign === 'positive' ? ['0', '-1.5', '-0.000000000000000001', '0.000'] : []
    case 'ts':
      return [
        '0001-01-01 00:00:00',
        '2100-01-01 00:00:00',
        '9999-12-31 23:59:59',
        '2008-12-31 23:59:59',
        'infinity',
        '-infinity',
        '1970-01-01 00:00:00',
      ]
    case 'enum':
      return ['explode', 'unknown', 'buy sell']
    default:
      return []
  }
}

/** Values that do not parse as the column's type, or break the row. */
function malformedTexts(kind: Kind): string[] {
  switch (kind.t) {
    case 'double':
    case 'dec':
      return ['12x.5', '1,5', '--1', '0x10', '9'.repeat(120_000) + 'x']
    case 'int':
    case 'count':
      return ['1.5', 'ten', '99999999999999999999999']
    case 'ts':
      return ['yesterday', '2025-13-01 00:00:00', '2025-02-30 12:00:00', '2025-01-01 25:00:00']
    case 'bool':
      return ['maybe', '2']
    case 'market':
      return ['BT\u0001C', 'ETH\u0000', 'SOL\u001b[31m']
    default:
      return []
  }
}

/** A column that is not the market, when the case must avoid it (the market comes from --market). */
const columnsOf = (table: NormalizedTable) => NORMALIZED_COLUMNS[table]

interface Draft {
  table: NormalizedTable
  format: Format
  category: Category
  useMarketFlag: boolean
  market: string
  optionalMask: number
  nullMask: number
  rowCount: number
  shuffle: number
  eol: string
  bom: boolean
  trailingBlank: number
  quoteAll: boolean
  typed: boolean
  faultPick: number
  faultRow: number
  faultColumn: number
  seedRows: Cell[][]
}

const rowArbitrary = (table: NormalizedTable, zoned: boolean, breaks: boolean): fc.Arbitrary<Cell[]> => {
  const cols = columnsOf(table)
  const kinds = KINDS[table]
  // prices: the kind decides whether the price columns may be ≤ 0 (premium index)
  return fc.boolean().chain((premium) =>
    fc.tuple(
      ...cols.map((c) => {
        if (table === 'prices' && c.name === 'kind')
          return premium ? enumCell(['premium']) : enumCell(['mark', 'index', 'oracle', 'last', 'mid'])
        return validCell(kinds[c.name]!, { zoned, breaks, premium })
      }),
    ),
  )
}

export function hostileCase(table: NormalizedTable, format: Format, category: Category): fc.Arbitrary<HostileCase> {
  const zoned = category === 'time-zones'
  const breaks = category === 'line-endings' && format === 'csv'
  const hasMarket = columnsOf(table).some((c) => c.name === 'market')
  return fc
    .record({
      useMarketFlag: hasMarket ? fc.boolean() : fc.constant(false),
      market: marketCell.map((c) => c.text!),
      optionalMask: fc.nat(),
      nullMask: fc.nat(),
      rowCount: fc.integer({ min: 1, max: 6 }),
      shuffle: fc.nat(),
      eol: category === 'line-endings' ? fc.constantFrom('\r\n', '\r') : fc.constant('\n'),
      bom: category === 'line-endings' ? fc.boolean() : fc.constant(false),
      trailingBlank: category === 'line-endings' ? fc.integer({ min: 0, max: 3 }) : fc.constant(0),
      quoteAll: fc.boolean(),
      typed: format === 'parquet' && category !== 'malformed' ? fc.boolean() : fc.constant(false),
      faultPick: fc.nat(),
      faultRow: fc.nat(),
      faultColumn: fc.nat(),
      seedRows: fc.array(rowArbitrary(table, zoned, breaks), { minLength: 6, maxLength: 6 }),
    })
    .map((r) => build({ ...r, table, format, category }))
}

function build(d: Draft): HostileCase {
  const all = columnsOf(d.table)
  const kinds = KINDS[d.table]
  // Which columns the file has: required ones always (market unless --market), optional ones by the mask.
  let index = 0
  const present = all.filter((c) => {
    index++
    if (c.name === 'market' && d.useMarketFlag) return false
    return c.required || ((d.optionalMask >> index) & 1) === 1
  })
  // Column order shuffled for CSV (a header names them); Parquet is read by name anyway.
  const order = [...present]
  for (let i = order.length - 1; i > 0; i--) {
    const j = (d.shuffle + i * 7919) % (i + 1)
    ;[order[i], order[j]] = [order[j]!, order[i]!]
  }
  const columns = order.map((c) => c.name)
  const rows: Cell[][] = []
  for (let r = 0; r < d.rowCount; r++) {
    const seed = d.seedRows[r % d.seedRows.length]!
    rows.push(
      order.map((c) => {
        const cell = seed[all.indexOf(c)]!
        // optional columns may be empty now and then
        if (!c.required && ((d.nullMask >> ((r * 5 + all.indexOf(c)) % 30)) & 1) === 1)
          return { text: null, stored: null }
        return cell
      }),
    )
  }
  const c: HostileCase = {
    table: d.table,
    format: d.format,
    category: d.category,
    ...(d.useMarketFlag ? { market: d.market } : {}),
    columns,
    rows,
    csv: { eol: d.eol, bom: d.bom, trailingBlank: d.trailingBlank, quoteAll: d.quoteAll },
    typed: d.typed,
    fault: null,
    expect: 'load',
    expected: [],
  }
  const premiumRow = (row: Cell[]) => d.table === 'prices' && row[columns.indexOf('kind')]?.stored === 'premium'
  const pickCell = (filter: (kind: Kind, row: Cell[]) => string[]) => {
    const options: Array<{ r: number; col: number; texts: string[] }> = []
    rows.forEach((row, r) =>
      columns.forEach((name, col) => {
        const texts = filter(kinds[name]!, row)
        if (texts.length) options.push({ r, col, texts })
      }),
    )
    if (!options.length) return false
    const o = options[(d.faultRow + d.faultColumn * 31) % options.length]!
    const t = o.texts[d.faultPick % o.texts.length]!
    rows[o.r]![o.col] = { text: t, stored: null }
    c.fault = `${columns[o.col]}=${JSON.stringify(t.length > 40 ? `${t.slice(0, 20)}…(${t.length})` : t)}`
    c.expect = 'refuse'
    return true
  }
  switch (d.category) {
    case 'impossible-values':
      pickCell((kind, row) => impossibleTexts(kind, premiumRow(row)))
      break
    case 'duplicates': {
      const from = d.faultRow % rows.length
      rows.splice(
        d.faultColumn % (rows.length + 1),
        0,
        rows[from]!.map((x) => ({ ...x })),
      )
      c.fault = `row ${from + 1} twice`
      break
    }
    case 'malformed':
      malform(c, d, pickCell)
      break
    default:
      break
  }
  if (c.expect === 'load') modelLoad(c)
  return c
}

function malform(c: HostileCase, d: Draft, pickCell: (f: (kind: Kind, row: Cell[]) => string[]) => boolean): void {
  const kinds = KINDS[c.table]
  const choices = [
    'value',
    'required-empty',
    ...(c.format === 'csv' ? ['extra-field', 'missing-field', 'latin1', 'empty', 'header-only'] : []),
    'unknown-column',
    'missing-column',
  ]
  const choice = choices[d.faultPick % choices.length]!
  const setStructure = (s: NonNullable<HostileCase['structure']>) => {
    c.structure = s
    c.fault = s
    c.expect = 'refuse'
  }
  switch (choice) {
    case 'value':
      if (!pickCell((kind) => malformedTexts(kind))) setStructure('missing-column')
      return
    case 'required-empty': {
      const required = c.columns.filter((name) => columnsOf(c.table).find((x) => x.name === name)!.required)
      const name = required[d.faultColumn % required.length]!
      const r = d.faultRow % c.rows.length
      c.rows[r]![c.columns.indexOf(name)] = { text: null, stored: null }
      c.fault = `${name} empty`
      c.expect = 'refuse'
      return
    }
    case 'latin1': {
      const at = c.columns.findIndex((name) => ['text', 'market'].includes(kinds[name]!.t))
      if (at < 0) return setStructure('extra-field')
      const r = d.faultRow % c.rows.length
      c.rows[r]![at] = { text: 'x', bytes: Buffer.from([0x63, 0x61, 0x66, 0xe9]), stored: null }
      c.fault = `${c.columns[at]} in Latin-1`
      c.expect = 'refuse'
      return
    }
    default:
      setStructure(choice as NonNullable<HostileCase['structure']>)
  }
}

/** The rows the store must hold for a valid case: defaults filled, duplicates per table policy. */
function modelLoad(c: HostileCase): void {
  const all = columnsOf(c.table)
  const rows = c.rows.map((row) => {
    const out: Record<string, Stored> = {}
    for (const col of all) {
      const i = c.columns.indexOf(col.name)
      let v: Stored = i >= 0 ? row[i]!.stored : null
      if (col.name === 'market' && c.market) v = c.market
      if (v === null && col.default !== undefined) {
        v = typeof col.default === 'number' ? String(BigInt(col.default) * 10n ** 18n) : col.default
      }
      out[col.name] = v
    }
    return out
  })
  const key = (r: Record<string, Stored>) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))
  const idColumn = DUPLICATE_ID[c.table]
  const seen = new Set<string>()
  const kept: Array<Record<string, Stored>> = []
  for (const r of rows) {
    const k = key(r)
    if (seen.has(k)) {
      if (!idColumn) continue // collapsed
      if (r[idColumn] !== null) {
        c.expect = 'refuse'
        c.fault = `${c.fault ?? 'duplicate'} (with ${idColumn})`
        c.expected = []
        return
      }
    }
    seen.add(k)
    kept.push(r)
  }
  c.expected = kept
}

const needsQuotes = (s: string) => /[",\r\n]/.test(s) || /^\s|\s$/.test(s)
const quote = (s: string) => `"${s.replaceAll('"', '""')}"`

/** The CSV bytes of a case. */
export function csvBytes(c: HostileCase): Buffer {
  if (c.structure === 'empty') return Buffer.alloc(0)
  const { eol, bom, trailingBlank, quoteAll } = c.csv
  let columns = [...c.columns]
  if (c.structure === 'unknown-column') columns = [...columns, 'colour']
  if (c.structure === 'missing-column') {
    const required = columns.filter((n) => columnsOf(c.table).find((x) => x.name === n)?.required)
    columns = columns.filter((n) => n !== required[0])
  }
  const parts: Buffer[] = []
  if (bom) parts.push(Buffer.from([0xef, 0xbb, 0xbf]))
  parts.push(Buffer.from(columns.join(',') + eol))
  if (c.structure !== 'header-only') {
    c.rows.forEach((row, r) => {
      const fields: Buffer[] = []
      c.columns.forEach((name, i) => {
        if (!columns.includes(name)) return
        const cell = row[i]!
        if (cell.bytes) fields.push(cell.bytes)
        else if (cell.text === null) fields.push(Buffer.alloc(0))
        else fields.push(Buffer.from(quoteAll || needsQuotes(cell.text) ? quote(cell.text) : cell.text))
      })
      if (c.structure === 'unknown-column') fields.push(Buffer.from('red'))
      if (c.structure === 'extra-field' && r === c.rows.length - 1) fields.push(Buffer.from('surplus'))
      if (c.structure === 'missing-field' && r === c.rows.length - 1) fields.pop()
      parts.push(Buffer.concat(fields.flatMap((f, i) => (i ? [Buffer.from(','), f] : [f]))))
      parts.push(Buffer.from(eol))
    })
  }
  for (let i = 0; i < trailingBlank; i++) parts.push(Buffer.from(eol))
  return Buffer.concat(parts)
}

const SQL_TYPE: Record<string, string> = {
  VARCHAR: 'VARCHAR',
  TIMESTAMP: 'TIMESTAMP',
  DOUBLE: 'DOUBLE',
  INTEGER: 'INTEGER',
  BIGINT: 'BIGINT',
  BOOLEAN: 'BOOLEAN',
  'DECIMAL(38,18)': 'DECIMAL(38,18)',
}

/** Writes a case as Parquet with a scratch DuckDB: every column text, or typed like the table (`typed`). */
export async function writeParquet(c: HostileCase, file: string): Promise<void> {
  const db = await DuckDBInstance.create(':memory:')
  const conn = await db.connect()
  try {
    await conn.run(`SET TimeZone = 'UTC'`)
    let columns = [...c.columns]
    if (c.structure === 'missing-column') {
      const required = columns.filter((n) => columnsOf(c.table).find((x) => x.name === n)?.required)
      columns = columns.filter((n) => n !== required[0])
    }
    const names = columns.map((n, i) => `c${i}`)
    await conn.run(`CREATE TABLE t (${names.map((n) => `${n} VARCHAR`).join(', ')})`)
    for (const row of c.rows) {
      const values = columns.map((name) => row[c.columns.indexOf(name)]!.text)
      await conn.run(`INSERT INTO t VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')})`, values)
    }
    const select = columns.map((name, i) => {
      const type = columnsOf(c.table).find((x) => x.name === name)!.type
      if (!c.typed || type === 'VARCHAR') return `c${i} AS "${name}"`
      if (type === 'TIMESTAMP') return `timezone('UTC', CAST(c${i} AS TIMESTAMPTZ)) AS "${name}"`
      if (type === 'BOOLEAN') return `CAST(c${i} AS BOOLEAN) AS "${name}"`
      return `CAST(c${i} AS ${SQL_TYPE[type]}) AS "${name}"`
    })
    if (c.structure === 'unknown-column') select.push(`'red' AS colour`)
    const target = file.replaceAll("'", "''")
    await conn.run(`COPY (SELECT ${select.join(', ')} FROM t) TO '${target}' (FORMAT parquet)`)
  } finally {
    conn.closeSync()
    db.closeSync()
  }
}

export function writeCase(c: HostileCase, file: string): Promise<void> {
  if (c.format === 'parquet') return writeParquet(c, file)
  fs.writeFileSync(file, csvBytes(c))
  return Promise.resolve()
}

/** SQL reading back what the store holds for a venue, in the model's terms. */
export function storedRowsSql(table: NormalizedTable): string {
  const cols = columnsOf(table).map((c) => {
    if (c.type === 'TIMESTAMP') return `epoch_us(${c.name}) AS ${c.name}`
    if (c.type === 'DECIMAL(38,18)') return `CAST(${c.name} AS VARCHAR) AS ${c.name}`
    return c.name
  })
  return `SELECT ${cols.join(', ')} FROM ${table} WHERE venue = $1`
}

/** DECIMAL(38,18) text as read back (`-1.500000000000000000`) → the model's value × 1e18. */
export const scaledDecimal = (text: string): string => {
  const negative = text.startsWith('-')
  const [whole, frac = ''] = text.replace(/^-/, '').split('.')
  const scaled = BigInt(whole!) * 10n ** 18n + BigInt(frac.padEnd(18, '0').slice(0, 18) || '0')
  return String(negative ? -scaled : scaled)
}

/** Stored rows read with `storedRowsSql`, in the model's terms. */
export function normalizeStored(
  table: NormalizedTable,
  rows: Array<Record<string, unknown>>,
): Array<Record<string, Stored>> {
  const decimals = columnsOf(table)
    .filter((c) => c.type === 'DECIMAL(38,18)')
    .map((c) => c.name)
  return rows.map((r) => {
    const out: Record<string, Stored> = {}
    for (const [k, v] of Object.entries(r))
      out[k] = decimals.includes(k) && typeof v === 'string' ? scaledDecimal(v) : (v as Stored)
    return out
  })
}

/** A row as a comparable key (-0 is 0; bigints as text). */
export const rowKey = (r: Record<string, unknown>): string =>
  JSON.stringify(
    Object.keys(r)
      .sort()
      .map((k) => {
        const v = r[k]
        if (typeof v === 'bigint') return [k, `${v}n`]
        if (typeof v === 'number' && Object.is(v, -0)) return [k, 0]
        if (typeof v === 'number' && !Number.isFinite(v)) return [k, String(v)]
        return [k, v ?? null]
      }),
  )

/** The error names the file and where in it: a line, a row or a column. */
export const isLocated = (message: string, fileName: string): boolean =>
  message.startsWith(fileName) && /\b(line \d+|row \d+|column(?:\(s\))? [\w*]+)/.test(message)

/**
 * Runs the `ingest file` job in process the way the run manager does (prepare, then run), without recording a run:
 * the job's prepared value (its parameters and the run's configuration) is what `run` takes.
 */
export async function runFileJobInProcess(
  runtime: Runtime,
  params: Record<string, unknown>,
  runId: string,
): Promise<JobOutcome> {
  const job = ingestJob('file')
  const parsed = job.params.parse(params)
  const prepared = job.prepare ? await job.prepare({ runtime, log: runtime.log, trigger: 'cli' }, parsed) : parsed
  return job.run(
    { runtime, log: runtime.log, signal: new AbortController().signal, runId, progress: silentReporter },
    prepared,
  )
}
