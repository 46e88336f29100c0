// The normalized tables' columns as a loader or a user-supplied file sees them (mirrors ddl/0001_market_data.sql).
import type { ColumnType, NormalizedTable } from './loadSpec.ts'

export interface NormalizedColumn {
  name: string
  type: ColumnType
  /** A file in the normalized layout must have this column (others may be absent and load as NULL/default). */
  required: boolean
  /** The table's DEFAULT, used when a file leaves the column out or empty. */
  default?: string | number | boolean
}

const col = (
  name: string,
  type: ColumnType,
  required = false,
  fallback?: string | number | boolean,
): NormalizedColumn => (fallback === undefined ? { name, type, required } : { name, type, required, default: fallback })
const DEC = 'DECIMAL(38,18)'

/** Columns per table, without `venue` and `partition_id`, which the loader fills. `market` is listed where it exists. */
export const NORMALIZED_COLUMNS: Readonly<Record<NormalizedTable, readonly NormalizedColumn[]>> = {
  trades: [
    col('market', 'VARCHAR', true),
    col('ts', 'TIMESTAMP', true),
    col('price', 'DOUBLE', true),
    col('qty', 'DOUBLE', true),
    col('side', 'VARCHAR'),
    col('trade_id', 'VARCHAR'),
  ],
  bars: [
    col('market', 'VARCHAR', true),
    col('ts', 'TIMESTAMP', true),
    col('interval_s', 'INTEGER', true),
    col('open', 'DOUBLE', true),
    col('high', 'DOUBLE', true),
    col('low', 'DOUBLE', true),
    col('close', 'DOUBLE', true),
    col('volume', 'DOUBLE'),
    col('quote_volume', 'DOUBLE'),
    col('trades', 'BIGINT'),
    col('taker_buy_volume', 'DOUBLE'),
    col('vwap', 'DOUBLE'),
    col('source', 'VARCHAR', true),
  ],
  prices: [
    col('market', 'VARCHAR', true),
    col('ts', 'TIMESTAMP', true),
    col('kind', 'VARCHAR', true),
    col('source', 'VARCHAR', true),
    col('price', 'DOUBLE', true),
    col('open', 'DOUBLE'),
    col('high', 'DOUBLE'),
    col('low', 'DOUBLE'),
    col('interval_s', 'INTEGER'),
    col('confidence', 'DOUBLE'),
  ],
  funding: [
    col('market', 'VARCHAR', true),
    col('ts', 'TIMESTAMP', true),
    col('rate', 'DOUBLE', true),
    col('interval_h', 'INTEGER'),
    col('mark_price', 'DOUBLE'),
  ],
  open_interest: [
    col('market', 'VARCHAR', true),
    col('ts', 'TIMESTAMP', true),
    col('oi_base', 'DOUBLE'),
    col('oi_quote', 'DOUBLE'),
  ],
  liquidations: [
    col('market', 'VARCHAR', true),
    col('ts', 'TIMESTAMP', true),
    col('side', 'VARCHAR', true),
    col('price', DEC, true),
    col('qty', DEC, true),
    col('kind', 'VARCHAR', false, 'liquidation'),
    col('account', 'VARCHAR'),
    col('trade_id', 'VARCHAR'),
    col('source', 'VARCHAR', true),
  ],
  fills: [
    col('market', 'VARCHAR', true),
    col('ts', 'TIMESTAMP', true),
    col('account', 'VARCHAR', true),
    col('side', 'VARCHAR', true),
    col('price', DEC, true),
    col('qty', DEC, true),
    col('fee', DEC, false, 0),
    col('fee_asset', 'VARCHAR'),
    col('liquidation', 'BOOLEAN', false, false),
    col('liquidity', 'VARCHAR'),
    col('closed_pnl', DEC),
    col('start_position', DEC),
    col('dir', 'VARCHAR'),
    col('trade_id', 'VARCHAR'),
    col('order_id', 'VARCHAR'),
  ],
  ledger: [
    col('ts', 'TIMESTAMP', true),
    col('account', 'VARCHAR', true),
    col('delta_quote', DEC, true),
    col('kind', 'VARCHAR', true),
    col('asset', 'VARCHAR'),
    col('counterparty', 'VARCHAR'),
    col('tx_id', 'VARCHAR'),
  ],
}

/** Tables whose rows carry a market column. */
export const hasMarketColumn = (table: NormalizedTable): boolean =>
  NORMALIZED_COLUMNS[table].some((c) => c.name === 'market')
