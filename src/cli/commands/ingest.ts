// `backstop ingest <source>`: one subcommand per source in the registry (src/ingest/sources), its flags from the
// source's definition. Flags become raw parameters and the source's zod schema checks them (every problem at once,
// named by flag, exit 2); the run is the same job cron runs (recorded), with progress bars on a TTY, plain lines
// otherwise, and a final summary line; exit 1 when any partition failed. While a server holds the store, the run is
// handed to it (triggerIngest) with the same output.
import path from 'node:path'
import type { Command } from 'commander'
import { ingestJob } from '../../../jobs/ingest/index.ts'
import type { JobDefinition } from '../../../jobs/job.ts'
import type { Config } from '../../config/load.ts'
import type { InputProblem } from '../../errors.ts'
import type { FlagSpec, SourceDefinition } from '../../ingest/sources/definition.ts'
import { SOURCES } from '../../ingest/sources/index.ts'
import { parseSourceParams } from '../../ingest/sources/problems.ts'
import type { IngestSummary } from '../../ingest/progress.ts'
import { createLogger } from '../../obs/logger.ts'
import { inForeground } from '../foreground.ts'
import { EXIT_FAILURE, action } from '../action.ts'
import { runProgressView, summaryLine } from '../progress.ts'
import type { ServerClient } from '../remote/client.ts'
import { EXIT_INTERRUPTED, followRun } from '../remote/follow.ts'
import { viaServerOr } from '../remote/handOver.ts'

/** Runs an ingestion job as a recorded CLI run and prints the summary; returns the exit code. */
export async function runIngestCommand(config: Config, job: JobDefinition<never>, params: unknown): Promise<number> {
  const view = runProgressView({ plain: 'items' })
  // Bars or plain lines are the CLI's output; JSON logs go to stderr, and only warnings while a bar is drawn.
  const level =
    process.stderr.isTTY && !['warn', 'error', 'fatal', 'silent'].includes(config.logLevel) ? 'warn' : config.logLevel
  const log = createLogger(level, 2)
  try {
    return await inForeground(config, log, async ({ system, signal }) => {
      const submitted = await system.runs.submit(job, params, { trigger: 'cli', signal })
      for await (const event of system.runs.watch(submitted.runId)) view.event(event)
      view.stop()
      const result = await submitted.done
      printIngestResult({
        runId: result.runId,
        status: result.status,
        error: result.error,
        failures: result.outcome.errors,
        summary: result.outcome.result as IngestSummary | undefined,
      })
      if (signal.aborted) return EXIT_INTERRUPTED
      return result.status === 'succeeded' ? 0 : EXIT_FAILURE
    })
  } finally {
    view.stop()
  }
}

/**
 * The same ingestion through the running server (triggerIngest with the command line's parameters, already checked
 * here so problems name the flags), followed to the end.
 */
export async function remoteIngestCommand(
  client: ServerClient,
  source: SourceDefinition,
  run: { raw: Record<string, unknown>; settings: Record<string, unknown> },
): Promise<number> {
  // Files on this host: the server (same host, proven by its local token) reads them by absolute path.
  const params = { ...run.raw }
  if (typeof params.dir === 'string') params.dir = path.resolve(params.dir)
  if (typeof params.csv === 'string') params.csv = path.resolve(params.csv)
  if (Array.isArray(params.paths)) params.paths = params.paths.map((p) => path.resolve(String(p)))
  // Settings of this run (e.g. --rpc-url) go beside the parameters: the server takes them from its local CLI only,
  // applies them to this run's configuration and never records them.
  const settings = Object.keys(run.settings).length ? { settings: run.settings } : {}
  const view = runProgressView({ plain: 'items' })
  try {
    const { triggerIngest } = await client.request<{ triggerIngest: { id: string } }>(
      `mutation ($input: TriggerIngestInput!) { triggerIngest(input: $input) { id } }`,
      { input: { source: source.id, params, ...settings } },
    )
    const { run: finished, interrupted } = await followRun(client, triggerIngest.id, view)
    printIngestResult({
      runId: finished.id,
      status: finished.status,
      error: finished.error,
      failures: finished.failures.map((f) => ({
        message: f.message,
        ...(f.partition !== null ? { partition: f.partition } : {}),
      })),
      summary: (finished.result ?? undefined) as IngestSummary | undefined,
    })
    if (interrupted) return EXIT_INTERRUPTED
    return finished.status === 'succeeded' ? 0 : EXIT_FAILURE
  } finally {
    view.stop()
  }
}

