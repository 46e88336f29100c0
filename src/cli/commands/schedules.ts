// `backstop schedules`: backtest schedules (cron in UTC → backtest → detectors → report → delivery): list, add,
// update, pause, resume, remove. Every change is checked in full first; a refused one changes nothing (exit 2).
import type { Command } from 'commander'
import { closeRuntime, openRuntime, type Runtime } from '../../app/runtime.ts'
import type { Config } from '../../config/load.ts'
import { InvalidInputError } from '../../errors.ts'
import { createLogger } from '../../obs/logger.ts'
import {
  addSchedule,
  backtestSchedules,
  changeSchedule,
  removeSchedule,
  setScheduleEnabled,
} from '../../report/schedule/manage.ts'
import type { StoredSchedule } from '../../store/meta/schedules.ts'
import { action } from '../action.ts'

const list = (value: string) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)

function json(text: string, flag: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text)
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>
  } catch {
    // reported below
  }
  throw new InvalidInputError('invalid arguments', [{ path: flag, received: text, expected: 'a JSON object' }])
}

async function withRuntime<T>(config: Config, fn: (runtime: Runtime) => Promise<T>): Promise<T> {
  const { runtime } = await openRuntime(config, { migrate: true, log: createLogger('warn', 2) })
  try {
    return await fn(runtime)
  } finally {
    await closeRuntime(runtime)
  }
}

const checkDeps = (runtime: Runtime) => ({
  duck: runtime.duck,
  meta: runtime.meta,
  config: runtime.config,
  now: new Date(),
})

function describe(s: StoredSchedule): string {
  const p = s.params as {
    ruleSets?: string[]
    venue?: string
    markets?: string[]
    window?: unknown
    delivery?: string[]
  }
  const window = typeof p.window === 'string' ? p.window : JSON.stringify(p.window)
  return `${s.name}  ${s.enabled ? 'active' : 'paused'}  "${s.cron}" UTC  ${p.venue} ${p.markets?.join(',')}  ${window}  rules ${p.ruleSets?.join(',')}  deliver ${p.delivery?.join(',') || 'none'}  (${s.origin})`
}

interface AddOptions {
  cron: string
  params?: string
  rules?: string
  venue?: string
  markets?: string
  window?: string
  from?: string
  to?: string
  positions?: string
  population?: string
  seed?: string
  detectors?: boolean
  formats?: string
  deliver?: string
}

/** Schedule parameters from --params, overlaid with the individual flags given. */
function paramsOf(o: AddOptions): Record<string, unknown> {
  const params: Record<string, unknown> = o.params ? json(o.params, '--params') : {}
  if (o.rules) params.ruleSets = list(o.rules)
  if (o.venue) params.venue = o.venue
  if (o.markets) params.markets = list(o.markets)
  if (o.window) params.window = o.window
  if (o.from || o.to) params.window = { from: o.from ?? '', to: o.to ?? '' }
  if (o.positions) params.positions = o.positions
  if (o.population) params.population = json(o.population, '--population')
  if (o.seed !== undefined) params.seed = /^\d+$/.test(o.seed) ? Number(o.seed) : o.seed
  if (o.detectors) params.detectors = true
  if (o.formats) params.formats = list(o.formats)
  if (o.deliver) params.delivery = list(o.deliver)
  return params
}

const paramFlags = (command: Command) =>
  command
    .option('--params <json>', 'every parameter as one JSON object (flags below override its keys)')
    .option('--rules <refs>', 'rule sets, comma-separated (several: a side-by-side comparison)')
    .option('--venue <venue>', 'venue, e.g. binance-um')
    .option('--markets <markets>', 'markets, comma-separated')
    .option('--window <window>', '"last 24h", "last 7d" or "last 30d"')
    .option('--from <time>', 'fixed window start (UTC)')
    .option('--to <time>', 'fixed window end (UTC)')
    .option('--positions <source>', 'synthetic, accounts or explicit')
    .option('--population <json>', 'synthetic population parameters')
    .option('--seed <n>', 'seed of the population')
    .option('--detectors', 'run the detectors before the report')
    .option('--formats <formats>', 'html, md, json (comma-separated)')
    .option('--deliver <targets>', 'webhook, email (comma-separated; configured by REPORT_* settings)')

export function registerSchedules(program: Command): void {
  const schedules = program.command('schedules').description('scheduled backtests and their reports')
  schedules
    .command('list')
    .description('backtest schedules, active and paused')
    .option('--json', 'print JSON')
    .action(
      action(async (config, options: { json?: boolean }) =>
        withRuntime(config, async (runtime) => {
          const all = await backtestSchedules(runtime)
          if (options.json) console.log(JSON.stringify(all, null, 2))
          else if (!all.length) console.log('no backtest schedule')
          else for (const s of all) console.log(describe(s))
        }),
      ),
    )
  paramFlags(
    schedules
      .command('add <name>')
      .description('add a schedule: a cron expression in UTC and what to run')
      .requiredOption('--cron <expression>', 'when it runs, in UTC, e.g. "0 6 * * *"'),
  ).action(
    action(async (config, name: string, options: AddOptions) =>
      withRuntime(config, async (runtime) => {
        const schedule = await addSchedule(checkDeps(runtime), { name, cron: options.cron, params: paramsOf(options) })
        console.log(`added ${describe(schedule)}`)
      }),
    ),
  )
  paramFlags(
    schedules
      .command('update <name>')
      .description('change the cron or parameters of a schedule (given parameters replace the stored ones)')
      .option('--cron <expression>', 'when it runs, in UTC'),
  ).action(
    action(async (config, name: string, options: AddOptions) =>
      withRuntime(config, async (runtime) => {
        const params = paramsOf(options)
        const schedule = await changeSchedule(checkDeps(runtime), name, {
          cron: options.cron ?? null,
          params: Object.keys(params).length ? params : null,
        })
        console.log(`updated ${describe(schedule)}`)
      }),
    ),
  )
  for (const [verb, enabled] of [
    ['pause', false],
    ['resume', true],
  ] as const) {
    schedules
      .command(`${verb} <name>`)
      .description(`${verb} a schedule (a running server picks the change up within 30 s)`)
      .action(
        action(async (config, name: string) =>
          withRuntime(config, async (runtime) => {
            console.log(
              `${verb === 'pause' ? 'paused' : 'resumed'} ${describe(await setScheduleEnabled(runtime, name, enabled))}`,
            )
          }),
        ),
      )
  }
  schedules
    .command('remove <name>')
    .description('remove a schedule (its runs and reports are kept)')
    .action(
      action(async (config, name: string) =>
        withRuntime(config, async (runtime) => {
          console.log(`removed ${(await removeSchedule(runtime, name)).name}`)
        }),
      ),
    )
}
