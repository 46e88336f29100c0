// A sweep thread: several points' kernels (SweepSessions) on one thread, each fed every batch the host sends, in
// order (an account replay's kernels get their accounts first, and follow the history before the window without
// checking). Batches are replayed in groups, kernel after kernel: one kernel's book stays in the cache for a whole
// group instead of being evicted by the thread's other kernels at every batch, and the synthetic positions' draws of
// a group are made once, by the first kernel (kernel/spawnTape.ts). Nothing but a progress acknowledgement crosses
// back per batch; the figures come back once, at the end.
import { parentPort, workerData } from 'node:worker_threads'
import type { EventBatch } from '../kernel/events.ts'
import type { KernelAccounts, KernelSpec } from '../host/session.ts'
import { SpawnTape } from '../kernel/spawnTape.ts'
import { SweepSession, type SweepKernelResult } from './sweepSession.ts'
import { threadCpuMs } from './threadCpu.ts'

export type ToSweepThread =
  { type: 'checking'; on: boolean } | { type: 'start' } | { type: 'batch'; batch: EventBatch } | { type: 'finish' }

/** Batches held before a group is replayed: this many events, or this many batches (sweepHost decides). */
export interface SweepGroup {
  events: number
  batches: number
}

/** One kernel of a thread: its spec, and an account replay's accounts (null otherwise). */
export interface SweepKernel {
  spec: KernelSpec
  accounts: KernelAccounts | null
}
/**
 * Where a sweep thread's time went (ms, wall unless said): what a sweep's timings show so that its wall time can be
 * accounted for. No figure depends on it.
 */
export interface SweepThreadTimeline {
  /** CPU time of the thread, boot included (NaN where it cannot be read). */
  cpuMs: number
  /** From the host asking for the thread until its kernels were built: starting it, loading modules, building books. */
  bootMs: number
  /** Replaying groups of batches. */
  busyMs: number
  /** From then until the last group was replayed, with nothing to replay: no batch (or group) yet. */
  idleMs: number
}

export type FromSweepThread =
  | { type: 'replayed'; events: number; lastTs: number }
  | { type: 'finished'; results: SweepKernelResult[]; timeline: SweepThreadTimeline }
  | { type: 'failed'; message: string; stack?: string }

const port = parentPort
if (port) {
  const data = workerData as { kernels: SweepKernel[]; group: SweepGroup; createdAt: number }
  const sessions = data.kernels.map(({ spec, accounts }) => {
    const session = new SweepSession(spec)
    if (accounts) session.addAccounts(accounts)
    return session
  })
  // the synthetic positions' draws, made once per group by the first kernel and read by the others
  const tape = new SpawnTape()
  for (const s of sessions) s.shareSpawnDraws(tape)
  const send = (message: FromSweepThread, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer)
  // from the host's creating the thread (epoch ms: a worker's performance.now() counts from the process's origin)
  const bootMs = performance.timeOrigin + performance.now() - data.createdAt
  const booted = performance.now()
  let busyMs = 0
  let events = 0
  let group: EventBatch[] = []
  let groupEvents = 0
  /** Replays the batches held, kernel after kernel, then acknowledges each. */
  const replayGroup = async () => {
    if (!group.length) return
    const batches = group
    group = []
    groupEvents = 0
    tape.clear()
    const started = performance.now()
    for (const s of sessions) for (const batch of batches) await s.process(batch)
    busyMs += performance.now() - started
    for (const batch of batches) {
      events += batch.length
      send({ type: 'replayed', events, lastTs: batch.length ? batch.ts[batch.length - 1]! : Number.NaN })
    }
  }
  const handle = async (message: ToSweepThread) => {
    switch (message.type) {
      case 'checking':
        await replayGroup()
        for (const s of sessions) s.setChecking(message.on)
        return
      case 'start':
        await replayGroup()
        for (const s of sessions) s.start()
        return
      case 'batch': {
        group.push(message.batch)
        groupEvents += message.batch.length
        if (groupEvents >= data.group.events || group.length >= data.group.batches) await replayGroup()
        return
      }
      case 'finish': {
        await replayGroup()
        const idleMs = performance.now() - booted - busyMs
        const results: SweepKernelResult[] = []
        for (const s of sessions) results.push(await s.finishSweep())
        const transfer = results
          .flatMap((r) => [r, ...r.lanes.flatMap((l) => (l.result ? [l.result] : []))])
          .flatMap((r) => [r.firstLiquidations.keys.buffer, r.firstLiquidations.ts.buffer])
        const timeline = { cpuMs: threadCpuMs(), bootMs, busyMs, idleMs }
        send({ type: 'finished', results, timeline }, transfer as ArrayBuffer[])
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
