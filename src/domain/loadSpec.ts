// What a connector hands the store to load one partition: the file, how to read it, and how its columns map onto
// the normalized tables. Pure data, so connectors describe files without knowing SQL and the store stays the only
// place that writes it.

export const NORMALIZED_TABLES = [
  'trades',
  'bars',
  'prices',
  'funding',
  'open_interest',
  'liquidations',
  'fills',
  'ledger',
] as const
export type NormalizedTable = (typeof NORMALIZED_TABLES)[number]

/**
 * Tables beyond the normalized ones that connectors load the same way (DDL 02NN): venue margin snapshots and raw
 * oracle rounds, kept for reconciliation next to the normalized rows they accompany.
 */
export const DETAIL_TABLES = ['account_states', 'account_positions', 'oracle_rounds'] as const
export type DetailTable = (typeof DETAIL_TABLES)[number]

/** Any table a load request may write. */
export type TargetTable = NormalizedTable | DetailTable
export const TARGET_TABLES: readonly TargetTable[] = [...NORMALIZED_TABLES, ...DETAIL_TABLES]

/** Types a source column may be parsed as (DuckDB type names). */
export type ColumnType =
  | 'BIGINT'
  | 'INTEGER'
  | 'DOUBLE'
  | 'VARCHAR'
  | 'BOOLEAN'
  | 'TIMESTAMP'
  | 'DECIMAL(38,18)'
  /**
   * Exact decimals with at most 12 integer and 6 fractional digits, widened exactly on insert into DECIMAL(38,18):
   * DuckDB parses text into a decimal wider than 18 digits ~100× slower (measured ~7 µs against 0.06 µs per value).
   */
  | 'DECIMAL(18,6)'
  /** 128-bit integers: uint80 oracle round ids, int256 answers as published. */
  | 'HUGEINT'

/** Unit of a numeric epoch timestamp. */
export type TimeUnit = 's' | 'ms' | 'us'

export interface SourceColumn {
  name: string
  type: ColumnType
  /** Parquet / NDJSON: the column may be absent from the file, and then reads as NULL. */
  optional?: boolean
}

export type FileFormat = 'csv' | 'parquet' | 'ndjson'

export interface SourceFile {
  /** Local path the store reads; CSV and NDJSON may be gzip-compressed (`.gz`). */
  path: string
  /** The name a user knows the file by (the upstream file, or the CSV inside a zip); used in error messages. */
  name: string
  format: FileFormat
  /** CSV: whether the first line is a header row. */
  header?: boolean
  /** CSV: field delimiter (default ","). */
  delimiter?: string
  /**
   * CSV: every column of the file, in order, with the type to parse it as (nothing is auto-detected).
   * Parquet / NDJSON: the columns to read, each cast to its type.
   */
  columns: SourceColumn[]
  /** Parquet: the file may hold no column beyond `columns` (a misspelt optional column would otherwise read as NULL). */
  exactColumns?: boolean
}

/** How one normalized column is computed from a source row. */
export type ValueExpr =
  /** The source column as parsed; `otherwise` replaces NULL (or an absent optional column). */
  | { column: string; otherwise?: string | number | boolean }
  /** A constant. */
  | { literal: string | number | boolean | null }
  /** A numeric epoch (integer or fractional) in `unit`, to a UTC TIMESTAMP at microsecond precision. */
  | { epoch: string; unit: TimeUnit }
  /**
   * A case-insensitive lookup of the column's text (a key may map to NULL); any other non-null value fails the
   * partition. `otherwise` replaces NULL (or an absent optional column).
   */
  | { lookup: string; values: Readonly<Record<string, string | null>>; otherwise?: string }
  /** numerator / denominator; NULL when the denominator is 0 or NULL. */
  | { ratio: readonly [string, string] }
  /** a × b. */
  | { product: readonly [string, string] }
  /** b − a + 1: how many ids an inclusive range [a, b] spans (e.g. trades inside an aggregate trade). */
  | { span: readonly [string, string] }

/** Source rows mapped one-to-one (optionally filtered) into a normalized table. */
export interface RowMapping {
  kind: 'rows'
  table: TargetTable
  /** Normalized column → value. `venue`, `market` and `partition_id` are filled by the loader. */
  values: Readonly<Record<string, ValueExpr>>
  /** Keep only rows where every one of these source columns is not NULL. */
  requireNotNull?: readonly string[]
}

