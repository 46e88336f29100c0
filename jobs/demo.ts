// The first-start demo (BACKSTOP_DEMO): on `backstop start` over an empty store, the scenario library (venue synthetic)
// is loaded, backtested and run through the detectors as ordinary recorded runs, children of one `demo` run, while the
// server already answers. Every scenario is loaded first (one after the other), then per scenario the detectors over
// its data, and a backtest with the preset of jobs/demoPlan.ts followed by the detectors over its outputs. A step that
// fails is recorded as its own failed run, logged, and the others go on; the demo run then ends failed, naming them.
import { z } from 'zod'
import type { Config } from '../src/config/load.ts'
import { isRunTrigger, type RunTrigger } from '../src/domain/run.ts'
import { SCENARIO_VENUE } from '../src/domain/scenario.ts'
import { DEFAULT_SEED, SCENARIOS, scenarioByName, type LoadScenarioResult } from '../src/ingest/scenarios/index.ts'
import type { Logger } from '../src/obs/logger.ts'
import { storeIsEmpty, venueFindings } from '../src/store/firstStart.ts'
import { getRun } from '../src/store/meta/runs.ts'
import { DEMO_BACKTESTS, demoBacktestMarkets } from './demoPlan.ts'
import { detectAfterBacktest } from './detect.ts'
import { defineJob, emptyOutcome, type ChildRuns, type JobContext } from './job.ts'
import type { RunManager, SubmittedRun } from './runManager.ts'
import { SCENARIO_LOAD_JOB } from './scenarioLoad.ts'

export const DEMO_JOB = 'demo'

/** The runs each scenario gets. */
const STEPS_PER_SCENARIO = 4
type DemoStepKind = 'load' | 'detect' | 'backtest' | 'detect-backtest'

export interface DemoStep {
  scenario: string
  step: DemoStepKind
  /** null when the step was refused at submission (nothing recorded) or skipped because an earlier step failed. */
  runId: string | null
  status: 'succeeded' | 'failed' | 'cancelled' | 'refused' | 'skipped'
  error: string | null
}

export interface DemoResult {
  scenarios: string[]
  seed: number
  steps: DemoStep[]
  /** Rows the scenario loads wrote. */
  rows: number
  /** What venue synthetic holds once the demo is done (detections over the data and over the backtests). */
  detections: number
  incidents: number
}

const params = z.strictObject({
  /** Scenarios to load (default: the whole library, in its order). */
  scenarios: z.array(z.string().min(1).max(100)).min(1).max(64).optional(),
  seed: z.number().int().min(0).default(DEFAULT_SEED),
})

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error))

export const demoJob = defineJob<z.infer<typeof params>, { scenarios: string[]; seed: number }>({
  name: DEMO_JOB,
  kind: 'demo',
  description:
    'The first-start demo: load the scenario library (venue synthetic), backtest each scenario and run the detectors.',
  params,
  exclusive: true,
  // an interrupted demo is not resumed: its run record says the store had its demo
  retryOnCrash: false,
  async prepare(_context, p) {
    const scenarios = p.scenarios ?? SCENARIOS.map((s) => s.name)
    for (const name of scenarios) {
      scenarioByName(name) // an unknown name lists the valid ones, before anything is recorded
      if (!DEMO_BACKTESTS[name]) throw new Error(`scenario ${name} has no demo backtest (jobs/demoPlan.ts)`)
    }
    return { scenarios, seed: p.seed }
  },
  async run(context, prepared) {
    const result = await runDemo(context, prepared)
    const outcome = emptyOutcome()
    outcome.rows = result.rows
    const failed = result.steps.filter((s) => s.status !== 'succeeded')
    // a failed step fails the demo run (the other steps still ran): the run list shows it, the result says which
    outcome.partitionsFailed = failed.length
    outcome.errors = failed.map((s) => ({
      partition: `${s.scenario}/${s.step}`,
      message: `${s.status}${s.error ? `: ${s.error}` : ''}`,
    }))
    return { ...outcome, result }
  },
})

