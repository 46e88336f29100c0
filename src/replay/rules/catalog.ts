// Rule-set operations behind the API and CLI: list presets, resolve, create and derive stored versions.
import type { MetaClient } from '../../store/meta/client.ts'
import { saveRuleSetVersion } from '../../store/meta/ruleSets.ts'
import { deriveRuleSet, type Override } from './derive.ts'
import { presets } from './presets/index.ts'
import { resolveRuleSet } from './resolve.ts'
import { validateRuleSet } from './validate.ts'

export function listPresets(venue?: string | null) {
  return presets.filter((p) => !venue || p.rules.venue === venue || p.rules.name === venue)
}

/** Validates a document and stores it as the next version of the rule set it names. */
export async function createStoredRuleSet(meta: MetaClient, document: unknown, note?: string | null) {
  const validated = validateRuleSet(document)
  return saveRuleSetVersion(meta, {
    name: validated.rules.name,
    description: validated.rules.description,
    body: validated.body,
    hash: validated.hash,
    note: note ?? null,
  })
}

/** Derives from a preset or stored rule set, validates, and stores the result under `name`. */
export async function deriveStoredRuleSet(
  meta: MetaClient,
  input: { from: string; name: string; set: Override[]; note?: string | null },
) {
  const base = await resolveRuleSet(input.from, { meta })
  const derivedFrom = base.kind === 'preset' ? `${base.rules.name}@${base.rules.effective.from}` : base.ref
  const derived = deriveRuleSet(base.rules, input.set, { name: input.name, derivedFrom })
  return saveRuleSetVersion(meta, {
    name: derived.rules.name,
    description: derived.rules.description,
    derivedFrom,
    body: derived.body,
    hash: derived.hash,
    note: input.note ?? derived.rules.effective.note,
  })
}