/**
 * Funding settlements reconstructed from a ticker stream that carries the next settlement time and the current rate
 * (Tardis derivative_ticker): one funding row per settlement time, with the last rate seen before it.
 */
export interface FundingSettlementsMapping {
  kind: 'funding-settlements'
  table: 'funding'
  /** Column with the observation time, and the column with the announced next settlement time (both epochs). */
  observedAt: string
  settlesAt: string
  unit: TimeUnit
  rate: string
  /**
   * Keep a settlement only if the stream was observed at most this long before it. Only observations strictly
   * before a settlement count, so a settlement at midnight belongs to the previous day's file and never to both.
   */
  maxLagSeconds: number
}

export type TableLoad = RowMapping | FundingSettlementsMapping

/** Bars derived at ingest from the trades a partition loads (1 s and 1 min, `source = 'trades'`). */
export interface TradeBarsSpec {
  /** Underlying trades per row (an aggregate trade covers several); default 1. */
  tradeCount?: ValueExpr
  /** Tie-break for trades in the same microsecond (open / close); default the trade id. */
  sequence?: ValueExpr
}

/**
 * Expected row cadence, so the loader can record holes inside a partition (missing minutes, missing 5-minute
 * metrics rows, funding intervals with no settlement).
 */
export type Cadence =
  | { table: NormalizedTable; everySeconds: number }
  /**
   * The step is read from each row (e.g. funding interval_h × 3600). Around an interval change Binance's
   * funding_interval_hours sometimes states the interval ending at the row and sometimes the one starting there
   * (real SOLUSDT 2022-11 files show both), so between two rows the larger of their steps is expected.
   */
  | { table: NormalizedTable; stepColumn: string; stepUnitSeconds: number }

export interface PartitionKey {
  /** Connector, e.g. binance-um. */
  source: string
  /** Source dataset, e.g. aggTrades. */
  dataset: string
  venue: string
  /**
   * The market, or for account-level datasets (fills, ledger, snapshots) the account exactly as the venue gives it:
   * one partition then holds an account's rows across markets, each row keeping its own market.
   */
  market: string
  /** YYYY-MM-DD, YYYY-MM, or another source-defined key. */
  period: string
  /**
   * The partition's id when source/dataset/market/period does not identify it: a local file is identified by its
   * venue, table, market and content (see `ingest/file`), whatever its name.
   */
  id?: string
}

export const partitionIdOf = (key: PartitionKey): string =>
  key.id ?? `${key.source}/${key.dataset}/${key.market}/${key.period}`

/** A hole the connector measured itself, where a fixed cadence cannot say it (e.g. a Chainlink heartbeat overrun). */
export interface SourceGap {
  table: TargetTable
  from: Date
  /** Exclusive: the next row present, or the end of the period. */
  to: Date
  /** Expected rows absent (e.g. heartbeats missed). */
  missing: number
  /** The cadence the hole was measured against, in seconds. */
  stepSeconds: number
}

/** Everything the store needs to load (or replace) one partition atomically. */
export interface LoadRequest {
  partition: PartitionKey
  file: SourceFile
  loads: readonly TableLoad[]
  upstream: {
    /** Source file name or URL. */
    file: string
    /** Upstream checksum (sha256 hex) of the file that was loaded. */
    checksum: string | null
    /**
     * The source publishes checksums but had none for this file, and it was loaded anyway: `checksum` is the sha256
     * of the bytes received, and the manifest notes the load as unverified.
     */
    unverified?: boolean
  }
  /**
   * Partitions this load supersedes (an earlier version of the same local file, replaced on request): their rows,
   * bars, holes and manifest rows are deleted in the same transaction.
   */
  replaces?: readonly string[]
  tradeBars?: TradeBarsSpec
  cadence?: Cadence
  /** Holes measured by the connector, recorded with the partition like cadence holes. */
  gaps?: readonly SourceGap[]
  /** Period bounds [start, end) used for leading/trailing holes, when the period is a day or month. */
  periodStart?: Date
  periodEnd?: Date
  jobRunId?: string | null
}
