// API keys and roles over HTTP: every mutation of schema.graphql refused anonymously and with a reader key, allowed
// with operator (admin where the schema marks it); unknown, revoked and expired keys refused alike; the local admin
// token; anonymous reading on for a loopback development server and off in production; keys absent from the logs.
import crypto from 'node:crypto'
import path from 'node:path'
import { Writable } from 'node:stream'
import {
  buildSchema,
  getNamedType,
  isLeafType,
  type GraphQLField,
  type GraphQLSchema,
  type ConstDirectiveNode,
} from 'graphql'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { LAST_USED_INTERVAL_MS, anonymousReadOf, createAuthenticator } from '../src/api/auth/authenticator.ts'
import { startApiServer, typeDefs, type ApiServer } from '../src/api/server.ts'
import { closeRuntime, openRuntime, type Runtime } from '../src/app/runtime.ts'
import { loadConfig } from '../src/config/load.ts'
import { createLogger } from '../src/obs/logger.ts'
import { issueApiKey, revokeApiKey, type ApiRole } from '../src/store/meta/apiKeys.ts'
import { baseline } from './hostile/support/graphqlFuzz.ts'
import { testRuntime } from './support/runtime.ts'
import { tempDir } from './support/tmp.ts'

const schema: GraphQLSchema = buildSchema(typeDefs)
const LOCAL_TOKEN = crypto.randomBytes(24).toString('base64url')

interface Answer {
  status: number
  headers: Headers
  body: { data?: Record<string, unknown> | null; errors?: Array<{ message: string; extensions?: { code?: string } }> }
}

async function gql(url: string, query: string, token?: string, variables?: Record<string, unknown>): Promise<Answer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  })
  return { status: res.status, headers: res.headers, body: (await res.json()) as Answer['body'] }
}

const codeOf = (a: Answer) => a.body.errors?.[0]?.extensions?.code

/** The role a mutation's @auth names, read from the schema's text (null: the default, operator). */
function declaredRole(field: GraphQLField<unknown, unknown>): string | null {
  const directive = field.astNode?.directives?.find((d: ConstDirectiveNode) => d.name.value === 'auth')
  const arg = directive?.arguments?.find((a) => a.name.value === 'requires')
  return arg && arg.value.kind === 'EnumValue' ? arg.value.value : null
}

/** A mutation document calling `field` with valid-shaped arguments (so it passes validation and reaches execution). */
function mutationOf(field: GraphQLField<unknown, unknown>): { query: string; variables: Record<string, unknown> } {
  const variables: Record<string, unknown> = {}
  const defs: string[] = []
  const args: string[] = []
  for (const arg of field.args) {
    const value = baseline(arg.type, arg.name)
    if (value === undefined || value === null) continue
    variables[arg.name] = value
    defs.push(`$${arg.name}: ${arg.type.toString()}`)
    args.push(`${arg.name}: $${arg.name}`)
  }
  const selection = isLeafType(getNamedType(field.type)) ? '' : ' { __typename }'
  const query = `mutation${defs.length ? `(${defs.join(', ')})` : ''} { ${field.name}${args.length ? `(${args.join(', ')})` : ''}${selection} }`
  return { query, variables }
}

const mutations = Object.values(schema.getMutationType()!.getFields())

