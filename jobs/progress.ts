// Progress of a run: the meter that turns a kind's updates into events (rate, ETA), and the event stream per run
// that the CLI's bars, logs and a future runProgress subscription read.
import type { RunProgress, RunStatus } from '../src/domain/run.ts'

/** What a kind reports; the meter adds the rate, the ETA and the time. */
export interface ProgressUpdate {
  phase: string
  done: number
  total: number | null
  unit: string
  counts?: Record<string, number>
  /** The count whose pace is the rate (rows, events, …) and its unit (rows/s); default: `done` per second. */
  rateOf?: { count: number; unit: string }
  item?: RunProgress['item']
}

/** How a running job reports progress (`JobContext.progress`). */
export interface ProgressReporter {
  update(update: ProgressUpdate): void
}

export const silentReporter: ProgressReporter = { update: () => undefined }

/** A rate needs this much time in its phase before it means anything. */
const MIN_RATE_MS = 500

export class ProgressMeter {
  private phase: string | null = null
  private phaseStartedAt = 0
  private doneAtStart = 0
  private countAtStart = 0

  constructor(private readonly now: () => number = () => performance.now()) {}

  next(update: ProgressUpdate): RunProgress {
    const t = this.now()
    const rateCount = update.rateOf?.count ?? update.done
    if (update.phase !== this.phase) {
      this.phase = update.phase
      this.phaseStartedAt = t
      this.doneAtStart = update.done
      this.countAtStart = rateCount
    }
    const elapsedS = (t - this.phaseStartedAt) / 1000
    const measured = elapsedS * 1000 >= MIN_RATE_MS
    const advanced = update.done - this.doneAtStart
    const rate = measured ? (rateCount - this.countAtStart) / elapsedS : null
    const etaSeconds =
      measured && update.total !== null && advanced > 0
        ? Math.max(0, (elapsedS * (update.total - update.done)) / advanced)
        : null
    const progress: RunProgress = {
      phase: update.phase,
      done: update.done,
      total: update.total,
      unit: update.unit,
      rate,
      rateUnit: update.rateOf?.unit ?? `${update.unit}/s`,
      etaSeconds,
      counts: { ...update.counts },
      at: new Date().toISOString(),
    }
    if (update.item) progress.item = update.item
    return progress
  }
}

/** What a run's stream carries: progress, then one final status event. */
export type RunEvent =
  | { type: 'progress'; runId: string; progress: RunProgress }
  | { type: 'status'; runId: string; status: RunStatus; error: string | null }

/**
 * The events of one run. Listeners get every event; an iterator that falls behind keeps only the newest plain
 * progress event (events with an item, and the final status, are never dropped). The stream ends after a finished
 * status.
 */
export class RunChannel {
  private readonly listeners = new Set<(event: RunEvent) => void>()
  private last: RunProgress | null = null
  private ended: RunEvent | null = null

  constructor(readonly runId: string) {}

  get latest(): RunProgress | null {
    return this.last
  }

  emit(event: RunEvent): void {
    if (this.ended) return
    if (event.type === 'progress') this.last = event.progress
    else if (event.status !== 'queued' && event.status !== 'running') this.ended = event
    for (const listener of this.listeners) listener(event)
  }

  listen(listener: (event: RunEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** The events from now on (starting with the latest progress, if any), until the run has finished. */
  async *events(): AsyncGenerator<RunEvent> {
    const queue: RunEvent[] = []
    let wake: (() => void) | null = null
    const stop = this.listen((event) => {
      const tail = queue.at(-1)
      const plain = (e: RunEvent | undefined) => e?.type === 'progress' && !e.progress.item
      if (plain(event) && plain(tail)) queue[queue.length - 1] = event
      else queue.push(event)
      wake?.()
    })
    try {
      if (this.ended) {
        yield this.ended
        return
      }
      if (this.last) queue.unshift({ type: 'progress', runId: this.runId, progress: this.last })
      for (;;) {
        while (queue.length) {
          const event = queue.shift()!
          yield event
          if (event.type === 'status' && event.status !== 'queued' && event.status !== 'running') return
        }
        await new Promise<void>((resolve) => (wake = resolve))
        wake = null
      }
    } finally {
      stop()
    }
  }
}
