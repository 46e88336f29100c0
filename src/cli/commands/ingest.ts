// `backstop ingest <source>`: load archive history into DuckDB through the same jobs cron runs (recorded as JobRuns),
// with progress bars on a TTY, plain lines otherwise, and a final summary line; exit 1 when any partition failed.
import type { Command } from 'commander'
import type { JobDefinition } from '../../../jobs/job.ts'
import { binanceUmJob } from '../../../jobs/ingest/binanceUm.ts'
import { bybitJob } from '../../../jobs/ingest/bybit.ts'
import { fileJob } from '../../../jobs/ingest/file.ts'
import { tardisJob } from '../../../jobs/ingest/tardis.ts'
import { openRunSystem } from '../../../jobs/open.ts'
import type { Config } from '../../config/load.ts'
import { InvalidInputError, type InputProblem } from '../../errors.ts'
import fs from 'node:fs'
import { NORMALIZED_TABLES } from '../../domain/loadSpec.ts'
import { BINANCE_DATASETS, TARDIS_TYPES } from '../../domain/sources.ts'
import { fileFormatOf } from '../../ingest/file/connector.ts'
import { isIsoDay } from '../../ingest/dates.ts'
import { createLogger } from '../../obs/logger.ts'
import { EXIT_FAILURE, action } from '../action.ts'
import type { IngestSummary } from '../../ingest/progress.ts'
import { runProgressView, summaryLine } from '../progress.ts'

/** Collects flag problems so one run reports all of them. */
export class FlagProblems {
  readonly problems: InputProblem[] = []