/** What an ingestion printed at its end, the same whichever process ran it; the summary is the last line. */
function printIngestResult(r: {
  runId: string
  status: string
  error: string | null
  failures: ReadonlyArray<{ partition?: string; message: string }>
  summary: IngestSummary | undefined
}): void {
  const s = r.summary
  for (const e of r.failures) console.log(`failed: ${e.partition}: ${e.message}`)
  if (s?.changedUpstream.length) console.log(`changed upstream (reloaded): ${s.changedUpstream.join(', ')}`)
  if (r.error) console.log(`run failed: ${r.error}`)
  console.log(`run ${r.runId}: ${r.status}`)
  // The summary is the last line, for people and for scripts that read it.
  if (s) console.log(summaryLine(s))
}

/** The option key commander gives a flag: `--base-url <url>` → baseUrl. */
export const optionKey = (flag: FlagSpec) =>
  flag.flag
    .split(' ')[0]!
    .replace(/^--/, '')
    .replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())

const flagName = (flag: FlagSpec) => flag.flag.split(' ')[0]!

/** Flag text → a raw value: lists split on commas, integers become numbers (text that is not one stays text). */
function rawValue(flag: FlagSpec, text: unknown): unknown {
  if (flag.kind === 'switch') return text === true
  if (typeof text !== 'string') return text
  if (flag.kind === 'list')
    return text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
  if (flag.kind === 'integer') return /^\s*-?\d+\s*$/.test(text) ? Number(text) : text
  return text
}

/** The raw parameters of a command line, and the flag-level problems (a required flag not given). */
export function sourceParams(
  source: SourceDefinition,
  options: Record<string, unknown>,
  config: Config,
  argument?: string[],
): { params: unknown; raw: Record<string, unknown>; settings: Record<string, unknown>; config: Config } {
  const raw: Record<string, unknown> = {}
  const texts = new Map<string, string>()
  const flagOf = new Map<string, FlagSpec>()
  for (const flag of source.cli.flags) {
    const text = options[optionKey(flag)]
    const key = flag.param ?? optionKey(flag)
    if (flag.param && !flagOf.has(flag.param)) flagOf.set(flag.param, flag)
    if (text === undefined || (flag.kind === 'switch' && text !== true)) continue
    raw[key] = rawValue(flag, text)
    if (typeof text === 'string' && flag.param) texts.set(flag.param, text)
  }
  if (source.cli.argument && argument) raw[source.cli.argument.param] = argument
  // A flag the command line requires (a schedule may leave it out): an absent one is checked as if given empty.
  for (const flag of source.cli.flags) {
    const required = typeof flag.required === 'function' ? flag.required(raw) : flag.required === true
    if (required && flag.param && raw[flag.param] === undefined) raw[flag.param] = rawValue(flag, '')
  }
  const assembled = source.cli.toParams?.(raw, config) ?? { params: raw }
  const argumentParam = source.cli.argument?.param
  const params = parseSourceParams(
    source,
    assembled.params,
    {
      nameOf: (param) =>
        param === argumentParam ? 'PATH' : flagOf.has(param) ? flagName(flagOf.get(param)!) : undefined,
      textOf: (param) => texts.get(param),
      isList: (param) => flagOf.get(param)?.kind === 'list',
    },
    (assembled.problems ?? []) as InputProblem[],
  )
  // what the source turned into this run's configuration (raw values it took out of the parameters)
  const settings = assembled.config
    ? Object.fromEntries(Object.entries(raw).filter(([key]) => !Object.hasOwn(assembled.params, key)))
    : {}
  return { params, raw: assembled.params, settings, config: assembled.config ?? config }
}

function registerSource(ingest: Command, source: SourceDefinition): void {
  const command = ingest.command(source.id).description(source.cli.summary)
  if (source.cli.argument) command.argument(`<${source.cli.argument.name}>`, source.cli.argument.description)
  for (const flag of source.cli.flags) command.option(flag.flag, flag.description, flag.default)
  command.option('--local', 'run in this process even while a server runs (it then fails on the held DuckDB file)')
  const job = ingestJob(source.id)
  command.action(
    action(async (config, ...args: unknown[]) => {
      const argument = source.cli.argument ? (args[0] as string[]) : undefined
      const options = (source.cli.argument ? args[1] : args[0]) as Record<string, unknown>
      const run = sourceParams(source, options, config, argument)
      return viaServerOr(
        config,
        { local: options.local === true },
        {
          remote: (client) => remoteIngestCommand(client, source, run),
          local: () => runIngestCommand(run.config, job, run.params),
        },
      )
    }),
  )
}

export function registerIngest(program: Command): Command {
  const ingest = program
    .command('ingest')
    .description('load market history into DuckDB (idempotent per partition; exit 1 if any partition failed)')
  for (const source of SOURCES) registerSource(ingest, source)
  return ingest
}
