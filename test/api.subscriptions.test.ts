// Subscriptions over graphql-ws on the API's own port and path: runProgress streams a local run from its current
// state to its end, a finished run gives one message, a run of another process is followed through its record,
// an unknown id is NOT_FOUND; jobProgress follows a job's runs one after another (local and other processes'); incidentCreated delivers what the incidents stage creates (filtered by venue and
// severity); HTTP still refuses a subscription naming the WebSocket URL; stopping the server closes the sockets.
import { createClient, type Client } from 'graphql-ws'
import { afterAll, describe, expect, test } from 'vitest'
import WebSocket from 'ws'
import { z } from 'zod'
import { detectJob } from '../jobs/detect.ts'
import { defineJob, emptyOutcome, type JobDefinition } from '../jobs/job.ts'
import { RunManager } from '../jobs/runManager.ts'
import { startApiServer } from '../src/api/server.ts'
import { jobProgressMessages } from '../src/api/subscriptions/jobProgress.ts'
import { runProgressMessages } from '../src/api/subscriptions/runProgress.ts'
import { rebuildIncidents } from '../src/incidents/rebuild.ts'
import { replaceDetections, type DetectionRecord } from '../src/store/detect/detections.ts'
import { createRun, finishRun, saveRunProgress, startRun } from '../src/store/meta/runs.ts'
import { gauss, HOUR, insertPriceRows, MIN, rng, SEC, T0 } from './support/detectData.ts'
import { testRuntime } from './support/runtime.ts'

const runtime = await testRuntime({ PORT: '0', SCHEDULER_ENABLED: 'false' })
/** Polls wait this long: the machine running the suite may be shared and busy. */
const WAIT = { timeout: 15_000 }

/** A job that reports progress, then waits until released. */
const gates = new Map<string, () => void>()
const gatedJob = defineJob({
  name: 't.gated',
  kind: 'gated',
  description: 'test',
  params: z.object({}).strict(),
  exclusive: false,
  async run({ runId, signal, progress }) {
    progress.update({ phase: 'waiting', done: 1, total: 4, unit: 'steps' })
    await new Promise<void>((resolve) => {
      gates.set(runId, resolve)
      signal.addEventListener('abort', () => resolve(), { once: true })
    })
    progress.update({ phase: 'finishing', done: 4, total: 4, unit: 'steps' })
    return { ...emptyOutcome(), rows: 4 }
  },
}) as JobDefinition<never>
const runs = new RunManager(
  runtime,
  new Map([
    [gatedJob.name, gatedJob],
    [detectJob.name, detectJob as JobDefinition<never>],
  ]),
)
const server = await startApiServer(runtime, { runs, runEvents: runs })
const wsUrl = server.url.replace(/^http/, 'ws')
const clients: Client[] = []
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()))
  await server.stop()
  await runs.stop(5000)
})

const client = () => {
  const c = createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true })
  clients.push(c)
  return c
}

interface Outcome<T> {
  messages: T[]
  errors: unknown[]
  completed: Promise<void>
  stop: () => void
}

/** Subscribes and collects every message until the server completes (or the test stops it). */
function subscribe<T>(c: Client, query: string, variables: Record<string, unknown> = {}): Outcome<T> {
  const messages: T[] = []
  const errors: unknown[] = []
  let stop = () => undefined as unknown
  const completed = new Promise<void>((resolve) => {
    stop = c.subscribe<Record<string, T>>(
      { query, variables },
      {
        next: (r) => {
          if (r.errors) errors.push(...r.errors)
          if (r.data) messages.push(Object.values(r.data)[0]!)
        },
        error: (e) => {
          errors.push(...(Array.isArray(e) ? e : [e]))
          resolve()
        },
        complete: resolve,
      },
    )
  })
  return { messages, errors, completed, stop: () => stop() }
}

