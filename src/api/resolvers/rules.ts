// Rule-set presets, resolution, creation and derivation (Query.rulePresets, Query.resolveRuleSet, Mutation.*RuleSet).
import { createStoredRuleSet, deriveStoredRuleSet, listPresets } from '../../replay/rules/catalog.ts'
import { resolveRuleSet as resolve } from '../../replay/rules/resolve.ts'
import type { MutationResolvers, QueryResolvers } from '../generated/resolvers-types.ts'

export const rulePresets: QueryResolvers['rulePresets'] = (_parent, { venue }) =>
  listPresets(venue).map((p) => ({
    id: p.id,
    name: p.rules.name,
    venue: p.rules.venue,
    description: p.rules.description,
    effectiveFrom: p.rules.effective.from,
    effectiveBasis: p.rules.effective.basis,
    effectiveNote: p.rules.effective.note,
    sources: p.rules.sources,
    notes: p.rules.notes,
    hash: p.hash,
    body: p.rules,
  }))

export const resolveRuleSet: QueryResolvers['resolveRuleSet'] = async (_parent, { ref }, { runtime }) => {
  const r = await resolve(ref, { meta: runtime.meta })
  return {
    ref,
    kind: r.kind,
    name: r.rules.name,
    venue: r.rules.venue,
    hash: r.hash,
    ruleSetVersionId: r.ruleSetVersionId,
    body: r.rules,
  }
}

type Saved = Awaited<ReturnType<typeof createStoredRuleSet>>
const stored = (s: Saved) => ({
  ruleSetId: s.ruleSet.id,
  name: s.ruleSet.name,
  derivedFrom: s.ruleSet.derivedFrom,
  created: s.created,
  version: s.version,
})

export const createRuleSet: MutationResolvers['createRuleSet'] = async (_parent, { input }, { runtime }) =>
  stored(await createStoredRuleSet(runtime.meta, input.document, input.note))

export const deriveRuleSet: MutationResolvers['deriveRuleSet'] = async (_parent, { input }, { runtime }) =>
  stored(await deriveStoredRuleSet(runtime.meta, input))
