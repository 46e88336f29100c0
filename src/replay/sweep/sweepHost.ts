// Where a sweep's kernels run: a few worker threads (one per core by default), each holding several points' kernels,
// all fed the same batches as a group (feedThreads: the feed is read once, bounded queues, the slowest thread's pace,
// a close that terminates them at once). Each thread's figures come back once, at the end.
import os from 'node:os'
import type { EventBatch } from '../kernel/events.ts'
import { feedThreads } from '../host/feedThreads.ts'
import type { SweepKernelResult } from './sweepSession.ts'
import type { FromSweepThread, SweepGroup, SweepKernel, SweepThreadTimeline, ToSweepThread } from './sweepWorker.ts'

const ENTRY = new URL(import.meta.url.endsWith('.ts') ? './sweepWorker.ts' : './sweepWorker.js', import.meta.url).href

/**
 * Each thread holds batches until a group is complete, then replays them kernel after kernel: one kernel's book
 * stays in the cache for a whole group instead of being evicted by the thread's other kernels at every batch (a
 * quarter less CPU for 8 kernels of 100k positions here, against one batch at a time; 256k events rather than 64k took
 * ≈ 10 % less again for 33 kernels, at about 25 MB more held per thread). Every kernel still sees every batch, in
 * order, with start and checking at the same place in the stream, so no output depends on the grouping. Twice a
 * group may wait per thread, so the next group is read while one replays.
 */
const GROUP: SweepGroup = { events: 262_144, batches: 64 }

export interface SweepHost {
  /** Off while an account replay follows the accounts' history before the window (no liquidations), on again after. */
  setChecking(on: boolean): void
  start(): void
  /** Feeds one batch to every kernel; resolves when there is room for the next. One thread takes the batch's buffers. */
  feed(batch: EventBatch): Promise<void>
  /** Each kernel's figures, in the order of the specs. */
  finish(): Promise<SweepKernelResult[]>
  /** Once finished: where each thread's time went, for the timings. */
  readonly timelines: SweepThreadTimeline[]
  close(): Promise<void>
}

export interface SweepHostOptions {
  /** Worker threads (default: the cores available, at most one per kernel). */
  threads?: number
  /** After each batch every kernel has replayed: events so far and the last event time (µs). */
  onReplayed?(events: number, lastTs: number): void
  /** Batches a thread holds before replaying them kernel after kernel (default GROUP; tests vary it). */
  group?: SweepGroup
}

export function sweepHost(specs: SweepKernel[], options: SweepHostOptions = {}): SweepHost {
  const count = Math.max(1, Math.min(specs.length, options.threads ?? os.availableParallelism()))
  // kernel k runs on thread k mod count
  const owned = Array.from({ length: count }, (_, t) => specs.map((_, k) => k).filter((k) => k % count === t))
  const results: Array<SweepKernelResult[] | null> = owned.map(() => null)
  const timelines: SweepThreadTimeline[] = []
  const group = options.group ?? GROUP
  // when the threads were asked for (epoch ms): each measures its boot from it
  const createdAt = performance.timeOrigin + performance.now()
  const threads = feedThreads<ToSweepThread, FromSweepThread>({
    entry: ENTRY,
    data: owned.map((kernels) => ({ kernels: kernels.map((k) => specs[k]!), group, createdAt })),
    label: 'a sweep thread',
    inFlight: 2 * group.batches,
    ...(options.onReplayed ? { onReplayed: options.onReplayed } : {}),
    onMessage(t, message) {
      if (message.type === 'finished') {
        results[t] = message.results
        timelines[t] = message.timeline
      }
    },
  })
  return {
    setChecking: (on) => threads.broadcast({ type: 'checking', on }),
    start: () => threads.broadcast({ type: 'start' }),
    feed: (batch) => threads.feed(batch, (b) => ({ type: 'batch', batch: b })),
    async finish() {
      threads.broadcast({ type: 'finish' })
      await threads.until(() => results.every((r) => r !== null))
      const out: SweepKernelResult[] = new Array(specs.length)
      owned.forEach((kernels, t) => kernels.forEach((k, j) => (out[k] = results[t]![j]!)))
      return out
    },
    close: () => threads.close(),
    timelines,
  }
}
