// The run system: runs queue per kind up to their limit, are cancelled from anywhere (queued at once, running through
// their signal, seen across processes through the store), stream progress events, keep no outputs unless they
// succeed, and stop with the process.
import { describe, expect, test } from 'vitest'
import { z } from 'zod'
import { defineJob, emptyOutcome, type JobDefinition } from '../jobs/job.ts'
import type { RunEvent } from '../jobs/progress.ts'
import { pruneJobRunsJob } from '../jobs/maintenance/pruneJobRuns.ts'
import { RunManager } from '../jobs/runManager.ts'
import { ConflictError, NotFoundError, UnavailableError } from '../src/errors.ts'
import { requestCancel } from '../src/store/meta/runs.ts'
import { testRuntime } from './support/runtime.ts'

const runtime = await testRuntime()

/** A job of `kind` whose runs wait until released or aborted; records what happened to each run. */
function controlledJob(name: string, kind: string) {
  const started: string[] = []
  const discarded: string[] = []
  const gates = new Map<string, () => void>()
  const job = defineJob({
    name,
    kind,
    description: 'test',
    params: z.object({ tag: z.string().default('') }).strict(),
    exclusive: false,
    async run({ runId, signal, progress }) {
      started.push(runId)
      progress.update({ phase: 'waiting', done: 0, total: 10, unit: 'steps', counts: { rows: 0 } })
      await new Promise<void>((resolve) => {
        gates.set(runId, resolve)
        // a job that honours its signal, as every long job must
        signal.addEventListener('abort', () => resolve(), { once: true })
      })
      progress.update({ phase: 'waiting', done: 10, total: 10, unit: 'steps', counts: { rows: 5 } })
      return { ...emptyOutcome(), rows: 5 }
    },
    discard: async (_runtime, runId) => {
      discarded.push(runId)
    },
  })
  return { job: job as JobDefinition<never>, started, discarded, release: (id: string) => gates.get(id)?.() }
}

const statusOf = async (id: string) => (await runtime.meta.jobRun.findUniqueOrThrow({ where: { id } })).status

describe('queues and limits', () => {
  test('runs of a kind beyond its limit wait queued, in order; other kinds are not held up', async () => {
    const slow = controlledJob('t.slow', 'slow')
    const other = controlledJob('t.other', 'other')
    const runs = new RunManager(runtime, new Map([slow.job, other.job].map((j) => [j.name, j])), {
      limits: { slow: 2 },
    })
    const a = await runs.submit(slow.job, {}, { trigger: 'cli' })
    const b = await runs.submit(slow.job, {}, { trigger: 'cli' })
    const c = await runs.submit(slow.job, {}, { trigger: 'cli' })
    const d = await runs.submit(other.job, {}, { trigger: 'cli' })
    await expect.poll(() => slow.started.length).toBe(2)
    await expect.poll(() => other.started.length).toBe(1)
    expect(slow.started).toEqual([a.runId, b.runId])
    expect([await statusOf(a.runId), await statusOf(b.runId), await statusOf(c.runId)]).toEqual([
      'running',
      'running',
      'queued',
    ])
    slow.release(a.runId)
    expect((await a.done).status).toBe('succeeded')
    await expect.poll(() => slow.started).toEqual([a.runId, b.runId, c.runId])
    slow.release(b.runId)
    slow.release(c.runId)
    other.release(d.runId)
    await runs.idle()
    expect(await statusOf(c.runId)).toBe('succeeded')
    // succeeded runs keep their outputs
    expect(slow.discarded).toEqual([])
    await runs.stop(1000)
  })
})

