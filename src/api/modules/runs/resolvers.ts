// Runs of every kind as a connection (runsConnection): filter by kind, job, status, trigger and times.
import { readRunList } from '../../../store/meta/runs.ts'
import { listQuery, toConnection } from '../../common/pagination.ts'
import type { QueryResolvers } from '../../generated/resolvers-types.ts'

export const runsConnection: QueryResolvers['runsConnection'] = async (_p, args, { runtime }) => {
  const query = listQuery(args)
  return toConnection(await readRunList(runtime.meta, query), query)
}
