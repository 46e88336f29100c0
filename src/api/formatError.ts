// Error policy for API clients: every error carries a code of ERROR_CODES (src/errors.ts). Backstop's errors keep
// their code and details; GraphQL's and Apollo's client errors keep theirs (the token limit reported as a limit, a
// mutation over GET as METHOD_NOT_ALLOWED), with long quoted values cut; anything unexpected is masked.
import crypto from 'node:crypto'
import { unwrapResolverError } from '@apollo/server/errors'
import type { GraphQLError, GraphQLFormattedError } from 'graphql'
import { BackstopError, isErrorCode, truncateQuoted } from '../errors.ts'
import type { Logger } from '../obs/logger.ts'
import { tokenLimitError } from './queryLimits.ts'

/**
 * graphql stops coercing variables after 50 errors with this message and no code (Apollo would report it as
 * internal): it is the client's input.
 */
const VARIABLE_ERROR_LIMIT = /^Too many errors processing variables, error limit reached/

/** Longest message sent as written; a library message beyond it (whole values inspected) is cut. */
const MESSAGE_MAX = 2000

function boundedMessage(message: string): string {
  const text = truncateQuoted(message)
  return text.length > MESSAGE_MAX ? `${text.slice(0, MESSAGE_MAX)}… (${text.length} characters)` : text
}

/**
 * The HTTP status Apollo chose for an error (GET with a mutation: 405). Read by shape, not instanceof: Apollo and
 * this module may hold different copies of graphql (its CommonJS and ES builds, as under vitest).
 */
function httpStatus(error: unknown): number | undefined {
  const extensions = (error as Partial<GraphQLError> | null)?.extensions
  return (extensions?.http as { status?: number } | undefined)?.status
}

export function createFormatError(log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error)
    if (original instanceof BackstopError) {
      return {
        message: original.message,
        locations: formatted.locations,
        path: formatted.path,
        extensions: { ...original.details, code: original.code },
      }
    }
    const limit = tokenLimitError(error)
    if (limit) {
      const { http: _http, ...extensions } = limit.extensions
      return { message: limit.message, extensions }
    }
    const code =
      httpStatus(error) === 405
        ? 'METHOD_NOT_ALLOWED'
        : VARIABLE_ERROR_LIMIT.test(formatted.message)
          ? 'BAD_USER_INPUT'
          : formatted.extensions?.code
    if (isErrorCode(code) && code !== 'INTERNAL_SERVER_ERROR') {
      const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {}
      return { ...formatted, message: boundedMessage(formatted.message), extensions: { ...extensions, code } }
    }
    const errorId = crypto.randomUUID()
    log.error({ errorId, err: original, path: formatted.path }, 'unexpected error while resolving a GraphQL request')
    return {
      message: 'Internal server error',
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR', errorId },
    }
  }
}