async function runDemo(
  { runtime, runs, runId, signal, log, progress }: JobContext,
  { scenarios, seed }: { scenarios: string[]; seed: number },
): Promise<DemoResult> {
  if (!runs) throw new Error('the demo needs the run system to start its runs')
  const result: DemoResult = { scenarios, seed, steps: [], rows: 0, detections: 0, incidents: 0 }
  const total = scenarios.length * STEPS_PER_SCENARIO
  log.info({ scenarios, seed }, `demo: loading ${scenarios.length} scenarios, then a backtest and detectors each`)
  const record = (step: DemoStep) => {
    result.steps.push(step)
    const line = { scenario: step.scenario, step: step.step, run: step.runId, status: step.status }
    if (step.status === 'succeeded') log.info(line, `demo: ${step.scenario} ${step.step} done`)
    else log.warn({ ...line, error: step.error }, `demo: ${step.scenario} ${step.step} ${step.status}`)
    progress.update({
      phase: 'demo',
      done: result.steps.length,
      total,
      unit: 'runs',
      item: {
        id: `${step.scenario}/${step.step}`,
        outcome: step.status,
        ...(step.error ? { message: step.error } : {}),
      },
    })
  }
  // its steps carry the demo's own trigger: system at first start, cli or api when asked for (`jobs run demo`)
  const own = (await getRun(runtime.meta, runId))?.trigger
  const trigger: RunTrigger = isRunTrigger(own) ? own : 'system'
  progress.update({ phase: 'demo', done: 0, total, unit: 'runs' })
  // every load first (loads are exclusive runs), then the detectors and backtests, which read only their own
  // scenario's markets and accounts
  const loadedScenarios: Array<{ scenario: string; truth: LoadScenarioResult['truth'] }> = []
  for (const scenario of scenarios) {
    if (signal.aborted) break
    const load = await child(runs, SCENARIO_LOAD_JOB, { name: scenario, seed }, trigger)
    const loaded = load.status === 'succeeded' ? (load.result as LoadScenarioResult | undefined) : undefined
    record({ scenario, step: 'load', runId: load.runId, status: load.status, error: load.error })
    if (!loaded) {
      for (const step of ['detect', 'backtest', 'detect-backtest'] as const)
        record({ scenario, step, runId: null, status: 'skipped', error: 'the scenario did not load' })
      continue
    }
    result.rows += loaded.truth.rows
    loadedScenarios.push({ scenario, truth: loaded.truth })
  }
  // then, per scenario, the detectors over its data and its backtest (runs of each kind queue: RUN_CONCURRENCY)
  const following: Promise<void>[] = []
  for (const { scenario, truth } of signal.aborted ? [] : loadedScenarios) {
    const { markets } = truth
    const from = new Date(truth.from).toISOString()
    const to = new Date(truth.to).toISOString()
    following.push(
      (async () => {
        const detect = await child(runs, 'detect', { venue: SCENARIO_VENUE, markets, from, to }, trigger)
        record({ scenario, step: 'detect', runId: detect.runId, status: detect.status, error: detect.error })
      })(),
      (async () => {
        const plan = DEMO_BACKTESTS[scenario]!
        const backtest = await child(
          runs,
          'backtest',
          {
            ruleSet: plan.preset,
            venue: SCENARIO_VENUE,
            markets: demoBacktestMarkets(markets),
            from,
            to,
            positions: plan.positions,
          },
          trigger,
        )
        record({ scenario, step: 'backtest', runId: backtest.runId, status: backtest.status, error: backtest.error })
        if (backtest.status !== 'succeeded' || !backtest.runId) {
          record({ scenario, step: 'detect-backtest', runId: null, status: 'skipped', error: 'the backtest failed' })
          return
        }
        const d = await detectAfterBacktest(runs, { runId: backtest.runId, venue: SCENARIO_VENUE }, { trigger })
        record({ scenario, step: 'detect-backtest', runId: d.detectRunId, status: d.status, error: d.error })
      })(),
    )
  }
  await Promise.all(following)
  return { ...result, ...(await venueFindings(runtime.duck, SCENARIO_VENUE)) }
}

