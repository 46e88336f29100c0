// The HTTP server: Apollo at /graphql (GraphiQL for browsers), plus /healthz, /readyz and /metrics, on one port.
import crypto from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server'
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer'
import { expressMiddleware } from '@as-integrations/express5'
import { ApolloArmor } from '@escape.tech/graphql-armor'
import express from 'express'
import type { RunControl } from '../app/runControl.ts'
import type { Runtime } from '../app/runtime.ts'
import { projectRoot } from '../project.ts'
import type { ApiContext } from './context.ts'
import { createFormatError } from './formatError.ts'
import { opsRouter } from './ops.ts'
import { localGraphiQL } from './plugins/localGraphiQL.ts'
import { requestMetrics } from './plugins/requestMetrics.ts'
import { resolvers } from './resolvers/index.ts'

export const GRAPHQL_PATH = '/graphql'

/** The API contract, read from schema.graphql at the project root. */
export const typeDefs = fs.readFileSync(path.join(projectRoot, 'schema.graphql'), 'utf8')

/** An Apollo server over the runtime; `extraPlugins` lets the HTTP layer add its drain plugin. */
export function createApollo(runtime: Runtime, extraPlugins: ApolloServerPlugin<ApiContext>[] = []) {
  const { config } = runtime
  const production = config.nodeEnv === 'production'
  // Query limits before execution: depth, aliases, tokens, directives and a cost ceiling.
  const armor = new ApolloArmor({
    maxDepth: { n: config.graphqlMaxDepth },
    maxAliases: { n: 30 },
    maxTokens: { n: 5000 },
    maxDirectives: { n: 50 },
    costLimit: { maxCost: 20_000 },
    blockFieldSuggestion: { enabled: production },
  })
  const protection = armor.protect()
  return new ApolloServer<ApiContext>({
    typeDefs,
    resolvers,
    introspection: config.graphqlIntrospection,
    includeStacktraceInErrorResponses: false,
    // Shutdown is ours (src/app/shutdown.ts): Apollo's own handler would re-raise the signal and kill the process
    // before the scheduler and the stores are closed.
    stopOnTerminationSignals: false,
    hideSchemaDetailsFromClientErrors: production,
    formatError: createFormatError(runtime.log),
    logger: runtime.log,
    validationRules: protection.validationRules,
    plugins: [
      ...(protection.plugins as ApolloServerPlugin<ApiContext>[]),
      localGraphiQL(GRAPHQL_PATH),
      requestMetrics(runtime.metrics),
      ...extraPlugins,
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
}

export async function startApiServer(runtime: Runtime, services: ApiServices = {}): Promise<ApiServer> {
  const { config, log } = runtime
  const app = express()
  app.disable('x-powered-by')
  const httpServer = http.createServer(app)
  let draining = false
  const apollo = createApollo(runtime, [
    // Half the shutdown budget for in-flight requests; the rest is for jobs and stores.
    ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: Math.floor(config.shutdownTimeoutMs / 2) }),
  ])
  await apollo.start()

  app.use(opsRouter(runtime, () => draining))
  app.get('/', (_req, res) => res.redirect(GRAPHQL_PATH))
  app.use(
    GRAPHQL_PATH,
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const requestId = req.get('x-request-id') ?? crypto.randomUUID()
        return { runtime, requestId, log: log.child({ requestId }), ...(services.runs ? { runs: services.runs } : {}) }
      },
    }),
  )

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject)
    httpServer.listen(config.port, config.host, () => {
      httpServer.off('error', reject)
      resolve()
    })
  })
  const { port } = httpServer.address() as AddressInfo
  const hostForUrl = config.host.includes(':') ? `[${config.host}]` : config.host
  const url = `http://${hostForUrl === '0.0.0.0' ? 'localhost' : hostForUrl}:${port}${GRAPHQL_PATH}`
  return {
    url,
    port,
    async stop() {
      draining = true
      await apollo.stop() // the drain plugin closes the HTTP server and waits for in-flight requests
    },
  }
}
