// Differences between two rule sets as paths and values, in the path syntax `rules derive --set` reads, so the
// changes from one rule set to another can be reviewed, and (for changed and added values) replayed as a derivation.
import { canonicalJson } from './canonical.ts'

export type RuleSetChangeKind = 'changed' | 'added' | 'removed'

export interface RuleSetChange {
  /** Dotted path with [n] for list items, e.g. margin.default.brackets[0].mmr. */
  path: string
  change: RuleSetChangeKind
  /** The value in the first rule set (undefined when added). */
  from?: unknown
  /** The value in the second rule set (undefined when removed). */
  to?: unknown
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

const join = (prefix: string, key: string | number): string =>
  typeof key === 'number' ? `${prefix}[${key}]` : prefix === '' ? key : `${prefix}.${key}`

/**
 * Every leaf where `a` and `b` differ, in document order (object keys sorted, list items by index). Objects are
 * compared key by key; lists item by item, so a bracket inserted in the middle shows as changes to the later
 * brackets plus one added at the end — the same paths a derivation would have to set. A value whose type differs
 * (a number replaced by an object) is one change at that path.
 */
export function diffRuleSets(a: unknown, b: unknown): RuleSetChange[] {
  const changes: RuleSetChange[] = []
  const walk = (x: unknown, y: unknown, path: string): void => {
    if (x === undefined && y === undefined) return
    if (x === undefined) return void changes.push({ path, change: 'added', to: y })
    if (y === undefined) return void changes.push({ path, change: 'removed', from: x })
    if (isRecord(x) && isRecord(y)) {
      const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])].sort()
      for (const key of keys) walk(x[key], y[key], join(path, key))
      return
    }
    if (Array.isArray(x) && Array.isArray(y)) {
      for (let i = 0; i < Math.max(x.length, y.length); i++) walk(x[i], y[i], join(path, i))
      return
    }
    // canonical JSON compares numbers, strings, booleans and null by value (and mixed shapes as different)
    if (canonicalJson(x) !== canonicalJson(y)) changes.push({ path, change: 'changed', from: x, to: y })
  }
  walk(a, b, '')
  return changes
}
