// Pyth Benchmarks ingestion against a local Benchmarks: the feed id behind a symbol, one update per interval at its
// publish time with price and confidence scaled exactly by 10^expo, stale stretches as holes, days before the feed
// as gaps, a malformed update, and idempotent re-runs.
import { describe, expect, test } from 'vitest'
import type { JobDefinition } from '../jobs/job.ts'
import { runJob } from '../jobs/runner.ts'
import { marketCoverage } from '../src/store/market/coverage.ts'
import { ApiServer } from './support/apiServer.ts'
import { PythMock, type MockUpdate } from './support/pythMock.ts'
import { testRuntime } from './support/runtime.ts'
import { ingestJob } from '../jobs/ingest/index.ts'

const pythJob = ingestJob('pyth')

const server = await ApiServer.start()
const pyth = new PythMock(server)
const runtime = await testRuntime({
  PYTH_BENCHMARKS_URL: pyth.url,
  PYTH_REQUESTS_PER_10S: '100000',
  INGEST_RETRY_BASE_MS: '5',
  INGEST_HTTP_RETRIES: '2',
})
const job = pythJob as JobDefinition<never>
const run = (params: Record<string, unknown>) => runJob(runtime, job, params, { trigger: 'cli' })
const query = async (sql: string) =>
  runtime.duck.use(async (c) => (await c.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[])
const one = async (sql: string) => (await query(sql))[0]!

const BTC = 'e62df6c8b4a85fe1a67db44dc12de5db330f7ac66b72dc658afedf0f4a415b43'
const day = Date.UTC(2024, 2, 1) / 1000

// Updates every 20 s on 2024-03-01 from 00:00:07, except a stall from 05:00 to 08:00; the feed starts that day.
const updates: MockUpdate[] = []
for (let t = day + 7; t < day + 86_400; t += 20) {
  if (t >= day + 5 * 3600 && t < day + 8 * 3600) continue
  const i = updates.length
  updates.push({ publishTime: t, price: String(6_140_993_501_000 + i * 1_000), conf: String(3_101_500 + i), expo: -8 })
}
pyth.feeds.set(BTC, { symbol: 'Crypto.BTC/USD', updates })

describe('Pyth oracle history', () => {
  test('hourly samples: one row per fresh update at its publish time, exact 10^expo scaling, the stall as holes', async () => {
    const result = await run({ feeds: ['Crypto.BTC/USD'], interval: '1h', from: '2024-02-29', to: '2024-03-01' })
    expect(result.status).toBe('succeeded')
    // 24 samples, of which 05:30, 06:30 and 07:30 return the last update before the stall (kept once)
    expect(result.outcome).toMatchObject({ partitionsLoaded: 1, partitionsSkipped: 1, rows: 22 })
    const first = await one(`SELECT ts, price, confidence, kind, source, interval_s FROM prices
      WHERE venue = 'pyth' AND market = 'Crypto.BTC/USD' ORDER BY ts LIMIT 1`)
    // the sample at 00:30 gets the update published at 00:29:47
    const u = updates.find((x) => x.publishTime === day + 1787)!
    expect(first).toEqual({
      ts: new Date((day + 1787) * 1000),
      price: Number(`${u.price.slice(0, -8)}.${u.price.slice(-8)}`),
      confidence: Number(u.conf) / 1e8,
      kind: 'oracle',
      source: 'pyth',
      interval_s: null,
    })
    const coverage = (await marketCoverage(runtime.duck, 'pyth', 'Crypto.BTC/USD')).find(
      (c) => c.dataset === 'oracle-1h',
    )!
    expect(coverage.gaps).toEqual([
      { from: new Date('2024-02-29T00:00:00Z'), to: new Date('2024-03-01T00:00:00Z'), reason: 'missing-at-source' },
    ])
    // The stall: the last update before it (04:59:47) is followed by the one sampled at 08:30.
    expect(coverage.holes).toEqual([
      {
        from: new Date((day + 4 * 3600 + 3587 + 3600) * 1000),
        to: new Date((day + 8 * 3600 + 1787) * 1000),
        missing: 3,
        stepSeconds: 3600,
      },
    ])
  })

  test('minute samples by feed id: 1440 requests, rows at distinct publish times; re-runs are skipped', async () => {
    const before = server.log.length
    const result = await run({ feeds: [`0x${BTC}`], interval: '1m', from: '2024-03-01', to: '2024-03-01' })
    expect(server.log.length - before).toBe(1440)
    expect(result.outcome.rows).toBe(1440 - 180 + 1)
    expect(await one(`SELECT count(DISTINCT ts)::INTEGER AS n FROM prices WHERE market = '0x${BTC}'`)).toEqual({
      n: 1261,
    })
    const again = await run({ feeds: [`0x${BTC}`], interval: '1m', from: '2024-03-01', to: '2024-03-01' })
    expect(again.outcome).toMatchObject({ partitionsSkipped: 1, rows: 0 })
  })

  test('an unknown symbol, and a malformed update, fail with what was wrong', async () => {
    const unknown = await run({ feeds: ['Crypto.NOPE/USD'], interval: '1h', from: '2024-03-01', to: '2024-03-01' })
    expect(unknown.outcome.errors[0]!.message).toBe(
      'pyth price_feeds Crypto.NOPE/USD: no feed has the symbol Crypto.NOPE/USD (symbols look like Crypto.BTC/USD)',
    )
    const ETH = 'ff61491a931112ddf1bd8147cd1b641375f79f5825126d665480874634fd0ace'
    pyth.feeds.set(ETH, {
      symbol: 'Crypto.ETH/USD',
      updates: [{ publishTime: day + 100, price: '3.4e11', conf: '1', expo: -8 }],
    })
    const bad = await run({ feeds: ['Crypto.ETH/USD'], interval: '1h', from: '2024-03-01', to: '2024-03-01' })
    expect(bad.outcome.errors[0]!.message).toMatch(
      /^pyth updates\/price Crypto\.ETH\/USD at 2024-03-01T00:30:00\.000Z: record 1 \(feed ff61…?.*\): field price\.price: received "3\.4e11"; expected an integer$/,
    )
  })
})
