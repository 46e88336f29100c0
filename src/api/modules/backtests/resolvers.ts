// Backtest outputs and backtest runs as connections: BacktestRun.liquidations … guardrailTriggers, the top-level
// run* equivalents taking a runId, and backtestRunsConnection. One store call per field, reading only the columns the
// query selects on the rows.
import type { GraphQLResolveInfo } from 'graphql'
import { readBacktestRunList } from '../../../store/meta/backtestRuns.ts'
import { readResultList, type ResultList, type ResultRows } from '../../../store/results/resultLists.ts'
import { listQuery, toConnection, type ConnectionArgs, type ConnectionModel } from '../../common/pagination.ts'
import { selectedNodeFields } from '../../common/selection.ts'
import type { ApiContext } from '../../context.ts'
import type { BacktestRunResolvers, QueryResolvers } from '../../generated/resolvers-types.ts'

async function resultConnection<L extends ResultList>(
  context: ApiContext,
  list: L,
  runId: string,
  args: ConnectionArgs,
  info: GraphQLResolveInfo,
): Promise<ConnectionModel<ResultRows[L]>> {
  // the result types have no field resolvers: a row needs only the fields the query names
  const query = { ...listQuery(args), fields: selectedNodeFields(info) }
  return toConnection(await readResultList(context.runtime, list, runId, query), query)
}

export const BacktestRunOutputs: Pick<
  BacktestRunResolvers,
  'liquidations' | 'deficits' | 'fundMovements' | 'adlFills' | 'socialLosses' | 'guardrailTriggers'
> = {
  liquidations: (run, args, context, info) => resultConnection(context, 'liquidations', run.id, args, info),
  deficits: (run, args, context, info) => resultConnection(context, 'deficits', run.id, args, info),
  fundMovements: (run, args, context, info) => resultConnection(context, 'fundMovements', run.id, args, info),
  adlFills: (run, args, context, info) => resultConnection(context, 'adlFills', run.id, args, info),
  socialLosses: (run, args, context, info) => resultConnection(context, 'socialLosses', run.id, args, info),
  guardrailTriggers: (run, args, context, info) => resultConnection(context, 'guardrailTriggers', run.id, args, info),
}

export const runLiquidations: QueryResolvers['runLiquidations'] = (_p, args, context, info) =>
  resultConnection(context, 'liquidations', args.runId, args, info)
export const runDeficits: QueryResolvers['runDeficits'] = (_p, args, context, info) =>
  resultConnection(context, 'deficits', args.runId, args, info)
export const runFundMovements: QueryResolvers['runFundMovements'] = (_p, args, context, info) =>
  resultConnection(context, 'fundMovements', args.runId, args, info)
export const runAdlFills: QueryResolvers['runAdlFills'] = (_p, args, context, info) =>
  resultConnection(context, 'adlFills', args.runId, args, info)
export const runSocialLosses: QueryResolvers['runSocialLosses'] = (_p, args, context, info) =>
  resultConnection(context, 'socialLosses', args.runId, args, info)
export const runGuardrailTriggers: QueryResolvers['runGuardrailTriggers'] = (_p, args, context, info) =>
  resultConnection(context, 'guardrailTriggers', args.runId, args, info)

export const backtestRunsConnection: QueryResolvers['backtestRunsConnection'] = async (_p, args, { runtime }) => {
  const query = listQuery(args)
  return toConnection(await readBacktestRunList(runtime.meta, query), query)
}
