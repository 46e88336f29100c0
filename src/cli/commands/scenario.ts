// `backstop scenario`: the generated scenario library (venue `synthetic`): list it, load a scenario with a seed, remove
// one or all (load and remove are runs of kind scenario, handed to the server while one holds the store; `list` reads
// the loaded seeds through it too).
import type { Command } from 'commander'
import { closeRuntime, openRuntime } from '../../app/runtime.ts'
import type { Config } from '../../config/load.ts'
import { attackWindowOf } from '../../domain/scenario.ts'
import { InvalidInputError } from '../../errors.ts'
import {
  DEFAULT_SEED,
  listScenarios,
  loadedScenarios,
  scenarioByName,
  type LoadScenarioResult,
  type removeScenario,
  type ScenarioRecord,
} from '../../ingest/scenarios/index.ts'
import { createLogger } from '../../obs/logger.ts'
import { SCENARIO_LOAD_JOB } from '../../../jobs/scenarioLoad.ts'
import { SCENARIO_REMOVE_JOB } from '../../../jobs/scenarioRemove.ts'
import type { RemovedScenarioResults } from '../../store/scenarios/removeScenarioResults.ts'
import { EXIT_FAILURE, action } from '../action.ts'
import { inForeground } from '../foreground.ts'
import { runProgressView } from '../progress.ts'
import { EXIT_INTERRUPTED, followRun } from '../remote/follow.ts'
import { inProcessOnly, viaServerOr } from '../remote/handOver.ts'

/** The loaded copies read in this process (`list` alone or with --local); while a server holds DuckDB, a message naming it. */
async function localLoadedScenarios(config: Config): Promise<ScenarioRecord[]> {
  return inProcessOnly(
    config,
    {},
    'backstop scenario list',
    () => 'drop --local to read the loaded scenarios through the server',
    async () => {
      const { runtime } = await openRuntime(config, { migrate: true, log: createLogger('warn', 2) })
      try {
        return await loadedScenarios(runtime)
      } finally {
        await closeRuntime(runtime)
      }
    },
  )
}

function parseSeed(text: string | undefined): number {
  if (text === undefined) return DEFAULT_SEED
  const seed = /^\d{1,10}$/.test(text) ? Number(text) : NaN
  if (!Number.isInteger(seed) || seed > 0xffff_ffff) {
    throw new InvalidInputError('invalid --seed', [
      { path: '--seed', received: text, expected: 'an integer from 0 to 4294967295' },
    ])
  }
  return seed
}

const iso = (d: Date) => d.toISOString().replace('.000Z', 'Z')

/** What a removal counts: the data, then what was derived from it (jobs/scenarioRemove.ts). */
type RemovedScenarioData = Awaited<ReturnType<typeof removeScenario>> & Partial<RemovedScenarioResults>

/** What a load printed, the same whichever process ran it (a result read through the API has times as text). */
function printLoaded(name: string, seed: number, result: LoadScenarioResult, json: boolean): void {
  if (json) {
    console.log(JSON.stringify(result, null, 2))
    return
  }
  const t = { ...result.truth, from: new Date(result.truth.from), to: new Date(result.truth.to) }
  t.attackFrom = new Date(t.attackFrom)
  t.attackTo = new Date(t.attackTo)
  if (result.status === 'skipped') {
    console.log(`${name} seed ${seed}: already loaded with the same data (use --force to reload)`)
  } else {
    const replaced = result.replacedSeeds.length ? `; replaced seed ${result.replacedSeeds.join(', ')}` : ''
    console.log(
      `${name} seed ${seed}: ${result.partitions.length} partitions, ${t.rows} rows in ` +
        `${(result.seconds.generate + result.seconds.load).toFixed(1)} s ` +
        `(generate ${result.seconds.generate.toFixed(1)} s, load ${result.seconds.load.toFixed(1)} s)${replaced}`,
    )
  }
  console.log(`  venue synthetic, markets ${t.markets.join(', ')}; data ${iso(t.from)} → ${iso(t.to)}`)
  console.log(`  ${truthLine(t)}`)
}

const truthLine = (t: ScenarioRecord, attack = attackWindowOf(t)) =>
  `attack ${attack ? `${iso(attack.from)} → ${iso(attack.to)}` : '(none: control)'}; ` +
  `patterns ${t.patterns.join(', ') || '(none)'}` +
  `${t.secondaryPatterns?.length ? `; may also fire: ${t.secondaryPatterns.join(', ')}` : ''}; ` +
  `accounts ${t.accounts.length ? t.accounts.join(', ') : '(none)'}`

