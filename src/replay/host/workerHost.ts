// Kernels on worker threads, one each: this thread keeps DuckDB (reading the feed, writing the results) and its event
// loop free, while the kernels replay. Batches cross as transferred buffers (copied for all but the last kernel);
// at most IN_FLIGHT batches wait per kernel, so the feed runs at the slowest kernel's pace. Closing terminates the
// threads at once, whatever they are doing: that is how a run is cancelled mid-batch.
import { Worker } from 'node:worker_threads'
import type { EventBatch } from '../kernel/events.ts'
import { KernelHostClosed, type KernelHost, type KernelHostFactory } from './kernelHost.ts'
import { batchBuffers, type FromKernel, type ToKernel } from './protocol.ts'
import type { KernelResult } from './session.ts'

/** Batches sent to a kernel and not yet replayed: enough to keep it busy while the next slab is read. */
const IN_FLIGHT = 4

const BOOT = new URL('./kernelWorker.boot.mjs', import.meta.url)
// the built JavaScript (dist/) starts the built worker; the TypeScript sources start the source one through tsx
const ENTRY = new URL(import.meta.url.endsWith('.ts') ? './kernelWorker.ts' : './kernelWorker.js', import.meta.url).href

interface Thread {
  worker: Worker
  inFlight: number
  events: number
  lastTs: number
  result: Promise<KernelResult>
  resolveResult: (result: KernelResult) => void
}

export const workerHost: KernelHostFactory = (specs, options) => {
  let failure: Error | null = null
  let closing: Promise<void> | null = null
  // callers waiting for room in the kernels' queues, or for a failure
  let waiters: Array<() => void> = []
  const wake = () => {
    const now = waiters
    waiters = []
    for (const w of now) w()
  }
  // one output handler at a time, in order, across kernels
  let outputs: Promise<void> = Promise.resolve()
  let replayed = 0

  // rejects once the host has failed or was closed: what every wait races against
  let rejectStopped: (error: Error) => void = () => undefined
  const stopped = new Promise<never>((_, reject) => (rejectStopped = reject))
  stopped.catch(() => undefined)

  const fail = (error: Error) => {
    if (failure) return
    failure = error
    rejectStopped(error)
    wake()
  }

  const threads: Thread[] = specs.map((spec, i) => {
    // execArgv empty: the boot file registers tsx itself, and flags meant for the parent (--input-type, a test
    // runner's) must not reach the thread
    const worker = new Worker(BOOT, { workerData: { entry: ENTRY, spec }, execArgv: [] })
    let resolveResult: (r: KernelResult) => void = () => undefined
    const result = new Promise<KernelResult>((r) => (resolveResult = r))
    const thread: Thread = { worker, inFlight: 0, events: 0, lastTs: Number.NaN, result, resolveResult }
    worker.on('message', (message: FromKernel) => {
      switch (message.type) {
        case 'replayed': {
          thread.inFlight--
          thread.events = message.events
          thread.lastTs = message.lastTs
          // progress is the slowest kernel's
          const slowest = threads.reduce((a, b) => (b.events < a.events ? b : a))
          if (slowest.events > replayed) {
            replayed = slowest.events
            options.onReplayed?.(slowest.events, slowest.lastTs)
          }
          wake()
          return
        }
        case 'outputs':
          // a batch that arrives once the host is closing is dropped: the caller deletes what was written, and
          // nothing may be written after that
          if (closing) return
          outputs = outputs
            .then(() => options.onOutputs(i, message.batch))
            .then(() => {
              if (!closing) worker.postMessage({ type: 'staged', flush: message.flush } satisfies ToKernel)
            })
          outputs.catch((error: unknown) => fail(error instanceof Error ? error : new Error(String(error))))
          return
        case 'finished':
          thread.resolveResult(message.result)
          return
        case 'failed': {
          const error = new Error(message.message)
          if (message.stack) error.stack = message.stack
          fail(error)
          return
        }
      }
    })
    worker.on('error', (error) => fail(error))
    worker.on('exit', (code) => {
      if (!closing) fail(new Error(`a kernel thread exited unexpectedly (code ${code})`))
    })
    return thread
  })

  const check = () => {
    if (failure) throw failure
    if (closing) throw new KernelHostClosed()
  }
  const broadcast = (message: ToKernel) => {
    check()
    for (const t of threads) t.worker.postMessage(message)
  }
  /** Resolves once `ready()` holds, rejects on a failure or close. */
  const until = async (ready: () => boolean) => {
    for (;;) {
      check()
      if (ready()) return
      await new Promise<void>((resolve) => waiters.push(resolve))
    }
  }

  const host: KernelHost = {
    size: specs.length,
    takesBatches: true,
    thread: 'worker',
    addAccounts: (accounts) => broadcast({ type: 'accounts', accounts }),
    setChecking: (on) => broadcast({ type: 'checking', on }),
    start: () => broadcast({ type: 'start' }),
    async feed(batch: EventBatch) {
      await until(() => threads.every((t) => t.inFlight < IN_FLIGHT))
      threads.forEach((t, i) => {
        t.inFlight++
        const last = i === threads.length - 1
        t.worker.postMessage({ type: 'batch', batch } satisfies ToKernel, last ? batchBuffers(batch) : [])
      })
    },
    async finish() {
      broadcast({ type: 'finish' })
      const results = await Promise.race([Promise.all(threads.map((t) => t.result)), stopped])
      await outputs
      check()
      return results
    },
    close() {
      closing ??= (async () => {
        rejectStopped(new KernelHostClosed())
        wake()
        await Promise.all(threads.map((t) => t.worker.terminate()))
        // a handler still staging outputs finishes before the caller deletes what was written
        await outputs.catch(() => undefined)
      })()
      return closing
    },
    [Symbol.asyncDispose]: () => host.close(),
  }
  return host
}
