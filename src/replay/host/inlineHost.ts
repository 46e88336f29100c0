// Kernels on this thread: each batch is replayed in slices, yielding to the event loop whenever 20 ms of kernel work
// have piled up. Outputs are handed over without a copy. Kept for benchmarks (worker against main thread) and as the
// reference the worker host must match byte for byte.
import type { EventBatch } from '../kernel/events.ts'
import { KernelHostClosed, type KernelHost, type KernelHostFactory } from './kernelHost.ts'
import { KernelSession } from './session.ts'

const YIELD_AFTER_MS = 20
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve))

export const inlineHost: KernelHostFactory = (specs, options) => {
  let closed = false
  let events = 0
  let busy = 0
  // one output handler at a time, in order, across kernels
  let outputs: Promise<void> = Promise.resolve()
  const sessions = specs.map(
    (spec, i) =>
      new KernelSession(spec, (batch) => {
        outputs = outputs.then(() => options.onOutputs(i, batch))
        return outputs
      }),
  )
  const between = async (ms: number) => {
    busy += ms
    if (busy > YIELD_AFTER_MS) {
      busy = 0
      await yieldToEventLoop()
    }
    if (closed) throw new KernelHostClosed()
  }
  const open = () => {
    if (closed) throw new KernelHostClosed()
  }
  const host: KernelHost = {
    size: specs.length,
    takesBatches: false,
    thread: 'main',
    addAccounts(accounts) {
      open()
      for (const s of sessions) s.addAccounts(accounts)
    },
    setChecking(on) {
      open()
      for (const s of sessions) s.setChecking(on)
    },
    start() {
      open()
      for (const s of sessions) s.start()
    },
    async feed(batch: EventBatch) {
      open()
      for (const s of sessions) await s.process(batch, between)
      events += batch.length
      if (batch.length) options.onReplayed?.(events, batch.ts[batch.length - 1]!)
    },
    async finish() {
      open()
      const results = []
      for (const s of sessions) results.push(await s.finish())
      await outputs
      return results
    },
    async close() {
      closed = true
    },
    [Symbol.asyncDispose]: () => host.close(),
  }
  return host
}
