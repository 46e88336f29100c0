// The rule set a run used, for a report: a readable label, its hash, the preset it departs from and how.
import type { Preset } from '../replay/rules/presets/index.ts'
import type { MetaClient } from '../store/meta/client.ts'
import { findRuleSetVersion } from '../store/meta/ruleSets.ts'
import type { ReportModel } from './model.ts'
import { diffRuleSets } from './ruleSetDiff.ts'
import type { ReportRun } from './runRecord.ts'

/** How far a chain of derived rule sets is followed back to its preset. */
const MAX_CHAIN = 16

const presetRef = (p: Preset) => `${p.rules.name}@${p.rules.effective.from}`

/**
 * The preset the run's rule set is compared with: the preset itself for a preset run; for a stored rule set, the
 * preset at the root of its `derivedFrom` chain, else the preset of its name or venue in force at the run's start.
 */
export async function describeRuleSet(
  meta: MetaClient,
  run: ReportRun,
  all: readonly Preset[],
  options: { labelOnly?: boolean } = {},
): Promise<ReportModel['ruleSet']> {
  const base = { ref: run.ruleSetRef, hash: run.ruleSetHash }
  const asPreset = all.find((p) => p.hash === run.ruleSetHash)
  if (asPreset && !run.ruleSetVersionId) {
    return { ...base, label: presetRef(asPreset), preset: presetRef(asPreset), differences: [], note: null }
  }
  const stored = run.ruleSetVersionId ? await findRuleSetVersion(meta, run.ruleSetVersionId) : null
  if (!stored) {
    return {
      ...base,
      label: run.ruleSetRef,
      preset: null,
      differences: [],
      note: 'the run used a rule-set file whose body is not stored: only its hash is known',
    }
  }
  const label = `${stored.ruleSet.name}#${stored.version}`
  if (options.labelOnly) return { ...base, label, preset: null, differences: [], note: null }
  const used = JSON.parse(stored.body) as { name?: string; venue?: string }
  let preset: Preset | undefined
  let from = stored.ruleSet.derivedFrom
  for (let i = 0; from && !preset && i < MAX_CHAIN; i++) {
    const name = from.split('@')[0]!
    const date = from.split('@')[1]
    preset = all.find((p) => p.rules.name === name && (!date || p.rules.effective.from === date))
    if (!preset) from = (await findRuleSetVersion(meta, from))?.ruleSet.derivedFrom ?? null
  }
  const day = run.from.toISOString().slice(0, 10)
  const inForce = (candidates: Preset[]) =>
    candidates.filter((p) => p.rules.effective.from <= day).at(-1) ?? candidates[0]
  preset ??= inForce(all.filter((p) => p.rules.name === used.name))
  preset ??= inForce(all.filter((p) => p.rules.venue === used.venue))
  if (!preset) {
    return {
      ...base,
      label,
      preset: null,
      differences: [],
      note: `no preset of venue ${String(used.venue)} to compare with`,
    }
  }
  return {
    ...base,
    label,
    preset: presetRef(preset),
    differences: diffRuleSets(JSON.parse(preset.body), used),
    note: null,
  }
}
