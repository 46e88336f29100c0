// The first-start demo as a new user meets it: `backstop start` on an empty store serves at once and fills the store
// with one scenario (BACKSTOP_DEMO_SCENARIOS, to stay cheap) as recorded runs, logs a query that validates against the
// schema and answers synthetic incidents; `scenario remove --all` leaves no demo row, and the store it leaves is one the
// next start does not reload the demo into (the decision `start` takes, read on that store).
import fs from 'node:fs'
import path from 'node:path'
import { buildSchema, parse, validate } from 'graphql'
import { afterEach, describe, expect, test } from 'vitest'
import { z } from 'zod'
import { DEMO_BACKTESTS } from '../jobs/demoPlan.ts'
import { demoJob, firstStartDemo, startDemo, type DemoResult } from '../jobs/demo.ts'
import { defineJob, emptyOutcome, type JobDefinition } from '../jobs/job.ts'
import { RunManager } from '../jobs/runManager.ts'
import { scenarioRemoveJob } from '../jobs/scenarioRemove.ts'
import { closeRuntime, openRuntime } from '../src/app/runtime.ts'
import { ConfigError, loadConfig } from '../src/config/load.ts'
import { scenarioNames } from '../src/ingest/scenarios/index.ts'
import { createLogger } from '../src/obs/logger.ts'
import { projectRoot } from '../src/project.ts'
import { findPreset } from '../src/replay/rules/presets/index.ts'
import { spawnBackstop, type Spawned } from './support/process.ts'
import { migratedDataDir, testRuntime } from './support/runtime.ts'
import { tempDir } from './support/tmp.ts'

// the cheapest scenario of the library that still makes incidents: a small oracle-priced market
const SCENARIO = 'oracle-front-run'

const running: Spawned[] = []
afterEach(() => {
  for (const p of running.splice(0)) p.child.kill('SIGKILL')
})

interface Gql {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field below
  data?: Record<string, any> | null
  errors?: Array<{ message: string }>
}

async function gql(url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<Gql> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  })
  return (await res.json()) as Gql
}

async function start(dir: string, env: Record<string, string>) {
  const p = spawnBackstop(['start'], env, dir)
  running.push(p)
  const serving = await p.waitForLog((l) => typeof l.url === 'string' && typeof l.version === 'string')
  return { p, url: String(serving.url), serving }
}

async function stop(p: Spawned) {
  p.child.kill('SIGTERM')
  return (await p.exited).code
}

describe('the demo plan', () => {
  test('every scenario of the library has a backtest row, and its preset exists', () => {
    expect(Object.keys(DEMO_BACKTESTS).sort()).toEqual(scenarioNames().sort())
    for (const [name, plan] of Object.entries(DEMO_BACKTESTS)) {
      expect(() => findPreset(plan.preset), name).not.toThrow()
      expect(findPreset(plan.preset).id, `${name}: pin the preset version`).toBe(plan.preset)
    }
  })

  test('BACKSTOP_DEMO is on or off; off (or a store with anything in it) starts nothing', async () => {
    expect(() => loadConfig({ BACKSTOP_DEMO: 'yes' })).toThrow(ConfigError)
    expect(() => loadConfig({ BACKSTOP_DEMO_SCENARIOS: 'Not A Name' })).toThrow(ConfigError)
    const runtime = await testRuntime()
    expect(await firstStartDemo(loadConfig({ BACKSTOP_DEMO: 'off' }), runtime)).toBe('off')
    expect(await firstStartDemo(loadConfig({}), runtime)).toBe('starting')
    await runtime.meta.jobRun.create({
      data: { id: 'r1', kind: 'maintenance', job: 'x', trigger: 'cli', host: 'h', pid: 1, status: 'succeeded' },
    })
    expect(await firstStartDemo(loadConfig({}), runtime)).toBe('store not empty')
  })
})

