// Hostile-input checks shared by every entry point (GraphQL arguments, CLI flags and the JSON documents they carry):
// text with control characters and object keys that reach a prototype are refused, naming the path and showing the
// value escaped. One walker, used everywhere, so the rule cannot drift between copies.
import { InvalidInputError, type InputProblem } from './errors.ts'

/** Object keys that name or reach a prototype when used as a property name; never valid in a user document. */
export const RESERVED_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype']

/** Deepest nesting of arrays and objects accepted in a user document (rule sets need 6). */
export const MAX_NESTING = 32

// C0 controls (tab and newline included), DEL, and surrogates that are not half of a pair; matching control
// characters is this pattern's purpose
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/** Where a text holds its first control character, DEL or lone surrogate, or null when it holds none. */
export function unsafeCharAt(text: string): { index: number; code: number } | null {
  const index = text.search(UNSAFE)
  return index < 0 ? null : { index, code: text.charCodeAt(index) }
}

/** What a refused text holds, e.g. "U+0000 at character 4". */
function describeUnsafe(found: { index: number; code: number }): string {
  const name = `U+${found.code.toString(16).toUpperCase().padStart(4, '0')}`
  const kind = found.code >= 0xd800 ? 'a lone surrogate' : found.code === 0x7f ? 'DEL' : 'a control character'
  return `${kind} ${name} at character ${found.index + 1}`
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/

/** "input.markets[0]", "set[1].value.margin", `value["a b"]`. */
function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`
  if (IDENTIFIER.test(key)) return path ? `${path}.${key}` : key
  return `${path}[${JSON.stringify(key)}]`
}

function isPlainRecord(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value) as unknown
  return proto === Object.prototype || proto === null
}

/**
 * Every hostile part of a user value: a string (or object key) with a control character, DEL or a lone surrogate,
 * a reserved key (`__proto__`, `constructor`, `prototype`), or nesting deeper than MAX_NESTING. Other objects than
 * plain ones (dates, buffers) are left alone. Iterative, so a deeply nested document cannot overflow the stack.
 */
export function hostileInputProblems(value: unknown, path: string): InputProblem[] {
  const problems: InputProblem[] = []
  // a stack of values still to look at and problems already found, popped in document order
  type Item = { value: unknown; path: string; depth: number } | { problem: InputProblem }
  const stack: Item[] = [{ value, path, depth: 0 }]
  while (stack.length) {
    const item = stack.pop()!
    if ('problem' in item) {
      problems.push(item.problem)
      continue
    }
    const v = item.value
    if (typeof v === 'string') {
      const found = unsafeCharAt(v)
      if (found)
        problems.push({
          path: item.path || '(value)',
          received: v,
          expected: `text without control characters (found ${describeUnsafe(found)})`,
        })
      continue
    }
    if (v === null || typeof v !== 'object') continue
    if (item.depth >= MAX_NESTING) {
      problems.push({
        path: item.path || '(value)',
        received: '(nested deeper)',
        expected: `at most ${MAX_NESTING} levels of nested lists and objects`,
      })
      continue
    }
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--)
        stack.push({ value: v[i], path: childPath(item.path, i), depth: item.depth + 1 })
      continue
    }
    if (!isPlainRecord(v)) continue
    const keys = Object.keys(v)
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!
      const at = childPath(item.path, key)
      const found = unsafeCharAt(key)
      if (found)
        stack.push({
          problem: {
            path: at,
            received: key,
            expected: `a key without control characters (found ${describeUnsafe(found)})`,
          },
        })
      else if (RESERVED_KEYS.includes(key))
        stack.push({ problem: { path: at, received: key, expected: `a key other than ${RESERVED_KEYS.join(', ')}` } })
      else stack.push({ value: v[key], path: at, depth: item.depth + 1 })
    }
  }
  return problems
}

/** Throws InvalidInputError (BAD_USER_INPUT) listing every hostile part of `value`. */
export function assertSafeInput(value: unknown, path: string, what = 'invalid input'): void {
  const problems = hostileInputProblems(value, path)
  if (problems.length) throw new InvalidInputError(what, problems)
}