const PROGRESS = `subscription($id: ID!) { runProgress(id: $id) { runId status phase done total rate etaSeconds error } }`
type Progress = {
  runId: string
  status: string
  phase: string
  done: number
  total: number | null
  error?: string | null
}

describe('runProgress', () => {
  test('a local run: its current state first, each change, then the final status and complete', async () => {
    const { runId, done } = await runs.submit(gatedJob, {}, { trigger: 'api' })
    await expect.poll(() => gates.has(runId), WAIT).toBe(true)
    const sub = subscribe<Progress>(client(), PROGRESS, { id: runId })
    await expect.poll(() => sub.messages.length, WAIT).toBeGreaterThan(0)
    expect(sub.messages[0]).toMatchObject({ runId, status: 'running', phase: 'waiting', done: 1, total: 4 })
    gates.get(runId)!()
    await done
    await sub.completed
    expect(sub.errors).toEqual([])
    const last = sub.messages.at(-1)!
    expect(last).toMatchObject({ status: 'succeeded', phase: 'finishing', done: 4 })
    // every message is the same run, and nothing follows the final status
    expect(sub.messages.every((m) => m.runId === runId)).toBe(true)
    expect(sub.messages.filter((m) => m.status === 'succeeded')).toHaveLength(1)
  })

  test('a run already finished: one message, then complete', async () => {
    const { runId, done } = await runs.submit(gatedJob, {}, { trigger: 'api' })
    await expect.poll(() => gates.has(runId), WAIT).toBe(true)
    await runs.cancel(runId)
    await done
    const sub = subscribe<Progress>(client(), PROGRESS, { id: runId })
    await sub.completed
    expect(sub.errors).toEqual([])
    expect(sub.messages).toHaveLength(1)
    expect(sub.messages[0]).toMatchObject({ runId, status: 'cancelled' })
  })

  test('a run of another process is followed through its record until it ends', async () => {
    const run = await createRun(runtime.meta, {
      kind: 'ingest',
      job: 'ingest.elsewhere',
      trigger: 'cli',
      params: {},
      owner: { host: 'another-host', pid: 1 },
    })
    const sub = subscribe<Progress>(client(), PROGRESS, { id: run.id })
    await expect.poll(() => sub.messages.length, WAIT).toBe(1)
    expect(sub.messages[0]).toMatchObject({ status: 'queued', phase: 'queued', done: 0, total: null })
    await startRun(runtime.meta, run.id)
    const progress = (done: number) => ({
      phase: 'loading',
      done,
      total: 10,
      unit: 'partitions',
      rate: 1,
      rateUnit: 'partitions/s',
      etaSeconds: 10 - done,
      counts: {},
      at: new Date(Date.UTC(2026, 0, 1, 0, 0, done)).toISOString(),
    })
    await saveRunProgress(runtime.meta, run.id, progress(3))
    await expect.poll(() => sub.messages.at(-1), WAIT).toMatchObject({ status: 'running', done: 3 })
    await saveRunProgress(runtime.meta, run.id, progress(10))
    await finishRun(runtime.meta, run.id, { status: 'failed', error: 'disk full' })
    await sub.completed
    expect(sub.messages.at(-1)).toMatchObject({ status: 'failed', done: 10, error: 'disk full' })
  })

  test('without a run system the record is polled: state first, then the end', async () => {
    const run = await createRun(runtime.meta, {
      kind: 'ingest',
      job: 'ingest.polled',
      trigger: 'cli',
      params: {},
      owner: { host: 'another-host', pid: 1 },
    })
    const messages = await runProgressMessages({ runtime }, run.id, 20)
    const seen: Array<{ status: string }> = []
    const reading = (async () => {
      for await (const m of messages) seen.push(m)
    })()
    await expect.poll(() => seen.length, WAIT).toBe(1)
    await startRun(runtime.meta, run.id)
    await finishRun(runtime.meta, run.id, { status: 'succeeded' })
    await reading
    expect(seen.map((m) => m.status)).toEqual(expect.arrayContaining(['queued', 'succeeded']))
    expect(seen.at(-1)!.status).toBe('succeeded')
    await expect(runProgressMessages({ runtime }, 'nope')).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })

  test('an unknown run is NOT_FOUND', async () => {
    const sub = subscribe<Progress>(client(), PROGRESS, { id: 'no-such-run' })
    await sub.completed
    expect(sub.messages).toEqual([])
    expect(sub.errors).toMatchObject([{ extensions: { code: 'NOT_FOUND' } }])
  })

  test('the HTTP limits hold over WebSocket: too many aliases is refused naming the limit', async () => {
    const aliases = Array.from({ length: 31 }, (_, i) => `a${i}: runId`).join(' ')
    const sub = subscribe<Progress>(client(), `subscription { runProgress(id: "x") { ${aliases} } }`)
    await sub.completed
    expect(sub.messages).toEqual([])
    expect(sub.errors).toMatchObject([{ message: expect.stringContaining('aliases limit of 30') }])
  })

  test('over HTTP a subscription is refused with the WebSocket URL', async () => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: PROGRESS, variables: { id: 'x' } }),
    })
    expect(res.status).toBe(400)
    const body = (await res.json()) as { errors: Array<{ message: string }> }
    expect(body.errors[0]!.message).toContain(wsUrl)
  })
})

