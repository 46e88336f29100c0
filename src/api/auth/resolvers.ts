// Query.apiKeys / apiKeysConnection and the createApiKey / revokeApiKey mutations (admin, by @auth in schema.graphql).
import type { MutationResolvers, QueryResolvers } from '../generated/resolvers-types.ts'
import { issueApiKey, listApiKeys, readApiKeyList, revokeApiKey as revoke } from '../../store/meta/apiKeys.ts'
import { listQuery, toConnection } from '../common/pagination.ts'
import { InvalidInputError } from '../../errors.ts'

export const apiKeys: QueryResolvers['apiKeys'] = (_parent, _args, { runtime }) => listApiKeys(runtime.meta)

export const apiKeysConnection: QueryResolvers['apiKeysConnection'] = async (_parent, args, { runtime }) => {
  const query = listQuery(args)
  return toConnection(await readApiKeyList(runtime.meta, query), query)
}

export const createApiKey: MutationResolvers['createApiKey'] = async (_parent, args, { runtime }) => {
  const expiresAt = args.expiresAt == null ? null : new Date(args.expiresAt)
  if (expiresAt && Number.isNaN(expiresAt.getTime()))
    throw new InvalidInputError('invalid API key', [
      { path: 'expiresAt', received: args.expiresAt, expected: 'an RFC 3339 time' },
    ])
  const { secret, key } = await issueApiKey(runtime.meta, { name: args.name, role: args.role, expiresAt })
  return { key: secret, apiKey: key }
}

export const revokeApiKey: MutationResolvers['revokeApiKey'] = (_parent, args, { runtime }) =>
  revoke(runtime.meta, args.id)
