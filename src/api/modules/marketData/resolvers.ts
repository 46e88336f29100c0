// Market data lists as connections: marketsConnection, accountsConnection and dataCoverageConnection (typed filters,
// keyset cursors).
import { readAccountList } from '../../../store/market/accountList.ts'
import { readCoverageList } from '../../../store/market/coverageList.ts'
import { readMarketList } from '../../../store/market/marketList.ts'
import { listQuery, toConnection } from '../../common/pagination.ts'
import type { QueryResolvers } from '../../generated/resolvers-types.ts'

export const marketsConnection: QueryResolvers['marketsConnection'] = async (_p, args, { runtime }) => {
  const query = listQuery(args)
  return toConnection(await readMarketList(runtime.duck, query), query)
}

export const accountsConnection: QueryResolvers['accountsConnection'] = async (_p, args, { runtime }) => {
  const query = listQuery(args)
  return toConnection(await readAccountList(runtime.duck, query), query)
}

export const dataCoverageConnection: QueryResolvers['dataCoverageConnection'] = async (_p, args, { runtime }) => {
  const query = listQuery(args)
  return toConnection(await readCoverageList(runtime.duck, query), query)
}
