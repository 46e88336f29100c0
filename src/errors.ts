// Errors every layer may throw; each carries the stable code the API exposes as `extensions.code`.

export type ErrorCode = 'BAD_USER_INPUT' | 'NOT_FOUND' | 'CONFLICT' | 'UNAVAILABLE'

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

/** The input is wrong; every problem is listed, not just the first. */
export class InvalidInputError extends BackstopError {
  readonly code = 'BAD_USER_INPUT'

  constructor(
    message: string,
    readonly problems: InputProblem[] = [],
  ) {
    super(
      problems.length
        ? `${message}:\n${problems.map((p) => `  ${p.path}: received ${formatReceived(p.received)}; expected ${p.expected}`).join('\n')}`
        : message,
      { problems },
    )
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

export function formatReceived(value: unknown): string {
  if (value === undefined) return 'nothing'
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value))
  return text.length > 120 ? `${text.slice(0, 117)}...` : text
}