/** What `scenario list` shows of a loaded copy: the part of its truth that depends on the seed (as loadedScenarios). */
interface LoadedCopy {
  seed: number
  rows: number
  from: string
  to: string
  /** null for a calm control: it planted no attack. */
  attackFrom: string | null
  attackTo: string | null
  accounts: string[]
}

const LOADED_COPIES_QUERY = `query { loadedScenarios { name seed rows window { from to } attackWindow { from to } accounts } }`

interface LoadedScenarioAnswer {
  name: string
  seed: number
  rows: number
  window: { from: string; to: string }
  attackWindow: { from: string; to: string } | null
  accounts: string[]
}

const isoText = (t: string | Date) => iso(new Date(t))

/** A copy as the server answers it or as read here: the same fields, times as ISO text (no .000 milliseconds). */
function loadedCopy(l: LoadedScenarioAnswer): { name: string; copy: LoadedCopy } {
  const copy = {
    seed: l.seed,
    rows: l.rows,
    from: isoText(l.window.from),
    to: isoText(l.window.to),
    attackFrom: l.attackWindow ? isoText(l.attackWindow.from) : null,
    attackTo: l.attackWindow ? isoText(l.attackWindow.to) : null,
    accounts: l.accounts,
  }
  return { name: l.name, copy }
}

/** A truth row read in this process, in the shape of the API's answer (a calm control has no attack window). */
const answerOf = (r: ScenarioRecord, attack = attackWindowOf(r)): LoadedScenarioAnswer => ({
  name: r.scenario,
  seed: r.seed,
  rows: r.rows,
  window: { from: r.from.toISOString(), to: r.to.toISOString() },
  attackWindow: attack && { from: attack.from.toISOString(), to: attack.to.toISOString() },
  accounts: r.accounts,
})

