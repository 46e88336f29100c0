// Authentication and roles: what the HTTP server, the REST routes and subscriptions import.
export { anonymousReadOf, createAuthenticator, resolvePrincipal, type Authenticator } from './authenticator.ts'
export { AUTH_DIRECTIVE, applyAuthDirective } from './directive.ts'
export { authenticateRequests, principalOf, requireRequestRole } from './http.ts'
export {
  API_ROLES,
  ForbiddenError,
  NOBODY,
  UnauthenticatedError,
  hasRole,
  requireRole,
  type ApiRole,
  type Principal,
} from './principal.ts'
