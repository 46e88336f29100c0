// Kernels on worker threads, one each: this thread keeps DuckDB (reading the feed, writing the results) and its event
// loop free, while the kernels replay. The threads are fed as a group (feedThreads: bounded queues, the feed at the
// slowest kernel's pace, a close that stops them mid-batch); this adds the outputs each kernel sends back, handed on
// one at a time and acknowledged once staged.
import { feedThreads } from './feedThreads.ts'
import type { KernelHost, KernelHostFactory } from './kernelHost.ts'
import type { FromKernel, ToKernel } from './protocol.ts'
import type { KernelResult } from './session.ts'

// the built JavaScript (dist/) starts the built worker; the TypeScript sources start the source one through tsx
const ENTRY = new URL(import.meta.url.endsWith('.ts') ? './kernelWorker.ts' : './kernelWorker.js', import.meta.url).href

export const workerHost: KernelHostFactory = (specs, options) => {
  // one output handler at a time, in order, across kernels
  let outputs: Promise<void> = Promise.resolve()
  const results = specs.map(() => {
    let resolve: (r: KernelResult) => void = () => undefined
    const promise = new Promise<KernelResult>((r) => (resolve = r))
    return { promise, resolve }
  })
  const threads = feedThreads<ToKernel, FromKernel>({
    entry: ENTRY,
    data: specs.map((spec) => ({ spec })),
    label: 'a kernel thread',
    ...(options.onReplayed ? { onReplayed: options.onReplayed } : {}),
    onMessage(i, message) {
      switch (message.type) {
        case 'outputs':
          // a batch that arrives once the host is closing is dropped: the caller deletes what was written, and
          // nothing may be written after that
          if (threads.closing) return
          outputs = outputs
            .then(() => options.onOutputs(i, message.batch))
            .then(() => {
              if (!threads.closing) threads.post(i, { type: 'staged', flush: message.flush })
            })
          outputs.catch((error: unknown) => threads.fail(error instanceof Error ? error : new Error(String(error))))
          return
        case 'finished':
          results[i]!.resolve(message.result)
          return
      }
    },
  })

  const host: KernelHost = {
    size: specs.length,
    takesBatches: true,
    thread: 'worker',
    addAccounts: (accounts) => threads.broadcast({ type: 'accounts', accounts }),
    setChecking: (on) => threads.broadcast({ type: 'checking', on }),
    start: () => threads.broadcast({ type: 'start' }),
    feed: (batch) => threads.feed(batch, (b) => ({ type: 'batch', batch: b })),
    async finish() {
      threads.broadcast({ type: 'finish' })
      const done = await Promise.race([Promise.all(results.map((r) => r.promise)), threads.stopped])
      await outputs
      threads.check()
      return done
    },
    // a handler still staging outputs finishes before the caller deletes what was written
    close: () => threads.close(() => outputs.catch(() => undefined)),
    [Symbol.asyncDispose]: () => host.close(),
  }
  return host
}
