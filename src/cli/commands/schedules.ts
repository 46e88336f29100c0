// `backstop schedules`: backtest schedules (cron in UTC → backtest → detectors → report → delivery): list, add,
// update, pause, resume, remove. Every change is checked in full first; a refused one changes nothing (exit 2). While
// a server holds the store, each goes through its schedule queries and mutations (the same text, JSON and exit code).
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
import { SCHEDULED_BACKTEST_JOB } from '../../report/schedule/params.ts'
import type { StoredSchedule } from '../../store/meta/schedules.ts'
import { action } from '../action.ts'
import type { ServerClient } from '../remote/client.ts'
import { viaServerOr, type HandOverOptions } from '../remote/handOver.ts'

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

/** The schedule operations the commands use, the same in this process and through a running server. */
interface Schedules {
  list(): Promise<StoredSchedule[]>
  add(input: { name: string; cron: string; params: Record<string, unknown> }): Promise<StoredSchedule>
  change(name: string, change: { cron: string | null; params: Record<string, unknown> | null }): Promise<StoredSchedule>
  setEnabled(name: string, enabled: boolean): Promise<StoredSchedule>
  remove(name: string): Promise<StoredSchedule>
}

async function withSchedules<T>(
  config: Config,
  options: HandOverOptions,
  fn: (schedules: Schedules) => Promise<T>,
): Promise<T> {
  return viaServerOr(config, options, {
    remote: (client) => fn(remoteSchedules(client)),
    local: async () => {
      const { runtime } = await openRuntime(config, { migrate: true, log: createLogger('warn', 2) })
      try {
        return await fn(localSchedules(runtime))
      } finally {
        await closeRuntime(runtime)
      }
    },
  })
}

const checkDeps = (runtime: Runtime) => ({
  duck: runtime.duck,
  meta: runtime.meta,
  config: runtime.config,
  now: new Date(),
})

function localSchedules(runtime: Runtime): Schedules {
  return {
    list: () => backtestSchedules(runtime),
    add: (input) => addSchedule(checkDeps(runtime), input),
    change: (name, change) => changeSchedule(checkDeps(runtime), name, change),
    setEnabled: (name, enabled) => setScheduleEnabled(runtime, name, enabled),
    remove: (name) => removeSchedule(runtime, name),
  }
}

/** Fields of BacktestSchedule; `job` is not among them (always the scheduled backtest), so it is set here. */
const SCHEDULE_FIELDS = 'id name cron timezone params enabled origin createdAt updatedAt'

interface WireSchedule {
  id: string
  name: string
  cron: string
  timezone: string
  params: StoredSchedule['params']
  enabled: boolean
  origin: string
  createdAt: string
  updatedAt: string
}

/** A schedule read through the API as the store returns it (its key order and Dates), so `--json` prints the same. */
const stored = (s: WireSchedule): StoredSchedule => ({
  id: s.id,
  name: s.name,
  job: SCHEDULED_BACKTEST_JOB,
  cron: s.cron,
  timezone: s.timezone,
  params: s.params,
  enabled: s.enabled,
  origin: s.origin,
  createdAt: new Date(s.createdAt),
  updatedAt: new Date(s.updatedAt),
})

function remoteSchedules(client: ServerClient): Schedules {
  const mutate = async (field: string, args: string, variables: Record<string, unknown>) => {
    const data = await client.request<Record<string, WireSchedule>>(
      `mutation (${args}) { result: ${field}(${Object.keys(variables)
        .map((k) => `${k}: $${k}`)
        .join(', ')}) { ${SCHEDULE_FIELDS} } }`,
      variables,
    )
    return stored(data.result!)
  }
  return {
    list: async () => {
      const { backtestSchedules: all } = await client.request<{ backtestSchedules: WireSchedule[] }>(
        `query { backtestSchedules { ${SCHEDULE_FIELDS} } }`,
      )
      return all.map(stored)
    },
    add: (input) => mutate('createBacktestSchedule', '$input: BacktestScheduleInput!', { input }),
    change: (name, change) =>
      mutate('updateBacktestSchedule', '$name: String!, $cron: String, $params: JSON', { name, ...change }),
    setEnabled: (name, enabled) =>
      mutate(enabled ? 'resumeBacktestSchedule' : 'pauseBacktestSchedule', '$name: String!', { name }),
    remove: (name) => mutate('deleteBacktestSchedule', '$name: String!', { name }),
  }
}

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

const LOCAL = '--local'
const LOCAL_HELP = 'run in this process even while a server runs (it then fails on the held DuckDB file)'

export function registerSchedules(program: Command): void {
  const schedules = program.command('schedules').description('scheduled backtests and their reports')
  schedules
    .command('list')
    .description('backtest schedules, active and paused')
    .option('--json', 'print JSON')
    .option(LOCAL, LOCAL_HELP)
    .action(
      action(async (config, options: { json?: boolean; local?: boolean }) =>
        withSchedules(config, options, async (store) => {
          const all = await store.list()
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
      .requiredOption('--cron <expression>', 'when it runs, in UTC, e.g. "0 6 * * *"')
      .option(LOCAL, LOCAL_HELP),
  ).action(
    action(async (config, name: string, options: AddOptions & HandOverOptions) => {
      const params = paramsOf(options)
      await withSchedules(config, options, async (store) => {
        console.log(`added ${describe(await store.add({ name, cron: options.cron, params }))}`)
      })
    }),
  )
  paramFlags(
    schedules
      .command('update <name>')
      .description('change the cron or parameters of a schedule (given parameters replace the stored ones)')
      .option('--cron <expression>', 'when it runs, in UTC')
      .option(LOCAL, LOCAL_HELP),
  ).action(
    action(async (config, name: string, options: AddOptions & HandOverOptions) => {
      const params = paramsOf(options)
      await withSchedules(config, options, async (store) => {
        const schedule = await store.change(name, {
          cron: options.cron ?? null,
          params: Object.keys(params).length ? params : null,
        })
        console.log(`updated ${describe(schedule)}`)
      })
    }),
  )
  for (const [verb, enabled] of [
    ['pause', false],
    ['resume', true],
  ] as const) {
    schedules
      .command(`${verb} <name>`)
      .description(`${verb} a schedule (a running server picks the change up within 30 s)`)
      .option(LOCAL, LOCAL_HELP)
      .action(
        action(async (config, name: string, options: HandOverOptions) =>
          withSchedules(config, options, async (store) => {
            console.log(`${verb === 'pause' ? 'paused' : 'resumed'} ${describe(await store.setEnabled(name, enabled))}`)
          }),
        ),
      )
  }
  schedules
    .command('remove <name>')
    .description('remove a schedule (its runs and reports are kept)')
    .option(LOCAL, LOCAL_HELP)
    .action(
      action(async (config, name: string, options: HandOverOptions) =>
        withSchedules(config, options, async (store) => {
          console.log(`removed ${(await store.remove(name)).name}`)
        }),
      ),
    )
}