  list(flag: string, value: string | undefined, allowed?: readonly string[]): string[] {
    const items = (value ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
    if (items.length === 0) {
      this.problems.push({ path: flag, received: value, expected: 'a comma-separated list with at least one item' })
      return []
    }
    if (allowed) {
      const bad = items.filter((i) => !allowed.includes(i))
      if (bad.length) this.problems.push({ path: flag, received: value, expected: `items from ${allowed.join(', ')}` })
    }
    return items
  }

  day(flag: string, value: string | undefined): string {
    if (!value || !isIsoDay(value))
      this.problems.push({ path: flag, received: value, expected: 'a UTC day as YYYY-MM-DD' })
    return value ?? ''
  }

  url(flag: string, value: string | undefined): string | undefined {
    if (value !== undefined && !/^https?:\/\/\S+$/.test(value))
      this.problems.push({ path: flag, received: value, expected: 'an http(s) URL' })
    return value
  }

  order(from: string, to: string): void {
    if (from && to && isIsoDay(from) && isIsoDay(to) && from > to)
      this.problems.push({ path: '--from', received: from, expected: `a day on or before --to (${to})` })
  }

  check(): void {
    if (this.problems.length) throw new InvalidInputError('invalid options', this.problems)
  }
}

/** Runs an ingestion job as a recorded CLI run and prints the summary; returns the exit code. */
export async function runIngestCommand(config: Config, job: JobDefinition<never>, params: unknown): Promise<number> {
  const view = runProgressView({ plain: 'items' })
  // Bars or plain lines are the CLI's output; JSON logs go to stderr, and only warnings while a bar is drawn.
  const level =
    process.stderr.isTTY && !['warn', 'error', 'fatal', 'silent'].includes(config.logLevel) ? 'warn' : config.logLevel
  const log = createLogger(level, 2)
  const system = await openRunSystem(config, { migrate: true, log })
  const stop = new AbortController()
  const onSignal = () => stop.abort(new Error('interrupted'))
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  try {
    const submitted = await system.runs.submit(job, params, { trigger: 'cli', signal: stop.signal })
    for await (const event of system.runs.watch(submitted.runId)) view.event(event)
    view.stop()
    const result = await submitted.done
    const s = result.outcome.result as IngestSummary | undefined
    for (const e of result.outcome.errors) console.log(`failed: ${e.partition}: ${e.message}`)
    if (s?.changedUpstream.length) console.log(`changed upstream (reloaded): ${s.changedUpstream.join(', ')}`)
    if (result.error) console.log(`run failed: ${result.error}`)
    console.log(`run ${result.runId}: ${result.status}`)
    // The summary is the last line, for people and for scripts that read it.
    if (s) console.log(summaryLine(s))
    return result.status === 'succeeded' ? 0 : EXIT_FAILURE
  } finally {
    view.stop()
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await system.close()
  }
}

interface BinanceFlags {
  markets?: string
  datasets: string
  from?: string
  to?: string
  baseUrl?: string
  force?: boolean
  allowUnverified?: boolean
}

export function registerIngest(program: Command): Command {
  const ingest = program
    .command('ingest')
    .description('load market history into DuckDB (idempotent per partition; exit 1 if any partition failed)')
  ingest
    .command('binance-um')
    .description('Binance USDⓈ-M futures archive: daily zips (fundingRate monthly), CHECKSUM-verified')
    .option('--markets <list>', 'comma-separated symbols, e.g. BTCUSDT,ETHUSDT')
    .option(
      '--datasets <list>',
      `comma-separated: ${BINANCE_DATASETS.join(', ')}`,
      'aggTrades,fundingRate,markPriceKlines',
    )
    .option('--from <day>', 'first UTC day, YYYY-MM-DD')
    .option('--to <day>', 'last UTC day, YYYY-MM-DD (inclusive)')
    .option('--base-url <url>', 'archive base URL (default BINANCE_UM_BASE_URL)')
    .option('--force', 'reload partitions that are already loaded (their rows are replaced, not duplicated)')
    .option(
      '--allow-unverified',
      'load a zip published without its .CHECKSUM (recorded as unverified) instead of failing',
    )
    .action(
      action(async (config, flags: BinanceFlags) => {
        const f = new FlagProblems()
        const markets = f.list('--markets', flags.markets)
        const datasets = f.list('--datasets', flags.datasets, BINANCE_DATASETS)
        const from = f.day('--from', flags.from)
        const to = f.day('--to', flags.to)
        f.order(from, to)
        const baseUrl = f.url('--base-url', flags.baseUrl)
        f.check()
        return runIngestCommand(config, binanceUmJob as JobDefinition<never>, {
          markets,
          datasets,
          from,
          to,
          force: !!flags.force,
          allowUnverified: !!flags.allowUnverified,
          ...(baseUrl ? { baseUrl } : {}),
        })
      }),
    )
  ingest
    .command('bybit')
    .description('Bybit public trading archive: one gzip CSV of trades per market and day')
    .option('--markets <list>', 'comma-separated symbols, e.g. BTCUSDT')
    .option('--from <day>', 'first UTC day, YYYY-MM-DD')
    .option('--to <day>', 'last UTC day, YYYY-MM-DD (inclusive)')
    .option('--base-url <url>', 'archive base URL (default BYBIT_BASE_URL)')
    .option('--force', 'reload partitions that are already loaded')
    .action(
      action(async (config, flags: Omit<BinanceFlags, 'datasets'>) => {
        const f = new FlagProblems()
        const markets = f.list('--markets', flags.markets)
        const from = f.day('--from', flags.from)
        const to = f.day('--to', flags.to)
        f.order(from, to)
        const baseUrl = f.url('--base-url', flags.baseUrl)
        f.check()
        return runIngestCommand(config, bybitJob as JobDefinition<never>, {
          markets,
          from,
          to,
          force: !!flags.force,
          ...(baseUrl ? { baseUrl } : {}),
        })
      }),
    )
  ingest
    .command('tardis')
    .description('Tardis.dev CSV files (trades, derivative_ticker, liquidations), by URL or from a local directory')
    .option('--exchange <id>', 'Tardis exchange id, e.g. binance-futures')
    .option('--types <list>', `comma-separated: ${TARDIS_TYPES.join(', ')}`, TARDIS_TYPES.join(','))
    .option('--symbols <list>', 'comma-separated symbols, e.g. BTCUSDT')
    .option('--from <day>', 'first UTC day, YYYY-MM-DD')
    .option('--to <day>', 'last UTC day, YYYY-MM-DD (inclusive)')
    .option('--base-url <url>', 'datasets base URL (default TARDIS_BASE_URL)')
    .option('--dir <path>', 'read already-downloaded files from this directory instead')
    .option('--force', 'reload partitions that are already loaded')
    .action(
      action(
        async (
          config,
          flags: {
            exchange?: string
            types: string
            symbols?: string
            from?: string
            to?: string
            baseUrl?: string
            dir?: string
            force?: boolean
          },
        ) => {
          const f = new FlagProblems()
          if (!flags.exchange || !/^[a-z0-9-]+$/.test(flags.exchange))
            f.problems.push({
              path: '--exchange',
              received: flags.exchange,
              expected: 'a Tardis exchange id such as binance-futures',
            })
          const types = f.list('--types', flags.types, TARDIS_TYPES)
          const symbols = f.list('--symbols', flags.symbols)
          const from = f.day('--from', flags.from)
          const to = f.day('--to', flags.to)
          f.order(from, to)
          const baseUrl = f.url('--base-url', flags.baseUrl)
          if (baseUrl && flags.dir)
            f.problems.push({ path: '--dir', received: flags.dir, expected: 'either --base-url or --dir, not both' })
          if (flags.dir && !fs.existsSync(flags.dir))
            f.problems.push({ path: '--dir', received: flags.dir, expected: 'an existing directory' })
          f.check()
          return runIngestCommand(config, tardisJob as JobDefinition<never>, {
            exchange: flags.exchange,
            types,
            symbols,
            from,
            to,
            force: !!flags.force,
            ...(baseUrl ? { baseUrl } : {}),
            ...(flags.dir ? { dir: flags.dir } : {}),
          })
        },
      ),
    )
  ingest
    .command('file')
    .description('local CSV/Parquet files in the normalized layout (see README, "Normalized file layout")')
    .argument('<paths...>', 'files to load; each is one partition, identified by venue, table, market and content')
    .option('--table <table>', NORMALIZED_TABLES.join('|'))
    .option('--venue <venue>', 'venue the rows belong to, e.g. binance-um')
    .option('--market <market>', "market for every row (otherwise the file's market column)")
    .option('--force', 'reload files already loaded; a changed file replaces what it loaded before from the same path')
    .action(
      action(
        async (
          config,
          paths: string[],
          flags: { table?: string; venue?: string; market?: string; force?: boolean },
        ) => {
          const f = new FlagProblems()
          if (!flags.table || !(NORMALIZED_TABLES as readonly string[]).includes(flags.table))
            f.problems.push({
              path: '--table',
              received: flags.table,
              expected: `one of ${NORMALIZED_TABLES.join(', ')}`,
            })
          if (!flags.venue || !/^[a-z0-9][a-z0-9._-]*$/.test(flags.venue))
            f.problems.push({
              path: '--venue',
              received: flags.venue,
              expected: 'a lower-case venue name such as binance-um',
            })
          // eslint-disable-next-line no-control-regex
          if (flags.market !== undefined && (!flags.market || /[\u0000-\u001f\u007f-\u009f]/.test(flags.market)))
            f.problems.push({
              path: '--market',
              received: flags.market,
              expected: 'a market name without control characters',
            })
          for (const p of paths) {
            if (!fs.existsSync(p)) f.problems.push({ path: 'PATH', received: p, expected: 'an existing file' })
            else if (!fileFormatOf(p))
              f.problems.push({ path: 'PATH', received: p, expected: 'a .csv, .csv.gz, .parquet or .ndjson file' })
          }
          f.check()
          return runIngestCommand(config, fileJob as JobDefinition<never>, {
            table: flags.table,
            venue: flags.venue,
            paths,
            force: !!flags.force,
            ...(flags.market ? { market: flags.market } : {}),
          })
        },
      ),
    )
  return ingest
}
