// A sweep thread: several points' kernels (SweepSessions) on one thread, each fed every batch the host sends, in
// order (an account replay's kernels get their accounts first, and follow the history before the window without
// checking). Nothing but a progress acknowledgement crosses back per batch; the figures come back once, at the end.
import { parentPort, workerData } from 'node:worker_threads'
import type { EventBatch } from '../kernel/events.ts'
import type { KernelAccounts, KernelSpec } from '../host/session.ts'
import { SweepSession, type SweepKernelResult } from './sweepSession.ts'

export type ToSweepThread =
  { type: 'checking'; on: boolean } | { type: 'start' } | { type: 'batch'; batch: EventBatch } | { type: 'finish' }

/** One kernel of a thread: its spec, and an account replay's accounts (null otherwise). */
export interface SweepKernel {
  spec: KernelSpec
  accounts: KernelAccounts | null
}
export type FromSweepThread =
  | { type: 'replayed'; events: number; lastTs: number }
  | { type: 'finished'; results: SweepKernelResult[] }
  | { type: 'failed'; message: string; stack?: string }

const port = parentPort
if (port) {
  const sessions = (workerData as { kernels: SweepKernel[] }).kernels.map(({ spec, accounts }) => {
    const session = new SweepSession(spec)
    if (accounts) session.addAccounts(accounts)
    return session
  })
  const send = (message: FromSweepThread, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer)
  let events = 0
  const handle = async (message: ToSweepThread) => {
    switch (message.type) {
      case 'checking':
        for (const s of sessions) s.setChecking(message.on)
        return
      case 'start':
        for (const s of sessions) s.start()
        return
      case 'batch': {
        const batch = message.batch
        for (const s of sessions) await s.process(batch)
        events += batch.length
        send({ type: 'replayed', events, lastTs: batch.length ? batch.ts[batch.length - 1]! : Number.NaN })
        return
      }
      case 'finish': {
        const results: SweepKernelResult[] = []
        for (const s of sessions) results.push(await s.finishSweep())
        const transfer = results.flatMap((r) => [r.firstLiquidations.keys.buffer, r.firstLiquidations.ts.buffer])
        send({ type: 'finished', results }, transfer as ArrayBuffer[])
        return
      }
    }
  }
  let chain: Promise<void> = Promise.resolve()
  let failed = false
  port.on('message', (message: ToSweepThread) => {
    chain = chain
      .then(() => (failed ? undefined : handle(message)))
      .catch((error: unknown) => {
        failed = true
        const e = error instanceof Error ? error : new Error(String(error))
        send({ type: 'failed', message: e.message, ...(e.stack ? { stack: e.stack } : {}) })
      })
  })
}
