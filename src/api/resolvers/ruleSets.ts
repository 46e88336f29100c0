// Query.ruleSets and the RuleSet / RuleSetVersion field resolvers.
import { listRuleSets } from '../../store/meta/ruleSets.ts'
import type { QueryResolvers, RuleSetResolvers, RuleSetVersionResolvers } from '../generated/resolvers-types.ts'

export const ruleSets: QueryResolvers['ruleSets'] = (_parent, _args, { runtime }) => listRuleSets(runtime.meta)

export const RuleSet: RuleSetResolvers = {
  // versions are loaded newest first
  latestVersion: (ruleSet) => ruleSet.versions[0] ?? null,
  versions: (ruleSet) => ruleSet.versions,
}

export const RuleSetVersion: RuleSetVersionResolvers = {
  body: (version) => JSON.parse(version.body) as unknown,
}
