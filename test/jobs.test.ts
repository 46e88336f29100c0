// Jobs: every run recorded, one run per job at a time, stale locks taken over, crashed runs marked failed and re-run.
import { spawnSync } from 'node:child_process'
import os from 'node:os'
import { describe, expect, test } from 'vitest'
import { z } from 'zod'
import { defineJob, emptyOutcome, type JobDefinition } from '../jobs/job.ts'
import { recoverRuns, runsToRetry } from '../jobs/recovery.ts'
import { RunManager } from '../jobs/runManager.ts'
import { JobBusyError, runJob } from '../jobs/runner.ts'
import { startScheduler, validateSchedules } from '../jobs/scheduler.ts'
import { InvalidInputError } from '../src/errors.ts'
import { testRuntime } from './support/runtime.ts'

const runtime = await testRuntime()

/** A job whose run waits until released, so tests can hold it "running". */
function gatedJob(name: string) {
  let release: () => void = () => undefined
  const gate = new Promise<void>((resolve) => (release = resolve))
  const job = defineJob({
    name,
    description: 'test',
    params: z.object({ n: z.number().int().default(1) }).strict(),
    async run(_ctx, { n }) {
      await gate
      return { ...emptyOutcome(), partitionsLoaded: n, rows: n * 10 }
    },
  })
  return { job, release }
}

const registryOf = (...jobs: JobDefinition<never>[]) => new Map(jobs.map((j) => [j.name, j]))

