// Every setting Backstop reads from the environment: name, meaning, default and what is valid, in one table.
// The same table validates the environment, documents .env.example and the README configuration table.
import os from 'node:os'
import { z } from 'zod'
import { BINANCE_DATASETS } from '../domain/sources.ts'

export interface Setting<T = unknown> {
  /** Environment variable name. */
  env: string
  description: string
  /** Default as the user would write it; undefined = unset (optional) or derived from another setting. */
  default?: string
  /** What a valid value looks like, for error messages and docs. */
  valid: string
  parse: z.ZodType<T, string>
}

const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^-?\d+$/)
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))

const bool = z
  .string()
  .transform((s) => s.trim().toLowerCase())
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no']))
  .transform((s) => s === 'true' || s === '1' || s === 'yes')

const oneOf = <const T extends readonly [string, ...string[]]>(values: T) => z.enum(values)

const nonEmpty = z.string().trim().min(1)

const url = z
  .string()
  .trim()
  .regex(/^https?:\/\/[^\s]+$/)

/** A comma-separated list of exchange symbols, e.g. BTCUSDT,ETHUSDT. */
const symbolList = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/)).min(1))

const wordList = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().regex(/^[A-Za-z0-9_-]+$/)).min(1))

/** A comma-separated list of items matching `pattern`, e.g. addresses or feed symbols. */
const listOf = (pattern: RegExp) =>
  z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((m) => m.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(pattern)).min(1))

