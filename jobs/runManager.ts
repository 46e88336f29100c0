// The run system of one process: every long piece of work (ingest, backtest, maintenance, and the kinds to come) is
// submitted here, recorded as a run, queued per kind up to its concurrency limit, run with an abort signal, watched
// for cancel requests from other processes, and finished with one status — outputs discarded unless it succeeded.
import crypto from 'node:crypto'
import { EventEmitter } from 'node:events'
import os from 'node:os'
import type { Runtime } from '../src/app/runtime.ts'
import type { RunControl } from '../src/app/runControl.ts'
import { isFinished, type FinishedRunStatus, type RunProgress, type RunTrigger } from '../src/domain/run.ts'
import { InvalidInputError, UnavailableError } from '../src/errors.ts'
import type { Logger } from '../src/obs/logger.ts'
import { bumpDataGeneration } from '../src/store/generation.ts'
import { acquireJobLock, heartbeatJobLock, releaseJobLock } from '../src/store/meta/jobRuns.ts'
import {
  createRun,
  finishRun,
  getRun,
  heartbeatRuns,
  requestCancel,
  runStatus,
  runsToStop,
  saveRunProgress,
  startRun,
  type StoredRun,
} from '../src/store/meta/runs.ts'
import { emptyOutcome, kindOf, type JobContext, type JobDefinition, type JobOutcome } from './job.ts'
import { HEARTBEAT_MS, STALE_AFTER_MS, WATCH_MS, isProcessAlive } from './liveness.ts'
import { ProgressMeter, RunChannel, type ProgressUpdate, type RunEvent } from './progress.ts'
import { JobBusyError, parseJobParams, type RunResult } from './runner.ts'

export interface SubmitOptions {
  trigger: RunTrigger
  scheduleId?: string | null
  retryOfId?: string | null
  attempt?: number
  /** Aborting it cancels the run too (e.g. the CLI's Ctrl-C). */
  signal?: AbortSignal
  /** Per-run settings for the job's prepare (SubmitContext.settings): never recorded. */
  settings?: Readonly<Record<string, unknown>>
}

export interface SubmittedRun {
  runId: string
  /** Settles once the run has finished and its record says so; never rejects. */
  done: Promise<RunResult>
}

export interface RunManagerOptions {
  /** Runs of a kind executed at once (RUN_CONCURRENCY); kinds not listed: 1. */
  limits?: Readonly<Record<string, number>>
  /** How often owned runs are checked for cancel requests and their progress saved (default WATCH_MS). */
  watchMs?: number
}

/** Why a run's signal was aborted. */
export class RunCancelled extends Error {
  constructor(reason: string) {
    super(reason)
    this.name = 'RunCancelled'
  }
}

/** In-memory events are sent at most this often, except phase changes, items and status. */
const EMIT_EVERY_MS = 100

interface Entry {
  runId: string
  job: JobDefinition<never>
  kind: string
  prepared: unknown
  options: SubmitOptions
  log: Logger
  controller: AbortController
  channel: RunChannel
  meter: ProgressMeter
  /** Latest progress not yet written to the record. */
  unsaved: RunProgress | null
  lastEmit: number
  state: 'queued' | 'running'
  locked: boolean
  resolve: (result: RunResult) => void
  done: Promise<RunResult>
}

export class RunManager implements RunControl {
  private readonly entries = new Map<string, Entry>()
  private readonly queues = new Map<string, Entry[]>()
  private readonly running = new Map<string, number>()
  private readonly emitter = new EventEmitter()
  private readonly owner = { host: os.hostname(), pid: process.pid }
  private watcher: NodeJS.Timeout | null = null
  private watching: Promise<void> | null = null
  private ticks = 0
  private stopping = false

  constructor(
    private readonly runtime: Runtime,
    private readonly registry: ReadonlyMap<string, JobDefinition<never>>,
    private readonly options: RunManagerOptions = {},
  ) {
    this.emitter.setMaxListeners(0)
  }

  /** Runs of this process, queued or running. */
  get active(): number {
    return this.entries.size
  }

  jobNames(): string[] {
    return [...this.registry.keys()]
  }

  limitOf(kind: string): number {
    return this.options.limits?.[kind] ?? 1
  }

