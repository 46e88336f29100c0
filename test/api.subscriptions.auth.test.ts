// Who may subscribe and export when anonymous reading is off: a WebSocket connection is the caller its
// connection_init `authorization` names (runProgress and jobProgress alike) (a key that is not valid closes it with 4403; none is nobody, refused with
// UNAUTHENTICATED), and /export/… takes the Authorization header like the rest of the API (401 without a key).
import { createClient } from 'graphql-ws'
import { afterAll, describe, expect, test } from 'vitest'
import WebSocket from 'ws'
import { startApiServer } from '../src/api/server.ts'
import { issueApiKey } from '../src/store/meta/apiKeys.ts'
import { createRunRecord, insertLiquidations } from './support/seededRuns.ts'
import { testRuntime } from './support/runtime.ts'

const runtime = await testRuntime({ PORT: '0', SCHEDULER_ENABLED: 'false', API_ANONYMOUS_READ: 'false' })
const server = await startApiServer(runtime)
const origin = new URL(server.url).origin
const wsUrl = server.url.replace(/^http/, 'ws')
afterAll(() => server.stop())
const reader = (await issueApiKey(runtime.meta, { name: 'bi', role: 'reader' })).secret
await createRunRecord(runtime, 'run-auth')
await insertLiquidations(runtime, 'run-auth', 0, 10)

const QUERY = `subscription { runProgress(id: "run-auth") { status } }`

/** The first thing a subscription gets: its data, its errors, or the socket's close code. */
function firstOutcome(connectionParams?: Record<string, unknown>, query = QUERY) {
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    ...(connectionParams ? { connectionParams } : {}),
  })
  return new Promise<{ data?: unknown; errors?: unknown; closed?: number }>((resolve) => {
    client.subscribe(
      { query },
      {
        next: (r) => resolve(r.errors ? { errors: r.errors } : { data: r.data }),
        error: (e) => resolve(Array.isArray(e) ? { errors: e } : { closed: (e as { code?: number }).code ?? -1 }),
        complete: () => undefined,
      },
    )
  }).finally(() => client.dispose())
}

describe('subscriptions', () => {
  test('a reader key in connection_init subscribes', async () => {
    expect(await firstOutcome({ authorization: `Bearer ${reader}` })).toEqual({
      data: { runProgress: { status: 'succeeded' } },
    })
  })

  test('no credentials: UNAUTHENTICATED for the subscription', async () => {
    const outcome = await firstOutcome()
    expect(outcome.errors).toMatchObject([{ extensions: { code: 'UNAUTHENTICATED' } }])
  })

  test('jobProgress takes the same connection_init: a reader follows a job, nobody is refused', async () => {
    const job = 'subscription { jobProgress(id: "backtest") { runId status } }'
    expect(await firstOutcome({ authorization: `Bearer ${reader}` }, job)).toEqual({
      data: { jobProgress: { runId: 'run-auth', status: 'succeeded' } },
    })
    expect((await firstOutcome(undefined, job)).errors).toMatchObject([{ extensions: { code: 'UNAUTHENTICATED' } }])
  })

  test('a key that is not valid: the connection is refused (4403)', async () => {
    expect(await firstOutcome({ authorization: 'Bearer bks_not-a-key' })).toEqual({ closed: 4403 })
  })
})

describe('exports', () => {
  test('401 without a key, 200 with a reader key', async () => {
    const url = `${origin}/export/liquidations.csv?runId=run-auth`
    expect((await fetch(url)).status).toBe(401)
    const ok = await fetch(url, { headers: { authorization: `Bearer ${reader}` } })
    expect(ok.status).toBe(200)
    expect((await ok.text()).trimEnd().split('\n')).toHaveLength(11)
  })
})
