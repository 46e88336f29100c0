// Market data lists as connections: marketsConnection, accountsConnection and dataCoverageConnection (typed filters,
// keyset cursors), and a coverage gap's reason as its enum.
import { readAccountList } from '../../../store/market/accountList.ts'
import { readCoverageList } from '../../../store/market/coverageList.ts'
import { readMarketList } from '../../../store/market/marketList.ts'
import { listQuery, toConnection } from '../../common/pagination.ts'
import type { CoverageGap } from '../../../store/market/coverage.ts'
import type { GapKind, GapResolvers, QueryResolvers } from '../../generated/resolvers-types.ts'

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

/** Every reason the store records, as its enum value: a reason added on one side only fails to compile. */
const GAP_KINDS: Record<CoverageGap['reason'], GapKind> = {
  'missing-at-source': 'missing_at_source',
  'empty-at-source': 'empty_at_source',
  'not-loaded': 'not_loaded',
}

export const Gap: GapResolvers = {
  kind: (gap) => GAP_KINDS[gap.reason],
}
