// Who is calling (a principal) and the one role check every entry point uses: GraphQL fields through the @auth
// directive, REST routes, subscriptions.
import { BackstopError } from '../../errors.ts'
import { API_ROLES, type ApiRole } from '../../store/meta/apiKeys.ts'

export { API_ROLES, isApiRole, type ApiRole } from '../../store/meta/apiKeys.ts'

/**
 * The caller of a request. `anonymous` has `reader` when anonymous reading is on and no role otherwise; `local` is
 * the server's own admin token (the CLI on the same machine); `key` an API key.
 */
export type Principal =
  | { kind: 'anonymous'; role: ApiRole | null }
  | { kind: 'key'; role: ApiRole; keyId: string; name: string }
  | { kind: 'local'; role: 'admin' }

/** The caller when nothing resolved one (a context built without the auth step): no rights at all. */
export const NOBODY: Principal = Object.freeze({ kind: 'anonymous', role: null })

/** No valid credentials: none sent where one is needed, or a key that is unknown, revoked or expired. */
export class UnauthenticatedError extends BackstopError {
  readonly code = 'UNAUTHENTICATED'
}

/** Valid credentials whose role is too low. */
export class ForbiddenError extends BackstopError {
  readonly code = 'FORBIDDEN'
}

const rank = (role: ApiRole): number => API_ROLES.indexOf(role)

export function hasRole(principal: Principal, role: ApiRole): boolean {
  return principal.role !== null && rank(principal.role) >= rank(role)
}

/**
 * Throws unless `principal` holds `role` or a stronger one: UNAUTHENTICATED for a caller without a key, FORBIDDEN for
 * a key whose role is too low. `what` names the thing refused in the message (e.g. "mutation runBacktest").
 */
export function requireRole(principal: Principal, role: ApiRole, what = 'this'): void {
  if (hasRole(principal, role)) return
  const details = { required: role, ...(principal.role ? { role: principal.role } : {}) }
  if (principal.kind === 'anonymous') {
    throw new UnauthenticatedError(
      `${what} needs an API key with role ${role} or above: send the header "Authorization: Bearer <key>"` +
        (principal.role ? '' : ' (anonymous access is off)'),
      details,
    )
  }
  throw new ForbiddenError(`${what} needs role ${role} or above; this key has role ${principal.role}`, details)
}
