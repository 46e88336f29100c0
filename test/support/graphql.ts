// Executes GraphQL operations against an in-process Apollo server over a real runtime (no HTTP).
import type { ApolloServer } from '@apollo/server'
import type { ApiContext } from '../../src/api/context.ts'
import { createApollo } from '../../src/api/server.ts'
import type { RunControl } from '../../src/app/runControl.ts'
import type { Runtime } from '../../src/app/runtime.ts'

export interface GqlResult {
  data?: Record<string, unknown> | null
  errors?: Array<{ message: string; extensions?: Record<string, unknown>; path?: unknown }>
}

/** Runs as the local admin (roles are tested over HTTP in api.auth.test.ts). `runs`: the run system the mutations that start or cancel runs use (none: they answer UNAVAILABLE). */
export async function gqlClient(runtime: Runtime, runs?: RunControl) {
  const apollo: ApolloServer<ApiContext> = createApollo(runtime)
  await apollo.start()
  const run = async (query: string, variables?: Record<string, unknown>): Promise<GqlResult> => {
    const response = await apollo.executeOperation(
      { query, variables },
      {
        contextValue: {
          runtime,
          log: runtime.log,
          requestId: 'test',
          principal: { kind: 'local', role: 'admin' },
          ...(runs ? { runs } : {}),
        },
      },
    )
    if (response.body.kind !== 'single') throw new Error('expected a single result')
    return response.body.singleResult as GqlResult
  }
  return { run, stop: () => apollo.stop() }
}