const JOB = `subscription($id: ID!) { jobProgress(id: $id) { runId status phase done total error } }`

describe('jobProgress', () => {
  test('a local job: its latest run to its final status, then the next run of the job from its start', async () => {
    const a = await runs.submit(gatedJob, {}, { trigger: 'api' })
    await expect.poll(() => gates.has(a.runId), WAIT).toBe(true)
    const sub = subscribe<Progress>(client(), JOB, { id: gatedJob.name })
    await expect.poll(() => sub.messages.length, WAIT).toBeGreaterThan(0)
    expect(sub.messages[0]).toMatchObject({ runId: a.runId, status: 'running', phase: 'waiting' })
    gates.get(a.runId)!()
    await a.done
    await expect.poll(() => sub.messages.at(-1), WAIT).toMatchObject({ runId: a.runId, status: 'succeeded' })
    const b = await runs.submit(gatedJob, {}, { trigger: 'api' })
    await expect.poll(() => sub.messages.some((m) => m.runId === b.runId), WAIT).toBe(true)
    await expect.poll(() => gates.has(b.runId), WAIT).toBe(true)
    gates.get(b.runId)!()
    await b.done
    await expect.poll(() => sub.messages.at(-1), WAIT).toMatchObject({ runId: b.runId, status: 'succeeded' })
    sub.stop()
    expect(sub.errors).toEqual([])
    // run a, then run b: each run's messages together, each final status once, nothing after a's end but b
    const ids = sub.messages.map((m) => m.runId)
    expect(ids.lastIndexOf(a.runId)).toBeLessThan(ids.indexOf(b.runId))
    expect(new Set(ids)).toEqual(new Set([a.runId, b.runId]))
    for (const id of [a.runId, b.runId])
      expect(sub.messages.filter((m) => m.runId === id && m.status === 'succeeded')).toHaveLength(1)
  })

  test('runs of another process are followed through their records, one after another', async () => {
    const record = () =>
      createRun(runtime.meta, {
        kind: 'ingest',
        job: 'ingest.far',
        trigger: 'cron',
        params: {},
        owner: { host: 'another-host', pid: 1 },
      })
    const unknown = subscribe<Progress>(client(), JOB, { id: 'ingest.far' })
    await unknown.completed
    expect(unknown.errors).toMatchObject([{ extensions: { code: 'NOT_FOUND' } }])
    const first = await record()
    const sub = subscribe<Progress>(client(), JOB, { id: 'ingest.far' })
    await expect.poll(() => sub.messages.length, WAIT).toBe(1)
    expect(sub.messages[0]).toMatchObject({ runId: first.id, status: 'queued' })
    await startRun(runtime.meta, first.id)
    await finishRun(runtime.meta, first.id, { status: 'failed', error: 'source down' })
    await expect.poll(() => sub.messages.at(-1), WAIT).toMatchObject({ runId: first.id, status: 'failed' })
    expect(sub.messages.at(-1)!.error).toBe('source down')
    const second = await record()
    await expect.poll(() => sub.messages.at(-1), WAIT).toMatchObject({ runId: second.id, status: 'queued' })
    sub.stop()
  })

  test('a job of the run system that never ran: nothing until its first run, which is then followed', async () => {
    const context = { runtime, runs: { ...runs, jobNames: () => ['t.never'] } as never }
    const messages = await jobProgressMessages(context, 't.never', 20)
    const seen: Progress[] = []
    void (async () => {
      for await (const m of messages) seen.push(m as Progress)
    })()
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(seen).toEqual([])
    const run = await createRun(runtime.meta, {
      kind: 't',
      job: 't.never',
      trigger: 'cli',
      params: {},
      owner: { host: 'another-host', pid: 1 },
    })
    await expect.poll(() => seen.length, WAIT).toBe(1)
    expect(seen[0]).toMatchObject({ runId: run.id, status: 'queued' })
    await messages.return!()
    await expect(jobProgressMessages({ runtime }, 't.never2')).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })
})