test('a failed step is a failed run of its own; the other steps go on and the demo run ends failed', async () => {
  const runtime = await testRuntime()
  const stub = (name: string, run: JobDefinition['run']) =>
    defineJob({ name, exclusive: false, retryOnCrash: false, description: name, params: z.unknown(), run })
  const truth = { rows: 7, markets: ['ORACLE-FR-PERP'], from: '2025-04-06T12:00:00Z', to: '2025-04-10T00:00:00Z' }
  const registry = new Map<string, JobDefinition<never>>(
    [
      demoJob as JobDefinition<never>,
      stub('scenario.load', async (_c, p) => {
        if ((p as { name: string }).name === 'calm-trend') throw new Error('disk full')
        return { ...emptyOutcome(), result: { status: 'loaded', truth } }
      }),
      stub('detect', async () => ({ ...emptyOutcome(), result: { detections: { total: 0 } } })),
      stub('backtest', async () => {
        throw new Error('a NaN wallet')
      }),
    ].map((j) => [j.name, j as JobDefinition<never>]),
  )
  const runs = new RunManager(runtime, registry)
  const done = await runs.run('demo', { scenarios: ['calm-trend', 'oracle-front-run'] }, { trigger: 'cron' })
  expect(done.status).toBe('failed')
  const result = done.outcome.result as DemoResult
  expect(result.steps.map((s) => `${s.scenario} ${s.step} ${s.status}`).sort()).toEqual([
    'calm-trend backtest skipped',
    'calm-trend detect skipped',
    'calm-trend detect-backtest skipped',
    'calm-trend load failed',
    'oracle-front-run backtest failed',
    'oracle-front-run detect succeeded',
    'oracle-front-run detect-backtest skipped',
    'oracle-front-run load succeeded',
  ])
  expect(result.steps.find((s) => s.step === 'backtest' && s.runId)?.error).toBe('a NaN wallet')
  // each step that ran is a recorded run with its own status
  const recorded = await runtime.meta.jobRun.findMany({ where: { job: { not: 'demo' } } })
  expect(recorded.map((r) => `${r.job} ${r.status}`).sort()).toEqual([
    'backtest failed',
    'detect succeeded',
    'scenario.load failed',
    'scenario.load succeeded',
  ])
  await runs.stop(1000)
})

test('the demo the server starts itself is a system run, and so are its steps; asked for, they carry who asked', async () => {
  const runtime = await testRuntime()
  const stub = (name: string, result: unknown) =>
    defineJob({
      ...{ name, exclusive: false, retryOnCrash: false, description: name, params: z.unknown() },
      run: async () => ({ ...emptyOutcome(), result }),
    })
  const truth = { rows: 7, markets: ['ORACLE-FR-PERP'], from: '2025-04-06T12:00:00Z', to: '2025-04-10T00:00:00Z' }
  const registry = new Map<string, JobDefinition<never>>(
    [
      demoJob as JobDefinition<never>,
      stub('scenario.load', { status: 'loaded', truth }),
      stub('detect', { detections: { total: 0 }, incidents: { incidents: 0 } }),
      stub('backtest', {}),
    ].map((j) => [j.name, j as JobDefinition<never>]),
  )
  const runs = new RunManager(runtime, registry)
  const config = loadConfig({ BACKSTOP_DEMO_SCENARIOS: SCENARIO, LOG_LEVEL: 'silent' })
  const started = await startDemo(runs, config, { url: 'http://127.0.0.1:1/graphql', log: createLogger('silent') })
  expect((await started!.done).status).toBe('succeeded')
  const recorded = await runtime.meta.jobRun.findMany({ orderBy: { queuedAt: 'asc' } })
  // the demo, its load, its detectors, its backtest and the detectors over the backtest: nothing scheduled them
  expect(recorded.map((r) => `${r.job} ${r.trigger}`).sort()).toEqual([
    'backtest system',
    'demo system',
    'detect system',
    'detect system',
    'scenario.load system',
  ])
  // `backstop jobs run demo` loads it on purpose: its steps are the command line's
  await runtime.meta.jobRun.deleteMany({})
  expect((await runs.run('demo', { scenarios: [SCENARIO] }, { trigger: 'cli' })).status).toBe('succeeded')
  const asked = await runtime.meta.jobRun.findMany()
  expect(new Set(asked.map((r) => r.trigger))).toEqual(new Set(['cli']))
  expect(asked).toHaveLength(5)
  await runs.stop(1000)
})

