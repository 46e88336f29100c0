// GraphQL over HTTP conformance: graphql-http's server audits against a started server. No MUST may fail; the
// SHOULD and MAY results are printed (GETs without a CSRF preflight header are refused on purpose, and Apollo
// answers parse and validation failures 400 under application/json where the spec recommends 200).
import { auditServer, type AuditResult } from 'graphql-http'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { startApiServer, type ApiServer } from '../src/api/server.ts'
import { testRuntime } from './support/runtime.ts'

let server: ApiServer
let results: AuditResult[]
beforeAll(async () => {
  server = await startApiServer(await testRuntime({ PORT: '0', SCHEDULER_ENABLED: 'false' }))
  results = await auditServer({ url: server.url })
}, 120_000)
afterAll(() => server?.stop())

test('every MUST audit passes', () => {
  const musts = results.filter((r) => r.name.startsWith('MUST'))
  expect(musts.length).toBeGreaterThanOrEqual(10)
  const failed = musts.filter((r) => r.status !== 'ok').map((r) => `${r.name}: ${'reason' in r ? r.reason : ''}`)
  expect(failed).toEqual([])
})

/**
 * The SHOULD / MAY audits the server does not meet, on purpose: GETs without a CSRF preflight header are refused
 * (the audits send none), and Apollo answers parse, validation and coercion failures under application/json with 400.
 */
const KNOWN_MISSES = [
  'MAY accept application/x-www-form-urlencoded formatted GET requests',
  'MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/graphql-response+json',
  'MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/json',
  'SHOULD use 200 status code on document parsing failure when accepting application/json',
  'SHOULD use 200 status code on document validation failure when accepting application/json',
  'SHOULD use a status code of 200 on variable coercion failure when accepting application/json',
]

test('SHOULD and MAY results, printed; none missed beyond the known ones', () => {
  const others = results.filter((r) => !r.name.startsWith('MUST'))
  const counts = new Map<string, number>()
  for (const r of others) counts.set(r.status, (counts.get(r.status) ?? 0) + 1)
  console.log(
    `graphql-http audits: ${results.length} run; SHOULD/MAY: ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}`,
  )
  for (const r of others) if (r.status !== 'ok') console.log(`  ${r.status}  ${r.name}: ${r.reason}`)
  expect(others.filter((r) => r.status !== 'ok').map((r) => r.name)).toEqual(KNOWN_MISSES)
})