const INCIDENTS = `subscription($venue: String, $min: Severity) {
  incidentCreated(venue: $venue, minSeverity: $min) { id venue severity title detections { id } } }`
type Incident = { id: string; venue: string; severity: string; detections: Array<{ id: string }> }

describe('incidentCreated', () => {
  const detection = (venue: string, id: string, severity: string, minute: number): DetectionRecord => ({
    id,
    detector: 'oracle-deviation',
    detectorVersion: '1',
    venue,
    market: 'M',
    windowFromUs: T0 + minute * MIN,
    windowToUs: T0 + (minute + 1) * MIN,
    accounts: [],
    score: 9,
    severity,
    evidence: { z: 9 },
    estimatedCostQuote: null,
    estimatedProfitQuote: null,
    runId: null,
    paramsHash: 'p',
    scopeFromUs: T0,
    scopeToUs: T0 + 1440 * MIN,
  })
  const seed = (venue: string, rows: DetectionRecord[]) =>
    replaceDetections(
      runtime.duck,
      [
        {
          scope: {
            detector: 'oracle-deviation',
            venue,
            market: 'M',
            runId: null,
            paramsHash: 'p',
            fromUs: T0,
            toUs: T0 + 1440 * MIN,
          },
          rows,
        },
      ],
      new Date(0),
    )
  const rebuild = (venue: string) =>
    rebuildIncidents(runtime, {
      venue,
      runId: null,
      gapSeconds: 60,
      onCreated: (incidents) => runtime.incidentEvents.publish(incidents),
    })

  test('the rebuild tells only the incidents it created; subscribers get them whole, filtered', async () => {
    const all = subscribe<Incident>(client(), INCIDENTS)
    const critical = subscribe<Incident>(client(), INCIDENTS, { venue: 'v1', min: 'critical' })
    const other = subscribe<Incident>(client(), INCIDENTS, { venue: 'v2' })
    // the three subscriptions are listening before anything is published
    await expect.poll(() => runtime.incidentEvents.listeners, WAIT).toBe(3)
    await seed('v1', [detection('v1', 'det_w', 'warning', 0), detection('v1', 'det_c', 'critical', 600)])
    const told: string[] = []
    const seen = (list: Array<{ id: string }>) => told.push(...list.map((i) => i.id))
    await rebuildIncidents(runtime, { venue: 'v1', runId: null, gapSeconds: 60, onCreated: seen })
    expect(told).toHaveLength(2)
    // the same members give the same ids: nothing is created the second time, so nothing is told
    await rebuild('v1')
    // a new member changes one incident (a new id); the untouched one keeps its id
    await seed('v1', [
      detection('v1', 'det_w', 'warning', 0),
      detection('v1', 'det_c', 'critical', 600),
      detection('v1', 'det_c2', 'critical', 601),
    ])
    await rebuild('v1')
    await expect.poll(() => all.messages.length, WAIT).toBe(1)
    expect(all.messages[0]).toMatchObject({ venue: 'v1', severity: 'critical' })
    expect(all.messages[0]!.detections.map((d) => d.id).sort()).toEqual(['det_c', 'det_c2'])
    await expect.poll(() => critical.messages.length, WAIT).toBe(1)
    expect(critical.messages[0]!.id).toBe(all.messages[0]!.id)
    // the no-op rebuild told nobody: the only message is the changed incident
    expect(all.messages).toHaveLength(1)
    expect(other.messages).toEqual([])
    for (const s of [all, critical, other]) s.stop()
    await expect.poll(() => runtime.incidentEvents.listeners, WAIT).toBe(0)
  })
})

