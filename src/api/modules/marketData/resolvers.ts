// Market data lists as connections: marketsConnection (venue / market / row-count filters, keyset cursors).
import { readMarketList } from '../../../store/market/marketList.ts'
import { listQuery, toConnection } from '../../common/pagination.ts'
import type { QueryResolvers } from '../../generated/resolvers-types.ts'

export const marketsConnection: QueryResolvers['marketsConnection'] = async (_p, args, { runtime }) => {
  const query = listQuery(args)
  return toConnection(await readMarketList(runtime.duck, query), query)
}