test('scenario.remove NAME takes only what was derived from its own markets', async () => {
  const runtime = await testRuntime()
  const runs = new RunManager(runtime, new Map([[scenarioRemoveJob.name, scenarioRemoveJob as JobDefinition<never>]]))
  // two synthetic backtests, each with a result row, a detection over its market and an incident
  const seed = async (id: string, market: string) => {
    await runtime.meta.jobRun.create({
      data: { id, kind: 'backtest', job: 'backtest', trigger: 'cli', host: 'h', pid: 1, status: 'succeeded' },
    })
    await runtime.meta.backtestRun.create({
      data: {
        id,
        ruleSetHash: 'x',
        ruleSetRef: 'okx',
        venue: 'synthetic',
        markets: [market],
        fromTs: new Date(0),
        toTs: new Date(1),
        positionsSource: 'synthetic',
      },
    })
    await runtime.duck.use(async (c) => {
      await c.run(
        `INSERT INTO backtest_fund_series VALUES ($1, 1, TIMESTAMP '2025-01-01', 'pooled', $2, 'initial', 1, 1, NULL)`,
        [id, market],
      )
      for (const runId of [null, id])
        await c.run(
          `INSERT INTO detections VALUES ($1, 'oracle-deviation', '1', 'synthetic', $2, TIMESTAMP '2025-01-01',
             TIMESTAMP '2025-01-02', [], 1, 'warning', '{}', NULL, NULL, $3, 'h', TIMESTAMP '2025-01-01',
             TIMESTAMP '2025-01-02', TIMESTAMP '2025-01-01')`,
          [`${id}-${runId ?? 'data'}`, market, runId],
        )
      await c.run(
        `INSERT INTO incidents VALUES ($1, 'synthetic', $2, [$3], TIMESTAMP '2025-01-01', TIMESTAMP '2025-01-02',
           'warning', 't', 0, 0, 0, [], 1, 1, 60, TIMESTAMP '2025-01-01')`,
        [`i-${id}`, id, market],
      )
    })
  }
  await seed('bt-calm', 'CALM-TREND-PERP')
  await seed('bt-oracle', 'ORACLE-FR-PERP')
  const done = await runs.run('scenario.remove', { name: 'calm-trend' }, { trigger: 'cli' })
  expect(done.outcome.result).toMatchObject({ backtestRuns: 1, detections: 2, incidents: 1 })
  const left = await runtime.duck.use(
    async (c) =>
      (
        await c.runAndReadAll(
          `SELECT (SELECT list(id ORDER BY id) FROM detections)::VARCHAR AS d, (SELECT list(id) FROM incidents)::VARCHAR AS i,
                (SELECT list(run_id) FROM backtest_fund_series)::VARCHAR AS f`,
        )
      ).getRowObjectsJS()[0],
  )
  expect(left).toEqual({ d: '[bt-oracle-bt-oracle, bt-oracle-data]', i: '[i-bt-oracle]', f: '[bt-oracle]' })
  expect((await runtime.meta.backtestRun.findMany()).map((r) => r.id)).toEqual(['bt-oracle'])
  await runs.stop(1000)
})

