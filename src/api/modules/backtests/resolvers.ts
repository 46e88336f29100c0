// Backtest outputs and backtest runs as connections: BacktestRun.liquidations … guardrailTriggers, the top-level
// run* equivalents taking a runId, and backtestRunsConnection. One store call per field.
import { readBacktestRunList } from '../../../store/meta/backtestRuns.ts'
import { readResultList, type ResultList, type ResultRows } from '../../../store/results/resultLists.ts'
import { listQuery, toConnection, type ConnectionArgs, type ConnectionModel } from '../../common/pagination.ts'
import type { ApiContext } from '../../context.ts'
import type { BacktestRunResolvers, QueryResolvers } from '../../generated/resolvers-types.ts'

async function resultConnection<L extends ResultList>(
  context: ApiContext,
  list: L,
  runId: string,
  args: ConnectionArgs,
): Promise<ConnectionModel<ResultRows[L]>> {
  const query = listQuery(args)
  return toConnection(await readResultList(context.runtime, list, runId, query), query)
}

export const BacktestRunOutputs: Pick<
  BacktestRunResolvers,
  'liquidations' | 'deficits' | 'fundMovements' | 'adlFills' | 'socialLosses' | 'guardrailTriggers'
> = {
  liquidations: (run, args, context) => resultConnection(context, 'liquidations', run.id, args),
  deficits: (run, args, context) => resultConnection(context, 'deficits', run.id, args),
  fundMovements: (run, args, context) => resultConnection(context, 'fundMovements', run.id, args),
  adlFills: (run, args, context) => resultConnection(context, 'adlFills', run.id, args),
  socialLosses: (run, args, context) => resultConnection(context, 'socialLosses', run.id, args),
  guardrailTriggers: (run, args, context) => resultConnection(context, 'guardrailTriggers', run.id, args),
}

export const runLiquidations: QueryResolvers['runLiquidations'] = (_p, args, context) =>
  resultConnection(context, 'liquidations', args.runId, args)
export const runDeficits: QueryResolvers['runDeficits'] = (_p, args, context) =>
  resultConnection(context, 'deficits', args.runId, args)
export const runFundMovements: QueryResolvers['runFundMovements'] = (_p, args, context) =>
  resultConnection(context, 'fundMovements', args.runId, args)
export const runAdlFills: QueryResolvers['runAdlFills'] = (_p, args, context) =>
  resultConnection(context, 'adlFills', args.runId, args)
export const runSocialLosses: QueryResolvers['runSocialLosses'] = (_p, args, context) =>
  resultConnection(context, 'socialLosses', args.runId, args)
export const runGuardrailTriggers: QueryResolvers['runGuardrailTriggers'] = (_p, args, context) =>
  resultConnection(context, 'guardrailTriggers', args.runId, args)

export const backtestRunsConnection: QueryResolvers['backtestRunsConnection'] = async (_p, args, { runtime }) => {
  const query = listQuery(args)
  return toConnection(await readBacktestRunList(runtime.meta, query), query)
}
