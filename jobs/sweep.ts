// The sweep kind: many rule sets derived from a base, replayed over the same windows with one feed read per window
// [issue 18]. Prepared at submission (bad input is refused before any run exists), executed by src/replay/sweep with
// the run's signal and a progress event per slice of points, its document and points written once it succeeded,
// and discarded (rows deleted) otherwise.
import { z } from 'zod'
import { executeSweep, SweepCancelled, type SweepDocument } from '../src/replay/sweep/execute.ts'
import type { SweepAttackCost } from '../src/replay/sweep/attacks.ts'
import { prepareSweep, type PreparedSweep } from '../src/replay/sweep/prepare.ts'
import { deleteSweepResults, writeSweepResults } from '../src/store/results/sweepResults.ts'
import { defineJob, emptyOutcome } from './job.ts'

/** A point's searches as the two columns lists filter on: the cheapest break found, and how many searches broke it. */
function attackColumns(searches: SweepAttackCost[] | undefined) {
  if (!searches?.length) return { cheapestAttackCost: null, attackSearchesBroken: null }
  const costs = searches.flatMap((s) => (s.costOfAttack === null ? [] : [s.costOfAttack]))
  // each cost is micro-unit text below 2^53 micro-units (≤ 4e9 quote): Number() orders them exactly; the text is kept
  const cheapest = costs.reduce<string | null>((a, b) => (a === null || Number(b) < Number(a) ? b : a), null)
  return { cheapestAttackCost: cheapest, attackSearchesBroken: costs.length }
}

/** The document's points as the store keeps them (figures to filter on, the point's JSON). */
function storedPoints(document: SweepDocument) {
  const frontier = new Set(document.frontier)
  return document.points.map((p) => ({
    index: p.index,
    status: p.status,
    onFrontier: frontier.has(p.index),
    badDebt: p.totals?.badDebt ?? null,
    worstWindowBadDebt: p.totals?.worstWindowBadDebt ?? null,
    initialMarginPerNotional: p.totals?.initialMarginPerNotional ?? null,
    refusedOrLiquidatedEarlierShare: p.totals?.refusedOrLiquidatedEarlierShare ?? null,
    liquidationFees: p.totals?.liquidationFees ?? null,
    ...attackColumns(p.status === 'evaluated' ? p.attackCost : undefined),
    point: JSON.stringify(p),
  }))
}

export const sweepJob = defineJob<unknown, PreparedSweep>({
  name: 'sweep',
  kind: 'sweep',
  description: 'Replay windows against rule sets derived from a base along parameter axes (the request of `runSweep`).',
  // the sweep request schema (src/replay/sweep/request.ts) validates it in prepare, with every problem listed
  params: z.unknown(),
  exclusive: false,
  retryOnCrash: false,
  // rule-set files only from the command line: the API must not read the server's disk
  prepare: ({ runtime, trigger }, request) => prepareSweep(runtime, request, { allowFiles: trigger === 'cli' }),
  async run({ runtime, runId, signal, progress }, prepared) {
    try {
      const { document, timings } = await executeSweep({ duck: runtime.duck }, prepared, {
        signal,
        onProgress: (p) =>
          progress.update({
            phase: p.search
              ? `cost of attack ${Math.min(p.search.done + 1, p.search.total)} of ${p.search.total}: point ${p.search.point}, ${p.search.pattern}, step ${p.search.step}`
              : `replaying window ${p.window + 1} of ${prepared.windows.length}`,
            done: p.done,
            total: p.total,
            unit: prepared.attacks.length ? 'point-windows + searches' : 'point-windows',
            counts: {
              events: p.events,
              ...(p.search ? { searches: p.search.done, searchesTotal: p.search.total } : {}),
            },
            rateOf: { count: p.events, unit: 'events/s' },
          }),
      })
      const { points, ...rest } = document
      await writeSweepResults(runtime.duck, runId, JSON.stringify(rest), storedPoints({ ...rest, points }))
      return {
        ...emptyOutcome(),
        result: {
          points: points.length,
          skipped: points.filter((p) => p.status === 'skipped').length,
          frontier: document.frontier,
          recommendation: document.recommendation,
          totalMs: timings.totalMs,
          feedReads: timings.feedReads,
          // kernels run, and points replayed as accounting lanes of another's kernel (those that diverged ran again)
          kernels: timings.kernels,
          lanes: timings.lanes,
          divergedLanes: timings.divergedLanes,
        },
      }
    } catch (error) {
      if (error instanceof SweepCancelled && signal.aborted) throw signal.reason
      throw error
    }
  },
  discard: (runtime, runId) => deleteSweepResults(runtime.duck, runId),
})