test(
  'first start: serves at once, loads the demo as runs, logs a valid query; remove --all leaves nothing',
  {
    timeout: 180_000,
  },
  async () => {
    const dir = tempDir()
    const data = path.join(dir, 'data')
    // an empty store, migrated (what a fresh start would make, without paying for the migrations)
    fs.cpSync(await migratedDataDir(), data, { recursive: true })
    const env = { DATA_DIR: data, PORT: '0', LOG_LEVEL: 'info', BACKSTOP_DEMO: 'on', BACKSTOP_DEMO_SCENARIOS: SCENARIO }

    const { p, url, serving } = await start(dir, env)
    expect(serving.demo).toBe('starting')
    const announced = await p.waitForLog((l) => String(l.msg).startsWith('empty store: loading the demo'))
    const demoId = String(announced.runId)
    // the server answers while the demo runs
    const early = await gql(url, 'query ($id: ID!) { health { status } run(id: $id) { status job } }', { id: demoId })
    expect(early.data?.health.status).toBe('ok')
    expect(early.data?.run).toMatchObject({ job: 'demo' })
    expect(['queued', 'running']).toContain(early.data?.run.status)

    const ready = await p.waitForLog((l) => typeof l.query === 'string', 150_000)
    expect(ready).toMatchObject({ runId: demoId, status: 'succeeded', url })
    const query = String(ready.query)
    // the message carries it on one line, copy-pastable from the raw JSON log (no quote to escape)
    expect(query).not.toContain('"')
    expect(String(ready.msg)).toContain(query.replace(/\s+/g, ' '))
    const schema = buildSchema(fs.readFileSync(path.join(projectRoot, 'schema.graphql'), 'utf8'))
    expect(validate(schema, parse(query)).map((e) => e.message)).toEqual([])

    // the demo and each of its steps are recorded runs that succeeded
    const demo = await gql(url, 'query ($id: ID!) { run(id: $id) { status result } }', { id: demoId })
    const steps = demo.data?.run.result.steps as Array<{
      scenario: string
      step: string
      runId: string
      status: string
    }>
    expect(steps.map((s) => `${s.scenario} ${s.step} ${s.status}`).sort()).toEqual(
      ['backtest', 'detect', 'detect-backtest', 'load'].map((s) => `${SCENARIO} ${s} succeeded`),
    )
    for (const s of steps) {
      const child = await gql(url, 'query ($id: ID!) { run(id: $id) { status } }', { id: s.runId })
      expect(child.data?.run.status, `${s.step} run`).toBe('succeeded')
    }
    // nothing scheduled the demo or asked for it: it and its steps are the server's own runs, found by that trigger
    const own = await gql(url, '{ runsConnection(filter: { trigger: { equals: "system" } }) { nodes { id } } }')
    expect(own.data?.runsConnection.nodes.map((n: { id: string }) => n.id).sort()).toEqual(
      [demoId, ...steps.map((s) => s.runId)].sort(),
    )
    const backtestId = steps.find((s) => s.step === 'backtest')!.runId

    // the logged query answers incidents of venue synthetic, labelled so, with the scenario's deficits or detections
    const answer = await gql(url, query)
    expect(answer.errors).toBeUndefined()
    const incidents = answer.data!.incidents.nodes as Array<{
      venue: string
      title: string
      detectionCount: number
      totalDeficit: string
    }>
    expect(incidents.length).toBeGreaterThan(0)
    for (const i of incidents) {
      expect(i.venue).toBe('synthetic')
      expect(i.title).toMatch(/synthetic/)
    }
    expect(incidents.some((i) => i.detectionCount > 0 || Number(i.totalDeficit) > 0)).toBe(true)
    expect(answer.data!.detections.nodes.every((d: { venue: string }) => d.venue === 'synthetic')).toBe(true)

    // `scenario remove --all` (the CLI hands it to the running server as this mutation) takes what the demo derived too
    // as the CLI does, with the local admin token of the server's discovery file
    const { token } = JSON.parse(fs.readFileSync(path.join(data, 'server.json'), 'utf8')) as { token: string }
    const removal = await gql(url, 'mutation { removeScenario(all: true) { id } }', {}, token)
    expect(removal.errors).toBeUndefined()
    const removalId = String(removal.data?.removeScenario.id)
    let removed: { status: string; result: Record<string, number> } | undefined
    for (let i = 0; i < 300 && !['succeeded', 'failed', 'cancelled'].includes(removed?.status ?? ''); i++) {
      if (i) await new Promise((r) => setTimeout(r, 100))
      removed = (await gql(url, 'query ($id: ID!) { run(id: $id) { status result } }', { id: removalId })).data?.run
    }
    expect(removed?.status).toBe('succeeded')
    expect(removed?.result).toMatchObject({ copies: 1, backtestRuns: 1 })
    expect(removed?.result.incidents).toBeGreaterThan(0)
    expect(await stop(p)).toBe(0)

    // nothing of the demo is left in either store (its run records stay: they are what keeps it from coming back)
    const config = loadConfig({ DATA_DIR: data, LOG_LEVEL: 'silent' })
    const { runtime } = await openRuntime(config, { log: createLogger('silent') })
    try {
      const counts = await runtime.duck.use(async (c) => {
        const n = async (sql: string, params: unknown[] = []) =>
          Number(
            (await c.runAndReadAll(`SELECT count(*)::DOUBLE AS n FROM ${sql}`, params as never)).getRowObjectsJS()[0]!
              .n,
          )
        return {
          partitions: await n('partitions'),
          truth: await n('scenario_truth'),
          trades: await n('trades'),
          prices: await n('prices'),
          fills: await n('fills'),
          detections: await n('detections'),
          incidents: await n('incidents'),
          members: await n('incident_members'),
          liquidations: await n('backtest_liquidations WHERE run_id = $1', [backtestId]),
          fund: await n('backtest_fund_series WHERE run_id = $1', [backtestId]),
          rollups: await n('run_series_hours WHERE run_id = $1', [backtestId]),
        }
      })
      expect(counts).toEqual({
        partitions: 0,
        truth: 0,
        trades: 0,
        prices: 0,
        fills: 0,
        detections: 0,
        incidents: 0,
        members: 0,
        liquidations: 0,
        fund: 0,
        rollups: 0,
      })
      expect(await runtime.meta.backtestRun.count()).toBe(0)
      expect(await runtime.meta.jobRun.count({ where: { kind: 'backtest' } })).toBe(0)
      // the next start finds a store that had its demo (its run record stays): nothing reloads
      expect(await runtime.meta.jobRun.count({ where: { job: 'demo' } })).toBe(1)
      expect(await firstStartDemo(loadConfig({ DATA_DIR: data, BACKSTOP_DEMO: 'on' }), runtime)).toBe('store not empty')
    } finally {
      await closeRuntime(runtime)
    }
  },
)
