// Where replay kernels run, behind one interface: a host feeds one stream of event batches to N kernels (one for a
// backtest, many for a sweep) and hands their output batches back in order. The worker host runs each kernel on its
// own thread, so the event loop stays free; the inline host runs them on this one (benchmarks, comparison).
import type { EventBatch } from '../kernel/events.ts'
import type { ResultBatch } from '../../store/results/backtestResults.ts'
import type { KernelAccounts, KernelResult, KernelSpec } from './session.ts'

export interface KernelHostOptions {
  /**
   * Receives the output batches of every kernel, one call at a time in the order they were produced; resolves once
   * the batch is safely staged (the kernel may then flush again). A rejection fails the host.
   */
  onOutputs(kernel: number, batch: ResultBatch): Promise<void>
  /** After each batch every kernel has replayed: events replayed so far and the last event time (µs). */
  onReplayed?(events: number, lastTs: number): void
}

export interface KernelHost extends AsyncDisposable {
  /** How many kernels it feeds. */
  readonly size: number
  /** Whether `feed` takes the batch's buffers (the caller must not reuse them). */
  readonly takesBatches: boolean
  /** Where the kernels run, for timings and logs. */
  readonly thread: 'worker' | 'main'
  addAccounts(accounts: KernelAccounts): void
  setChecking(on: boolean): void
  /** The window starts (explicit positions open). */
  start(): void
  /**
   * Feeds one batch to every kernel. Resolves when the host can take the next one (a bounded number are in flight);
   * rejects once a kernel has failed or the host was closed.
   */
  feed(batch: EventBatch): Promise<void>
  /** Ends the replay: each kernel's summary and stats, after its last outputs went through `onOutputs`. */
  finish(): Promise<KernelResult[]>
  /** Stops every kernel now (a cancelled run); pending calls reject. Safe to call more than once. */
  close(): Promise<void>
}

export type KernelHostFactory = (specs: KernelSpec[], options: KernelHostOptions) => KernelHost

/** The reason pending calls reject after `close()`. */
export class KernelHostClosed extends Error {
  constructor() {
    super('the kernel host was closed')
    this.name = 'KernelHostClosed'
  }
}
