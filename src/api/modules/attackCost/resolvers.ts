// Cost of attack: runAttackCost (an attackCost run, returned at once) and attackCost(runId), read from the stored
// document of a run that succeeded.
import { NotFoundError } from '../../../errors.ts'
import type { AttackCostDocument } from '../../../replay/attack/execute.ts'
import { getRun } from '../../../store/meta/runs.ts'
import { readAttackCostDocument } from '../../../store/results/attackCostResults.ts'
import { runsOf } from '../../resolvers/backtests.ts'
import type { AttackCostResolvers, MutationResolvers, QueryResolvers } from '../../generated/resolvers-types.ts'

/** What codegen maps AttackCost to: the run id and its stored document. */
export interface AttackCostModel {
  id: string
  document: AttackCostDocument
}

export const runAttackCost: MutationResolvers['runAttackCost'] = async (_p, { input }, context) => {
  const { runId } = await runsOf(context).submit(
    'attackCost',
    Object.fromEntries(Object.entries(input).filter(([, v]) => v != null)),
    { trigger: 'api' },
  )
  return (await getRun(context.runtime.meta, runId))!
}

export const attackCost: QueryResolvers['attackCost'] = async (_p, { runId }, { runtime }) => {
  const text = await readAttackCostDocument(runtime, runId)
  if (text === null) throw new NotFoundError(`run ${runId} is not an attackCost run`, { runId })
  return { id: runId, document: JSON.parse(text) as AttackCostDocument }
}

export const AttackCost: AttackCostResolvers = {
  run: async (a, _args, { runtime }) => (await getRun(runtime.meta, a.id))!,
  pattern: (a) => a.document.attack.pattern,
  venue: (a) => a.document.attack.venue,
  market: (a) => a.document.attack.market,
  costOfAttack: (a) => a.document.costOfAttack,
  profitAtCost: (a) => a.document.profitAtCost,
  statement: (a) => a.document.statement,
  liquidity: (a) => a.document.liquidity,
  steps: (a) => a.document.steps,
  document: (a) => a.document,
}
