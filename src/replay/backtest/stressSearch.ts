// The shock search behind a run's distance to failure: the window is replayed again under a stronger return shock
// or thinner liquidity (outputs discarded, only the totals kept) until the first deficit is bracketed [issue 16].
import { listReplayAccounts } from '../../store/market/replayData.ts'
import { readReplayFeed, type FeedSpec } from '../../store/market/replayFeed.ts'
import { ReplayKernel } from '../kernel/engine.ts'
import { formatMicros } from '../money.ts'
import { openExplicitPositions } from '../positions/explicit.ts'
import { LIQUIDITY_SHOCKS, RETURN_SHOCKS, searchShock, type StressToFirstDeficit } from './distanceToFailure.ts'
import { BacktestCancelled, kernelConfig, type BacktestDeps, type PreparedBacktest } from './run.ts'
import type { BacktestSummary } from './summary.ts'

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve))

/** Replays the prepared window once more under extra shocks; its total shortfall (micro-units). */
export async function replayShortfall(
  deps: BacktestDeps,
  prepared: PreparedBacktest,
  extra: { shockReturns?: number; shockLiquidity?: number },
  signal?: AbortSignal,
): Promise<bigint> {
  const { request, data, plan, explicit } = prepared
  const fromUs = request.from.getTime() * 1000
  const toUs = request.to.getTime() * 1000
  const kernel = new ReplayKernel(kernelConfig(prepared, 8192, extra))
  const mode = request.mode ?? prepared.ruleSet.rules.margin.mode
  let busy = 0
  const run = async (spec: FeedSpec) => {
    for await (const batch of readReplayFeed(deps.duck, { ...spec, reuseBatches: true })) {
      if (signal?.aborted) throw new BacktestCancelled()
      for (let from = 0, to = 0; from < batch.length; from = to) {
        to = Math.min(batch.length, from + (kernel.openingBacklog > 0 ? 1 : 1024))
        const t = performance.now()
        kernel.process(batch, from, to)
        busy += performance.now() - t
        if (busy > 20) {
          busy = 0
          await yieldToEventLoop()
        }
      }
      // only the totals count here
      kernel.outputs.clear()
    }
  }
  if (request.positions === 'accounts') {
    const names = await listReplayAccounts(deps.duck, request.venue, request.markets, toUs)
    for (const name of names) kernel.addAccount(name, mode === 'cross', 0)
    if (data.firstAccountTs !== null && data.firstAccountTs < fromUs) {
      kernel.checking = false
      await run({
        ...plan.feed,
        accountsOnly: true,
        fromUs: data.firstAccountTs,
        toUs: fromUs,
        slabSeconds: 30 * 86_400,
      })
      kernel.checking = true
    }
  }
  kernel.start(fromUs)
  if (explicit) openExplicitPositions(kernel, explicit, request.markets, mode, fromUs)
  await run({ ...plan.feed, fromUs, toUs })
  return kernel.totals.shortfall.value
}

/**
 * The smallest return shock and the smallest liquidity shock (each on top of the request's own) that produce a
 * deficit, at most 8 re-runs each; nothing to search when the run already had one.
 */
export async function searchStress(
  deps: BacktestDeps,
  prepared: PreparedBacktest,
  summary: BacktestSummary,
  signal?: AbortSignal,
): Promise<StressToFirstDeficit> {
  const deficitWithoutShock = summary.distanceToFailure.stressToFirstDeficit.deficitWithoutShock
  if (deficitWithoutShock) return { searched: true, deficitWithoutShock, returns: null, liquidity: null }
  const evaluate = (extra: { shockReturns?: number; shockLiquidity?: number }) => async () => {
    const shortfall = await replayShortfall(deps, prepared, extra, signal)
    return { deficit: shortfall > 0n, shortfall: formatMicros(shortfall) }
  }
  const returns = await searchShock(RETURN_SHOCKS, (k) => evaluate({ shockReturns: k })())
  const liquidity = await searchShock(LIQUIDITY_SHOCKS, (f) => evaluate({ shockLiquidity: f })())
  return { searched: true, deficitWithoutShock, returns, liquidity }
}
