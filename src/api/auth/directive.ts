// The @auth(requires: ApiRole) directive of schema.graphql, enforced once over the executable schema: every root
// field and every field carrying the directive gets its resolver (and subscribe) wrapped by the role check, so no
// resolver checks anything itself. A root field without the directive needs reader (Query, Subscription) or operator
// (Mutation): a new mutation is never open by accident.
import { MapperKind, getDirective, mapSchema } from '@graphql-tools/utils'
import { defaultFieldResolver, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql'
import { NOBODY, isApiRole, requireRole, type ApiRole, type Principal } from './principal.ts'

export const AUTH_DIRECTIVE = 'auth'

/** What the wrapped resolvers read from the context. */
interface WithPrincipal {
  principal?: Principal
}

/** The role a field needs: its @auth, else its root type's default; null for a field that needs nothing itself. */
export function fieldRole(
  schema: GraphQLSchema,
  typeName: string,
  fieldConfig: Parameters<typeof getDirective>[1],
): ApiRole | null {
  const declared: unknown = getDirective(schema, fieldConfig, AUTH_DIRECTIVE)?.[0]?.requires
  if (declared !== undefined) {
    if (!isApiRole(declared)) throw new Error(`@${AUTH_DIRECTIVE}(requires: ${String(declared)}) is not a role`)
    return declared
  }
  if (typeName === schema.getMutationType()?.name) return 'operator'
  if (typeName === schema.getQueryType()?.name || typeName === schema.getSubscriptionType()?.name) return 'reader'
  return null
}

function guarded(
  resolve: GraphQLFieldResolver<unknown, WithPrincipal>,
  role: ApiRole,
  what: string,
): GraphQLFieldResolver<unknown, WithPrincipal> {
  return (source, args, context, info) => {
    requireRole(context?.principal ?? NOBODY, role, what)
    return resolve(source, args, context, info)
  }
}

/** `schema` with every field that needs a role guarded by requireRole. */
export function applyAuthDirective(schema: GraphQLSchema): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (fieldConfig, fieldName, typeName) => {
      const role = fieldRole(schema, typeName, fieldConfig)
      if (!role) return fieldConfig
      const root =
        typeName === schema.getMutationType()?.name
          ? 'mutation'
          : typeName === schema.getSubscriptionType()?.name
            ? 'subscription'
            : typeName === schema.getQueryType()?.name
              ? 'query'
              : typeName
      const what = `${root} ${fieldName}`
      return {
        ...fieldConfig,
        resolve: guarded(fieldConfig.resolve ?? defaultFieldResolver, role, what),
        ...(fieldConfig.subscribe ? { subscribe: guarded(fieldConfig.subscribe, role, what) } : {}),
      }
    },
  })
}
