// The API's response cache: a repeated query is answered from memory (X-Cache: hit), and every kind of write makes
// the next read see the new data: a DuckDB commit on the ingest, detection and scenario paths, a run reaching a
// terminal state, a mutation, a metadata write from another process. An answer computed across a write is not kept;
// roles do not share entries; errors, mutations and health are never cached; the memory bound holds.
import crypto from 'node:crypto'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { z } from 'zod'
import { defineJob, emptyOutcome, type JobDefinition } from '../jobs/job.ts'
import { RunManager } from '../jobs/runManager.ts'
import { ResponseCache } from '../src/api/responseCache.ts'
import { startApiServer, type ApiServer } from '../src/api/server.ts'
import type { Runtime } from '../src/app/runtime.ts'
import { ConfigError, loadConfig } from '../src/config/load.ts'
import { issueApiKey, revokeApiKey } from '../src/store/meta/apiKeys.ts'
import { createMetaClient } from '../src/store/meta/client.ts'
import { generationReader, localDataGeneration } from '../src/store/generation.ts'
import { replaceIncidents, type IncidentRecord } from '../src/store/detect/incidents.ts'
import { recordMissingPartition } from '../src/store/ingest/manifest.ts'
import { removeScenarioData } from '../src/store/scenarios/removeScenarioData.ts'
import { testRuntime } from './support/runtime.ts'

const LOCAL_TOKEN = crypto.randomBytes(24).toString('base64url')
let runtime: Runtime
let server: ApiServer

interface Answer {
  cache: string | null
  status: number
  body: { data?: Record<string, unknown> | null; errors?: Array<{ extensions?: { code?: string } }> }
}

async function post(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<Answer> {
  const res = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  })
  return { cache: res.headers.get('x-cache'), status: res.status, body: (await res.json()) as Answer['body'] }
}

/** Reads `query` twice: the second answer must come from the cache and equal the first. Returns the data. */
async function cachedRead(query: string, token?: string): Promise<Record<string, unknown>> {
  const first = await post(query, {}, token)
  expect(first.body.errors).toBeUndefined()
  const second = await post(query, {}, token)
  expect(second.cache).toBe('hit')
  expect(second.body).toEqual(first.body)
  return second.body.data!
}

beforeAll(async () => {
  runtime = await testRuntime({ HOST: '127.0.0.1', NODE_ENV: 'development', PORT: '0' })
  server = await startApiServer(runtime, { localAdminToken: LOCAL_TOKEN })
})
afterAll(() => server?.stop())

const INCIDENTS = `{ incidents(first: 10) { totalCount nodes { id title } } }`

function incident(id: string, title: string): IncidentRecord {
  return {
    id,
    venue: 'cachetest',
    runId: null,
    markets: ['BTCUSDT'],
    fromUs: Date.parse('2025-10-10T00:00:00Z') * 1000,
    toUs: Date.parse('2025-10-10T00:01:00Z') * 1000,
    severity: 'warning',
    title,
    totalDeficit: '1.5',
    insuranceFundImpact: '0',
    adlCount: 0,
    accounts: [],
    detections: 0,
    members: 0,
    gapSeconds: 60,
  }
}

