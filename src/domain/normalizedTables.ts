// The normalized tables' columns as a loader or a user-supplied file sees them (mirrors ddl/0001_market_data.sql), and
// the domain checks every row must pass at load (README, "Checks at load"): what a stored value may be.
import type { ColumnType, DetailTable, NormalizedTable, TargetTable } from './loadSpec.ts'

/**
 * What a stored value must be, beyond its type (NULL passes: required columns are NOT NULL in the table itself).
 * Checked over every row a load writes, inside its transaction.
 */
export interface ColumnCheck {
  /** A number that is not NaN or ±Infinity (DOUBLE columns; DECIMAL cannot hold them). */
  finite?: true
  /** > 0. */
  positive?: true
  /** ≥ 0. */
  nonNegative?: true
  /** Rows whose `column` holds one of `values` may be ≤ 0 (a premium index is a signed spread, not a price). */
  signedWhen?: { column: string; values: readonly string[] }
  /** One of these values (the loader's lookups canonicalise case). */
  oneOf?: readonly string[]
  /** A market time: from MARKET_TIME_FLOOR up to MARKET_TIME_AHEAD_DAYS after the load. */
  marketTime?: true
  /** Text without control characters (names that key other rows: markets). */
  printable?: true
  /** ≠ 0 (a position snapshot row is an open position: a signed size of zero is no position). */
  nonZero?: true
}

/** No crypto derivative traded before Bitcoin's genesis block (2009-01-03); earlier times are bad data. */
export const MARKET_TIME_FLOOR = '2009-01-01'
/** Times later than the load by more than this are bad data (a settlement announced ahead stays well inside it). */
export const MARKET_TIME_AHEAD_DAYS = 2

export interface NormalizedColumn {
  name: string
  type: ColumnType
  /** A file in the normalized layout must have this column (others may be absent and load as NULL/default). */
  required: boolean
  /** The table's DEFAULT, used when a file leaves the column out or empty. */
  default?: string | number | boolean
  check?: ColumnCheck
}

const col = (
  name: string,
  type: ColumnType,
  required = false,
  fallback?: string | number | boolean,
  check?: ColumnCheck,
): NormalizedColumn => ({
  name,
  type,
  required,
  ...(fallback === undefined ? {} : { default: fallback }),
  ...(check ? { check } : {}),
})
const DEC = 'DECIMAL(38,18)'

const price: ColumnCheck = { finite: true, positive: true }
const amount: ColumnCheck = { finite: true, nonNegative: true }
const finite: ColumnCheck = { finite: true }
const time: ColumnCheck = { marketTime: true }
const marketName: ColumnCheck = { printable: true }
const oneOf = (...values: string[]): ColumnCheck => ({ oneOf: values })
/** prices: the price columns of a premium index row may be ≤ 0. */
const quote: ColumnCheck = { finite: true, positive: true, signedWhen: { column: 'kind', values: ['premium'] } }

export const PRICE_KINDS = ['mark', 'index', 'oracle', 'last', 'premium', 'mid'] as const
export const LEDGER_KINDS = ['deposit', 'withdrawal', 'transfer', 'funding', 'fee', 'liquidation', 'other'] as const

