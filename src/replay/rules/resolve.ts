// Resolves a rule-set reference — preset ("binance-um", "binance-um@2021-03-18"), stored rule set (id, name,
// name#N, version id) or JSON file — to a validated rule set with its hash.
import fs from 'node:fs'
import { InvalidInputError, NotFoundError, formatReceived } from '../../errors.ts'
import type { MetaClient } from '../../store/meta/client.ts'
import { findRuleSetVersion } from '../../store/meta/ruleSets.ts'
import type { RuleSet } from './schema.ts'
import { findPreset, isPresetRef, presetNames } from './presets/index.ts'
import { validateRuleSet } from './validate.ts'

export interface ResolvedRuleSet {
  /** What the user asked for. */
  ref: string
  kind: 'preset' | 'stored' | 'file'
  rules: RuleSet
  body: string
  hash: string
  /** Stored version id, for runs to link to. */
  ruleSetVersionId: string | null
}

export interface ResolveOptions {
  meta?: MetaClient
  /** The CLI may read a JSON file; the API may not. */
  allowFiles?: boolean
}

/** Reads and validates a rule-set JSON file, reporting every problem. */
export function readRuleSetFile(file: string): ReturnType<typeof validateRuleSet> {
  let document: unknown
  try {
    document = JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch (error) {
    throw new InvalidInputError(`cannot read rule set ${file}`, [
      { path: file, received: (error as Error).message, expected: 'a readable JSON file' },
    ])
  }
  return validateRuleSet(document, `invalid rule set in ${file}`)
}

export async function resolveRuleSet(ref: string, options: ResolveOptions = {}): Promise<ResolvedRuleSet> {
  if (isPresetRef(ref)) {
    const preset = findPreset(ref)
    return { ref, kind: 'preset', rules: preset.rules, body: preset.body, hash: preset.hash, ruleSetVersionId: null }
  }
  if (options.meta) {
    const stored = await findRuleSetVersion(options.meta, ref)
    if (stored) {
      const validated = validateRuleSet(
        JSON.parse(stored.body),
        `stored rule set ${stored.ruleSet.name} no longer validates`,
      )
      return {
        ref,
        kind: 'stored',
        rules: validated.rules,
        body: stored.body,
        hash: stored.hash,
        ruleSetVersionId: stored.id,
      }
    }
  }
  if (options.allowFiles && (ref.endsWith('.json') || fs.existsSync(ref))) {
    const validated = readRuleSetFile(ref)
    return { ref, kind: 'file', ...validated, ruleSetVersionId: null }
  }
  throw new NotFoundError(
    `no rule set ${formatReceived(ref)}: expected a preset (${presetNames.join(', ')}, optionally @YYYY-MM-DD)` +
      (options.meta ? ', a stored rule set id or name' : '') +
      (options.allowFiles ? ' or a JSON file' : ''),
  )
}
