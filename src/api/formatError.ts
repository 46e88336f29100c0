// Error policy for API clients: known errors keep a stable extensions.code; anything unexpected is masked.
import crypto from 'node:crypto'
import { unwrapResolverError } from '@apollo/server/errors'
import type { GraphQLFormattedError } from 'graphql'
import { BackstopError } from '../errors.ts'
import type { Logger } from '../obs/logger.ts'

/** Codes produced by GraphQL itself or by request validation: safe to show as they are. */
const CLIENT_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
])

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
    const code = formatted.extensions?.code
    if (typeof code === 'string' && CLIENT_CODES.has(code)) {
      const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {}
      return { ...formatted, extensions }
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
