// Differences between two rule-set documents as paths and values, in the path syntax `rules derive` accepts
// (margin.default.brackets[0].mmr), so a difference can be pasted back as an override.

export interface RuleSetDifference {
  path: string
  /** Value in the preset; undefined when the path is absent there (added). */
  preset?: unknown
  /** Value in the rule set used; undefined when absent (removed). */
  used?: unknown
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

const key = (parent: string, name: string) =>
  /^[A-Za-z_$][\w$-]*$/.test(name) ? (parent ? `${parent}.${name}` : name) : `${parent}[${JSON.stringify(name)}]`

/**
 * Every leaf that differs between `preset` and `used`, in document order (keys sorted), at most `limit`. Objects
 * are compared key by key, lists item by item (an added or removed item is one difference at its index).
 */
export function diffRuleSets(preset: unknown, used: unknown, limit = 500): RuleSetDifference[] {
  const out: RuleSetDifference[] = []
  const walk = (a: unknown, b: unknown, path: string) => {
    if (out.length >= limit) return
    if (isObject(a) && isObject(b)) {
      for (const name of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
        const p = key(path, name)
        if (!Object.hasOwn(a, name)) out.push({ path: p, used: b[name] })
        else if (!Object.hasOwn(b, name)) out.push({ path: p, preset: a[name] })
        else walk(a[name], b[name], p)
        if (out.length >= limit) return
      }
      return
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      for (let i = 0; i < Math.max(a.length, b.length); i++) {
        const p = `${path}[${i}]`
        if (i >= a.length) out.push({ path: p, used: b[i] })
        else if (i >= b.length) out.push({ path: p, preset: a[i] })
        else walk(a[i], b[i], p)
        if (out.length >= limit) return
      }
      return
    }
    if (!Object.is(a, b) && JSON.stringify(a) !== JSON.stringify(b)) out.push({ path, preset: a, used: b })
  }
  walk(preset, used, '')
  return out
}
