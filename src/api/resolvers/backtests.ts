// Backtests: runBacktest (async; returns the run at once), backtestRun(s), and the flat result lists of a run.
import type { ApiContext } from '../context.ts'
import { InvalidInputError, UnavailableError } from '../../errors.ts'
import type { BacktestSummary } from '../../replay/backtest/summary.ts'
import { getBacktestRun, listBacktestRuns } from '../../store/meta/backtestRuns.ts'
import { runStatus } from '../../store/meta/runs.ts'
import { readResultOffset, type ResultList } from '../../store/results/resultLists.ts'
import type { BacktestRunResolvers, MutationResolvers, QueryResolvers } from '../generated/resolvers-types.ts'

function page(limit: number | null | undefined, offset: number | null | undefined) {
  const p = { limit: limit ?? 1000, offset: offset ?? 0 }
  const problems = []
  if (!Number.isInteger(p.limit) || p.limit < 1 || p.limit > 10_000)
    problems.push({ path: 'limit', received: limit, expected: 'an integer from 1 to 10000' })
  if (!Number.isInteger(p.offset) || p.offset < 0)
    problems.push({ path: 'offset', received: offset, expected: 'a non-negative integer' })
  if (problems.length) throw new InvalidInputError('invalid page', problems)
  return p
}

export const backtestRun: QueryResolvers['backtestRun'] = (_p, { id }, { runtime }) => getBacktestRun(runtime.meta, id)

export const backtestRuns: QueryResolvers['backtestRuns'] = (_p, { status, limit, offset }, { runtime }) => {
  const p = page(limit ?? 50, offset)
  return listBacktestRuns(runtime.meta, { status: status ?? null, limit: Math.min(p.limit, 1000), offset: p.offset })
}

/** The process's run system, or UNAVAILABLE when this API runs without one. */
export function runsOf(context: ApiContext) {
  if (!context.runs) throw new UnavailableError('runs cannot be started or cancelled here: no run system is running')
  return context.runs
}

export const runBacktest: MutationResolvers['runBacktest'] = async (_p, { input }, context) => {
  // every field given is the request's (the request schema checks them all); null means "not given"
  const { detect, ...fields } = input
  const request = Object.fromEntries(Object.entries(fields).filter(([, v]) => v != null))
  const runs = runsOf(context)
  const submitted = await runs.submit('backtest', request, { trigger: 'api' })
  const run = (await getBacktestRun(context.runtime.meta, submitted.runId))!
  if (detect) detectAfterSuccess(context, submitted, run.venue)
  return run
}

/**
 * `detect: true`: once the backtest has succeeded, a detect run over it (venue and run id, the same child request as
 * `backtest --detect`). A refused or failed detect run is logged and never touches the backtest, which stands.
 */
function detectAfterSuccess(
  context: ApiContext,
  submitted: { runId: string; done?: Promise<{ status: string }> },
  venue: string,
) {
  const log = context.runtime.log
  if (!submitted.done) {
    log.warn({ backtest: submitted.runId }, 'detect after the backtest: this run system does not report when it ends')
    return
  }
  void submitted.done.then(async ({ status }) => {
    if (status !== 'succeeded') return
    try {
      const { runId } = await runsOf(context).submit('detect', { venue, runId: submitted.runId }, { trigger: 'api' })
      log.info({ backtest: submitted.runId, detect: runId }, 'detectors submitted over the succeeded backtest')
    } catch (error) {
      log.warn({ backtest: submitted.runId, err: error }, 'detectors over the succeeded backtest were refused')
    }
  })
}

/** The deprecated flat lists: the first rows by offset (the connections replace them). */
const list =
  <L extends ResultList>(name: L) =>
  (_p: unknown, args: { runId: string; limit?: number | null; offset?: number | null }, { runtime }: ApiContext) =>
    readResultOffset(runtime, name, args.runId, page(args.limit, args.offset))

export const backtestLiquidations: QueryResolvers['backtestLiquidations'] = list('liquidations')
export const backtestDeficits: QueryResolvers['backtestDeficits'] = list('deficits')
export const backtestFundSeries: QueryResolvers['backtestFundSeries'] = list('fundMovements')
export const backtestAdlFills: QueryResolvers['backtestAdlFills'] = list('adlFills')
export const backtestSocialLosses: QueryResolvers['backtestSocialLosses'] = list('socialLosses')
export const backtestGuardrailTriggers: QueryResolvers['backtestGuardrailTriggers'] = list('guardrailTriggers')

export const BacktestRun: BacktestRunResolvers = {
  from: (run) => run.fromTs,
  to: (run) => run.toTs,
  markets: (run) => run.markets as string[],
  positionsSource: (run) => run.positionsSource as 'synthetic' | 'accounts' | 'explicit',
  status: (run) => runStatus(run.run),
  run: (run) => run.run,
  error: (run) => run.run.error,
  startedAt: (run) => run.run.startedAt,
  finishedAt: (run) => run.run.finishedAt,
  summaryJson: (run) => run.summary,
  summary: (run) => {
    const s = run.summary as BacktestSummary | null
    if (!s) return null
    return {
      eventsReplayed: s.eventsReplayed,
      liquidations: s.liquidations,
      partialLiquidations: s.partialLiquidations,
      bankruptcies: s.bankruptcies,
      liquidatedNotional: s.liquidatedNotional,
      liquidatedNotionalApprox: Number(s.liquidatedNotional),
      totalShortfall: s.totalShortfall,
      totalShortfallApprox: Number(s.totalShortfall),
      totalBadDebt: s.totalBadDebt,
      totalBadDebtApprox: Number(s.totalBadDebt),
      coveredByFund: s.coveredByFund,
      coveredByAdl: s.coveredByAdl,
      socializedLoss: s.socializedLoss,
      maxFundDrawdown: s.fund.maxDrawdown,
      maxFundDrawdownApprox: Number(s.fund.maxDrawdown),
      maxFundDrawdownFraction: s.fund.maxDrawdownFraction,
      fundInitial: s.fund.initial,
      fundFinal: s.fund.final,
      adlFills: s.adlFills,
      firstDeficitAt: s.firstDeficitAt,
      timeToFirstDeficitSeconds: s.timeToFirstDeficitSeconds,
      outputHash: s.outputHash,
      warnings: s.warnings,
      // runs recorded before stress mode existed were fidelity replays without a distance to failure
      mode: s.stress?.mode ?? 'fidelity',
      stressLabel: s.stress?.label ?? 'fidelity replay',
      distanceToFailure: s.distanceToFailure ?? null,
    }
  },
}
