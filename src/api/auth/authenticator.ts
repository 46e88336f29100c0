// Resolves the Authorization header of a request into its principal: an API key (looked up by its sha256), the
// server's local admin token, or anonymous. Unknown, revoked and expired keys are refused alike.
import crypto from 'node:crypto'
import type { Config } from '../../config/load.ts'
import type { Logger } from '../../obs/logger.ts'
import { findApiKeyBySecret, isApiRole, markApiKeyUsed, type ListedApiKey } from '../../store/meta/apiKeys.ts'
import type { MetaClient } from '../../store/meta/client.ts'
import { UnauthenticatedError, type Principal } from './principal.ts'

/** lastUsedAt is written at most this often per key: a busy key must not cost a metadata write per request. */
export const LAST_USED_INTERVAL_MS = 60_000

export interface AuthenticatorOptions {
  meta: MetaClient
  /** Whether a caller without credentials may read (role reader). */
  anonymousRead: boolean
  /** A bearer equal to this is principal `local` with role admin. */
  localAdminToken?: string | undefined
  log?: Logger
  /** The clock for expiry and the lastUsedAt throttle. */
  now?: () => Date
  /**
   * The data generation (store/generation.ts): a key found is reused while it stays the same, so a busy key costs no
   * metadata read per request; a revocation is a metadata write, which moves it. Absent or null: read every time.
   */
  generation?: () => string | null
}

/** Keys remembered at most (a full memo starts again empty: unknown tokens are never remembered). */
const FOUND_KEYS_MAX = 1000

export interface Authenticator {
  readonly anonymousRead: boolean
  /** The principal of an Authorization header value (undefined or empty: anonymous). */
  resolvePrincipal(authorization: string | undefined): Promise<Principal>
}

/** Hosts that only this machine can reach. */
function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '')
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h)
}

/**
 * API_ANONYMOUS_READ when set; otherwise on for a development server listening on loopback only (the `npm start`
 * first run), off in production or on any other interface.
 */
export function anonymousReadOf(config: Pick<Config, 'apiAnonymousRead' | 'host' | 'nodeEnv'>): boolean {
  return config.apiAnonymousRead ?? (config.nodeEnv !== 'production' && isLoopback(config.host))
}

/** Constant-time equality of two texts of any length (their digests are compared). */
function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => crypto.createHash('sha256').update(s, 'utf8').digest()
  return crypto.timingSafeEqual(digest(a), digest(b))
}

const INVALID = 'invalid API key: it is unknown, revoked or expired'

export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const { meta, anonymousRead, localAdminToken, log } = options
  const now = options.now ?? (() => new Date())
  const anonymous: Principal = Object.freeze({ kind: 'anonymous', role: anonymousRead ? 'reader' : null })
  const local: Principal = Object.freeze({ kind: 'local', role: 'admin' })
  /** When each key's lastUsedAt was last written (ms). */
  const lastWritten = new Map<string, number>()
  /** Keys found, by the sha256 of their secret, with the generation they were read in. */
  const found = new Map<string, { generation: string; key: ListedApiKey }>()

  async function findKey(token: string): Promise<ListedApiKey | null> {
    // read before the lookup: a revocation committing during it moves the generation past the one remembered
    const generation = options.generation?.() ?? null
    if (generation === null) return findApiKeyBySecret(meta, token)
    const digest = crypto.createHash('sha256').update(token, 'utf8').digest('base64')
    const memo = found.get(digest)
    if (memo?.generation === generation) return memo.key
    const key = await findApiKeyBySecret(meta, token)
    if (key) {
      if (found.size >= FOUND_KEYS_MAX) found.clear()
      found.set(digest, { generation, key })
    } else found.delete(digest)
    return key
  }

  async function noteUse(keyId: string, at: Date): Promise<void> {
    const last = lastWritten.get(keyId)
    if (last !== undefined && at.getTime() - last < LAST_USED_INTERVAL_MS) return
    lastWritten.set(keyId, at.getTime())
    try {
      await markApiKeyUsed(meta, keyId, at)
    } catch (error) {
      // bookkeeping only: the request goes on
      log?.warn({ err: error, keyId }, 'could not record when an API key was last used')
    }
  }

  return {
    anonymousRead,
    async resolvePrincipal(authorization) {
      if (authorization === undefined || authorization.trim() === '') return anonymous
      const match = /^Bearer +(\S+) *$/i.exec(authorization)
      if (!match) {
        throw new UnauthenticatedError(
          'the Authorization header must be "Bearer <key>" (an API key from `backstop keys create`)',
        )
      }
      const token = match[1]!
      if (localAdminToken && sameSecret(token, localAdminToken)) return local
      const key = await findKey(token)
      const at = now()
      if (!key || key.revokedAt || (key.expiresAt && key.expiresAt.getTime() <= at.getTime()) || !isApiRole(key.role))
        throw new UnauthenticatedError(INVALID)
      await noteUse(key.id, at)
      return { kind: 'key', role: key.role, keyId: key.id, name: key.name }
    },
  }
}

/** The principal of a header value, through `authenticator` (the name the other entry points import). */
export function resolvePrincipal(authenticator: Authenticator, authorization: string | undefined): Promise<Principal> {
  return authenticator.resolvePrincipal(authorization)
}
