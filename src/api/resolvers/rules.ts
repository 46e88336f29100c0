// Rule-set presets, resolution, differences, creation and derivation (Query.rulePresets, Query.resolveRuleSet,
// Query.ruleSetDiff, Mutation.*RuleSet).
import { createStoredRuleSet, deriveStoredRuleSet } from '../../replay/rules/catalog.ts'
import { diffRuleSets } from '../../replay/rules/diff.ts'
import { resolveRuleSet as resolve } from '../../replay/rules/resolve.ts'
import type { MutationResolvers, QueryResolvers } from '../generated/resolvers-types.ts'
import { presetViews } from '../modules/ruleSets/presets.ts'

export const rulePresets: QueryResolvers['rulePresets'] = (_parent, { venue }) => presetViews(venue)

const resolvedView = (ref: string, r: Awaited<ReturnType<typeof resolve>>) => ({
  ref,
  kind: r.kind,
  name: r.rules.name,
  venue: r.rules.venue,
  hash: r.hash,
  ruleSetVersionId: r.ruleSetVersionId,
  body: r.rules,
})

export const resolveRuleSet: QueryResolvers['resolveRuleSet'] = async (_parent, { ref }, { runtime }) =>
  resolvedView(ref, await resolve(ref, { meta: runtime.meta }))

export const ruleSetDiff: QueryResolvers['ruleSetDiff'] = async (_parent, { from, to }, { runtime }) => {
  const [a, b] = await Promise.all([resolve(from, { meta: runtime.meta }), resolve(to, { meta: runtime.meta })])
  return {
    from: resolvedView(from, a),
    to: resolvedView(to, b),
    identical: a.hash === b.hash,
    changes: diffRuleSets(a.rules, b.rules).map((c) => ({
      path: c.path,
      change: c.change,
      fromValue: c.from ?? null,
      toValue: c.to ?? null,
    })),
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