describe('incidentCreated from a detect run', () => {
  /** A mark 30 % off its index for 10 minutes: one oracle-deviation warning, so one incident. */
  async function deviatingMarket(venue: string) {
    const r = rng(7)
    const mark = []
    const ref = []
    let p = 100
    for (let i = 0; i < 8 * 60; i++) {
      const t = T0 + i * MIN
      p *= 1 + 0.0005 * gauss(r)
      mark.push({ tsUs: t, price: p * (i >= 400 && i < 410 ? 1.3 : 1) })
      ref.push({ tsUs: t + 5 * SEC, price: p * (1 + 0.0002 * gauss(r)) })
    }
    await insertPriceRows(runtime.duck, venue, 'M', 'mark', venue, mark)
    await insertPriceRows(runtime.duck, venue, 'M', 'index', 'ref', ref)
  }

  test('the detect job publishes the incidents its rebuild created; a re-run over the same data publishes none', async () => {
    await deviatingMarket('vd')
    const sub = subscribe<Incident>(client(), INCIDENTS, { venue: 'vd' })
    await expect.poll(() => runtime.incidentEvents.listeners, WAIT).toBe(1)
    const params = {
      venue: 'vd',
      from: new Date((T0 + 2 * HOUR) / 1000).toISOString(),
      to: new Date((T0 + 8 * HOUR) / 1000).toISOString(),
      detectors: ['oracle-deviation'],
    }
    const first = await runs.run('detect', params, { trigger: 'api' })
    expect(first.status).toBe('succeeded')
    await expect.poll(() => sub.messages.length, WAIT).toBe(1)
    expect(sub.messages[0]).toMatchObject({ venue: 'vd', severity: 'warning' })
    expect(sub.messages[0]!.detections).toHaveLength(1)
    expect((await runs.run('detect', params, { trigger: 'api' })).status).toBe('succeeded')
    expect(sub.messages).toHaveLength(1)
    sub.stop()
  })
})

describe('shutdown', () => {
  test('stopping the server closes open sockets (1001) and ends their subscriptions', async () => {
    const local = await startApiServer(runtime, { runs, runEvents: runs })
    const socket = new WebSocket(local.url.replace(/^http/, 'ws'), 'graphql-transport-ws')
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)))
    await new Promise<void>((resolve) => socket.on('open', () => resolve()))
    socket.send(JSON.stringify({ type: 'connection_init' }))
    await new Promise<void>((resolve) => socket.once('message', () => resolve()))
    socket.send(
      JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { incidentCreated { id } }' } }),
    )
    await expect.poll(() => runtime.incidentEvents.listeners, WAIT).toBe(1)
    await local.stop()
    expect(await closed).toBe(1001)
    expect(runtime.incidentEvents.listeners).toBe(0)
  })
})
