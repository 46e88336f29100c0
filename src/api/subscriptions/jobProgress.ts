// jobProgress(id): a job's runs one after another. A job is a named piece of work of the run system (ingest.<source>,
// backtest, detect, report, maintenance tasks: what cron schedules and `backstop jobs run NAME` starts); each start is
// a run. The latest run is followed like runProgress (its current state, each change, its final status), then the
// next run of the job queued after it, found by reading the run records every POLL_MS (runs of any process).
import { NotFoundError, formatReceived } from '../../errors.ts'
import { runOfJob, type StoredRun } from '../../store/meta/runs.ts'
import type { ApiContext } from '../context.ts'
import type { SubscriptionResolvers } from '../generated/resolvers-types.ts'
import { pushIterator } from './pushIterator.ts'
import { POLL_MS, runProgressMessages, supersedes } from './runProgress.ts'
import type { RunProgressModel } from './runProgressModel.ts'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * NOT_FOUND (thrown before any message) for a name that is neither a job of this process's run system nor the job of
 * a recorded run. The iterator never ends by itself: a job runs again; the client unsubscribes.
 */
export async function jobProgressMessages(
  context: Pick<ApiContext, 'runtime' | 'runEvents' | 'runs'>,
  job: string,
  pollMs = POLL_MS,
): Promise<AsyncIterableIterator<RunProgressModel>> {
  const meta = context.runtime.meta
  let run = await runOfJob(meta, job)
  if (!run && !context.runs?.jobNames().includes(job))
    throw new NotFoundError(`no job ${formatReceived(job)} (\`backstop jobs list\` names the jobs)`, { job })
  let following: AsyncIterableIterator<RunProgressModel> | null = null
  const out = pushIterator<RunProgressModel>(
    () => void following?.return?.(),
    (tail, next) => tail.runId === next.runId && supersedes(tail, next),
  )
  /** The first run queued after `previous` (or the job's first run), once there is one; null when the client left. */
  const nextRun = async (previous: StoredRun | null) => {
    for (;;) {
      if (out.closed) return null
      const found = previous ? await runOfJob(meta, job, previous) : await runOfJob(meta, job)
      if (found) return found
      await sleep(pollMs)
    }
  }
  void (async () => {
    run ??= await nextRun(null)
    while (run && !out.closed) {
      following = await runProgressMessages(context, run.id, pollMs)
      for await (const message of following) out.push(message)
      following = null
      run = await nextRun(run)
    }
  })().catch((error) => out.fail(error))
  return out
}

export const jobProgress: SubscriptionResolvers['jobProgress'] = {
  subscribe: (_p, { id }, context) => jobProgressMessages(context, id) as never,
  resolve: (message: RunProgressModel) => message,
}
