// GraphQL subscriptions over WebSocket (the graphql-ws protocol) on the HTTP server's port and path, as Apollo
// Server 5 documents: a `ws` server on the same http.Server, `useServer` from graphql-ws/use/ws, and a drain hook
// that closes every socket (1001 Going away) when the API stops. Operations get the HTTP endpoint's limits
// (tokens, depth, aliases, directives, cost) and error policy; connection_init carries the credentials
// (`{ authorization: "Bearer …" }`), checked like the HTTP header.
import crypto from 'node:crypto'
import type http from 'node:http'
import { createRequire } from 'node:module'
import type * as GraphQL from 'graphql'
import type { GraphQLError, GraphQLSchema } from 'graphql'
import { useServer } from 'graphql-ws/use/ws'
import { WebSocketServer } from 'ws'
import type { RunControl } from '../../app/runControl.ts'
import type { Runtime } from '../../app/runtime.ts'
import { NOBODY, UnauthenticatedError, type Principal } from '../auth/index.ts'
import type { ApiContext } from '../context.ts'
import { createFormatError } from '../formatError.ts'
import { MAX_TOKENS, armorProtection, depthLimitRule } from '../queryLimits.ts'
import type { RunEventFeed } from './runProgress.ts'

/**
 * graphql as graphql-ws, @graphql-tools/schema and Apollo load it (Node's resolution: its CommonJS build). Under
 * vitest a plain import here would get its ES build, a second copy that refuses the schema ("from another module or
 * realm"); in production both are the same module.
 */
const {
  GraphQLError: RealmGraphQLError,
  parse,
  specifiedRules,
  validate,
} = createRequire(import.meta.url)('graphql') as typeof GraphQL

/** A GraphQLError of the other copy of graphql (a validation rule built on it) as one graphql-ws accepts. */
const inThisRealm = (e: GraphQLError) =>
  new RealmGraphQLError(e.message, { nodes: e.nodes ?? null, extensions: e.extensions, originalError: e })

/**
 * The caller a connection_init's `authorization` ("Bearer <key>") names (src/api/auth); UnauthenticatedError for a
 * key that is not valid. Without credentials: anonymous (a reader when anonymous reads are on, else nobody).
 */
export type Authenticate = (authorization: string | undefined) => Promise<Principal>

export interface SubscriptionServerOptions {
  runtime: Runtime
  schema: GraphQLSchema
  path: string
  runs?: RunControl
  runEvents?: RunEventFeed
  /** Default: every connection is nobody (no rights), so only a server given its authenticator serves data. */
  authenticate?: Authenticate
}

export interface SubscriptionServer {
  /** Open sockets. */
  readonly clients: number
  /** Closes every socket and the WebSocket server. */
  dispose(): Promise<void>
}

export function attachSubscriptions(httpServer: http.Server, options: SubscriptionServerOptions): SubscriptionServer {
  const { runtime, schema } = options
  const authenticate = options.authenticate ?? (async () => NOBODY)
  // each connection's caller, resolved once at connection_init
  const principals = new WeakMap<object, Principal>()
  const formatError = createFormatError(runtime.log)
  // the HTTP endpoint's limits: aliases, directives and cost (armor's rules), depth, and tokens at parse
  const armor = armorProtection(runtime.config.nodeEnv === 'production')
  const rules = [...specifiedRules, ...armor.validationRules, depthLimitRule(runtime.config.graphqlMaxDepth)]
  const wss = new WebSocketServer({ server: httpServer, path: options.path })
  const cleanup = useServer(
    {
      schema,
      // credentials that are not valid refuse the connection (closed 4403 Forbidden), as HTTP answers them 401
      onConnect: async (ctx) => {
        const given = ctx.connectionParams?.authorization
        try {
          principals.set(ctx, await authenticate(typeof given === 'string' ? given : undefined))
          return true
        } catch (error) {
          if (error instanceof UnauthenticatedError) return false
          throw error
        }
      },
      onSubscribe: (ctx, _id, payload) => {
        let document
        try {
          document = parse(payload.query, { maxTokens: MAX_TOKENS })
        } catch (error) {
          return [error as GraphQLError]
        }
        const errors = validate(schema, document, rules)
        // graphql-ws accepts only its copy's GraphQLError (a rule built on the other copy, under vitest, is rewrapped)
        if (errors.length) return errors.map((e) => (e instanceof RealmGraphQLError ? e : inThisRealm(e)))
        const requestId = crypto.randomUUID()
        const contextValue: ApiContext = {
          runtime,
          requestId,
          principal: principals.get(ctx) ?? NOBODY,
          log: runtime.log.child({ requestId, transport: 'ws' }),
          ...(options.runs ? { runs: options.runs } : {}),
          ...(options.runEvents ? { runEvents: options.runEvents } : {}),
        }
        return {
          schema,
          document,
          contextValue,
          operationName: payload.operationName ?? null,
          variableValues: payload.variables ?? null,
        }
      },
      // the HTTP endpoint's error policy: codes kept, internals masked
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: result.errors.map((e) => formatError(e.toJSON(), e)) } : undefined,
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => formatError(e.toJSON(), e)),
    },
    wss,
  )
  return {
    get clients() {
      return wss.clients.size
    },
    dispose: () => cleanup.dispose() as Promise<void>,
  }
}
