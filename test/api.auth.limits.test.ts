// Request limits next to auth: the execution time limit (answered at the limit with TIMEOUT naming it, the DuckDB
// queries behind it interrupted) and CSRF prevention (requests a browser can send across sites without a
// preflight are refused before execution).
import { ApolloServer } from '@apollo/server'
import { makeExecutableSchema } from '@graphql-tools/schema'
import type { GraphQLSchema } from 'graphql'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createFormatError } from '../src/api/formatError.ts'
import { applyExecutionTimeout, executionTimeout } from '../src/api/plugins/executionTimeout.ts'
import { startApiServer, type ApiServer } from '../src/api/server.ts'
import { createLogger } from '../src/obs/logger.ts'
import { DuckStore } from '../src/store/duck/open.ts'
import { testRuntime } from './support/runtime.ts'

/** An Apollo server over `schema` with a 150 ms execution limit, started. */
async function limitedApollo(schema: GraphQLSchema): Promise<ApolloServer> {
  const apollo = new ApolloServer({
    schema: applyExecutionTimeout(schema),
    plugins: [executionTimeout(150)],
    formatError: createFormatError(createLogger('silent')),
  })
  await apollo.start()
  return apollo
}

describe('execution time limit', () => {
  test('a resolver still pending at the limit is answered TIMEOUT with the limit; fast fields keep their data', async () => {
    let release: (value: number) => void = () => undefined
    const pending = new Promise<number>((resolve) => (release = resolve))
    let finished = false
    const schema = makeExecutableSchema({
      typeDefs: 'type Query { fast: Int, slow: Int, sync: Int }',
      resolvers: {
        Query: {
          fast: async () => 1,
          sync: () => 3,
          slow: async () => {
            const value = await pending
            finished = true
            return value
          },
        },
      },
    })
    const apollo = await limitedApollo(schema)
    try {
      const response = await apollo.executeOperation({ query: '{ fast sync slow }' })
      expect(finished).toBe(false) // answered while the slow work is still pending
      if (response.body.kind !== 'single') throw new Error('expected a single result')
      const { data, errors } = response.body.singleResult
      expect(data).toEqual({ fast: 1, sync: 3, slow: null })
      expect(errors).toEqual([
        {
          message: 'the operation ran longer than the execution limit of 150 ms (API_EXECUTION_TIMEOUT_MS)',
          path: ['slow'],
          locations: [{ line: 1, column: 13 }],
          extensions: { code: 'TIMEOUT', limit: 150 },
        },
      ])
      // the next operation gets its own timer: quick fields answer normally
      release(2)
      const again = await apollo.executeOperation({ query: '{ fast slow }' })
      if (again.body.kind !== 'single') throw new Error('expected a single result')
      expect(again.body.singleResult).toEqual({ data: { fast: 1, slow: 2 } })
    } finally {
      release(2)
      await apollo.stop()
    }
  })

  test('at the limit the DuckDB query behind a pending resolver is interrupted and its connection released', async () => {
    const duck = await DuckStore.open({ path: ':memory:' })
    let work: Promise<unknown> = Promise.resolve()
    const schema = makeExecutableSchema({
      typeDefs: 'type Query { scan: Float }',
      resolvers: {
        Query: {
          // a scan of 10^12 rows: hours unless something stops it
          scan: () =>
            (work = duck.use(async (c) => {
              const r = await c.runAndReadAll(
                'SELECT count(*)::DOUBLE AS n FROM range(1000000000000) t(x) WHERE x % 7 = 3',
              )
              return r.getRowObjectsJS()[0]!.n
            })),
        },
      },
    })
    const apollo = await limitedApollo(schema)
    try {
      const response = await apollo.executeOperation({ query: '{ scan }' })
      if (response.body.kind !== 'single') throw new Error('expected a single result')
      expect(response.body.singleResult.errors?.[0]?.extensions?.code).toBe('TIMEOUT')
      // the store read fails with the operation's TIMEOUT (not the interrupt), and gives its connection back
      await expect(work).rejects.toThrow(/execution limit of 150 ms/)
      expect(duck.openConnections).toBe(0)
      // outside an operation's scope nothing is interrupted
      expect(await duck.use(async (c) => (await c.runAndReadAll('SELECT 42 AS n')).getRowObjectsJS()[0]!.n)).toBe(42)
    } finally {
      await apollo.stop()
      await duck.close()
    }
  })

  test('the server applies API_EXECUTION_TIMEOUT_MS: a stalled store check is answered at the limit', async () => {
    const runtime = await testRuntime({ PORT: '0', SCHEDULER_ENABLED: 'false', API_EXECUTION_TIMEOUT_MS: '200' })
    const ping = runtime.duck.ping.bind(runtime.duck)
    let release: () => void = () => undefined
    // health waits up to 2 s for each store (then reports it down): longer than the limit
    runtime.duck.ping = () => new Promise<number>((resolve) => (release = () => resolve(0)))
    const server = await startApiServer(runtime)
    try {
      const res = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ health { status } }' }),
      })
      const body = (await res.json()) as { errors?: Array<{ message: string; extensions: Record<string, unknown> }> }
      expect(body.errors?.[0]?.extensions).toEqual({ code: 'TIMEOUT', limit: 200 })
      expect(body.errors?.[0]?.message).toContain('execution limit of 200 ms')
    } finally {
      release()
      runtime.duck.ping = ping
      await server.stop()
    }
  })
})

describe('CSRF prevention', () => {
  let server: ApiServer
  beforeAll(async () => {
    server = await startApiServer(await testRuntime({ PORT: '0', SCHEDULER_ENABLED: 'false' }))
  })
  afterAll(() => server?.stop())

  const query = '{ health { status } }'

  test.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])(
    'a simple-request POST as %s is refused, never executed',
    async (type) => {
      const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': type }, body: query })
      expect(res.status).toBe(415)
      const body = (await res.json()) as { data?: unknown; errors: Array<{ extensions: { code: string } }> }
      expect(body.data).toBeUndefined()
      expect(body.errors[0]!.extensions.code).toBe('UNSUPPORTED_MEDIA_TYPE')
    },
  )

  test('a GET without a preflight header is refused by Apollo; with one it executes', async () => {
    const url = `${server.url}?query=${encodeURIComponent(query)}`
    const bare = await fetch(url)
    expect(bare.status).toBe(400)
    const refused = (await bare.json()) as { data?: unknown; errors: Array<{ message: string }> }
    expect(refused.data).toBeUndefined()
    expect(refused.errors[0]!.message).toMatch(/Cross-Site Request Forgery/)
    for (const header of ['apollo-require-preflight', 'x-apollo-operation-name']) {
      const ok = await fetch(url, { headers: { [header]: 'x' } })
      expect(await ok.json()).toEqual({ data: { health: { status: 'ok' } } })
    }
  })
})