  /**
   * Validates the parameters, prepares the job (bad input throws here, nothing recorded), takes its lock when it is
   * exclusive (JobBusyError when a live run holds it), records the run as queued and queues it. Returns at once.
   */
  async submit(
    jobOrName: JobDefinition<never> | string,
    rawParams: unknown,
    options: SubmitOptions,
  ): Promise<SubmittedRun> {
    if (this.stopping) throw new UnavailableError('the run system is shutting down: no new runs are accepted')
    const job = typeof jobOrName === 'string' ? this.find(jobOrName) : jobOrName
    const params = parseJobParams(job, rawParams)
    const submitContext = {
      runtime: this.runtime,
      log: this.runtime.log.child({ job: job.name }),
      trigger: options.trigger,
      ...(options.settings ? { settings: options.settings } : {}),
    }
    const prepared: unknown = job.prepare ? await job.prepare(submitContext, params) : params
    const runId = crypto.randomUUID()
    const exclusive = job.exclusive ?? true
    const { meta } = this.runtime
    if (exclusive) {
      const lock = await acquireJobLock(
        meta,
        job.name,
        { runId, ...this.owner },
        { staleAfterMs: STALE_AFTER_MS, isAlive: isProcessAlive },
      )
      if (!lock.acquired) {
        throw new JobBusyError(
          `job ${job.name} is already running (run ${lock.holder.runId}, pid ${lock.holder.pid} on ${lock.holder.host})`,
        )
      }
    }
    const kind = kindOf(job)
    try {
      await createRun(meta, {
        id: runId,
        kind,
        job: job.name,
        trigger: options.trigger,
        params,
        scheduleId: options.scheduleId ?? null,
        retryOfId: options.retryOfId ?? null,
        attempt: options.attempt ?? 1,
        owner: this.owner,
        // names only: the values stay in memory, and recovery must know a re-run would lack them
        ...(options.settings ? { withheldSettings: Object.keys(options.settings).sort() } : {}),
      })
    } catch (error) {
      if (exclusive) await releaseJobLock(meta, job.name, runId)
      throw error
    }
    let resolve: (result: RunResult) => void = () => undefined
    const done = new Promise<RunResult>((r) => (resolve = r))
    const entry: Entry = {
      runId,
      job,
      kind,
      prepared,
      options,
      log: this.runtime.log.child({ job: job.name, runId }),
      controller: new AbortController(),
      channel: new RunChannel(runId),
      meter: new ProgressMeter(),
      unsaved: null,
      lastEmit: 0,
      state: 'queued',
      locked: exclusive,
      resolve,
      done,
    }
    this.entries.set(runId, entry)
    const onAbort = () => this.abort(entry, 'cancelled: the caller stopped it')
    if (options.signal?.aborted) onAbort()
    else options.signal?.addEventListener('abort', onAbort, { once: true })
    void done.then(() => options.signal?.removeEventListener('abort', onAbort))
    try {
      await job.recorded?.({ ...submitContext, runId }, prepared as never)
    } catch (error) {
      await this.settle(entry, 'failed', emptyOutcome(), messageOf(error))
      throw error
    }
    entry.log.info({ trigger: options.trigger, kind }, 'run queued')
    // submitted while the process began to stop: cancelled like the others
    if (this.stopping) this.abort(entry, 'cancelled: the process is shutting down')
    this.startWatching()
    this.queueOf(kind).push(entry)
    this.pump(kind)
    return { runId, done }
  }

  /** Submits and waits for the run to finish. */
  async run(jobOrName: JobDefinition<never> | string, rawParams: unknown, options: SubmitOptions): Promise<RunResult> {
    return (await this.submit(jobOrName, rawParams, options)).done
  }

  /**
   * Asks a run to stop, wherever it runs: a queued run is cancelled at once, a running one when its owner next looks
   * (within about a second; at once when this process owns it). Throws NotFoundError, or ConflictError for a run
   * that already succeeded or failed.
   */
  async cancel(runId: string, reason = 'cancelled on request'): Promise<StoredRun> {
    const run = await requestCancel(this.runtime.meta, runId, reason)
    const entry = this.entries.get(runId)
    if (entry) this.abort(entry, reason)
    return (await getRun(this.runtime.meta, runId)) ?? run
  }

  /**
   * The events of a run (progress, then its final status). A run of this process streams as it happens; a run of
   * another process is read from its record every `pollMs`. Ends when the run has finished.
   */
  async *watch(runId: string, pollMs = WATCH_MS): AsyncGenerator<RunEvent> {
    const entry = this.entries.get(runId)
    if (entry) {
      yield* entry.channel.events()
      return
    }
    let seen: string | null = null
    for (;;) {
      const run = await getRun(this.runtime.meta, runId)
      if (!run) return
      const status = runStatus(run)
      const progress = run.progress as RunProgress | null
      if (progress && progress.at !== seen) {
        seen = progress.at
        yield { type: 'progress', runId, progress }
      }
      if (isFinished(status)) {
        yield { type: 'status', runId, status, error: run.error }
        return
      }
      await new Promise((r) => setTimeout(r, pollMs))
    }
  }

  /** Every event of this process's runs, as they happen. */
  on(listener: (event: RunEvent) => void): () => void {
    this.emitter.on('event', listener)
    return () => this.emitter.off('event', listener)
  }

