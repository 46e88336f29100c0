// Where a sweep's kernels run: a few worker threads (one per core by default), each holding several points'
// kernels, all fed the same batches — the feed is read once and each batch is copied to every thread but the last,
// which takes it. At most IN_FLIGHT batches wait per thread, so the feed runs at the slowest thread's pace. Closing
// terminates the threads at once (a cancelled sweep).
import os from 'node:os'
import { Worker } from 'node:worker_threads'
import type { EventBatch } from '../kernel/events.ts'
import { KernelHostClosed } from '../host/kernelHost.ts'
import { batchBuffers } from '../host/protocol.ts'
import type { KernelSpec } from '../host/session.ts'
import type { SweepKernelResult } from './sweepSession.ts'
import type { FromSweepThread, ToSweepThread } from './sweepWorker.ts'

const IN_FLIGHT = 4
const BOOT = new URL('../host/kernelWorker.boot.mjs', import.meta.url)
const ENTRY = new URL(import.meta.url.endsWith('.ts') ? './sweepWorker.ts' : './sweepWorker.js', import.meta.url).href

export interface SweepHost {
  start(): void
  /** Feeds one batch to every kernel; resolves when there is room for the next. Takes the batch's buffers. */
  feed(batch: EventBatch): Promise<void>
  /** Each kernel's figures, in the order of the specs. */
  finish(): Promise<SweepKernelResult[]>
  close(): Promise<void>
}

export interface SweepHostOptions {
  /** Worker threads (default: the cores available, at most one per kernel). */
  threads?: number
  /** After each batch every kernel has replayed: events so far and the last event time (µs). */
  onReplayed?(events: number, lastTs: number): void
}

export function sweepHost(specs: KernelSpec[], options: SweepHostOptions = {}): SweepHost {
  const count = Math.max(1, Math.min(specs.length, options.threads ?? os.availableParallelism()))
  // kernel k runs on thread k mod count
  const owned = Array.from({ length: count }, (_, t) => specs.map((_, k) => k).filter((k) => k % count === t))
  let failure: Error | null = null
  let closing: Promise<void> | null = null
  let waiters: Array<() => void> = []
  const wake = () => {
    const now = waiters
    waiters = []
    for (const w of now) w()
  }
  const fail = (error: Error) => {
    if (failure) return
    failure = error
    wake()
  }
  let replayed = 0
  const threads = owned.map((kernels) => {
    const worker = new Worker(BOOT, {
      workerData: { entry: ENTRY, specs: kernels.map((k) => specs[k]!) },
      execArgv: [],
    })
    const thread = { worker, inFlight: 0, events: 0, lastTs: Number.NaN, results: null as SweepKernelResult[] | null }
    worker.on('message', (message: FromSweepThread) => {
      switch (message.type) {
        case 'replayed': {
          thread.inFlight--
          thread.events = message.events
          thread.lastTs = message.lastTs
          const slowest = threads.reduce((a, b) => (b.events < a.events ? b : a))
          if (slowest.events > replayed) {
            replayed = slowest.events
            options.onReplayed?.(slowest.events, slowest.lastTs)
          }
          break
        }
        case 'finished':
          thread.results = message.results
          break
        case 'failed': {
          const error = new Error(message.message)
          if (message.stack) error.stack = message.stack
          fail(error)
          break
        }
      }
      wake()
    })
    worker.on('error', (error) => fail(error))
    worker.on('exit', (code) => {
      if (!closing) fail(new Error(`a sweep thread exited unexpectedly (code ${code})`))
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
  const post = (message: ToSweepThread) => {
    check()
    for (const t of threads) t.worker.postMessage(message)
  }
  return {
    start: () => post({ type: 'start' }),
    async feed(batch) {
      await until(() => threads.every((t) => t.inFlight < IN_FLIGHT))
      threads.forEach((t, i) => {
        t.inFlight++
        const last = i === threads.length - 1
        t.worker.postMessage({ type: 'batch', batch } satisfies ToSweepThread, last ? batchBuffers(batch) : [])
      })
    },
    async finish() {
      post({ type: 'finish' })
      await until(() => threads.every((t) => t.results !== null))
      const out: SweepKernelResult[] = new Array(specs.length)
      threads.forEach((t, i) => owned[i]!.forEach((k, j) => (out[k] = t.results![j]!)))
      return out
    },
    close() {
      closing ??= (async () => {
        wake()
        await Promise.all(threads.map((t) => t.worker.terminate()))
      })()
      return closing
    },
  }
}
