// Following a run the server executes: poll run(id) about every 500 ms and feed its progress to the same terminal
// view the in-process path uses; Ctrl-C (or SIGTERM) asks the server to cancel it (cancelRun) and keeps following
// until the run records its end. Polling, not a subscription: it needs nothing but the HTTP endpoint every server has.
import type { RunProgress } from '../../domain/run.ts'
import type { RunProgressView } from '../progress.ts'
import type { ServerClient } from './client.ts'

export const POLL_MS = 500

/** Exit code of a command interrupted by Ctrl-C (128 + SIGINT), whichever path ran its work. */
export const EXIT_INTERRUPTED = 130

export const RUN_FIELDS = `
  id kind job status error result
  failures { partition message }
  progress { phase done total unit rate rateUnit etaSeconds counts updatedAt item { id outcome message counts } }
`

export interface RemoteRun {
  id: string
  kind: string
  job: string
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled'
  error: string | null
  result: unknown
  failures: Array<{ partition: string | null; message: string }>
  progress: (Omit<RunProgress, 'at' | 'item'> & { updatedAt: string; item: RunProgress['item'] | null }) | null
}

export interface FollowedRun {
  run: RemoteRun
  /** Ctrl-C or SIGTERM arrived while following (the run was asked to stop). */
  interrupted: boolean
}

const finished = (status: RemoteRun['status']) =>
  status === 'succeeded' || status === 'failed' || status === 'cancelled'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export async function followRun(
  client: ServerClient,
  runId: string,
  view: RunProgressView,
  pollMs = POLL_MS,
): Promise<FollowedRun> {
  let interrupted = false
  let cancelling: Promise<unknown> | null = null
  const onSignal = () => {
    if (interrupted) return
    interrupted = true
    cancelling = client
      .request(`mutation ($id: ID!) { cancelRun(id: $id) { id status } }`, { id: runId })
      // a run that finished meanwhile cannot be cancelled (CONFLICT): the poll below reads how it ended
      .catch(() => undefined)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  let seen: string | null = null
  try {
    for (;;) {
      const { run } = await client.request<{ run: RemoteRun | null }>(
        `query ($id: ID!) { run(id: $id) { ${RUN_FIELDS} } }`,
        { id: runId },
      )
      if (!run) throw new Error(`run ${runId} is no longer recorded by ${client.name}`)
      const p = run.progress
      if (p && p.updatedAt !== seen) {
        seen = p.updatedAt
        const { updatedAt, item, ...rest } = p
        view.event({ type: 'progress', progress: { ...rest, ...(item ? { item } : {}), at: updatedAt } })
      }
      if (finished(run.status)) {
        view.event({ type: 'status', status: run.status })
        view.stop()
        if (cancelling) await cancelling
        return { run, interrupted }
      }
      await sleep(pollMs)
    }
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}