describe('cancellation', () => {
  test('a queued run cancelled from another process is cancelled at once and never starts', async () => {
    const j = controlledJob('t.queued', 'queued')
    const runs = new RunManager(runtime, new Map([[j.job.name, j.job]]), { watchMs: 100 })
    const first = await runs.submit(j.job, {}, { trigger: 'cli' })
    const second = await runs.submit(j.job, {}, { trigger: 'cli' })
    await expect.poll(() => j.started.length).toBe(1)
    // what `backstop runs cancel` does in its own process: only the store
    const record = await requestCancel(runtime.meta, second.runId)
    expect(record).toMatchObject({ status: 'cancelled' })
    expect(record.cancelRequestedAt).not.toBeNull()
    // the owner drops it from its queue when it next looks
    expect((await second.done).status).toBe('cancelled')
    j.release(first.runId)
    expect((await first.done).status).toBe('succeeded')
    expect(j.started).toEqual([first.runId])
    expect(j.discarded).toEqual([second.runId])
    await runs.stop(1000)
  })

  test('a running run cancelled from another process stops through its signal, is recorded cancelled and keeps no outputs', async () => {
    const j = controlledJob('t.running', 'running')
    const runs = new RunManager(runtime, new Map([[j.job.name, j.job]]), { watchMs: 100 })
    const run = await runs.submit(j.job, {}, { trigger: 'api' })
    await expect.poll(() => j.started.length).toBe(1)
    expect((await requestCancel(runtime.meta, run.runId)).status).toBe('running')
    const result = await run.done
    // it returned normally once aborted: still cancelled, and its outputs discarded
    expect(result).toMatchObject({ status: 'cancelled', error: 'cancelled on request' })
    expect(j.discarded).toEqual([run.runId])
    const stored = await runtime.meta.jobRun.findUniqueOrThrow({ where: { id: run.runId } })
    expect(stored).toMatchObject({ status: 'cancelled', error: 'cancelled on request' })
    expect(stored.finishedAt).not.toBeNull()
    await runs.stop(1000)
  })

  test('cancel() in the owning process acts at once; finished or unknown runs are refused with a clear error', async () => {
    const j = controlledJob('t.local', 'local')
    const runs = new RunManager(runtime, new Map([[j.job.name, j.job]]), { watchMs: 60_000 })
    const run = await runs.submit(j.job, {}, { trigger: 'api' })
    await expect.poll(() => j.started.length).toBe(1)
    await runs.cancel(run.runId)
    // no watcher tick is due for a minute: the local abort alone ended it
    expect((await run.done).status).toBe('cancelled')
    await expect(runs.cancel(run.runId)).resolves.toMatchObject({ status: 'cancelled' })
    const ok = await runs.submit(j.job, {}, { trigger: 'api' })
    await expect.poll(() => j.started.length).toBe(2)
    j.release(ok.runId)
    await ok.done
    await expect(runs.cancel(ok.runId)).rejects.toThrow(ConflictError)
    await expect(runs.cancel(ok.runId)).rejects.toThrow(/has already succeeded/)
    await expect(runs.cancel('no-such-run')).rejects.toThrow(NotFoundError)
    await runs.stop(1000)
  })

  test('a run whose outputs cannot be deleted is not recorded as ended: it stays open for crash recovery', async () => {
    let discards = 0
    const job = defineJob({
      name: 't.undeletable',
      description: '',
      params: z.object({}),
      exclusive: false,
      run: async ({ signal }) => {
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
        return emptyOutcome()
      },
      discard: async () => {
        discards++
        throw new Error('the store is closed')
      },
    }) as JobDefinition<never>
    const runs = new RunManager(runtime, new Map([[job.name, job]]))
    const run = await runs.submit(job, {}, { trigger: 'cli' })
    await expect.poll(() => statusOf(run.runId)).toBe('running')
    await runs.cancel(run.runId)
    await run.done
    expect(discards).toBe(1)
    expect(await statusOf(run.runId)).toBe('running')
    await runs.stop(1000)
  })

  test('stop() cancels queued and running runs, records them cancelled, and refuses new ones', async () => {
    const j = controlledJob('t.stop', 'stop')
    const runs = new RunManager(runtime, new Map([[j.job.name, j.job]]))
    const running = await runs.submit(j.job, {}, { trigger: 'cron' })
    const queued = await runs.submit(j.job, {}, { trigger: 'cron' })
    await expect.poll(() => j.started.length).toBe(1)
    await runs.stop(2000)
    expect(await statusOf(running.runId)).toBe('cancelled')
    expect(await statusOf(queued.runId)).toBe('cancelled')
    expect((await runtime.meta.jobRun.findUniqueOrThrow({ where: { id: running.runId } })).error).toMatch(
      /shutting down/,
    )
    await expect(runs.submit(j.job, {}, { trigger: 'cron' })).rejects.toThrow(UnavailableError)
  })
})