/** kind=n pairs, e.g. backtest=1,ingest=4. */
const kindLimits = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().regex(/^[a-z][a-z0-9-]*=([1-9]|[1-5][0-9]|6[0-4])$/)).min(1))
  .transform((pairs) => Object.fromEntries(pairs.map((p) => [p.split('=')[0]!, Number(p.split('=')[1])])))

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/** Keyed by the property name used in code; order is the order of the docs. */
export const settings = {
  nodeEnv: {
    env: 'NODE_ENV',
    description: 'Runtime mode. `production` hides GraphQL field suggestions from clients.',
    default: 'development',
    valid: 'one of development, production, test',
    parse: oneOf(['development', 'production', 'test']),
  },
  host: {
    env: 'HOST',
    description: 'Interface the HTTP server listens on. Use 0.0.0.0 to accept connections from other machines.',
    default: '127.0.0.1',
    valid: 'a host name or IP address',
    parse: nonEmpty,
  },
  port: {
    env: 'PORT',
    description: 'HTTP port for /graphql, GraphiQL, /healthz, /readyz and /metrics (0 = any free port).',
    default: '4000',
    valid: 'an integer from 0 to 65535',
    parse: int(0, 65535),
  },
  dataDir: {
    env: 'DATA_DIR',
    description: 'Directory for the embedded stores and generated files (created if missing).',
    default: './data',
    valid: 'a directory path',
    parse: nonEmpty,
  },
  duckdbPath: {
    env: 'DUCKDB_PATH',
    description: 'DuckDB file with market data and results (`:memory:` for a throwaway store).',
    default: '$DATA_DIR/backstop.duckdb',
    valid: 'a file path or :memory:',
    parse: nonEmpty,
  },
  databaseUrl: {
    env: 'DATABASE_URL',
    description: 'Metadata store (rule sets, runs, schedules, keys): a local SQLite file URL.',
    default: 'file:$DATA_DIR/backstop.db',
    valid: 'a SQLite URL starting with file:, e.g. file:./data/backstop.db',
    parse: z.string().regex(/^file:.+/),
  },
  duckdbThreads: {
    env: 'DUCKDB_THREADS',
    description: 'Worker threads DuckDB may use.',
    default: String(os.availableParallelism()),
    valid: 'an integer from 1 to 256',
    parse: int(1, 256),
  },
  duckdbMemoryLimit: {
    env: 'DUCKDB_MEMORY_LIMIT',
    description: "DuckDB memory limit; unset = DuckDB's default (80% of RAM).",
    valid: 'a size such as 512MB, 4GB or 75%',
    parse: z.string().regex(/^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB|%)\s*$/i),
  },
  logLevel: {
    env: 'LOG_LEVEL',
    description: 'Minimum level of the JSON log lines written to stdout.',
    default: 'info',
    valid: `one of ${LOG_LEVELS.join(', ')}`,
    parse: oneOf(LOG_LEVELS),
  },
  shutdownTimeoutMs: {
    env: 'SHUTDOWN_TIMEOUT_MS',
    description: 'On SIGTERM/SIGINT, how long to drain requests and stop jobs before exiting anyway.',
    default: '4000',
    valid: 'an integer from 100 to 60000',
    parse: int(100, 60_000),
  },
  graphqlIntrospection: {
    env: 'GRAPHQL_INTROSPECTION',
    description: 'Allow schema introspection (GraphiQL and BI tools need it).',
    default: 'true',
    valid: 'true or false',
    parse: bool,
  },
  graphqlMaxDepth: {
    env: 'GRAPHQL_MAX_DEPTH',
    description: 'Deepest selection nesting a query may use; deeper queries are rejected before execution.',
    default: '12',
    valid: 'an integer from 2 to 64',
    parse: int(2, 64),
  },
  exportMaxRows: {
    env: 'EXPORT_MAX_ROWS',
    description: 'Most rows one CSV or Parquet export (/export/…) may hold; a larger one is refused, naming the count.',
    default: '5000000',
    valid: 'an integer from 1 to 1000000000',
    parse: int(1, 1_000_000_000),
  },
  apiAnonymousRead: {
    env: 'API_ANONYMOUS_READ',
    description:
      'Let callers without an API key read (role reader; never mutate). Unset: on when HOST is loopback and NODE_ENV is not production, off otherwise.',
    valid: 'true or false',
    parse: bool,
  },
  apiExecutionTimeoutMs: {
    env: 'API_EXECUTION_TIMEOUT_MS',
    description:
      'Longest a GraphQL operation may execute; a slower one is answered with a TIMEOUT error naming the limit.',
    default: '30000',
    valid: 'an integer from 100 to 3600000',
    parse: int(100, 3_600_000),
  },
  apiResponseCache: {
    env: 'API_RESPONSE_CACHE',
    description:
      'Serve a repeated GraphQL query (POST, same text, variables and role) from memory until the next write to the stores.',
    default: 'true',
    valid: 'true or false',
    parse: bool,
  },
  apiResponseCacheMb: {
    env: 'API_RESPONSE_CACHE_MB',
    description: 'Memory the response cache may hold (answer bodies); the least recently used answers go first.',
    default: '64',
    valid: 'an integer from 1 to 16384',
    parse: int(1, 16_384),
  },
  schedulerEnabled: {
    env: 'SCHEDULER_ENABLED',
    description: 'Run cron schedules (from config and the JobSchedule table) inside `serve`.',
    default: 'true',
    valid: 'true or false',
    parse: bool,
  },
  runConcurrency: {
    env: 'RUN_CONCURRENCY',
    description:
      'How many runs of each kind a process executes at once, as kind=n pairs; more wait queued. Kinds not listed run one at a time (and one run per ingestion job, always).',
    default: 'backtest=1,ingest=4',
    valid: 'comma-separated kind=n pairs, kind in lower-case letters and n from 1 to 64, e.g. backtest=1,ingest=4',
    parse: kindLimits,
  },
  backtestFlushRows: {
    env: 'BACKTEST_FLUSH_ROWS',
    description:
      'Output rows a backtest buffers before writing them to DuckDB: a memory bound (about 100 bytes per row); larger writes are faster.',
    default: '250000',
    valid: 'an integer from 100 to 10000000',
    parse: int(100, 10_000_000),
  },
  detectAfterIngest: {
    env: 'DETECT_AFTER_INGEST',
    description:
      'After an ingestion run that succeeded and loaded rows, run the detectors over the window and markets it newly covered (a detect run of its own; its failure never fails the ingestion).',
    default: 'false',
    valid: 'true or false',
    parse: bool,
  },
  backstopDemo: {
    env: 'BACKSTOP_DEMO',
    description:
      '`backstop start` (`npm start`) on an empty store (no market data, no runs ever) fills it with the demo: the scenario library (venue synthetic) loaded, backtested and run through the detectors as runs, while the server already answers. Never on a store that had data or runs; `backstop scenario remove --all` removes it.',
    default: 'on',
    valid: 'on or off',
    parse: oneOf(['on', 'off'] as const),
  },
  backstopDemoScenarios: {
    env: 'BACKSTOP_DEMO_SCENARIOS',
    description:
      'For tests and quick looks: the scenarios the first-start demo loads (names of `backstop scenario list`); unset = the whole library.',
    valid: 'comma-separated scenario names, e.g. cascade-crash,eth-whale-withdrawal',
    parse: listOf(/^[a-z0-9][a-z0-9-]{0,99}$/),
  },
  v8Inlining: {
    env: 'BACKSTOP_V8_INLINING',
    description:
      "V8's inlining budget for the replay kernels' threads: `raised` (2000 / 4000 bytes of bytecode; same outputs, sweep kernels 11–24 % less CPU at 30 days) or `default` (V8's own 460 / 920: for comparisons).",
    default: 'raised',
    valid: 'raised or default',
    parse: oneOf(['raised', 'default'] as const),
  },
  backtestKernelThread: {
    env: 'BACKTEST_KERNEL_THREAD',
    description:
      'Where a backtest runs its replay kernel: `worker` (a worker thread; the event loop stays free) or `main` (the event loop, in slices yielding every 20 ms: for comparison and debugging).',
    default: 'worker',
    valid: 'worker or main',
    parse: oneOf(['worker', 'main'] as const),
  },
  binanceUmBaseUrl: {
    env: 'BINANCE_UM_BASE_URL',
    description: 'Base URL of the Binance public data archive (USDⓈ-M futures files live under /data/futures/um/).',
    default: 'https://data.binance.vision',
    valid: 'an http(s) URL',
    parse: url,
  },
  binanceKlineInterval: {
    env: 'BINANCE_KLINE_INTERVAL',
    description: 'Interval of the Binance kline datasets ingested (klines, mark/index/premium price klines).',
    default: '1m',
    valid: 'one of 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h, 12h, 1d, 3d, 1w, 1mo',
    parse: oneOf(['1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1mo']),
  },
  binanceAllowUnverified: {
    env: 'BINANCE_ALLOW_UNVERIFIED',
    description:
      'Load a Binance archive zip published without its .CHECKSUM (recorded as unverified) instead of failing its partition; `--allow-unverified` per command.',
    default: 'false',
    valid: 'true or false',
    parse: bool,
  },
  bybitBaseUrl: {
    env: 'BYBIT_BASE_URL',
    description: 'Base URL of the Bybit public trading archive (files under /trading/SYMBOL/).',
    default: 'https://public.bybit.com',
    valid: 'an http(s) URL',
    parse: url,
  },
  tardisBaseUrl: {
    env: 'TARDIS_BASE_URL',
    description: 'Base URL of Tardis.dev downloadable CSV datasets.',
    default: 'https://datasets.tardis.dev',
    valid: 'an http(s) URL',
    parse: url,
  },
  tardisApiKey: {
    env: 'TARDIS_API_KEY',
    description: 'Tardis.dev API key, sent as a bearer token (without one only the first day of each month is free).',
    valid: 'an API key',
    parse: nonEmpty,
  },
  ingestMarkets: {
    env: 'INGEST_MARKETS',
    description: 'Binance USDⓈ-M markets the daily ingestion schedule fetches (unset = no Binance ingestion schedule).',
    valid: 'comma-separated symbols, e.g. BTCUSDT,ETHUSDT',
    parse: symbolList,
  },
  ingestDatasets: {
    env: 'INGEST_DATASETS',
    description: 'Binance datasets the daily ingestion schedule fetches for INGEST_MARKETS.',
    default: 'aggTrades,fundingRate,markPriceKlines,indexPriceKlines,premiumIndexKlines,metrics',
    valid: `comma-separated Binance datasets: ${BINANCE_DATASETS.join(', ')}`,
    parse: wordList.pipe(z.array(z.enum(BINANCE_DATASETS))),
  },
  ingestBybitMarkets: {
    env: 'INGEST_BYBIT_MARKETS',
    description: 'Bybit markets the daily ingestion schedule fetches (unset = no Bybit ingestion schedule).',
    valid: 'comma-separated symbols, e.g. BTCUSDT',
    parse: symbolList,
  },
  ingestCron: {
    env: 'INGEST_CRON',
    description: "When the daily ingestion schedules run (UTC): yesterday's files for the configured markets.",
    default: '30 2 * * *',
    valid: 'a cron expression (5 or 6 fields)',
    parse: nonEmpty,
  },
  ingestConcurrency: {
    env: 'INGEST_CONCURRENCY',
    description:
      'Partitions in flight at once per ingestion run (downloading or loading; at most two load into DuckDB at once).',
    default: '3',
    valid: 'an integer from 1 to 32',
    parse: int(1, 32),
  },
  ingestHttpTimeoutMs: {
    env: 'INGEST_HTTP_TIMEOUT_MS',
    description: 'HTTP timeout: to response headers, and the longest pause while a file downloads.',
    default: '30000',
    valid: 'an integer from 100 to 600000',
    parse: int(100, 600_000),
  },
  ingestHttpRetries: {
    env: 'INGEST_HTTP_RETRIES',
    description: 'Retries of a request after 429, 5xx, a timeout or a dropped connection (other 4xx are not retried).',
    default: '5',
    valid: 'an integer from 0 to 20',
    parse: int(0, 20),
  },
  ingestRetryBaseMs: {
    env: 'INGEST_RETRY_BASE_MS',
    description: 'First retry delay; it doubles per retry with random jitter (×1–2), up to 60 s.',
    default: '1000',
    valid: 'an integer from 0 to 60000',
    parse: int(0, 60_000),
  },
  ingestTmpDir: {
    env: 'INGEST_TMP_DIR',
    description: 'Scratch directory for downloads and unzipped files (removed after each partition).',
    default: os.tmpdir(),
    valid: 'a directory path',
    parse: nonEmpty,
  },
  hyperliquidBaseUrl: {
    env: 'HYPERLIQUID_BASE_URL',
    description: 'Hyperliquid API base URL (info requests are POSTed to {base}/info).',
    default: 'https://api.hyperliquid.xyz',
    valid: 'an http(s) URL',
    parse: url,
  },
  hyperliquidWeightPerMinute: {
    env: 'HYPERLIQUID_WEIGHT_PER_MINUTE',
    description:
      'Request weight a run may spend per minute on the Hyperliquid info API (the venue allows 1200 per IP).',
    default: '1200',
    valid: 'an integer from 1 to 10000000',
    parse: int(1, 10_000_000),
  },
  hyperliquidCandleInterval: {
    env: 'HYPERLIQUID_CANDLE_INTERVAL',
    description: 'Interval of Hyperliquid candles (only about the 5000 most recent candles are served).',
    default: '1m',
    valid: 'one of 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 8h, 12h, 1d, 3d, 1w, 1M',
    parse: oneOf(['1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '8h', '12h', '1d', '3d', '1w', '1M']),
  },
  dydxIndexerUrl: {
    env: 'DYDX_INDEXER_URL',
    description: 'dYdX v4 indexer base URL (REST under {base}/v4/).',
    default: 'https://indexer.dydx.trade',
    valid: 'an http(s) URL',
    parse: url,
  },
  dydxCandleResolution: {
    env: 'DYDX_CANDLE_RESOLUTION',
    description: 'Resolution of dYdX candles.',
    default: '1MIN',
    valid: 'one of 1MIN, 5MINS, 15MINS, 30MINS, 1HOUR, 4HOURS, 1DAY',
    parse: oneOf(['1MIN', '5MINS', '15MINS', '30MINS', '1HOUR', '4HOURS', '1DAY']),
  },
  pythBenchmarksUrl: {
    env: 'PYTH_BENCHMARKS_URL',
    description: 'Pyth Benchmarks base URL (historical oracle updates).',
    default: 'https://benchmarks.pyth.network',
    valid: 'an http(s) URL',
    parse: url,
  },
  pythRequestsPer10s: {
    env: 'PYTH_REQUESTS_PER_10S',
    description: 'Requests a run may send to Pyth Benchmarks per 10 seconds.',
    default: '30',
    valid: 'an integer from 1 to 100000',
    parse: int(1, 100_000),
  },
  pythInterval: {
    env: 'PYTH_INTERVAL',
    description: 'How often Pyth oracle prices are sampled through each day.',
    default: '1m',
    valid: 'one of 1s, 10s, 1m, 5m, 15m, 1h',
    parse: oneOf(['1s', '10s', '1m', '5m', '15m', '1h']),
  },
  chainlinkRpcUrl: {
    env: 'CHAINLINK_RPC_URL',
    description:
      'Ethereum JSON-RPC endpoint for Chainlink rounds (usually carries an API key: never logged, shown redacted).',
    valid: 'an http(s) URL',
    parse: url,
  },
  chainlinkGraceSeconds: {
    env: 'CHAINLINK_HEARTBEAT_GRACE_S',
    description: 'Lateness after a feed heartbeat before the missed update is reported as a gap (block inclusion).',
    default: '60',
    valid: 'an integer from 0 to 86400',
    parse: int(0, 86_400),
  },
  ingestHyperliquidCoins: {
    env: 'INGEST_HYPERLIQUID_COINS',
    description: 'Hyperliquid coins the daily schedule fetches candles and funding for (unset = none).',
    valid: 'comma-separated coins, e.g. BTC,ETH,kPEPE',
    parse: listOf(/^[A-Za-z0-9_.:@/-]{1,40}$/),
  },
  ingestHyperliquidAccounts: {
    env: 'INGEST_HYPERLIQUID_ACCOUNTS',
    description:
      'Hyperliquid accounts the daily schedule fetches fills, ledger and a margin snapshot for (unset = none).',
    valid: 'comma-separated addresses (0x + 40 hex digits)',
    parse: listOf(/^0x[0-9a-fA-F]{40}$/),
  },
  ingestDydxMarkets: {
    env: 'INGEST_DYDX_MARKETS',
    description: 'dYdX markets the daily schedule fetches trades, funding and candles for (unset = none).',
    valid: 'comma-separated tickers, e.g. BTC-USD,ETH-USD',
    parse: listOf(/^[A-Za-z0-9_.-]{1,40}$/),
  },
  ingestDydxSubaccounts: {
    env: 'INGEST_DYDX_SUBACCOUNTS',
    description: 'dYdX subaccounts the daily schedule fetches fills and transfers for (unset = none).',
    valid: 'comma-separated address/subaccountNumber, e.g. dydx1…/0',
    parse: listOf(/^dydx1[0-9a-z]{38,58}\/\d{1,3}$/),
  },
  ingestPythFeeds: {
    env: 'INGEST_PYTH_FEEDS',
    description: 'Pyth feeds the daily schedule samples (unset = none).',
    valid: 'comma-separated symbols such as Crypto.BTC/USD, or feed ids',
    parse: listOf(/^[A-Za-z0-9_.:/-]{1,80}$/),
  },
  ingestChainlinkFeeds: {
    env: 'INGEST_CHAINLINK_FEEDS',
    description:
      'Chainlink feed proxies the daily schedule reads over CHAINLINK_RPC_URL, each with its heartbeat in s.',
    valid: 'comma-separated address:heartbeatSeconds, e.g. 0x5f4eC3Df9cbd43714FE2740f5E3616155c5b8419:3600',
    parse: listOf(/^0x[0-9a-fA-F]{40}(:\d{1,7})?$/),
  },
  reportRetentionDays: {
    env: 'REPORT_RETENTION_DAYS',
    description: 'Reports (files and rows) older than this many days are deleted every night; 0 keeps them forever.',
    default: '90',
    valid: 'an integer from 0 to 36500',
    parse: int(0, 36_500),
  },
  reportBaseUrl: {
    env: 'REPORT_BASE_URL',
    description:
      'Address readers reach this server at, for the links in delivered reports (default: http://HOST:PORT).',
    valid: 'an http(s) URL',
    parse: url,
  },
  reportWebhookUrl: {
    env: 'REPORT_WEBHOOK_URL',
    description: 'Webhook every scheduled report is POSTed to (JSON with the headline and links); unset = none.',
    valid: 'an http(s) URL',
    parse: url,
  },
  reportWebhookFormat: {
    env: 'REPORT_WEBHOOK_FORMAT',
    description:
      'Payload of the report webhook: backstop (JSON with every headline figure) or slack (an incoming-webhook message).',
    default: 'backstop',
    valid: 'one of backstop, slack',
    parse: oneOf(['backstop', 'slack']),
  },
  reportSmtpUrl: {
    env: 'REPORT_SMTP_URL',
    description:
      'SMTP server reports are e-mailed through, e.g. smtps://user:password@mail.example.com:465 (never logged); unset = no e-mail.',
    valid: 'an smtp:// or smtps:// URL',
    parse: z
      .string()
      .trim()
      .regex(/^smtps?:\/\/[^\s/]+(:\d{1,5})?\/?(\?[^\s]*)?$/),
  },
  reportEmailFrom: {
    env: 'REPORT_EMAIL_FROM',
    description: 'Sender address of report e-mails.',
    default: 'backstop@localhost',
    valid: 'an e-mail address',
    parse: z
      .string()
      .trim()
      .regex(/^[^\s@]+@[^\s@]+$/),
  },
  reportEmailTo: {
    env: 'REPORT_EMAIL_TO',
    description: 'Recipients of report e-mails (comma-separated); unset = no e-mail.',
    valid: 'comma-separated e-mail addresses',
    parse: listOf(/^[^\s@,]+@[^\s@,]+$/),
  },
  reportDeliveryRetries: {
    env: 'REPORT_DELIVERY_RETRIES',
    description: 'Retries of a failed delivery (webhook or e-mail) before it is recorded as failed.',
    default: '5',
    valid: 'an integer from 0 to 20',
    parse: int(0, 20),
  },
  reportDeliveryRetryBaseMs: {
    env: 'REPORT_DELIVERY_RETRY_BASE_MS',
    description: 'First delivery retry delay; doubles per retry, up to 10 minutes.',
    default: '5000',
    valid: 'an integer from 1 to 600000',
    parse: int(1, 600_000),
  },
  reportSchedulesFile: {
    env: 'REPORT_SCHEDULES_FILE',
    description:
      'JSON file of backtest schedules seeded at every start (origin config; see README "Reports and schedules"); unset = none.',
    valid: 'a path to a JSON file',
    parse: nonEmpty,
  },
  scheduleCoverageDeadlineMinutes: {
    env: 'SCHEDULE_COVERAGE_DEADLINE_MINUTES',
    description:
      'How long a scheduled backtest waits for ingestion to cover its window before running anyway with a coverage caveat.',
    default: '120',
    valid: 'an integer from 0 to 10080',
    parse: int(0, 10_080),
  },
  scheduleCoveragePollSeconds: {
    env: 'SCHEDULE_COVERAGE_POLL_SECONDS',
    description: 'How often a waiting scheduled backtest looks at the coverage again.',
    default: '60',
    valid: 'an integer from 1 to 3600',
    parse: int(1, 3_600),
  },
  scheduleCatchUp: {
    env: 'SCHEDULE_CATCH_UP',
    description: 'Run a backtest schedule once at start when its last run was missed while the server was down.',
    default: 'true',
    valid: 'true or false',
    parse: bool,
  },
} satisfies Record<string, Setting>

export type Settings = typeof settings
export type SettingKey = keyof Settings