  /** Settles when no run of this process is queued or running. */
  async idle(): Promise<void> {
    while (this.entries.size) await Promise.all([...this.entries.values()].map((e) => e.done))
  }

  /**
   * Stops accepting runs and cancels every run of this process (queued ones at once, running ones through their
   * signal), waiting up to `timeoutMs` for them to record their status. Runs still going after that are left to
   * crash recovery.
   */
  async stop(timeoutMs: number, reason = 'cancelled: the process is shutting down'): Promise<void> {
    this.stopping = true
    for (const entry of this.entries.values()) this.abort(entry, reason)
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))
    await Promise.race([this.idle(), timeout])
    clearTimeout(timer)
    if (this.entries.size) {
      this.runtime.log.warn({ runs: [...this.entries.keys()] }, 'runs still going at shutdown: left to crash recovery')
    }
    this.stopWatching()
    await this.watching
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop(this.runtime.config.shutdownTimeoutMs)
  }

  private find(name: string): JobDefinition<never> {
    const job = this.registry.get(name)
    if (!job) {
      throw new InvalidInputError('unknown job', [
        { path: 'job', received: name, expected: `one of ${[...this.registry.keys()].join(', ')}` },
      ])
    }
    return job
  }

  private queueOf(kind: string): Entry[] {
    let queue = this.queues.get(kind)
    if (!queue) this.queues.set(kind, (queue = []))
    return queue
  }

  /** Starts queued runs of `kind` while it has free slots. */
  private pump(kind: string): void {
    const queue = this.queueOf(kind)
    while (queue.length && (this.running.get(kind) ?? 0) < this.limitOf(kind)) {
      const entry = queue.shift()!
      this.running.set(kind, (this.running.get(kind) ?? 0) + 1)
      void this.execute(entry).finally(() => {
        this.running.set(kind, this.running.get(kind)! - 1)
        this.pump(kind)
      })
    }
  }

  /** Cancels a run of this process: a queued one is taken out of its queue and finished now. */
  private abort(entry: Entry, reason: string): void {
    if (entry.controller.signal.aborted) return
    entry.controller.abort(new RunCancelled(reason))
    if (entry.state === 'queued') {
      const queue = this.queueOf(entry.kind)
      const at = queue.indexOf(entry)
      if (at >= 0) {
        queue.splice(at, 1)
        void this.settle(entry, 'cancelled', emptyOutcome(), reason)
      }
    }
  }

  private async execute(entry: Entry): Promise<void> {
    const { runtime } = this
    const { meta, metrics } = runtime
    const signal = entry.controller.signal
    if (signal.aborted) return this.settle(entry, 'cancelled', emptyOutcome(), reasonOf(signal))
    let started = false
    try {
      started = await startRun(meta, entry.runId)
    } catch (error) {
      return this.settle(entry, 'failed', emptyOutcome(), messageOf(error))
    }
    // no longer queued: cancelled from elsewhere (or recovered) while it waited
    if (!started) return this.settle(entry, 'cancelled', emptyOutcome(), 'cancelled while queued')
    entry.state = 'running'
    this.publish(entry, { type: 'status', runId: entry.runId, status: 'running', error: null })
    const t0 = performance.now()
    metrics.jobsRunning.inc()
    entry.log.info('run started')
    let outcome = emptyOutcome()
    let error: string | null = null
    let cancelled = false
    try {
      const context: JobContext = {
        runtime,
        log: entry.log,
        signal,
        runId: entry.runId,
        progress: { update: (u) => this.progress(entry, u) },
        runs: { submit: (job, params, options) => this.submit(job, params, { ...options, signal }) },
      }
      outcome = await entry.job.run(context, entry.prepared as never)
    } catch (e) {
      error = signal.aborted ? reasonOf(signal) : messageOf(e)
      if (!signal.aborted) entry.log.error({ err: e }, 'run failed')
    } finally {
      // asked to stop while it ran: cancelled, whatever it returned
      cancelled = signal.aborted
      metrics.jobsRunning.dec()
    }
    const status: FinishedRunStatus = cancelled
      ? 'cancelled'
      : error === null && outcome.partitionsFailed === 0
        ? 'succeeded'
        : 'failed'
    if (cancelled && error === null) error = reasonOf(signal)
    await this.settle(entry, status, outcome, error, performance.now() - t0)
  }

  /** Discards the outputs of a run that did not succeed, records its status, frees its lock, ends its stream. */
  private async settle(
    entry: Entry,
    status: FinishedRunStatus,
    outcome: JobOutcome,
    error: string | null,
    durationMs?: number,
  ): Promise<void> {
    const { runtime } = this
    if (!this.entries.has(entry.runId)) return
    this.entries.delete(entry.runId)
    try {
      if (status !== 'succeeded' && entry.job.discard) {
        // before the status: a run is recorded as ended only once its outputs are gone. If they cannot be deleted
        // now (the store closing under it, say), the run stays open and the next recovery discards them.
        try {
          await entry.job.discard(runtime, entry.runId)
        } catch (e) {
          entry.log.error({ err: e, status }, 'could not discard the outputs of a run: left open for crash recovery')
          return
        }
      }
      if (entry.unsaved) await saveRunProgress(runtime.meta, entry.runId, entry.unsaved).catch(() => undefined)
      const recorded = await finishRun(runtime.meta, entry.runId, {
        status,
        ...(durationMs !== undefined ? { durationMs } : {}),
        partitionsLoaded: outcome.partitionsLoaded,
        partitionsSkipped: outcome.partitionsSkipped,
        partitionsFailed: outcome.partitionsFailed,
        rows: outcome.rows,
        errors: outcome.errors,
        error,
        ...(outcome.result !== undefined ? { result: outcome.result } : {}),
      })
      // a queued run cancelled from elsewhere is already recorded as cancelled
      if (!recorded && status !== 'cancelled')
        entry.log.warn({ status }, 'the run had already been finished elsewhere; its record is kept')
      runtime.metrics.jobRuns.inc({ job: entry.job.name, status })
      if (durationMs !== undefined) runtime.metrics.jobDuration.observe({ job: entry.job.name }, durationMs / 1000)
      entry.log[status === 'failed' ? 'warn' : 'info'](
        {
          status,
          ...(durationMs !== undefined ? { durationMs: Math.round(durationMs) } : {}),
          partitionsLoaded: outcome.partitionsLoaded,
          partitionsSkipped: outcome.partitionsSkipped,
          partitionsFailed: outcome.partitionsFailed,
          rows: outcome.rows,
          errors: outcome.errors.length,
          ...(error ? { error } : {}),
        },
        'run finished',
      )
    } catch (e) {
      // the record could not be written: the run stays open and recovery ends it
      entry.log.error({ err: e, status }, 'could not record the end of a run')
    } finally {
      if (entry.locked) await releaseJobLock(runtime.meta, entry.job.name, entry.runId).catch(() => undefined)
      // a terminal state changes what readers see (results become servable, partial outputs are gone)
      bumpDataGeneration()
      this.publish(entry, { type: 'status', runId: entry.runId, status, error })
      entry.resolve({ runId: entry.runId, status, outcome, error })
      if (!this.entries.size) this.stopWatching()
    }
  }

  private progress(entry: Entry, update: ProgressUpdate): void {
    const progress = entry.meter.next(update)
    entry.unsaved = progress
    const now = performance.now()
    const latest = entry.channel.latest
    const notable = !!progress.item || !latest || latest.phase !== progress.phase
    if (!notable && now - entry.lastEmit < EMIT_EVERY_MS) return
    entry.lastEmit = now
    this.publish(entry, { type: 'progress', runId: entry.runId, progress })
  }

  private publish(entry: Entry, event: RunEvent): void {
    entry.channel.emit(event)
    this.emitter.emit('event', event)
  }

  private startWatching(): void {
    if (this.watcher) return
    this.watcher = setInterval(() => {
      // one look at a time: a slow store must not pile them up
      if (this.watching) return
      this.watching = this.look().finally(() => (this.watching = null))
    }, this.options.watchMs ?? WATCH_MS)
    this.watcher.unref()
  }

  private stopWatching(): void {
    if (this.watcher) clearInterval(this.watcher)
    this.watcher = null
  }

  /** Cancel requests from elsewhere, throttled progress to the records, heartbeats of runs and locks. */
  private async look(): Promise<void> {
    const { meta } = this.runtime
    const entries = [...this.entries.values()]
    if (!entries.length) return
    try {
      for (const id of await runsToStop(
        meta,
        entries.map((e) => e.runId),
      )) {
        const entry = this.entries.get(id)
        if (entry) this.abort(entry, 'cancelled on request')
      }
      for (const entry of entries) {
        const progress = entry.unsaved
        if (progress && entry.state === 'running') {
          entry.unsaved = null
          await saveRunProgress(meta, entry.runId, progress)
        }
      }
      const heartbeatEvery = Math.max(1, Math.round(HEARTBEAT_MS / (this.options.watchMs ?? WATCH_MS)))
      if (++this.ticks % heartbeatEvery === 0) {
        await heartbeatRuns(
          meta,
          entries.map((e) => e.runId),
        )
        for (const entry of entries) if (entry.locked) await heartbeatJobLock(meta, entry.job.name, entry.runId)
      }
    } catch (error) {
      this.runtime.log.warn({ err: error }, 'could not look after the runs of this process')
    }
  }
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error))
const reasonOf = (signal: AbortSignal) =>
  signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? 'cancelled')