/** A pid that certainly belongs to no running process: a child that has already exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid!
}

describe('runJob', () => {
  test('records a successful run with its counts and duration', async () => {
    const { job, release } = gatedJob('t.ok')
    release()
    const result = await runJob(runtime, job, { n: 3 }, { trigger: 'cli' })
    expect(result).toMatchObject({ status: 'succeeded', error: null })
    const run = await runtime.meta.jobRun.findUniqueOrThrow({ where: { id: result.runId } })
    expect(run).toMatchObject({
      job: 't.ok',
      status: 'succeeded',
      trigger: 'cli',
      partitionsLoaded: 3,
      rows: 30n,
      params: { n: 3 },
    })
    expect(run.finishedAt).not.toBeNull()
    expect(run.durationMs).toBeGreaterThanOrEqual(0)
    expect(await runtime.meta.jobLock.count({ where: { name: 't.ok' } })).toBe(0)
  })

  test('a throwing job is recorded as failed with its error', async () => {
    const job = defineJob({
      name: 't.throw',
      description: '',
      params: z.object({}),
      run: async () => {
        throw new Error('upstream said no')
      },
    })
    const result = await runJob(runtime, job, {}, { trigger: 'cli' })
    expect(result).toMatchObject({ status: 'failed', error: 'upstream said no' })
    expect((await runtime.meta.jobRun.findUniqueOrThrow({ where: { id: result.runId } })).error).toBe(
      'upstream said no',
    )
  })

  test('a run with failed partitions is failed and keeps every partition error', async () => {
    const job = defineJob({
      name: 't.partial',
      description: '',
      params: z.object({}),
      run: async () => ({
        ...emptyOutcome(),
        partitionsLoaded: 2,
        partitionsFailed: 1,
        errors: [{ partition: 'p/3', message: 'bad row' }],
      }),
    })
    const result = await runJob(runtime, job, {}, { trigger: 'cli' })
    expect(result.status).toBe('failed')
    const run = await runtime.meta.jobRun.findUniqueOrThrow({ where: { id: result.runId } })
    expect(run.errors).toEqual([{ partition: 'p/3', message: 'bad row' }])
  })

  test('bad parameters are refused with every problem, and nothing is recorded', async () => {
    const { job } = gatedJob('t.params')
    const before = await runtime.meta.jobRun.count()
    await expect(runJob(runtime, job, { n: 'x', extra: 1 }, { trigger: 'cli' })).rejects.toThrow(InvalidInputError)
    await expect(runJob(runtime, job, { n: 'x' }, { trigger: 'cli' })).rejects.toThrow(/n: received "x"/)
    expect(await runtime.meta.jobRun.count()).toBe(before)
  })

  test('a second run of the same job is refused while the first holds the lock', async () => {
    const { job, release } = gatedJob('t.lock')
    const first = runJob(runtime, job, {}, { trigger: 'cli' })
    await expect.poll(() => runtime.meta.jobLock.count({ where: { name: 't.lock' } })).toBe(1)
    await expect(runJob(runtime, job, {}, { trigger: 'cli' })).rejects.toThrow(JobBusyError)
    release()
    expect((await first).status).toBe('succeeded')
    // released: the next run goes through
    expect((await runJob(runtime, job, {}, { trigger: 'cli' })).status).toBe('succeeded')
  })

  test('a lock left by a dead process is taken over', async () => {
    await runtime.meta.jobLock.create({
      data: { name: 't.stale', runId: 'ghost', host: os.hostname(), pid: deadPid() },
    })
    const { job, release } = gatedJob('t.stale')
    release()
    expect((await runJob(runtime, job, {}, { trigger: 'cli' })).status).toBe('succeeded')
  })
})

describe('recovery', () => {
  test('a run left running by a crashed process is marked failed, its lock freed, and offered for re-run', async () => {
    const pid = deadPid()
    const crashed = await runtime.meta.jobRun.create({
      data: {
        job: 't.crash',
        kind: 't',
        trigger: 'cron',
        host: os.hostname(),
        pid,
        params: { n: 2 },
        status: 'running',
      },
    })
    await runtime.meta.jobLock.create({ data: { name: 't.crash', runId: crashed.id, host: os.hostname(), pid } })
    const { job } = gatedJob('t.crash')
    const registry = registryOf(job as JobDefinition<never>)
    const recovered = await recoverRuns(runtime, registry)
    expect(recovered).toContainEqual({ id: crashed.id, job: 't.crash', status: 'failed' })
    const after = await runtime.meta.jobRun.findUniqueOrThrow({ where: { id: crashed.id } })
    expect(after.status).toBe('failed')
    expect(after.error).toMatch(/^interrupted: process \d+ on .* stopped before the run finished/)
    expect(await runtime.meta.jobLock.count({ where: { name: 't.crash' } })).toBe(0)
    const retry = await runsToRetry(runtime, registry)
    expect(retry.map((r) => [r.id, r.params, r.attempt])).toContainEqual([crashed.id, { n: 2 }, 1])
    // once re-run, it is not offered again
    await runtime.meta.jobRun.create({
      data: { job: 't.crash', trigger: 'recovery', retryOfId: crashed.id, attempt: 2, host: 'h', pid: 1 },
    })
    expect((await runsToRetry(runtime, registry)).map((r) => r.id)).not.toContain(crashed.id)
  })

  test('a run given unrecorded settings records their names only, and after a crash is failed, not re-run without them', async () => {
    const seen: unknown[] = []
    const job = defineJob({
      name: 't.settings',
      description: 'test',
      params: z.object({}).strict(),
      prepare: async ({ settings }, params) => {
        seen.push(settings)
        return params
      },
      run: async () => emptyOutcome(),
    }) as JobDefinition<never>
    const registry = registryOf(job)
    const runs = new RunManager(runtime, registry)
    const secret = 'http://127.0.0.1:1/rpc-key-do-not-record'
    const submitted = await runs.submit(job, {}, { trigger: 'cli', settings: { rpcUrl: secret } })
    expect((await submitted.done).status).toBe('succeeded')
    expect(seen).toEqual([{ rpcUrl: secret }])
    const recorded = await runtime.meta.jobRun.findUniqueOrThrow({ where: { id: submitted.runId } })
    expect(recorded.withheldSettings).toEqual(['rpcUrl'])
    expect(
      JSON.stringify(recorded, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value)),
    ).not.toContain('rpc-key-do-not-record')

    // the same run as a crash would leave it: running, its process gone
    await runtime.meta.jobRun.update({
      where: { id: submitted.runId },
      data: { status: 'running', finishedAt: null, pid: deadPid(), host: os.hostname() },
    })
    expect(await recoverRuns(runtime, registry)).toContainEqual({
      id: submitted.runId,
      job: 't.settings',
      status: 'failed',
    })
    const after = await runtime.meta.jobRun.findUniqueOrThrow({ where: { id: submitted.runId } })
    expect(after.error).toMatch(/^interrupted: .*not re-run automatically: .*never recorded \(rpcUrl\)/)
    expect((await runsToRetry(runtime, registry)).map((r) => r.id)).not.toContain(submitted.runId)
    await runs.stop(1000)
  })

  test('every kind is recovered in one place: dead owners here, stale heartbeats elsewhere; outputs discarded', async () => {
    const discarded: string[] = []
    const job = defineJob({
      name: 't.outputs',
      kind: 'outputs',
      description: '',
      params: z.object({}),
      retryOnCrash: false,
      run: async () => emptyOutcome(),
      discard: async (_runtime, runId) => {
        discarded.push(runId)
      },
    })
    const registry = registryOf(job as JobDefinition<never>)
    const make = (data: { host: string; pid: number; status: string; heartbeatAt?: Date; cancel?: boolean }) =>
      runtime.meta.jobRun.create({
        data: {
          job: 't.outputs',
          kind: 'outputs',
          trigger: 'api',
          host: data.host,
          pid: data.pid,
          status: data.status,
          ...(data.heartbeatAt ? { heartbeatAt: data.heartbeatAt } : {}),
          ...(data.cancel ? { cancelRequestedAt: new Date() } : {}),
        },
      })
    const deadHere = await make({ host: os.hostname(), pid: deadPid(), status: 'running' })
    const queuedDead = await make({ host: os.hostname(), pid: deadPid(), status: 'queued' })
    const cancelledDead = await make({ host: os.hostname(), pid: deadPid(), status: 'running', cancel: true })
    const staleElsewhere = await make({ host: 'other-host', pid: 1, status: 'running', heartbeatAt: new Date(0) })
    const freshElsewhere = await make({ host: 'other-host', pid: 1, status: 'running' })
    const liveHere = await make({ host: os.hostname(), pid: process.pid, status: 'running' })
    const recovered = await recoverRuns(runtime, registry)
    const statusOf = async (id: string) => (await runtime.meta.jobRun.findUniqueOrThrow({ where: { id } })).status
    expect(await statusOf(deadHere.id)).toBe('failed')
    expect(await statusOf(queuedDead.id)).toBe('failed')
    expect(await statusOf(cancelledDead.id)).toBe('cancelled')
    expect(await statusOf(staleElsewhere.id)).toBe('failed')
    expect(await statusOf(freshElsewhere.id)).toBe('running')
    expect(await statusOf(liveHere.id)).toBe('running')
    expect(recovered.map((r) => r.id).sort()).toEqual(
      [deadHere.id, queuedDead.id, cancelledDead.id, staleElsewhere.id].sort(),
    )
    expect(discarded.sort()).toEqual([deadHere.id, queuedDead.id, cancelledDead.id, staleElsewhere.id].sort())
    // not re-run: the job says so
    expect((await runsToRetry(runtime, registry)).map((r) => r.id)).toEqual([])
    await runtime.meta.jobRun.deleteMany({ where: { id: { in: [freshElsewhere.id, liveHere.id] } } })
  })
})

describe('scheduler', () => {
  test('bad schedules are refused with every problem listed', () => {
    const { job } = gatedJob('t.sched')
    let error: unknown
    try {
      validateSchedules(
        [
          { name: 'a', job: 't.sched', cron: 'every day', params: {} },
          { name: 'b', job: 'no.such.job', cron: '* * * * *', params: {} },
          { name: 'c', job: 't.sched', cron: '* * * * *', params: { n: 'many' } },
        ],
        registryOf(job as JobDefinition<never>),
      )
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(InvalidInputError)
    expect((error as InvalidInputError).problems.map((p) => p.path)).toEqual([
      'schedules.a.cron',
      'schedules.b.job',
      'schedules.c.params.n',
    ])
  })

  test('a cron schedule fires, is recorded with its schedule, and stops cleanly', { timeout: 15_000 }, async () => {
    let runs = 0
    const tick = defineJob({
      name: 't.tick',
      description: '',
      params: z.object({}),
      run: async () => {
        runs++
        return emptyOutcome()
      },
    })
    const scheduler = await startScheduler(runtime, registryOf(tick as JobDefinition<never>), [
      { name: 'every-second', job: 't.tick', cron: '* * * * * *', params: {} },
    ])
    expect(scheduler.schedules).toContain('every-second')
    await expect.poll(() => runs, { timeout: 5000 }).toBeGreaterThanOrEqual(1)
    await scheduler.stop(2000)
    const schedule = await runtime.meta.jobSchedule.findUniqueOrThrow({ where: { name: 'every-second' } })
    expect(schedule.origin).toBe('config')
    await expect
      .poll(() =>
        runtime.meta.jobRun.count({
          where: { job: 't.tick', trigger: 'cron', scheduleId: schedule.id, status: 'succeeded' },
        }),
      )
      .toBeGreaterThanOrEqual(1)
    const after = runs
    await new Promise((r) => setTimeout(r, 1500))
    expect(runs).toBe(after)
  })
})
