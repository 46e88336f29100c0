// The HTTP server: Apollo at /graphql (GraphiQL for browsers), plus /healthz, /readyz and /metrics, on one port.
import crypto from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server'
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled'
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer'
import { makeExecutableSchema } from '@graphql-tools/schema'
import express from 'express'
import type { GraphQLSchema } from 'graphql'
import type { RunControl } from '../app/runControl.ts'
import type { Runtime } from '../app/runtime.ts'
import { projectRoot } from '../project.ts'
import { generationReader } from '../store/generation.ts'
import { sqliteFilePath } from '../store/meta/client.ts'
import {
  anonymousReadOf,
  applyAuthDirective,
  authenticateRequests,
  createAuthenticator,
  principalOf,
  requireRequestRole,
} from './auth/index.ts'
import type { ApiContext } from './context.ts'
import { createFormatError } from './formatError.ts'
import {
  answerClientErrors,
  httpErrorHandler,
  jsonBody,
  jsonContentOnly,
  notFound,
  onlyGetAndPost,
} from './httpErrors.ts'
import { opsRouter } from './ops.ts'
import { graphiqlPageHandler } from './graphiqlPage.ts'
import { graphqlHttp } from './graphqlHttp.ts'
import { applyExecutionTimeout, executionTimeout } from './plugins/executionTimeout.ts'
import { localGraphiQL } from './plugins/localGraphiQL.ts'
import { noStoreResponses } from './plugins/noStore.ts'
import { operationLabels, requestMetrics, type OperationLabels } from './plugins/requestMetrics.ts'
import { responseCachePolicy } from './plugins/responseCachePolicy.ts'
import { MAX_TOKENS, armorProtection, depthLimitRule, subscriptionsOverWebSocketRule } from './queryLimits.ts'
import { ResponseCache } from './responseCache.ts'
import { resolvers } from './resolvers/index.ts'
import { exportsRouter } from './rest/exports.ts'
import { reportsRouter } from './rest/reports.ts'
import type { RunEventFeed } from './subscriptions/runProgress.ts'
import { attachSubscriptions } from './subscriptions/websocket.ts'

export const GRAPHQL_PATH = '/graphql'

/** The API contract, read from schema.graphql at the project root. */
export const typeDefs = fs.readFileSync(path.join(projectRoot, 'schema.graphql'), 'utf8')

export interface ApolloOptions {
  /** The executable schema (HTTP and WebSocket execute the same one); default: a new createSchema(). */
  schema?: GraphQLSchema
  /** Plugins the HTTP layer adds (its drain plugin). */
  plugins?: ApolloServerPlugin<ApiContext>[]
  /** The WebSocket URL subscriptions are served at (named when one is sent over HTTP). */
  websocketUrl?: () => string
  /** Operation-name labels for /metrics, shared with the response cache's hits; default: the server's own. */
  operationLabels?: OperationLabels
}

/**
 * The executable schema: resolvers bound to schema.graphql, every field that needs a role guarded (@auth), and every
 * resolver racing the execution time limit.
 */
export function createSchema() {
  return applyExecutionTimeout(applyAuthDirective(makeExecutableSchema({ typeDefs, resolvers })))
}

/** An Apollo server over the runtime. */
export function createApollo(runtime: Runtime, options: ApolloOptions = {}) {
  const { config } = runtime
  const production = config.nodeEnv === 'production'
  const websocketUrl = options.websocketUrl ?? (() => `ws://${config.host}:${config.port}${GRAPHQL_PATH}`)
  // Query limits before execution (queryLimits.ts): tokens at parse, depth, aliases, directives and a cost ceiling.
  const protection = armorProtection(production)
  return new ApolloServer<ApiContext>({
    schema: options.schema ?? createSchema(),
    // refuses GETs and form / text POSTs a browser could send across sites (the latter are also refused as not JSON)
    csrfPrevention: true,
    introspection: config.graphqlIntrospection,
    includeStacktraceInErrorResponses: false,
    // Shutdown is ours (src/app/shutdown.ts): Apollo's own handler would re-raise the signal and kill the process
    // before the scheduler and the stores are closed.
    stopOnTerminationSignals: false,
    hideSchemaDetailsFromClientErrors: production,
    formatError: createFormatError(runtime.log),
    logger: runtime.log,
    parseOptions: { maxTokens: MAX_TOKENS },
    validationRules: [
      ...protection.validationRules,
      depthLimitRule(config.graphqlMaxDepth),
      subscriptionsOverWebSocketRule(websocketUrl),
    ],
    plugins: [
      ...(protection.plugins as ApolloServerPlugin<ApiContext>[]),
      localGraphiQL(GRAPHQL_PATH),
      // no per-field cache-hint hook (the schema declares no hints); answers say no-store as before
      ApolloServerPluginCacheControlDisabled(),
      noStoreResponses(),
      requestMetrics(runtime.metrics, options.operationLabels),
      executionTimeout(config.apiExecutionTimeoutMs),
      responseCachePolicy(),
      ...(options.plugins ?? []),
    ],
  })
}

export interface ApiServer {
  url: string
  port: number
  /** Stops accepting connections, lets in-flight requests finish (bounded), then closes. */
  stop(): Promise<void>
}

