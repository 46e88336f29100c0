// Query.markets and Query.dataCoverage: what market data the store holds.
import { marketCoverage } from '../../store/market/coverage.ts'
import { listAccounts, listMarkets } from '../../store/market/markets.ts'
import type { QueryResolvers } from '../generated/resolvers-types.ts'

export const markets: QueryResolvers['markets'] = (_parent, { venue }, { runtime }) => listMarkets(runtime.duck, venue)

export const accounts: QueryResolvers['accounts'] = (_parent, { venue }, { runtime }) =>
  listAccounts(runtime.duck, venue)

export const dataCoverage: QueryResolvers['dataCoverage'] = (_parent, { venue, market }, { runtime }) =>
  marketCoverage(runtime.duck, venue, market)