/** Columns per table, without `venue` and `partition_id`, which the loader fills. `market` is listed where it exists. */
export const NORMALIZED_COLUMNS: Readonly<Record<NormalizedTable, readonly NormalizedColumn[]>> = {
  trades: [
    col('market', 'VARCHAR', true, undefined, marketName),
    col('ts', 'TIMESTAMP', true, undefined, time),
    col('price', 'DOUBLE', true, undefined, price),
    col('qty', 'DOUBLE', true, undefined, price),
    col('side', 'VARCHAR', false, undefined, oneOf('buy', 'sell')),
    col('trade_id', 'VARCHAR'),
  ],
  bars: [
    col('market', 'VARCHAR', true, undefined, marketName),
    col('ts', 'TIMESTAMP', true, undefined, time),
    col('interval_s', 'INTEGER', true, undefined, { positive: true }),
    col('open', 'DOUBLE', true, undefined, price),
    col('high', 'DOUBLE', true, undefined, price),
    col('low', 'DOUBLE', true, undefined, price),
    col('close', 'DOUBLE', true, undefined, price),
    col('volume', 'DOUBLE', false, undefined, amount),
    col('quote_volume', 'DOUBLE', false, undefined, amount),
    col('trades', 'BIGINT', false, undefined, { nonNegative: true }),
    col('taker_buy_volume', 'DOUBLE', false, undefined, amount),
    col('vwap', 'DOUBLE', false, undefined, price),
    col('source', 'VARCHAR', true, undefined, oneOf('klines', 'trades')),
  ],
  prices: [
    col('market', 'VARCHAR', true, undefined, marketName),
    col('ts', 'TIMESTAMP', true, undefined, time),
    col('kind', 'VARCHAR', true, undefined, oneOf(...PRICE_KINDS)),
    col('source', 'VARCHAR', true),
    col('price', 'DOUBLE', true, undefined, quote),
    col('open', 'DOUBLE', false, undefined, quote),
    col('high', 'DOUBLE', false, undefined, quote),
    col('low', 'DOUBLE', false, undefined, quote),
    col('interval_s', 'INTEGER', false, undefined, { positive: true }),
    col('confidence', 'DOUBLE', false, undefined, amount),
  ],
  funding: [
    col('market', 'VARCHAR', true, undefined, marketName),
    col('ts', 'TIMESTAMP', true, undefined, time),
    col('rate', 'DOUBLE', true, undefined, finite),
    col('interval_h', 'INTEGER', false, undefined, { positive: true }),
    col('mark_price', 'DOUBLE', false, undefined, price),
  ],
  open_interest: [
    col('market', 'VARCHAR', true, undefined, marketName),
    col('ts', 'TIMESTAMP', true, undefined, time),
    col('oi_base', 'DOUBLE', false, undefined, amount),
    col('oi_quote', 'DOUBLE', false, undefined, amount),
  ],
  liquidations: [
    col('market', 'VARCHAR', true, undefined, marketName),
    col('ts', 'TIMESTAMP', true, undefined, time),
    col('side', 'VARCHAR', true, undefined, oneOf('long', 'short')),
    col('price', DEC, true, undefined, { positive: true }),
    col('qty', DEC, true, undefined, { positive: true }),
    col('kind', 'VARCHAR', false, 'liquidation', oneOf('liquidation', 'adl')),
    col('account', 'VARCHAR'),
    col('trade_id', 'VARCHAR'),
    col('source', 'VARCHAR', true),
  ],
  fills: [
    col('market', 'VARCHAR', true, undefined, marketName),
    col('ts', 'TIMESTAMP', true, undefined, time),
    col('account', 'VARCHAR', true),
    col('side', 'VARCHAR', true, undefined, oneOf('buy', 'sell')),
    col('price', DEC, true, undefined, { positive: true }),
    col('qty', DEC, true, undefined, { positive: true }),
    col('fee', DEC, false, 0),
    col('fee_asset', 'VARCHAR'),
    col('liquidation', 'BOOLEAN', false, false),
    col('liquidity', 'VARCHAR', false, undefined, oneOf('maker', 'taker')),
    col('closed_pnl', DEC),
    col('start_position', DEC),
    col('dir', 'VARCHAR'),
    col('trade_id', 'VARCHAR'),
    col('order_id', 'VARCHAR'),
  ],
  ledger: [
    col('ts', 'TIMESTAMP', true, undefined, time),
    col('account', 'VARCHAR', true),
    col('delta_quote', DEC, true),
    col('kind', 'VARCHAR', true, undefined, oneOf(...LEDGER_KINDS)),
    col('asset', 'VARCHAR'),
    col('counterparty', 'VARCHAR'),
    col('tx_id', 'VARCHAR'),
  ],
}

const isolation = oneOf('cross', 'isolated')
const D = 'DECIMAL(38,18)' as const
const checked = (name: string, type: ColumnType, check: ColumnCheck): NormalizedColumn =>
  col(name, type, false, undefined, check)

/**
 * The checked columns of the detail tables (ddl/0200: venue snapshots and oracle rounds, loaded by source connectors,
 * not from user files): the same kinds of check, on the columns where a value can be impossible. Balances that may
 * truly be negative (account value, unrealised PnL, an oracle answer) are not bounded.
 */
