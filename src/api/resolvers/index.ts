// The resolver map for schema.graphql: one module per area, composed here.
import type { Resolvers } from '../generated/resolvers-types.ts'
import { scalarResolvers } from '../scalars.ts'
import { health } from './health.ts'
import { accounts, dataCoverage, markets } from './markets.ts'
import { RuleSet, RuleSetVersion, ruleSets } from './ruleSets.ts'

export const resolvers: Resolvers = {
  ...scalarResolvers,
  Query: { health, markets, accounts, dataCoverage, ruleSets },
  RuleSet,
  RuleSetVersion,
}
