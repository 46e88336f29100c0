// API keys in ApiKey: issue (the secret is returned once, only its sha256 is kept), list, revoke, look up by secret,
// and record when a key was last used.
import crypto from 'node:crypto'
import { InvalidInputError, NotFoundError, formatReceived } from '../../errors.ts'
import type { ListPage, ListQuery } from '../query/listQuery.ts'
import { readPrismaList, type PrismaListSpec } from '../query/prismaList.ts'
import type { MetaClient } from './client.ts'
import type { ApiKey, Prisma } from './generated/client.ts'

/** Roles, weakest first: each may do everything the ones before it may. */
export const API_ROLES = ['reader', 'operator', 'admin'] as const
export type ApiRole = (typeof API_ROLES)[number]

export function isApiRole(value: unknown): value is ApiRole {
  return typeof value === 'string' && (API_ROLES as readonly string[]).includes(value)
}

/** Every key starts with this, so a leaked one is recognisable (secret scanners, logs). */
export const API_KEY_PREFIX = 'bks_'
/** Characters of the key kept in clear to tell keys apart in listings: the prefix and 8 random characters. */
const SHOWN_CHARS = API_KEY_PREFIX.length + 8
/** The shape of a key: the prefix and 32 random bytes in base64url (43 characters). */
const KEY_SHAPE = /^bks_[A-Za-z0-9_-]{43}$/

/** A key as listed: never its secret nor its hash. */
export type ListedApiKey = Omit<ApiKey, 'secretHash'>

export interface NewApiKey {
  name: string
  role: ApiRole
  expiresAt?: Date | null
}

/** sha256 of the whole key: keys are 256-bit random, so a fast hash cannot be searched backwards. */
function hashSecret(secret: string): string {
  return crypto.createHash('sha256').update(secret, 'utf8').digest('hex')
}

/** Creates a key; the returned `secret` exists nowhere else afterwards. */
export async function issueApiKey(
  meta: MetaClient,
  key: NewApiKey,
  now = new Date(),
): Promise<{ secret: string; key: ListedApiKey }> {
  const problems = []
  const name = key.name.trim()
  if (!/^[\w .:@-]{1,64}$/.test(name))
    problems.push({ path: 'name', received: key.name, expected: '1 to 64 letters, digits, spaces or _ . : @ -' })
  if (!isApiRole(key.role)) problems.push({ path: 'role', received: key.role, expected: API_ROLES.join(', ') })
  if (key.expiresAt && key.expiresAt.getTime() <= now.getTime())
    problems.push({ path: 'expiresAt', received: key.expiresAt.toISOString(), expected: 'a time in the future' })
  if (problems.length) throw new InvalidInputError('invalid API key', problems)
  const secret = API_KEY_PREFIX + crypto.randomBytes(32).toString('base64url')
  const row = await meta.apiKey.create({
    data: {
      name,
      role: key.role,
      prefix: secret.slice(0, SHOWN_CHARS),
      secretHash: hashSecret(secret),
      expiresAt: key.expiresAt ?? null,
    },
  })
  return { secret, key: withoutHash(row) }
}

export async function listApiKeys(meta: MetaClient): Promise<ListedApiKey[]> {
  const rows = await meta.apiKey.findMany({ orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] })
  return rows.map(withoutHash)
}

/** Keys as a filterable, keyset-paged list (oldest first by default), never with their hash. */
export const API_KEY_LIST: PrismaListSpec = {
  fields: {
    id: { type: 'string', path: ['id'], sortable: true },
    name: { type: 'string', path: ['name'], sortable: true },
    prefix: { type: 'string', path: ['prefix'], sortable: true },
    role: { type: 'enum', values: API_ROLES, path: ['role'], sortable: true },
    createdAt: { type: 'timestamp', path: ['createdAt'], sortable: true },
    lastUsedAt: { type: 'timestamp', path: ['lastUsedAt'] },
    expiresAt: { type: 'timestamp', path: ['expiresAt'] },
    revokedAt: { type: 'timestamp', path: ['revokedAt'] },
  },
  id: 'id',
  defaultOrder: [{ field: 'createdAt', direction: 'ASC' }],
}

export async function readApiKeyList(meta: MetaClient, query: ListQuery): Promise<ListPage<ListedApiKey>> {
  return readPrismaList(
    API_KEY_LIST,
    query,
    (args) => meta.apiKey.findMany({ ...(args as Prisma.ApiKeyFindManyArgs), omit: { secretHash: true } }),
    (args) => meta.apiKey.count(args as Prisma.ApiKeyCountArgs),
  )
}

/** Revokes a key by id or shown prefix; revoking twice keeps the first time. */
export async function revokeApiKey(meta: MetaClient, idOrPrefix: string, now = new Date()): Promise<ListedApiKey> {
  const found = await meta.apiKey.findFirst({ where: { OR: [{ id: idOrPrefix }, { prefix: idOrPrefix }] } })
  if (!found) throw new NotFoundError(`no API key ${formatReceived(idOrPrefix)} (give its id or prefix)`)
  if (found.revokedAt) return withoutHash(found)
  return withoutHash(await meta.apiKey.update({ where: { id: found.id }, data: { revokedAt: now } }))
}

/**
 * The key a secret belongs to, whatever its state (the caller decides what revoked or expired means), or null. A
 * text that cannot be a key is not looked up.
 */
export async function findApiKeyBySecret(meta: MetaClient, secret: string): Promise<ListedApiKey | null> {
  if (!KEY_SHAPE.test(secret)) return null
  const row = await meta.apiKey.findUnique({ where: { secretHash: hashSecret(secret) } })
  return row ? withoutHash(row) : null
}

export async function markApiKeyUsed(meta: MetaClient, id: string, at: Date): Promise<void> {
  await meta.apiKey.updateMany({ where: { id }, data: { lastUsedAt: at } })
}

function withoutHash(row: ApiKey): ListedApiKey {
  const { secretHash: _secretHash, ...rest } = row
  return rest
}