describe('hits', () => {
  test('a repeated query is answered from memory; the first was executed and stored', async () => {
    const query = `{ rulePresetsConnection(first: 3) { nodes { id } } }`
    const first = await post(query)
    expect(first.cache).toBe('miss')
    const second = await post(query)
    expect(second.cache).toBe('hit')
    expect(second.body).toEqual(first.body)
    // other variables are another entry
    const other = await post(`query($n: Int) { rulePresetsConnection(first: $n) { nodes { id } } }`, { n: 2 })
    expect(other.cache).toBe('miss')
  })

  test('identical requests arriving together execute once', async () => {
    const query = `{ incidents(first: 5) { totalCount nodes { id } } rulePresetsConnection(first: 4) { nodes { id } } }`
    const answers = await Promise.all(Array.from({ length: 6 }, () => post(query)))
    expect(answers.map((a) => a.cache).sort()).toEqual(['hit', 'hit', 'hit', 'hit', 'hit', 'miss'])
    for (const a of answers) expect(a.body).toEqual(answers[0]!.body)
  })

  test('health, errors and mutations are never stored', async () => {
    for (let i = 0; i < 2; i++) expect((await post(`{ health { status uptimeSeconds } }`)).cache).toBe('bypass')
    for (let i = 0; i < 2; i++) {
      const missing = await post(`{ rulePresetsConnection(first: -1) { nodes { id } } }`)
      expect(missing.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT')
      expect(missing.cache).toBe('bypass')
    }
    const viaGet = `${server.url}?query=${encodeURIComponent('{ rulePresetsConnection(first: 3) { nodes { id } } }')}`
    for (let i = 0; i < 2; i++) {
      const res = await fetch(viaGet, { headers: { 'apollo-require-preflight': 'true' } })
      expect(res.status).toBe(200)
      expect(res.headers.get('x-cache')).toBe('bypass')
    }
    const mutation = `mutation { createRuleSet(input: { document: {} }) { ruleSetId } }`
    for (let i = 0; i < 2; i++) expect((await post(mutation, {}, LOCAL_TOKEN)).cache).toBe('bypass')
  })
})

describe('every write is seen by the next read', () => {
  test('a detector rebuild (DuckDB commit)', async () => {
    const before = await cachedRead(INCIDENTS)
    const generation = localDataGeneration()
    await replaceIncidents(
      runtime.duck,
      { venue: 'cachetest', runId: null },
      [incident('inc-a', 'first')],
      [],
      new Date(),
    )
    expect(localDataGeneration()).toBeGreaterThan(generation)
    const after = await post(INCIDENTS)
    expect(after.cache).toBe('miss')
    expect(after.body.data).not.toEqual(before)
    expect(JSON.stringify(after.body.data)).toContain('inc-a')
  })

  test('an ingest commit (a partition recorded in the manifest)', async () => {
    const query = `{ dataCoverageConnection(filter: { venue: { equals: "cachetest" } }) { nodes { dataset missingPartitions } } }`
    const before = await cachedRead(query)
    expect(JSON.stringify(before)).not.toContain('fundingRate')
    await recordMissingPartition(
      runtime.duck,
      { source: 'cachetest', dataset: 'fundingRate', venue: 'cachetest', market: 'BTCUSDT', period: '2025-10' },
      { table: 'funding', file: 'BTCUSDT-fundingRate-2025-10.zip' },
    )
    const after = await post(query)
    expect(after.cache).toBe('miss')
    expect(JSON.stringify(after.body.data)).toContain('fundingRate')
  })

  test('a scenario removed', async () => {
    // a scenario's partition in the manifest, written without a commit hook (as a test seeds): then read, then removed
    await runtime.duck.use((c) =>
      c.run(
        `INSERT INTO partitions (partition_id, source, dataset, venue, market, period, target_table, status, rows,
           loaded_at)
         VALUES ('scenario/x/cachetest-s/s@1', 'scenario', 'trades', 'cachetest-s', 'S-PERP', 's@1', 'trades', 'loaded', 0,
           now()::TIMESTAMP)`,
      ),
    )
    const query = `{ dataCoverageConnection(filter: { venue: { equals: "cachetest-s" } }) { nodes { market } } }`
    expect(JSON.stringify(await cachedRead(query))).toContain('S-PERP')
    await removeScenarioData(runtime.duck, null)
    const after = await post(query)
    expect(after.cache).toBe('miss')
    expect(JSON.stringify(after.body.data)).not.toContain('S-PERP')
  })

  test('a run reaching a terminal state', async () => {
    let release = () => {}
    const job = defineJob({
      name: 'cachetest.run',
      kind: 'cachetest',
      description: 'test',
      params: z.object({}).strict(),
      exclusive: false,
      async run() {
        await new Promise<void>((resolve) => (release = resolve))
        return emptyOutcome()
      },
    }) as JobDefinition<never>
    const runs = new RunManager(runtime, new Map([[job.name, job]]), { watchMs: 100 })
    const submitted = await runs.submit(job, {}, { trigger: 'cli' })
    const query = `{ run(id: "${submitted.runId}") { status finishedAt } }`
    await expect.poll(async () => JSON.stringify((await post(query)).body.data)).toContain('running')
    expect((await cachedRead(query)).run).toMatchObject({ status: 'running', finishedAt: null })
    const generation = localDataGeneration()
    release()
    expect((await submitted.done).status).toBe('succeeded')
    expect(localDataGeneration()).toBeGreaterThan(generation)
    const after = await post(query)
    expect(after.cache).toBe('miss')
    expect(after.body.data?.run).toMatchObject({ status: 'succeeded' })
    await runs.stop(1000)
  })

  test('a mutation', async () => {
    const query = `{ ruleSetsConnection(first: 50) { nodes { name } } }`
    expect(JSON.stringify(await cachedRead(query))).not.toContain('cache-created')
    const generation = localDataGeneration()
    const created = await post(
      `mutation { deriveRuleSet(input: { from: "binance-um@2025-09-18", name: "cache-created", set: [] }) { ruleSetId } }`,
      {},
      LOCAL_TOKEN,
    )
    expect(created.body.errors).toBeUndefined()
    expect(localDataGeneration()).toBeGreaterThan(generation)
    const after = await post(query)
    expect(after.cache).toBe('miss')
    expect(JSON.stringify(after.body.data)).toContain('cache-created')
  })

  test('a key revoked by another process (the CLI) is refused at once and listed revoked', async () => {
    const { secret, key } = await issueApiKey(runtime.meta, { name: 'cache-reader', role: 'reader' })
    const query = `{ apiKeysConnection(first: 50) { nodes { name revokedAt } } }`
    await cachedRead(query, LOCAL_TOKEN)
    await cachedRead(INCIDENTS, secret) // the key is found, then remembered
    const cli = createMetaClient(runtime.config.databaseUrl)
    try {
      await revokeApiKey(cli, key.id)
    } finally {
      await cli.$disconnect()
    }
    expect((await post(INCIDENTS, {}, secret)).status).toBe(401)
    const after = await post(query, {}, LOCAL_TOKEN)
    expect(after.cache).toBe('miss')
    expect(after.body.data?.apiKeysConnection).toMatchObject({
      nodes: expect.arrayContaining([expect.objectContaining({ name: 'cache-reader', revokedAt: expect.any(String) })]),
    })
  })
})

describe('roles', () => {
  test('an answer for one role is not served to another', async () => {
    const { secret } = await issueApiKey(runtime.meta, { name: 'cache-role', role: 'reader' })
    const query = `{ apiKeysConnection(first: 1) { nodes { role } } }`
    await cachedRead(query, LOCAL_TOKEN) // admin: stored
    for (let i = 0; i < 2; i++) {
      const reader = await post(query, {}, secret)
      expect(reader.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN')
      expect(reader.cache).not.toBe('hit')
    }
  })
})

describe('the cache itself', () => {
  const answer = (bytes: number) => ({
    body: Buffer.alloc(bytes),
    contentType: 'application/json',
    operationName: null,
  })

  test('an answer computed across a write is not stored, and nothing of an older generation is served', () => {
    let generation = 1
    const cache = new ResponseCache(1 << 20, { read: () => String(generation) })
    const started = cache.current()
    generation++ // a write commits while the request executes
    expect(cache.set('k', answer(10), started)).toBe(false)
    const now = cache.current()
    expect(cache.set('k', answer(10), now)).toBe(true)
    expect(cache.get('k', now)).toBeDefined()
    generation++ // a later request reads the new generation: the entry is gone
    expect(cache.get('k', cache.current())).toBeUndefined()
    expect(cache.size).toBe(0)
  })

  test('an unknown generation (unreadable or WAL metadata file) stores and serves nothing', () => {
    const cache = new ResponseCache(1 << 20, generationReader('/nonexistent/backstop.db'))
    const generation = cache.current()
    expect(generation).toBeNull()
    expect(cache.set('k', answer(10), generation)).toBe(false)
    expect(cache.get('k', generation)).toBeUndefined()
  })

  test('memory stays under the bound: least recently used out first, an answer larger than the bound never in', () => {
    const cache = new ResponseCache(3000, { read: () => 'g' })
    const g = cache.current()
    for (const key of ['a', 'b', 'c', 'd']) expect(cache.set(key, answer(500), g)).toBe(true)
    expect(cache.bytes).toBeLessThanOrEqual(3000)
    expect(cache.get('a', g)).toBeDefined() // a is now the most recent
    expect(cache.set('e', answer(500), g)).toBe(true)
    expect(cache.bytes).toBeLessThanOrEqual(3000)
    expect(cache.get('b', g)).toBeUndefined() // the least recently used went
    expect(cache.get('a', g)).toBeDefined()
    expect(cache.set('huge', answer(5000), g)).toBe(false)
    expect(cache.bytes).toBeLessThanOrEqual(3000)
  })

  test('configuration: off, or a size out of range, named in the error', async () => {
    expect(loadConfig({ API_RESPONSE_CACHE: 'false' }).apiResponseCache).toBe(false)
    expect(loadConfig({}).apiResponseCacheMb).toBe(64)
    expect(() => loadConfig({ API_RESPONSE_CACHE_MB: '0' })).toThrow(ConfigError)
    expect(() => loadConfig({ API_RESPONSE_CACHE_MB: '0' })).toThrow(/API_RESPONSE_CACHE_MB/)
    const off = await startApiServer({ ...runtime, config: { ...runtime.config, apiResponseCache: false } })
    try {
      const res = await fetch(off.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ rulePresetsConnection(first: 1) { nodes { id } } }' }),
      })
      expect(res.status).toBe(200)
      expect(res.headers.get('x-cache')).toBeNull()
    } finally {
      await off.stop()
    }
  })
})
