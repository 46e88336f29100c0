// params_hash: sha256 of a detector's parsed parameters as canonical JSON (sorted keys), so equal parameters —
// however they were written — hash equally, and re-running with them replaces the same rows.
import crypto from 'node:crypto'

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
}

export const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest('hex')

export const paramsHash = (params: unknown) => sha256(canonicalJson(params))
