// Validates a rule-set document and reports every problem at once (JSON path, value received, what is valid).
import type { z } from 'zod'
import { InvalidInputError, type InputProblem } from '../../errors.ts'
import { assertSafeInput, hostileInputProblems } from '../../userInput.ts'
import { canonicalJson, contentHash } from './canonical.ts'
import { ruleSetSchema, type RuleSet } from './schema.ts'

/** A validated rule set with its canonical body and content hash. */
export interface ValidatedRuleSet {
  rules: RuleSet
  /** Canonical JSON of the normalised document (defaults filled in): what is stored and hashed. */
  body: string
  hash: string
}

/** "margin.default.brackets[2].mmr" from a zod path. */
export function formatPath(path: ReadonlyArray<PropertyKey>, prefix = ''): string {
  let out = prefix
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`
    else out += out ? `.${String(key)}` : String(key)
  }
  return out || '(document)'
}

/** What a zod issue says is valid, in words. */
function expected(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_value':
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`
    case 'unrecognized_keys':
      return `no key ${issue.keys.map((k) => JSON.stringify(k)).join(', ')} (unknown; check the spelling)`
    case 'invalid_union':
      return issue.message.replace(/^Invalid input:?\s*/i, '') || 'one of the allowed shapes'
    case 'too_small':
    case 'too_big':
    case 'invalid_type':
    case 'invalid_format':
      return issue.message
        .replace(/^(Invalid input|Too small|Too big|Invalid string):?\s*/i, '')
        .replace(/^expected /, '')
        .replace(/, received \S+$/, '')
    default:
      return issue.message
  }
}

/** Every problem in a failed parse, with paths relative to `prefix`. */
export function problemsOf(error: z.ZodError, prefix = ''): InputProblem[] {
  return error.issues.map((issue) => ({
    path: formatPath(issue.path, prefix),
    received: issue.code === 'unrecognized_keys' ? issue.keys : (issue as { input?: unknown }).input,
    expected: expected(issue),
  }))
}

/**
 * Parses a request document with its schema: hostile text and reserved keys are refused first, then every schema
 * problem is listed at once (`what` heads the error). The one way backtest, sweep and attack-cost requests are read.
 */
export function parseRequest<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  assertSafeInput(input, '', what)
  const parsed = schema.safeParse(input, { reportInput: true })
  if (!parsed.success) throw new InvalidInputError(what, problemsOf(parsed.error))
  return parsed.data
}

/**
 * Parses and normalises a rule set; throws InvalidInputError listing every problem. Text with control characters,
 * reserved keys (__proto__, constructor, prototype) and deep nesting are refused before the schema sees them.
 */
export function validateRuleSet(document: unknown, what = 'invalid rule set'): ValidatedRuleSet {
  const hostile = hostileInputProblems(document, '')
  if (hostile.length) throw new InvalidInputError(what, hostile)
  const parsed = ruleSetSchema.safeParse(document, { reportInput: true })
  if (!parsed.success) throw new InvalidInputError(what, problemsOf(parsed.error))
  const rules = parsed.data
  return { rules, body: canonicalJson(rules), hash: contentHash(rules) }
}
