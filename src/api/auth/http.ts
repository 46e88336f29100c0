// The auth step of the HTTP routes: resolves each request's principal once (an invalid key is answered 401 here,
// before any route runs) and keeps it with the request for GraphQL's context and the REST routes' role checks.
import type { Request, RequestHandler } from 'express'
import { formatReceived } from '../../errors.ts'
import type { Logger } from '../../obs/logger.ts'
import { sendError } from '../httpErrors.ts'
import type { Authenticator } from './authenticator.ts'
import { NOBODY, UnauthenticatedError, requireRole, type ApiRole, type Principal } from './principal.ts'

const principals = new WeakMap<Request, Principal>()

/** The principal the auth step resolved for `req`; without that step, nobody (no rights). */
export function principalOf(req: Request): Principal {
  return principals.get(req) ?? NOBODY
}

/** Express middleware: the request's principal, or 401 UNAUTHENTICATED for credentials that are not valid. */
export function authenticateRequests(authenticator: Authenticator, log?: Logger): RequestHandler {
  return async (req, res, next) => {
    try {
      const principal = await authenticator.resolvePrincipal(req.get('authorization'))
      principals.set(req, principal)
      // the headers as sent, for debugging: the logger redacts req.headers.authorization
      log?.debug(
        {
          req: { method: req.method, url: req.originalUrl, headers: req.headers },
          principal: { kind: principal.kind, role: principal.role },
        },
        'request authenticated',
      )
      next()
    } catch (error) {
      if (!(error instanceof UnauthenticatedError)) return next(error)
      sendError(res, 'UNAUTHENTICATED', error.message, {}, { 'www-authenticate': 'Bearer' })
    }
  }
}

/**
 * The REST routes' role hook (`(req, role)`, as reportsRouter takes it): throws UNAUTHENTICATED or FORBIDDEN, which
 * the HTTP error handler answers with its status.
 */
export function requireRequestRole(req: Request, role: ApiRole): boolean {
  requireRole(principalOf(req), role, `${req.method} ${formatReceived(req.path)}`)
  return true
}
