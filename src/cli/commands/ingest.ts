// `backstop ingest <source>`: one subcommand per source in the registry (src/ingest/sources), its flags from the
// source's definition. Flags become raw parameters and the source's zod schema checks them (every problem at once,
// named by flag, exit 2); the run is the same job cron runs (recorded), with progress bars on a TTY, plain lines
// otherwise, and a final summary line; exit 1 when any partition failed.
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
      const s = result.outcome.result as IngestSummary | undefined
      for (const e of result.outcome.errors) console.log(`failed: ${e.partition}: ${e.message}`)
      if (s?.changedUpstream.length) console.log(`changed upstream (reloaded): ${s.changedUpstream.join(', ')}`)
      if (result.error) console.log(`run failed: ${result.error}`)
      console.log(`run ${result.runId}: ${result.status}`)
      // The summary is the last line, for people and for scripts that read it.
      if (s) console.log(summaryLine(s))
      return result.status === 'succeeded' ? 0 : EXIT_FAILURE
    })
  } finally {
    view.stop()
  }
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
): { params: unknown; config: Config } {
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
  return { params, config: assembled.config ?? config }
}

function registerSource(ingest: Command, source: SourceDefinition): void {
  const command = ingest.command(source.id).description(source.cli.summary)
  if (source.cli.argument) command.argument(`<${source.cli.argument.name}>`, source.cli.argument.description)
  for (const flag of source.cli.flags) command.option(flag.flag, flag.description, flag.default)
  const job = ingestJob(source.id)
  command.action(
    action(async (config, ...args: unknown[]) => {
      const argument = source.cli.argument ? (args[0] as string[]) : undefined
      const options = (source.cli.argument ? args[1] : args[0]) as Record<string, unknown>
      const run = sourceParams(source, options, config, argument)
      return runIngestCommand(run.config, job, run.params)
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
