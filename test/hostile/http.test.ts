// Hostile HTTP requests to /graphql: every error is JSON in the GraphQL error shape with a known code and the
// right status, without stack traces or paths, in development and in production mode.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startApiServer, type ApiServer } from '../../src/api/server.ts'
import { projectRoot } from '../../src/project.ts'
import { testRuntime } from '../support/runtime.ts'
import { MAX_OPERATION_LABELS } from '../../src/api/plugins/requestMetrics.ts'
import { HOSTILE_ADMIN_TOKEN, judge, post, prototypeKeys } from './support/graphqlFuzz.ts'
import { HTTP_CASES } from './support/httpCases.ts'
import { startHostileServer } from './support/server.ts'

const runtime = await testRuntime({ PORT: '0', SCHEDULER_ENABLED: 'false' })
let server: ApiServer
const prototypeBefore = prototypeKeys()
beforeAll(async () => {
  server = await startHostileServer(runtime)
})
afterAll(() => server?.stop())

interface ErrorBody {
  data?: unknown
  errors?: Array<{ message: string; extensions: Record<string, unknown> }>
}

describe('hostile HTTP requests', () => {
  test.each(HTTP_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const answer = await c.send(server.url)
    expect(judge(answer), answer.text.slice(0, 500)).toEqual([])
    expect(answer.status, answer.text.slice(0, 500)).toBe(c.status)
    const body = JSON.parse(answer.text) as ErrorBody
    if (c.code === null) {
      expect(body.errors).toBeUndefined()
      return
    }
    const first = body.errors?.[0]
    expect(first?.extensions.code).toBe(c.code)
    if (c.message) expect(first?.message).toMatch(c.message)
    if (c.extensions) expect(first?.extensions).toMatchObject(c.extensions)
    expect(answer.text).not.toContain(projectRoot)
    expect(prototypeKeys()).toEqual(prototypeBefore)
  })
})

describe('in production mode', () => {
  let production: ApiServer
  beforeAll(async () => {
    production = await startApiServer(
      await testRuntime({ PORT: '0', SCHEDULER_ENABLED: 'false', NODE_ENV: 'production' }),
      { localAdminToken: HOSTILE_ADMIN_TOKEN },
    )
  })
  afterAll(() => production?.stop())

  test.each(HTTP_CASES.filter((c) => c.code !== null && c.status !== 200).map((c) => [c.name, c] as const))(
    '%s is the same JSON error',
    async (_name, c) => {
      const answer = await c.send(production.url)
      expect(judge(answer), answer.text.slice(0, 500)).toEqual([])
      expect(answer.status).toBe(c.status)
      expect((JSON.parse(answer.text) as ErrorBody).errors?.[0]?.extensions.code).toBe(c.code)
    },
  )
})

describe('metrics under client-chosen operation names', () => {
  test('a fresh operation name per request does not grow /metrics past its label cap', async () => {
    const names = Array.from({ length: MAX_OPERATION_LABELS + 50 }, (_, i) => `Op${i}`)
    for (let i = 0; i < names.length; i += 25)
      await Promise.all(
        names
          .slice(i, i + 25)
          .map((n) => post(server.url, JSON.stringify({ query: `query ${n} { health { status } }` }))),
      )
    const metrics = await (await fetch(server.url.replace(/\/graphql$/, '/metrics'))).text()
    const labels = new Set(
      [...metrics.matchAll(/backstop_graphql_requests_total\{operation="([^"]+)"/g)].map((m) => m[1]),
    )
    expect(labels.has('other')).toBe(true)
    expect(labels.size).toBeLessThanOrEqual(MAX_OPERATION_LABELS + 2) // the names, "anonymous" and "other"
  })
})