export const DETAIL_CHECKS: Readonly<Record<DetailTable, readonly NormalizedColumn[]>> = {
  account_states: [
    checked('account', 'VARCHAR', marketName),
    checked('ts', 'TIMESTAMP', time),
    checked('total_margin_used', D, { nonNegative: true }),
    checked('total_ntl_pos', D, { nonNegative: true }),
    checked('cross_margin_used', D, { nonNegative: true }),
    checked('cross_ntl_pos', D, { nonNegative: true }),
    checked('cross_maintenance_margin_used', D, { nonNegative: true }),
    checked('withdrawable', D, { nonNegative: true }),
  ],
  account_positions: [
    checked('account', 'VARCHAR', marketName),
    checked('ts', 'TIMESTAMP', time),
    checked('market', 'VARCHAR', marketName),
    checked('size', D, { nonZero: true }),
    checked('entry_price', D, { positive: true }),
    checked('position_value', D, { nonNegative: true }),
    checked('liquidation_price', D, { positive: true }),
    checked('margin_used', D, { nonNegative: true }),
    checked('leverage_type', 'VARCHAR', isolation),
    checked('leverage', D, { positive: true }),
  ],
  oracle_rounds: [
    checked('market', 'VARCHAR', marketName),
    checked('ts', 'TIMESTAMP', time),
    checked('round_id', 'HUGEINT', { positive: true }),
    checked('decimals', 'INTEGER', { nonNegative: true }),
  ],
}

/** Tables whose rows carry a market column. */
export const hasMarketColumn = (table: NormalizedTable): boolean =>
  NORMALIZED_COLUMNS[table].some((c) => c.name === 'market')

/**
 * What happens to rows of one file that are equal in every column:
 * - `collapse`: kept once. Time series (a repeated observation adds nothing; tick streams repeat themselves).
 * - `refuse-with-id`: refused when the row carries `id` (an id names one event, so the line was doubled: a doubled
 *   trade would double its volume in the bars); kept without one, since equal anonymous events happen (in 81 s of
 *   Hyperliquid node fills, 118 sets of 2–15 fills share account, market, time, side, price and size, told apart
 *   only by trade id and start position).
 */
export type DuplicatePolicy = { kind: 'collapse' } | { kind: 'refuse-with-id'; id: string }

export const DUPLICATE_POLICY: Readonly<Record<NormalizedTable, DuplicatePolicy>> = {
  trades: { kind: 'refuse-with-id', id: 'trade_id' },
  bars: { kind: 'collapse' },
  prices: { kind: 'collapse' },
  funding: { kind: 'collapse' },
  open_interest: { kind: 'collapse' },
  liquidations: { kind: 'refuse-with-id', id: 'trade_id' },
  fills: { kind: 'refuse-with-id', id: 'trade_id' },
  ledger: { kind: 'refuse-with-id', id: 'tx_id' },
}

/** The checked (or, for normalized tables, every) column of a table a load writes. */
export const columnsOf = (table: TargetTable): readonly NormalizedColumn[] =>
  table in NORMALIZED_COLUMNS ? NORMALIZED_COLUMNS[table as NormalizedTable] : DETAIL_CHECKS[table as DetailTable]

/** The check of a column of a table a load writes, if any. */
export const checkOf = (table: TargetTable, column: string): ColumnCheck | undefined =>
  columnsOf(table).find((c) => c.name === column)?.check

/** What a check accepts, in words, for error messages. */
export function describeCheck(check: ColumnCheck, type: ColumnType): string {
  if (check.oneOf) return `one of ${check.oneOf.join(', ')}`
  if (check.marketTime) return `a UTC time from ${MARKET_TIME_FLOOR} to ${MARKET_TIME_AHEAD_DAYS} days after the load`
  if (check.printable) return 'text without control characters'
  if (check.nonZero) return 'a number ≠ 0'
  const what = check.finite ? 'a finite number' : type === 'INTEGER' || type === 'BIGINT' ? 'an integer' : 'a number'
  const bound = check.positive ? ' > 0' : check.nonNegative ? ' ≥ 0' : ''
  const unless =
    check.signedWhen && bound
      ? ` (any sign when ${check.signedWhen.column} is ${check.signedWhen.values.join(' or ')})`
      : ''
  return `${what}${bound}${unless}`
}