export function registerScenario(program: Command): void {
  const scenario = program
    .command('scenario')
    .description('generated scenario library (venue synthetic): list, load, remove')

  scenario
    .command('list')
    .description('scenarios, the incident each models, the detectors it must trigger, and the loaded seed')
    .option('--json', 'print JSON')
    .option('--local', 'run in this process even while a server runs (it then fails on the held DuckDB file)')
    .action(
      action(async (config, options: { json?: boolean; local?: boolean }) => {
        const loaded = await viaServerOr(config, options, {
          // the library is this process's; only the loaded copies come from the server holding the store
          remote: async (client) =>
            (
              await client.request<{ loadedScenarios: LoadedScenarioAnswer[] }>(LOADED_COPIES_QUERY)
            ).loadedScenarios.map(loadedCopy),
          local: async () => (await localLoadedScenarios(config)).map((r) => loadedCopy(answerOf(r))),
        })
        const all = listScenarios().map((s) => {
          const copy = loaded.find((l) => l.name === s.name)?.copy ?? null
          return { ...s, loadedSeed: copy?.seed ?? null, loaded: copy }
        })
        if (options.json) {
          console.log(JSON.stringify(all, null, 2))
          return
        }
        for (const s of all) {
          console.log(`${s.name}${s.loadedSeed === null ? '' : `  [loaded, seed ${s.loadedSeed}]`}`)
          console.log(`  ${s.description}`)
          console.log(`  modelled on: ${s.incident}`)
          console.log(
            `  markets: ${s.markets.join(', ')}; must trigger: ${s.patterns.join(', ') || '(nothing: control)'}` +
              (s.secondaryPatterns.length ? `; may also fire (secondary): ${s.secondaryPatterns.join(', ')}` : ''),
          )
          const c = s.loaded
          if (c)
            console.log(
              `  loaded: ${c.rows} rows, data ${c.from} → ${c.to}; ` +
                `attack ${c.attackFrom ? `${c.attackFrom} → ${c.attackTo}` : '(none: control)'}; ` +
                `accounts ${c.accounts.length ? c.accounts.join(', ') : '(none)'}`,
            )
        }
      }),
    )

  scenario
    .command('load')
    .description('generate and load a scenario (another seed replaces the loaded copy; the same seed is skipped)')
    .argument('<name>', 'scenario name (see `scenario list`)')
    .option('--seed <n>', `seed (integer, default ${DEFAULT_SEED})`)
    .option('--force', 'reload even if this seed is already loaded')
    .option('--json', 'print JSON')
    .option('--local', 'run in this process even while a server runs (it then fails on the held DuckDB file)')
    .action(
      action(
        async (config, name: string, options: { seed?: string; force?: boolean; json?: boolean; local?: boolean }) => {
          scenarioByName(name)
          const seed = parseSeed(options.seed)
          const params = { name, seed, force: options.force ?? false }
          // a run of kind scenario (recorded, cancellable, with progress), here or in the server holding the store
          const view = runProgressView({ plain: 'tenths', quiet: !!options.json })
          try {
            const ran = await viaServerOr(config, options, {
              remote: async (client) => {
                const { loadScenario } = await client.request<{ loadScenario: { id: string } }>(
                  `mutation ($name: String!, $seed: Int, $force: Boolean) {
                    loadScenario(name: $name, seed: $seed, force: $force) { id }
                  }`,
                  params,
                )
                const { run, interrupted } = await followRun(client, loadScenario.id, view)
                const result = run.result as LoadScenarioResult | null
                return { runId: run.id, status: run.status as string, error: run.error, result, interrupted }
              },
              local: () =>
                inForeground(config, createLogger('warn', 2), async ({ system, signal }) => {
                  const submitted = await system.runs.submit(SCENARIO_LOAD_JOB, params, { trigger: 'cli', signal })
                  for await (const event of system.runs.watch(submitted.runId)) view.event(event)
                  view.stop()
                  const r = await submitted.done
                  const result = (r.outcome.result ?? null) as LoadScenarioResult | null
                  return {
                    runId: r.runId,
                    status: r.status as string,
                    error: r.error,
                    result,
                    interrupted: signal.aborted,
                  }
                }),
            })
            view.stop()
            if (ran.status !== 'succeeded' || !ran.result) {
              console.error(`scenario load ${ran.runId} ${ran.status}: ${ran.error ?? ''}`)
              return ran.interrupted ? EXIT_INTERRUPTED : EXIT_FAILURE
            }
            printLoaded(name, seed, ran.result, !!options.json)
            return 0
          } finally {
            view.stop()
          }
        },
      ),
    )

  scenario
    .command('remove')
    .description('remove a loaded scenario (or --all): its partitions, derived rows and ground truth')
    .argument('[name]', 'scenario name')
    .option('--all', 'remove every loaded scenario')
    .option('--json', 'print JSON')
    .option('--local', 'run in this process even while a server runs (it then fails on the held DuckDB file)')
    .action(
      action(async (config, name: string | undefined, options: { all?: boolean; json?: boolean; local?: boolean }) => {
        if ((name === undefined) === !options.all) {
          throw new InvalidInputError('scenario remove needs a scenario name or --all (not both)', [
            {
              path: name === undefined ? 'name' : '--all',
              received: name === undefined ? null : `${name} with --all`,
              expected: 'a scenario name, or --all alone',
            },
          ])
        }
        if (name !== undefined) scenarioByName(name)
        const params = name !== undefined ? { name } : { all: true }
        // a run of kind scenario, here or in the server holding the store (queued behind a load there)
        const ran = await viaServerOr(config, options, {
          remote: async (client) => {
            const { removeScenario } = await client.request<{ removeScenario: { id: string } }>(
              `mutation ($name: String, $all: Boolean) { removeScenario(name: $name, all: $all) { id } }`,
              params,
            )
            const { run, interrupted } = await followRun(
              client,
              removeScenario.id,
              runProgressView({ plain: 'tenths', quiet: true }),
            )
            const result = run.result as RemovedScenarioData | null
            return { runId: run.id, status: run.status as string, error: run.error, result, interrupted }
          },
          local: () =>
            inForeground(config, createLogger('warn', 2), async ({ system, signal }) => {
              const submitted = await system.runs.submit(SCENARIO_REMOVE_JOB, params, { trigger: 'cli', signal })
              const r = await submitted.done
              const result = (r.outcome.result ?? null) as RemovedScenarioData | null
              return { runId: r.runId, status: r.status as string, error: r.error, result, interrupted: signal.aborted }
            }),
        })
        if (ran.status !== 'succeeded' || !ran.result) {
          console.error(`scenario remove ${ran.runId} ${ran.status}: ${ran.error ?? ''}`)
          return ran.interrupted ? EXIT_INTERRUPTED : EXIT_FAILURE
        }
        const removed = ran.result
        if (options.json) console.log(JSON.stringify(removed))
        else
          console.log(
            `removed ${removed.copies} scenario cop${removed.copies === 1 ? 'y' : 'ies'}: ` +
              `${removed.partitions} partitions, ${removed.rows} rows; ${removed.backtestRuns ?? 0} backtest runs, ` +
              `${removed.detections ?? 0} detections, ${removed.incidents ?? 0} incidents derived from them`,
          )
        return 0
      }),
    )
}
