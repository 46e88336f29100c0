// Canonical JSON (keys sorted, no whitespace) and its sha256: the identity of a rule-set version.
import crypto from 'node:crypto'

/** JSON with object keys sorted at every level and no whitespace; arrays keep their order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value))
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value !== null && typeof value === 'object') {
    const out = Object.create(null) as Record<string, unknown> // keys are written, never a prototype's setter
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key]
      if (v !== undefined) out[key] = sortKeys(v)
    }
    return out
  }
  if (typeof value === 'number' && !Number.isFinite(value))
    throw new Error(`cannot hash a non-finite number (${value})`)
  return value
}

/** sha256 hex of the canonical JSON. */
export function contentHash(value: unknown): string {
  return crypto.createHash('sha256').update(canonicalJson(value)).digest('hex')
}
