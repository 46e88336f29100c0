// runProgress(id): the run's current state first, then each change while it runs, ending after its final status.
// Events come from the run system's watch(): a run of this process streams from its in-memory channel (worker
// threads report to the main thread, which emits), a run of another process is read from its record about once a
// second. Without a run system (an API over the stores alone) the record is polled here, every POLL_MS.
import type { RunProgress, RunStatus } from '../../domain/run.ts'
import { isFinished } from '../../domain/run.ts'
import { NotFoundError } from '../../errors.ts'
import { getRun } from '../../store/meta/runs.ts'
import type { ApiContext } from '../context.ts'
import type { SubscriptionResolvers } from '../generated/resolvers-types.ts'
import { pushIterator } from './pushIterator.ts'
import { progressOfRecord, type RunProgressModel } from './runProgressModel.ts'

/** How often a run's record is read when no run system streams it. */
export const POLL_MS = 1000

/** What the run system emits for a run (RunManager's events, by shape: the API may not import jobs/). */
export type RunEvent =
  | { type: 'progress'; runId: string; progress: RunProgress }
  | { type: 'status'; runId: string; status: RunStatus; error: string | null }

/** The events of one run from now until it ends, starting with its latest progress (RunManager.watch). */
export interface RunEventFeed {
  watch(runId: string): AsyncIterable<RunEvent>
}

/** A message that only moves progress along may be replaced by a newer one while the client is behind. */
export const supersedes = (tail: RunProgressModel, next: RunProgressModel) =>
  tail.status === next.status && !tail.item && !isFinished(tail.status)

/** The record's events, read every pollMs until the run ends (the feed when there is no run system). */
async function* pollRecord(context: Pick<ApiContext, 'runtime'>, runId: string, pollMs: number) {
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, pollMs))
    const run = await getRun(context.runtime.meta, runId)
    if (!run) throw new NotFoundError(`run ${runId} no longer exists`, { runId })
    const record = progressOfRecord(run)
    yield { type: 'progress', runId, progress: record } satisfies RunEvent
    yield { type: 'status', runId, status: record.status, error: record.error } satisfies RunEvent
    if (isFinished(record.status)) return
  }
}

/** NOT_FOUND (thrown here, before any message) for an unknown run. */
export async function runProgressMessages(
  context: Pick<ApiContext, 'runtime' | 'runEvents'>,
  runId: string,
  pollMs = POLL_MS,
): Promise<AsyncIterableIterator<RunProgressModel>> {
  const run = await getRun(context.runtime.meta, runId)
  if (!run) throw new NotFoundError(`no run with id ${runId}`, { runId })
  let current = progressOfRecord(run)
  const out = pushIterator<RunProgressModel>(() => undefined, supersedes)
  if (isFinished(current.status)) {
    out.push(current)
    out.end()
    return out
  }
  /** Folds an event into the current state; false when it changes nothing. */
  const fold = (event: RunEvent): boolean => {
    if (isFinished(current.status)) return false
    if (event.type === 'progress') {
      if (event.progress.at === current.at) return false
      // progress means the run is running, even when the status change fell between two reads
      const status = current.status === 'queued' ? 'running' : current.status
      current = { ...event.progress, runId, status, error: current.error }
    } else {
      if (event.status === current.status) return false
      current = { ...current, status: event.status, error: event.error }
    }
    return true
  }
  const send = () => {
    out.push(current)
    if (isFinished(current.status)) out.end()
  }
  const events = (context.runEvents?.watch(runId) ?? pollRecord(context, runId, pollMs))[Symbol.asyncIterator]()
  // a run of this process hands its latest in-memory progress at once: the first message is that, not the
  // (up to a second older) record
  const first = events.next()
  const early = await Promise.race([first, new Promise<null>((resolve) => setImmediate(() => resolve(null)))])
  if (early && !early.done) fold(early.value)
  send()
  if (early?.done) out.end()
  void (async () => {
    let next = early ? null : first
    while (!out.closed) {
      const r = await (next ?? events.next())
      next = null
      if (r.done || out.closed) break
      if (fold(r.value)) send()
    }
    // a client that left while the run was quiet is released at the run's next event (or its end)
    void events.return?.()
    out.end()
  })().catch((error) => out.fail(error))
  return out
}

export const runProgress: SubscriptionResolvers['runProgress'] = {
  subscribe: (_p, { id }, context) => runProgressMessages(context, id) as never,
  resolve: (message: RunProgressModel) => message,
}
