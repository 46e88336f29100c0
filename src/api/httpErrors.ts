// HTTP-level failures (body too large, not JSON, not UTF-8, wrong content type or method, unknown route, anything
// that escapes a handler) answered as JSON in the GraphQL error shape, {"errors":[{"message","extensions":{"code"}}]},
// with the status of ERROR_CODES: never Express's HTML page with its stack trace, in any NODE_ENV.
import { isUtf8 } from 'node:buffer'
import crypto from 'node:crypto'
import type http from 'node:http'
import type { Duplex } from 'node:stream'
import express, { type ErrorRequestHandler, type RequestHandler, type Response } from 'express'
import { BackstopError, ERROR_CODES, formatReceived, type ErrorCode } from '../errors.ts'
import type { Logger } from '../obs/logger.ts'

/** Largest request body accepted (a query with variables is a few kB; rule-set documents about 10 kB). */
export const BODY_LIMIT_BYTES = 1024 * 1024

export function sendError(
  res: Response,
  code: ErrorCode,
  message: string,
  extensions: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): void {
  res
    .status(ERROR_CODES[code].status)
    .set(headers)
    .type('application/json')
    .send(JSON.stringify({ errors: [{ message, extensions: { code, ...extensions } }] }))
}

/** /graphql answers GET (queries, GraphiQL) and POST; anything else is 405 with the methods allowed. */
export const onlyGetAndPost: RequestHandler = (req, res, next) => {
  if (req.method === 'GET' || req.method === 'POST') return next()
  sendError(
    res,
    'METHOD_NOT_ALLOWED',
    `${req.method} is not supported here: send GraphQL with POST (or GET for queries)`,
    {},
    {
      allow: 'GET, POST',
    },
  )
}

/**
 * A POST body must be application/json in UTF-8 (graphql-over-HTTP: 415 otherwise). This also keeps the
 * form and text/plain bodies a browser may send across sites away from the API.
 */
export const jsonContentOnly: RequestHandler = (req, res, next) => {
  if (req.method !== 'POST') return next()
  const type = req.get('content-type') ?? ''
  const [mediaType = '', ...params] = type.split(';').map((p) => p.trim().toLowerCase())
  const charset = params
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/"/g, '')
  if (mediaType === 'application/json' && (charset === undefined || charset === 'utf-8' || charset === 'utf8'))
    return next()
  sendError(
    res,
    'UNSUPPORTED_MEDIA_TYPE',
    `the body must be application/json in UTF-8; received content-type ${type ? formatReceived(type) : 'none'}`,
    { accept: 'application/json' },
  )
}

/** Raised by the JSON parser's verify hook for bytes that are not UTF-8. */
class NotUtf8Error extends Error {
  readonly backstopCode = 'BAD_REQUEST'
}

/** express.json with the body limit, refusing bytes that are not UTF-8 (decoding would turn them into U+FFFD). */
export const jsonBody = express.json({
  limit: BODY_LIMIT_BYTES,
  verify: (_req, _res, body) => {
    if (!isUtf8(body)) throw new NotUtf8Error('the body is not valid UTF-8')
  },
})

/** Any route that does not exist: 404 naming what does. */
export const notFound: RequestHandler = (req, res) => {
  sendError(
    res,
    'NOT_FOUND',
    `no route ${req.method} ${formatReceived(req.path)}: GraphQL is at /graphql; operations at /healthz, /readyz, /metrics`,
  )
}

/** The error fields body-parser and http-errors set. */
interface HttpError {
  type?: string
  status?: number
  expose?: boolean
  limit?: number
  length?: number
  message?: string
  backstopCode?: string
}

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
}

/** The last Express handler: every error as JSON; the unexpected ones masked with an id that is in the log. */
export function httpErrorHandler(log: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) return next(error)
    // a known failure thrown by a route (e.g. a role check): its code, message and details
    if (error instanceof BackstopError) return sendError(res, error.code, error.message, error.details)
    const e = (error ?? {}) as HttpError
    if (e.type === 'entity.too.large') {
      const mb = (e.limit ?? BODY_LIMIT_BYTES) / (1024 * 1024)
      const received = e.length !== undefined ? ` (${e.length} bytes received)` : ''
      return sendError(res, 'PAYLOAD_TOO_LARGE', `the request body is larger than the limit of ${mb} MB${received}`, {
        limit: e.limit ?? BODY_LIMIT_BYTES,
        ...(e.length !== undefined ? { received: e.length } : {}),
      })
    }
    if (e.type === 'entity.parse.failed')
      return sendError(res, 'BAD_REQUEST', `the body is not valid JSON: ${e.message ?? 'parse error'}`)
    if (e.type === 'entity.verify.failed' && error instanceof Error && 'backstopCode' in error)
      return sendError(res, 'BAD_REQUEST', error.message)
    if (e.type === 'charset.unsupported' || e.type === 'encoding.unsupported')
      return sendError(res, 'UNSUPPORTED_MEDIA_TYPE', `the body must be application/json in UTF-8 (${e.message})`)
    const code = e.status !== undefined && e.expose ? CODE_BY_STATUS[e.status] : undefined
    if (code) return sendError(res, code, e.message ?? 'bad request')
    const errorId = crypto.randomUUID()
    log.error({ errorId, err: error, method: req.method, path: req.path }, 'unexpected error while serving a request')
    sendError(res, 'INTERNAL_SERVER_ERROR', 'Internal server error', { errorId })
  }
}

/**
 * Requests Node's HTTP parser refuses before Express sees them (a request line or headers over its 16 kB limit,
 * malformed HTTP): the same JSON error shape instead of Node's bare status line; timeouts just close.
 */
export function answerClientErrors(server: http.Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || error.code === 'ERR_HTTP_REQUEST_TIMEOUT' || !socket.writable) {
      socket.destroy()
      return
    }
    const message =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? 'the request line and headers are larger than 16 kB'
        : 'the request is not valid HTTP'
    const body = JSON.stringify({ errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] })
    socket.end(
      `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Connection: close\r\n\r\n${body}`,
    )
  })
}