export interface ApiServices {
  /** The process's run system (runBacktest, cancelRun); without it those mutations answer UNAVAILABLE. */
  runs?: RunControl
  /** The run system's events: runProgress streams this process's runs as they happen (others: from the record). */
  runEvents?: RunEventFeed
  /** A bearer token equal to this is the principal `local` with role admin (the CLI on this machine). */
  localAdminToken?: string
}

export async function startApiServer(runtime: Runtime, services: ApiServices = {}): Promise<ApiServer> {
  const { config, log } = runtime
  const app = express()
  app.disable('x-powered-by')
  const httpServer = http.createServer(app)
  answerClientErrors(httpServer)
  // Idle keep-alive connections stay open 65 s (Node's default is 5 s): BI tools and proxies that pool connections
  // (load balancers commonly idle at 60 s) then close them first, instead of sending a request on a socket the server
  // is closing at that moment, which the client sees as a connection reset.
  httpServer.keepAliveTimeout = 65_000
  httpServer.headersTimeout = 66_000
  let draining = false
  let url = ''
  const schema = createSchema()
  // the data generation: the response cache and the key lookups reuse what they read until the next write
  const generations = generationReader(sqliteFilePath(config.databaseUrl))
  const authenticator = createAuthenticator({
    meta: runtime.meta,
    anonymousRead: anonymousReadOf(config),
    localAdminToken: services.localAdminToken,
    log,
    generation: () => generations.read(),
  })
  // subscriptions: graphql-ws on the same port and path (the upgrade request goes to the ws server); the caller is
  // resolved from connection_init's `authorization`, as HTTP resolves it from the header
  const subscriptions = attachSubscriptions(httpServer, {
    runtime,
    schema,
    path: GRAPHQL_PATH,
    authenticate: (authorization) => authenticator.resolvePrincipal(authorization),
    ...(services.runs ? { runs: services.runs } : {}),
    ...(services.runEvents ? { runEvents: services.runEvents } : {}),
  })
  const labels = operationLabels()
  // answers of repeated queries, exact until the next committed write (README "Caching")
  const cache = config.apiResponseCache
    ? new ResponseCache(config.apiResponseCacheMb * 1024 * 1024, generations)
    : undefined
  const apollo = createApollo(runtime, {
    schema,
    operationLabels: labels,
    plugins: [
      // sockets are closed (1001) when the server drains, so the HTTP server's close is not held open by them
      { serverWillStart: async () => ({ drainServer: () => subscriptions.dispose() }) },
      // Half the shutdown budget for in-flight requests; the rest is for jobs and stores.
      ApolloServerPluginDrainHttpServer({
        httpServer,
        stopGracePeriodMillis: Math.floor(config.shutdownTimeoutMs / 2),
      }),
    ],
    websocketUrl: () => url.replace(/^http/, 'ws'),
  })
  await apollo.start()

  app.use(opsRouter(runtime, () => draining))
  app.get('/', (_req, res) => res.redirect(GRAPHQL_PATH))
  // The GraphiQL page is static and a browser cannot send a key to load it: served before authentication.
  app.get(GRAPHQL_PATH, graphiqlPageHandler(GRAPHQL_PATH))
  // Everything after this has the caller resolved (an invalid key is answered 401 here); ops endpoints stay open.
  app.use(authenticateRequests(authenticator, log))
  // /graphql first: its requests then skip the REST routers' route matching
  app.use(
    GRAPHQL_PATH,
    onlyGetAndPost,
    jsonContentOnly,
    jsonBody,
    graphqlHttp(apollo, {
      cache,
      metrics: runtime.metrics,
      labels,
      context: async (req, _res, responseCache) => {
        // a caller's id is kept for log correlation only when it looks like one
        const given = req.get('x-request-id')
        const requestId = given !== undefined && /^[\w.:-]{1,128}$/.test(given) ? given : crypto.randomUUID()
        return {
          runtime,
          requestId,
          log: log.child({ requestId }),
          principal: principalOf(req),
          ...(services.runs ? { runs: services.runs } : {}),
          ...(services.runEvents ? { runEvents: services.runEvents } : {}),
          ...(responseCache ? { responseCache } : {}),
        }
      },
    }),
  )
  app.use(reportsRouter(runtime, requireRequestRole))
  app.use(exportsRouter(runtime, requireRequestRole))
  // Every HTTP error is JSON in the GraphQL error shape (httpErrors.ts), never Express's HTML page.
  app.use(notFound)
  app.use(httpErrorHandler(log))

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject)
    httpServer.listen(config.port, config.host, () => {
      httpServer.off('error', reject)
      resolve()
    })
  })
  const { port } = httpServer.address() as AddressInfo
  const hostForUrl = config.host.includes(':') ? `[${config.host}]` : config.host
  url = `http://${hostForUrl === '0.0.0.0' ? 'localhost' : hostForUrl}:${port}${GRAPHQL_PATH}`
  return {
    url,
    port,
    async stop() {
      draining = true
      await apollo.stop() // the drain plugin closes the HTTP server and waits for in-flight requests
      cache?.clear()
      generations.close()
    },
  }
}
