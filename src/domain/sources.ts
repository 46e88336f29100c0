// The datasets each ingestion source offers: one vocabulary that the source definitions (src/ingest/sources),
// configuration (schedule settings) and the CLI's help all read, so none of them keeps its own copy.

export const BINANCE_DATASETS = [
  'aggTrades',
  'trades',
  'fundingRate',
  'klines',
  'markPriceKlines',
  'indexPriceKlines',
  'premiumIndexKlines',
  'metrics',
] as const
export type BinanceDataset = (typeof BINANCE_DATASETS)[number]

export const BYBIT_DATASETS = ['trades'] as const

/** Tardis.dev CSV dataset types Backstop loads. */
export const TARDIS_TYPES = ['trades', 'derivative_ticker', 'liquidations'] as const
export type TardisType = (typeof TARDIS_TYPES)[number]

export const HYPERLIQUID_DATASETS = ['candles', 'funding', 'fills', 'ledger', 'state'] as const
export type HyperliquidDataset = (typeof HYPERLIQUID_DATASETS)[number]
/** The Hyperliquid datasets asked per account (the others per coin). */
export const HYPERLIQUID_ACCOUNT_DATASETS: readonly HyperliquidDataset[] = ['fills', 'ledger', 'state']

export const DYDX_DATASETS = ['trades', 'funding', 'candles', 'fills', 'ledger'] as const
export type DydxDataset = (typeof DYDX_DATASETS)[number]
/** The dYdX datasets asked per subaccount (the others per market). */
export const DYDX_ACCOUNT_DATASETS: readonly DydxDataset[] = ['fills', 'ledger']

/** Pyth: one dataset per sampling interval, named `oracle-<interval>` in partition ids. */
export const PYTH_DATASETS = ['oracle'] as const

export const CHAINLINK_DATASETS = ['rounds'] as const

/** Local files in the normalized layout: one dataset per normalized table. */
export { NORMALIZED_TABLES as FILE_DATASETS } from './loadSpec.ts'

/** Hyperliquid's node_fills_by_block hour files (every user's fills, from a node or its S3 archive). */
export const HYPERLIQUID_NODE_FILLS_DATASETS = ['node_fills_by_block'] as const
