// Rule sets, their versions and the built-in presets as connections (ruleSetsConnection, RuleSet.versionsConnection,
// rulePresetsConnection).
import { readRuleSetList, readRuleSetVersionList } from '../../../store/meta/ruleSets.ts'
import { readMemoryList } from '../../../store/query/memoryList.ts'
import { listQuery, toConnection } from '../../common/pagination.ts'
import type { QueryResolvers, RuleSetResolvers } from '../../generated/resolvers-types.ts'
import { PRESET_LIST, presetViews } from './presets.ts'

export const ruleSetsConnection: QueryResolvers['ruleSetsConnection'] = async (_p, args, { runtime }) => {
  const query = listQuery(args)
  return toConnection(await readRuleSetList(runtime.meta, query), query)
}

export const rulePresetsConnection: QueryResolvers['rulePresetsConnection'] = (_p, args) => {
  const query = listQuery(args)
  return toConnection(readMemoryList(PRESET_LIST, presetViews(), query), query)
}

export const RuleSetVersions: Pick<RuleSetResolvers, 'versionsConnection'> = {
  versionsConnection: async (ruleSet, args, { runtime }) => {
    const query = listQuery(args)
    return toConnection(await readRuleSetVersionList(runtime.meta, ruleSet.id, query), query)
  },
}
