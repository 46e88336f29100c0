// Worker threads fed one stream of event batches — the wiring the kernel host (one kernel per thread) and the sweep
// host (several kernels per thread) share: each thread booted on its entry, at most IN_FLIGHT batches waiting per
// thread (the feed runs at the slowest thread's pace), each batch handed to one thread with its buffers or, to
// several, copied once into shared memory they all read, progress as the slowest thread's, a failure or an
// unexpected exit failing the group, and a close that terminates every thread at once, whatever it is doing (a
// cancelled run).
import { Worker } from 'node:worker_threads'
import { WORKER_BOOT } from '../../threads/bootModule.ts'
import type { EventBatch } from '../kernel/events.ts'
import { KernelHostClosed } from './kernelHost.ts'
import { raiseInliningBudget } from './inliningBudget.ts'
import { batchBuffers, sharedBatch } from './protocol.ts'

/** Batches sent to a thread and not yet replayed (default): enough to keep it busy while the next slab is read. */
const IN_FLIGHT = 4

/**
 * Flags for the threads (none by default): BACKSTOP_THREAD_EXEC_ARGV, space-separated, opts into profiling them,
 * e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` (bench/README, sweeps). Read once; no output depends on it.
 */
const THREAD_EXEC_ARGV = (process.env.BACKSTOP_THREAD_EXEC_ARGV ?? '').split(' ').filter((a) => a.length > 0)

/** What every fed thread reports, besides its own messages: each batch replayed, and its failure. */
export type ThreadReport =
  { type: 'replayed'; events: number; lastTs: number } | { type: 'failed'; message: string; stack?: string }

export interface FeedThreadsOptions<From> {
  /** The module each thread runs (a file URL: .ts from the sources, .js from the build). */
  entry: string
  /** Each thread's own data (its workerData besides the entry): one thread per element. */
  data: object[]
  /** What the threads are called in the error of an unexpected exit ("a kernel thread"). */
  label: string
  /**
   * Batches a thread may hold not yet replayed (default 4). A thread that replays batches in groups needs more than
   * its group, or the feed would wait for a group that never fills.
   */
  inFlight?: number
  /** After each batch every thread has replayed: events replayed so far and the last event time (µs). */
  onReplayed?(events: number, lastTs: number): void
  /** Any other message of thread `thread`; waiters are woken after it. */
  onMessage(thread: number, message: From): void
}

export interface FeedThreads<To> {
  readonly size: number
  /** Set once close() was called. */
  readonly closing: boolean
  /** Sends to every thread; throws once the group failed or was closed. */
  broadcast(message: To): void
  /** Sends to one thread (no check: replies to a thread's own request). */
  post(thread: number, message: To): void
  /**
   * Sends `message(batch)` to every thread once each has room: one thread takes the batch's buffers; several share
   * one copy of it (a SharedArrayBuffer), instead of a structured clone per thread made on this thread.
   */
  feed(batch: EventBatch, message: (batch: EventBatch) => To): Promise<void>
  /** Resolves once `ready()` holds, rejects on a failure or close. */
  until(ready: () => boolean): Promise<void>
  /** Rejects once the group failed or was closed: what a wait for results races against. */
  readonly stopped: Promise<never>
  /** Fails the group (the first failure wins). */
  fail(error: Error): void
  /** Throws the failure, or KernelHostClosed once closing. */
  check(): void
  /** Terminates every thread, then runs `after` (once, however often it is called). */
  close(after?: () => Promise<void>): Promise<void>
}

export function feedThreads<To, From>(options: FeedThreadsOptions<From>): FeedThreads<To> {
  const inFlight = options.inFlight ?? IN_FLIGHT
  let failure: Error | null = null
  let closing: Promise<void> | null = null
  // callers waiting for room in the threads' queues, for results, or for a failure
  let waiters: Array<() => void> = []
  const wake = () => {
    const now = waiters
    waiters = []
    for (const w of now) w()
  }
  let rejectStopped: (error: Error) => void = () => undefined
  const stopped = new Promise<never>((_, reject) => (rejectStopped = reject))
  stopped.catch(() => undefined)
  const fail = (error: Error) => {
    if (failure) return
    failure = error
    rejectStopped(error)
    wake()
  }
  let replayed = 0
  raiseInliningBudget()
  const threads = options.data.map((data, i) => {
    // execArgv empty: the boot file registers tsx itself, and flags meant for the parent (--input-type, a test
    // runner's) must not reach the thread; profiling flags are opted into (THREAD_EXEC_ARGV)
    const worker = new Worker(WORKER_BOOT, {
      workerData: { ...data, entry: options.entry },
      execArgv: THREAD_EXEC_ARGV,
    })
    const thread = { worker, inFlight: 0, events: 0, lastTs: Number.NaN }
    worker.on('message', (message: ThreadReport | From) => {
      const report = message as ThreadReport
      if (report.type === 'replayed') {
        thread.inFlight--
        thread.events = report.events
        thread.lastTs = report.lastTs
        // progress is the slowest thread's
        const slowest = threads.reduce((a, b) => (b.events < a.events ? b : a))
        if (slowest.events > replayed) {
          replayed = slowest.events
          options.onReplayed?.(slowest.events, slowest.lastTs)
        }
      } else if (report.type === 'failed') {
        const error = new Error(report.message)
        if (report.stack) error.stack = report.stack
        fail(error)
      } else options.onMessage(i, message as From)
      wake()
    })
    worker.on('error', (error) => fail(error))
    worker.on('exit', (code) => {
      if (!closing) fail(new Error(`${options.label} exited unexpectedly (code ${code})`))
    })
    return thread
  })

  const check = () => {
    if (failure) throw failure
    if (closing) throw new KernelHostClosed()
  }
  const until = async (ready: () => boolean) => {
    for (;;) {
      check()
      if (ready()) return
      await new Promise<void>((resolve) => waiters.push(resolve))
    }
  }
  return {
    size: threads.length,
    get closing() {
      return closing !== null
    },
    broadcast(message) {
      check()
      for (const t of threads) t.worker.postMessage(message)
    },
    post: (thread, message) => threads[thread]!.worker.postMessage(message),
    async feed(batch, message) {
      await until(() => threads.every((t) => t.inFlight < inFlight))
      if (threads.length === 1) {
        threads[0]!.inFlight++
        threads[0]!.worker.postMessage(message(batch), batchBuffers(batch))
        return
      }
      const shared = message(sharedBatch(batch))
      for (const t of threads) {
        t.inFlight++
        t.worker.postMessage(shared)
      }
    },
    until,
    stopped,
    fail,
    check,
    close(after) {
      closing ??= (async () => {
        rejectStopped(new KernelHostClosed())
        wake()
        await Promise.all(threads.map((t) => t.worker.terminate()))
        await after?.()
      })()
      return closing
    },
  }
}