describe('progress', () => {
  test('one event stream per run: progress with rate and ETA, then the final status; a throttled copy on the record', async () => {
    let step: (() => void) | null = null
    const job = defineJob({
      name: 't.progress',
      description: '',
      params: z.object({}),
      exclusive: false,
      async run({ progress }) {
        for (let done = 1; done <= 3; done++) {
          await new Promise<void>((resolve) => (step = resolve))
          progress.update({
            phase: 'loading',
            done,
            total: 3,
            unit: 'partitions',
            counts: { rows: done * 100 },
            rateOf: { count: done * 100, unit: 'rows/s' },
            item: { id: `p${done}`, outcome: 'loaded' },
          })
        }
        return emptyOutcome()
      },
    }) as JobDefinition<never>
    const runs = new RunManager(runtime, new Map([[job.name, job]]), { watchMs: 100 })
    const run = await runs.submit(job, {}, { trigger: 'cli' })
    const events: RunEvent[] = []
    const watching = (async () => {
      for await (const e of runs.watch(run.runId)) events.push(e)
    })()
    for (let i = 0; i < 3; i++) {
      await expect.poll(() => step !== null).toBe(true)
      const go = step!
      step = null
      // time between items, so the meter can tell a rate
      await new Promise((r) => setTimeout(r, 350))
      go()
    }
    await watching
    const items = events.flatMap((e) => (e.type === 'progress' && e.progress.item ? [e.progress.item.id] : []))
    expect(items).toEqual(['p1', 'p2', 'p3'])
    const last = events.at(-2)!
    expect(last.type).toBe('progress')
    if (last.type === 'progress') {
      expect(last.progress).toMatchObject({ phase: 'loading', done: 3, total: 3, unit: 'partitions', etaSeconds: 0 })
      expect(last.progress.rate).toBeGreaterThan(0)
      expect(last.progress.rateUnit).toBe('rows/s')
    }
    expect(events.at(-1)).toEqual({ type: 'status', runId: run.runId, status: 'succeeded', error: null })
    const stored = await runtime.meta.jobRun.findUniqueOrThrow({ where: { id: run.runId } })
    expect(stored.progress).toMatchObject({ done: 3, total: 3, counts: { rows: 300 } })
    // another process reads the same run from its record
    const elsewhere = new RunManager(runtime, new Map())
    const seen: RunEvent[] = []
    for await (const e of elsewhere.watch(run.runId, 50)) seen.push(e)
    expect(seen.map((e) => e.type)).toEqual(['progress', 'status'])
    await runs.stop(1000)
  })
})

describe('pruning run records', () => {
  test('kinds whose records find their results are refused by name; bookkeeping kinds pass', () => {
    for (const kind of ['backtest', 'sweep', 'attackCost']) {
      const parsed = pruneJobRunsJob.params.safeParse({ kinds: ['ingest', kind] })
      expect(parsed.success, kind).toBe(false)
      expect(parsed.error?.issues[0]?.message).toMatch(/hold results and are never pruned/)
    }
    expect(pruneJobRunsJob.params.parse({ kinds: ['report', 'delivery', 'detect'] }).kinds).toHaveLength(3)
    expect(pruneJobRunsJob.params.parse({}).kinds).toEqual(['ingest', 'maintenance'])
  })
})