describe('on a loopback development server (anonymous reading on)', () => {
  let runtime: Runtime
  let server: ApiServer
  const keys = {} as Record<ApiRole | 'revoked' | 'expired', string>

  beforeAll(async () => {
    runtime = await testRuntime({ PORT: '0', SCHEDULER_ENABLED: 'false' })
    for (const role of ['reader', 'operator', 'admin'] as const)
      keys[role] = (await issueApiKey(runtime.meta, { name: `test ${role}`, role })).secret
    const revoked = await issueApiKey(runtime.meta, { name: 'revoked', role: 'admin' })
    await revokeApiKey(runtime.meta, revoked.key.id)
    keys.revoked = revoked.secret
    const expired = await issueApiKey(runtime.meta, {
      name: 'expired',
      role: 'admin',
      expiresAt: new Date(Date.now() + 60_000),
    })
    await runtime.meta.apiKey.update({ where: { id: expired.key.id }, data: { expiresAt: new Date(Date.now() - 1) } })
    keys.expired = expired.secret
    server = await startApiServer(runtime, { localAdminToken: LOCAL_TOKEN })
  })
  afterAll(() => server?.stop())

  test('the schema has mutations, and the schedule mutations are marked admin', () => {
    expect(mutations.length).toBeGreaterThanOrEqual(10)
    expect(mutations.filter((m) => declaredRole(m) === 'admin').map((m) => m.name)).toEqual(
      expect.arrayContaining(['createBacktestSchedule', 'deleteBacktestSchedule']),
    )
  })

  test.each(mutations.map((m) => [m.name, m] as const))(
    'mutation %s: refused anonymously and for a reader, allowed from its role',
    async (_name, field) => {
      const { query, variables } = mutationOf(field)
      const needsAdmin = declaredRole(field) === 'admin'
      const anonymous = await gql(server.url, query, undefined, variables)
      expect(codeOf(anonymous), JSON.stringify(anonymous.body)).toBe('UNAUTHENTICATED')
      expect(anonymous.body.errors?.[0]?.message).toContain(`mutation ${field.name} needs an API key`)
      const reader = await gql(server.url, query, keys.reader, variables)
      expect(codeOf(reader), JSON.stringify(reader.body)).toBe('FORBIDDEN')
      expect(reader.body.errors?.[0]?.message).toContain('this key has role reader')
      const operator = await gql(server.url, query, keys.operator, variables)
      if (needsAdmin) expect(codeOf(operator)).toBe('FORBIDDEN')
      else expect(['UNAUTHENTICATED', 'FORBIDDEN'], JSON.stringify(operator.body)).not.toContain(codeOf(operator))
      for (const token of [keys.admin, LOCAL_TOKEN]) {
        const allowed = await gql(server.url, query, token, variables)
        expect(['UNAUTHENTICATED', 'FORBIDDEN'], JSON.stringify(allowed.body)).not.toContain(codeOf(allowed))
        expect(codeOf(allowed), JSON.stringify(allowed.body)).not.toBe('GRAPHQL_VALIDATION_FAILED')
      }
    },
  )

  test('a refused mutation changes nothing; the same one with operator does its work', async () => {
    const derive = `mutation { deriveRuleSet(input: { from: "bybit", name: "auth-probe", set: [] }) { name created } }`
    const before = await runtime.meta.ruleSet.count()
    expect(codeOf(await gql(server.url, derive))).toBe('UNAUTHENTICATED')
    expect(codeOf(await gql(server.url, derive, keys.reader))).toBe('FORBIDDEN')
    expect(await runtime.meta.ruleSet.count()).toBe(before)
    const done = await gql(server.url, derive, keys.operator)
    expect(done.body.errors).toBeUndefined()
    expect(done.body.data).toEqual({ deriveRuleSet: { name: 'auth-probe', created: true } })
    expect(await runtime.meta.ruleSet.count()).toBe(before + 1)
  })

  test('anyone reads: anonymous and every key', async () => {
    for (const token of [undefined, keys.reader, keys.operator, keys.admin, LOCAL_TOKEN]) {
      const answer = await gql(server.url, '{ health { status } }', token)
      expect(answer.body).toEqual({ data: { health: { status: 'ok' } } })
    }
  })

  test.each([
    ['unknown', () => `bks_${crypto.randomBytes(32).toString('base64url')}`],
    ['revoked', () => keys.revoked],
    ['expired', () => keys.expired],
    ['not a key', () => 'nope'],
    ['close to the local token', () => `${LOCAL_TOKEN}x`],
  ])('a %s key is refused with 401, even for a read, saying nothing about why', async (_kind, key) => {
    const answer = await gql(server.url, '{ health { status } }', key())
    expect(answer.status).toBe(401)
    expect(answer.headers.get('www-authenticate')).toBe('Bearer')
    expect(answer.body).toEqual({
      errors: [
        { message: 'invalid API key: it is unknown, revoked or expired', extensions: { code: 'UNAUTHENTICATED' } },
      ],
    })
  })

  test('an Authorization header that is not a bearer token is refused', async () => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${btoa('a:b')}` },
      body: JSON.stringify({ query: '{ health { status } }' }),
    })
    expect(res.status).toBe(401)
    expect(((await res.json()) as Answer['body']).errors?.[0]?.message).toMatch(/must be "Bearer <key>"/)
  })

  test('report files are read with the same principal (reader)', async () => {
    const anonymous = await fetch(server.url.replace('/graphql', '/reports/nope.html'))
    expect(anonymous.status).toBe(404) // anonymous reading is on: past the role check, no such report
    const bad = await fetch(server.url.replace('/graphql', '/reports/nope.html'), {
      headers: { authorization: `Bearer ${keys.revoked}` },
    })
    expect(bad.status).toBe(401)
  })
})

describe('anonymous reading', () => {
  test('on by default only for a development server listening on loopback; the setting wins', () => {
    const of = (nodeEnv: string, host: string, apiAnonymousRead?: boolean) =>
      anonymousReadOf({ nodeEnv: nodeEnv as 'development', host, apiAnonymousRead })
    expect(of('development', '127.0.0.1')).toBe(true)
    expect(of('test', 'localhost')).toBe(true)
    expect(of('development', '::1')).toBe(true)
    expect(of('production', '127.0.0.1')).toBe(false)
    expect(of('development', '0.0.0.0')).toBe(false)
    expect(of('development', '192.168.1.10')).toBe(false)
    expect(of('production', '0.0.0.0', true)).toBe(true)
    expect(of('development', '127.0.0.1', false)).toBe(false)
    expect(loadConfig({ API_ANONYMOUS_READ: 'false' }).apiAnonymousRead).toBe(false)
    expect(loadConfig({}).apiAnonymousRead).toBeUndefined()
  })
})

describe('in production (anonymous reading off), with debug logs', () => {
  let runtime: Runtime
  let server: ApiServer
  let reader: string
  let logged = ''

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged += chunk.toString()
        done()
      },
    })
    const config = loadConfig({
      DATA_DIR: path.join(tempDir(), 'data'),
      NODE_ENV: 'production',
      LOG_LEVEL: 'debug',
      PORT: '0',
      SCHEDULER_ENABLED: 'false',
    })
    runtime = (await openRuntime(config, { migrate: true, log: createLogger('debug', sink) })).runtime
    reader = (await issueApiKey(runtime.meta, { name: 'bi', role: 'reader' })).secret
    server = await startApiServer(runtime)
  })
  afterAll(async () => {
    await server?.stop()
    if (runtime) await closeRuntime(runtime)
  })

  test('a read without a key is UNAUTHENTICATED; with a reader key it answers', async () => {
    const anonymous = await gql(server.url, '{ health { status } }')
    expect(codeOf(anonymous)).toBe('UNAUTHENTICATED')
    expect(anonymous.body.errors?.[0]?.message).toContain('(anonymous access is off)')
    expect(anonymous.body.data ?? null).toBeNull()
    expect((await gql(server.url, '{ health { status } }', reader)).body).toEqual({
      data: { health: { status: 'ok' } },
    })
  })

  test('report files need a key', async () => {
    const url = server.url.replace('/graphql', '/reports/nope.html')
    const anonymous = await fetch(url)
    expect(anonymous.status).toBe(401)
    expect(((await anonymous.json()) as Answer['body']).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED')
    expect((await fetch(url, { headers: { authorization: `Bearer ${reader}` } })).status).toBe(404)
  })

  test('a logged request does not contain the key', async () => {
    await gql(server.url, '{ health { status } }', reader)
    const lines = logged.split('\n').filter((l) => l.includes('request authenticated'))
    expect(lines.length).toBeGreaterThan(0)
    const withKey = lines.map((l) => JSON.parse(l) as { req: { headers: Record<string, string> } })
    expect(withKey.some((l) => l.req.headers.authorization === '[redacted]')).toBe(true)
    expect(logged).not.toContain(reader)
    expect(logged).not.toContain(reader.slice(4, 24))
  })
})

describe('lastUsedAt', () => {
  test('is written on first use, then at most once a minute per key', async () => {
    const runtime = await testRuntime()
    const { secret, key } = await issueApiKey(runtime.meta, { name: 'busy', role: 'reader' })
    let clock = Date.UTC(2030, 0, 1)
    const auth = createAuthenticator({ meta: runtime.meta, anonymousRead: false, now: () => new Date(clock) })
    const lastUsed = async () => (await runtime.meta.apiKey.findUniqueOrThrow({ where: { id: key.id } })).lastUsedAt
    expect(await lastUsed()).toBeNull()
    expect(await auth.resolvePrincipal(`Bearer ${secret}`)).toEqual({
      kind: 'key',
      role: 'reader',
      keyId: key.id,
      name: 'busy',
    })
    expect((await lastUsed())?.getTime()).toBe(Date.UTC(2030, 0, 1))
    clock += LAST_USED_INTERVAL_MS - 1
    await auth.resolvePrincipal(`Bearer ${secret}`)
    expect((await lastUsed())?.getTime()).toBe(Date.UTC(2030, 0, 1))
    clock += 1
    await auth.resolvePrincipal(`Bearer ${secret}`)
    expect((await lastUsed())?.getTime()).toBe(Date.UTC(2030, 0, 1) + LAST_USED_INTERVAL_MS)
  })
})
