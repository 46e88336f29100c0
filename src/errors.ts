// Errors every layer may throw; each carries the stable code the API exposes as `extensions.code`, and every code
// a client can see has one HTTP status in ERROR_CODES.

/**
 * Every `extensions.code` a client can receive, with its HTTP status and what it means. GraphQL results that reach
 * execution answer 200 whatever their errors (graphql-over-HTTP for application/json); the status is the one of
 * errors raised before execution (HTTP, parse, validation) and of non-GraphQL routes. README "Errors" lists the same
 * codes (a test compares them).
 */
export const ERROR_CODES = {
  BAD_USER_INPUT: { status: 400, meaning: 'an argument or input is invalid; `problems` lists each one' },
  OUT_OF_RANGE: { status: 400, meaning: 'an amount leaves the range the engine computes exactly (±9.007e9 quote)' },
  BAD_REQUEST: { status: 400, meaning: 'the HTTP request is malformed (bad JSON, not UTF-8, no query, batching)' },
  GRAPHQL_PARSE_FAILED: { status: 400, meaning: 'the query is not valid GraphQL syntax' },
  GRAPHQL_VALIDATION_FAILED: {
    status: 400,
    meaning: 'the query does not fit the schema or a query limit (`limit`, `max`, `received`)',
  },
  OPERATION_RESOLUTION_FAILURE: { status: 400, meaning: 'the operation to run cannot be determined' },
  UNAUTHENTICATED: {
    status: 401,
    meaning: 'no valid credentials: none where needed, or an unknown/revoked/expired key',
  },
  FORBIDDEN: { status: 403, meaning: "the API key's role is too low for this" },
  NOT_FOUND: { status: 404, meaning: 'no such rule set, run or route' },
  METHOD_NOT_ALLOWED: { status: 405, meaning: 'a mutation sent with GET, or another method than GET / POST' },
  CONFLICT: { status: 409, meaning: 'the request conflicts with the current state (e.g. a job already running)' },
  PAYLOAD_TOO_LARGE: { status: 413, meaning: 'the request body is larger than the limit (`limit` bytes)' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, meaning: 'the body is not application/json (UTF-8)' },
  PERSISTED_QUERY_NOT_FOUND: {
    status: 200,
    meaning: 'automatic persisted query unknown: send the full query (answered 200, as the protocol says)',
  },
  BAD_CONFIGURATION: { status: 500, meaning: 'a setting is invalid (the process does not start; exit code 2)' },
  INTERNAL_SERVER_ERROR: { status: 500, meaning: 'unexpected; details in the server log under `errorId`' },
  UNAVAILABLE: { status: 503, meaning: 'a store or upstream is not available right now; retry later' },
  TIMEOUT: { status: 504, meaning: 'the operation ran longer than the execution limit (`limit` ms)' },
} as const satisfies Record<string, { status: number; meaning: string }>

export type ErrorCode = keyof typeof ERROR_CODES

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code)
}

/** The HTTP status of a code (500 for anything unknown). */
export function httpStatusOf(code: unknown): number {
  return isErrorCode(code) ? ERROR_CODES[code].status : 500
}

/** One thing wrong with an input: where, what was received, what is valid. */
export interface InputProblem {
  /** Path of the offending field, e.g. "margin.brackets[2].mmr" or "PORT". */
  path: string
  received: unknown
  expected: string
}

export abstract class BackstopError extends Error {
  abstract readonly code: ErrorCode
  /** Extra fields exposed to API clients next to the code. */
  readonly details: Record<string, unknown>

  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message)
    this.name = new.target.name
    this.details = details
  }
}

/** "  path: received …; expected …" lines, one per problem. */
export function formatProblems(problems: readonly InputProblem[]): string {
  return problems
    .map((p) => `  ${boundedPath(p.path)}: received ${formatReceived(p.received)}; expected ${p.expected}`)
    .join('\n')
}

/** A path as shown: paths can hold user text (a derive path, a JSON key), so a long one is cut like a value. */
function boundedPath(path: string): string {
  return path.length <= 2 * QUOTE_MAX ? path : `${cutText(path, 2 * QUOTE_MAX)}… (${path.length} characters)`
}

/** The input is wrong; every problem is listed, not just the first. */
export class InvalidInputError extends BackstopError {
  readonly code = 'BAD_USER_INPUT'

  constructor(
    message: string,
    readonly problems: InputProblem[] = [],
  ) {
    super(problems.length ? `${message}:\n${formatProblems(problems)}` : message, {
      problems: problems.map((p) => ({ ...p, path: boundedPath(p.path), received: clientValue(p.received) })),
    })
  }
}

export class NotFoundError extends BackstopError {
  readonly code = 'NOT_FOUND'
}

/** The request conflicts with the current state (e.g. a job of the same name is already running). */
export class ConflictError extends BackstopError {
  readonly code = 'CONFLICT'
}

/** A store or upstream is not available right now; retrying later may succeed. */
export class UnavailableError extends BackstopError {
  readonly code = 'UNAVAILABLE'
}

/** A number leaves the range that can be computed exactly (money in micro-units beyond ±2^53). */
export class OutOfRangeError extends BackstopError {
  readonly code = 'OUT_OF_RANGE'
}

/** Longest text quoted whole in a message; longer values are cut and their length stated. */
const QUOTE_MAX = 120

/**
 * A value as quoted in a message: JSON, with control characters, DEL and lone surrogates escaped, cut after
 * QUOTE_MAX characters with the full length stated, e.g. `"aaaa…" (10485760 characters)`.
 */
export function formatReceived(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (typeof value === 'string') {
    if (value.length <= QUOTE_MAX) return escapeDel(JSON.stringify(value))
    return `${escapeDel(JSON.stringify(cutText(value, QUOTE_MAX)).slice(0, -1))}…" (${value.length} characters)`
  }
  const text = escapeDel(jsonText(value) ?? String(value))
  return text.length > QUOTE_MAX ? `${cutText(text, QUOTE_MAX)}… (${text.length} characters of JSON)` : text
}

/** JSON of a value (bigints as numbers' digits), or null when it cannot be serialised (cyclic, too deep). */
function jsonText(value: unknown): string | null {
  try {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? null
  } catch {
    return null
  }
}

/** The first `n` UTF-16 units of a text, without splitting a surrogate pair. */
function cutText(text: string, n: number): string {
  const end = /[\ud800-\udbff]/.test(text[n - 1] ?? '') ? n - 1 : n
  return text.slice(0, end)
}

/** JSON.stringify escapes C0 and lone surrogates but not DEL. */
function escapeDel(json: string): string {
  return json.replaceAll('\u007f', '\\u007f')
}

/** A value for an error's `extensions`: kept as is when it serialises short, else the text formatReceived quotes. */
function clientValue(value: unknown): unknown {
  if (value === undefined || value === null || typeof value === 'number' || typeof value === 'boolean') return value
  const json = jsonText(value)
  return json !== null && json.length <= QUOTE_MAX + 2 && typeof value !== 'bigint' ? value : formatReceived(value)
}

/**
 * Quoted strings longer than QUOTE_MAX inside a message written by a library (GraphQL coercion errors quote the
 * whole value) cut like formatReceived's.
 */
export function truncateQuoted(message: string): string {
  return message.replace(/"((?:[^"\\]|\\.){121,})"/g, (_m, inner: string) => {
    const cut = inner.slice(0, QUOTE_MAX).replace(/\\[^"]{0,5}$/, '')
    return `"${cut}…" (${inner.length} characters, escaped)`
  })
}
