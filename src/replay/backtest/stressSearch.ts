// The shock search behind a run's distance to failure: the window is replayed again under a stronger return shock
// or thinner liquidity (on the run's kernel host, outputs discarded, only the summary kept) until the first deficit
// is bracketed [issue 16].
import type { DuckStore } from '../../store/duck/open.ts'
import { readReplayFeed, type FeedSpec } from '../../store/market/replayFeed.ts'
import type { KernelHostFactory } from '../host/kernelHost.ts'
import type { KernelSpec } from '../host/session.ts'
import {
  LIQUIDITY_SHOCKS,
  MAX_RERUNS,
  RETURN_SHOCKS,
  searchShock,
  type StressToFirstDeficit,
} from './distanceToFailure.ts'
import { openAccounts, warmupFeed } from './accountReplay.ts'
import type { PreparedBacktest } from './prepare.ts'
import type { BacktestSummary } from './summary.ts'

/** Where the search is: which re-run (axis, factor, i of at most n) and how far it has replayed the window. */
export interface StressSearchProgress {
  axis: 'returns' | 'liquidity'
  factor: number
  rerun: number
  of: number
  doneSeconds: number
  totalSeconds: number
  /** Events replayed by this re-run so far. */
  events: number
}

export interface StressSearchOptions {
  /** The kernel of one re-run: the prepared run's, with extra shocks. */
  spec: (extra: { shockReturns?: number; shockLiquidity?: number }) => KernelSpec
  /** Where the re-runs' kernels run (the run's own host). */
  host: KernelHostFactory
  /** Throws when the run was cancelled (checked between batches). */
  stop: () => void
  signal?: AbortSignal
  onProgress?: (p: StressSearchProgress) => void
}

/** Replays the prepared window once more with the given kernel; its total shortfall (a decimal string). */
export async function replayShortfall(
  duck: DuckStore,
  prepared: PreparedBacktest,
  spec: KernelSpec,
  options: Pick<StressSearchOptions, 'host' | 'stop' | 'signal'> & {
    /** Market seconds of the window replayed so far, and events. */
    onReplayed?: (doneSeconds: number, totalSeconds: number, events: number) => void
  },
): Promise<string> {
  const { request, data, plan } = prepared
  const fromUs = request.from.getTime() * 1000
  const toUs = request.to.getTime() * 1000
  // fill sizes as exact integers of each market's size step (account replays)
  const feed = { ...plan.feed, sizeDecimals: prepared.accounts?.data.sizeDecimals }
  // only the totals count here: the output batches are dropped as they arrive
  const totalSeconds = (toUs - fromUs) / 1e6
  let replaying = false
  const host = options.host([spec], {
    onOutputs: () => Promise.resolve(),
    onReplayed: (events, lastTs) => {
      if (!replaying || Number.isNaN(lastTs)) return
      options.onReplayed?.(Math.min(totalSeconds, Math.max(0, (lastTs - fromUs) / 1e6)), totalSeconds, events)
    },
  })
  const onAbort = () => void host.close()
  options.signal?.addEventListener('abort', onAbort, { once: true })
  const run = async (feed: FeedSpec) => {
    for await (const batch of readReplayFeed(duck, { ...feed, reuseBatches: !host.takesBatches })) {
      options.stop()
      await host.feed(batch)
    }
  }
  try {
    if (prepared.accounts) {
      // the same account setup as the run itself (modes, leverage, exclusions, opening balances)
      const opened = await openAccounts(
        duck,
        prepared.ruleSet.rules,
        request,
        prepared.accounts,
        feed,
        data.firstAccountTs,
      )
      host.addAccounts(opened.kernel)
      if (data.firstAccountTs !== null && data.firstAccountTs < fromUs) {
        host.setChecking(false)
        await run(warmupFeed(feed, { firstAccountTs: data.firstAccountTs, fromUs, toUs }))
        host.setChecking(true)
      }
    }
    host.start()
    replaying = true
    await run({ ...feed, fromUs, toUs })
    const [result] = await host.finish()
    return result!.summary.totalShortfall
  } catch (error) {
    // a cancel closes the host, which rejects what was pending: report the cancellation, not the closed host
    options.stop()
    throw error
  } finally {
    options.signal?.removeEventListener('abort', onAbort)
    await host.close()
  }
}

/**
 * The smallest return shock and the smallest liquidity shock (each on top of the request's own) that produce a
 * deficit, at most 8 re-runs each; nothing to search when the run already had one.
 */
export async function searchStress(
  duck: DuckStore,
  prepared: PreparedBacktest,
  summary: BacktestSummary,
  options: StressSearchOptions,
): Promise<StressToFirstDeficit> {
  const deficitWithoutShock = summary.distanceToFailure.stressToFirstDeficit.deficitWithoutShock
  if (deficitWithoutShock) return { searched: true, deficitWithoutShock, returns: null, liquidity: null }
  let rerun = 0
  const evaluate = async (axis: 'returns' | 'liquidity', factor: number) => {
    const at = { axis, factor, rerun: ++rerun, of: MAX_RERUNS }
    options.onProgress?.({ ...at, doneSeconds: 0, totalSeconds: 0, events: 0 })
    const extra = axis === 'returns' ? { shockReturns: factor } : { shockLiquidity: factor }
    const shortfall = await replayShortfall(duck, prepared, options.spec(extra), {
      ...options,
      onReplayed: (doneSeconds, totalSeconds, events) =>
        options.onProgress?.({ ...at, doneSeconds, totalSeconds, events }),
    })
    return { deficit: shortfall !== '0', shortfall }
  }
  const returns = await searchShock(RETURN_SHOCKS, (k) => evaluate('returns', k))
  rerun = 0
  const liquidity = await searchShock(LIQUIDITY_SHOCKS, (f) => evaluate('liquidity', f))
  return { searched: true, deficitWithoutShock, returns, liquidity }
}