interface ChildEnd {
  runId: string | null
  status: DemoStep['status']
  error: string | null
  result: unknown
}

/** Submits a child run and waits for it; a refusal at submission is returned as such, never thrown. */
async function child(runs: ChildRuns, job: string, p: unknown, trigger: RunTrigger): Promise<ChildEnd> {
  let submitted: Awaited<ReturnType<ChildRuns['submit']>>
  try {
    submitted = await runs.submit(job, p, { trigger })
  } catch (error) {
    return { runId: null, status: 'refused', error: messageOf(error), result: undefined }
  }
  const done = await submitted.done
  return { runId: done.runId, status: done.status, error: done.error, result: done.outcome.result }
}

/**
 * The query the demo's end announces: the incidents by total deficit, then the detections above info. Without a quote
 * character, so the log line's message carries it copy-pastable (JSON escapes nothing in it); the store holds nothing
 * but the demo's venue synthetic when it is announced.
 */
export const DEMO_QUERY = `query Demo {
  incidents(first: 20, orderBy: [{ field: totalDeficit, direction: DESC }]) {
    totalCount
    nodes { title venue markets severity windowFrom windowTo totalDeficit detectionCount runId }
  }
  detections(first: 20, filter: { severity: { in: [warning, critical] } }) {
    totalCount
    nodes { detector venue market severity windowFrom windowTo score accounts }
  }
}`

/** Whether `backstop start` starts the demo, and why not. */
export type DemoDecision = 'starting' | 'off' | 'store not empty'

/**
 * At `backstop start`: the demo starts when BACKSTOP_DEMO=on and the store is empty — none of its DuckDB partitions
 * and none of its runs exist (a demo leaves its own run record, so it never comes back, even after `scenario remove
 * --all`). Read before the server records anything.
 */
export async function firstStartDemo(
  config: Config,
  stores: Parameters<typeof storeIsEmpty>[0],
): Promise<DemoDecision> {
  if (config.backstopDemo === 'off') return 'off'
  return (await storeIsEmpty(stores)) ? 'starting' : 'store not empty'
}

/**
 * Starts the demo run and logs its start and its end (with the query to try at `url`); returns at once. A refusal is
 * logged, never thrown: the server serves whatever the demo does.
 */
export async function startDemo(
  runs: RunManager,
  config: Config,
  options: { url: string; log: Logger },
): Promise<SubmittedRun | null> {
  const { url, log } = options
  const scenarios = config.backstopDemoScenarios
  let submitted: SubmittedRun
  try {
    // nothing scheduled it and nobody asked for it: the server starts it on its own
    submitted = await runs.submit(DEMO_JOB, scenarios ? { scenarios } : {}, { trigger: 'system' })
  } catch (error) {
    log.error({ err: error }, 'the first-start demo could not start')
    return null
  }
  const count = scenarios?.length ?? SCENARIOS.length
  log.info(
    { runId: submitted.runId, scenarios: count },
    `empty store: loading the demo (${count} generated scenarios, venue synthetic) as runs while serving; ` +
      'BACKSTOP_DEMO=off turns this off, `backstop scenario remove --all` removes it',
  )
  void submitted.done.then(({ status, outcome, error }) => {
    const r = outcome.result as DemoResult | undefined
    const figures = {
      runId: submitted.runId,
      status,
      rows: r?.rows,
      detections: r?.detections,
      incidents: r?.incidents,
    }
    if (status === 'cancelled') log.info(figures, `the first-start demo was cancelled: ${error ?? ''}`)
    else
      log.info(
        { ...figures, ...(error ? { error } : {}), url, query: DEMO_QUERY },
        `demo ${status === 'succeeded' ? 'ready' : 'done with failed steps (see runs)'}: open ${url} (GraphiQL) ` +
          `and run ${DEMO_QUERY.replace(/\s+/g, ' ')}`,
      )
  })
  return submitted
}
