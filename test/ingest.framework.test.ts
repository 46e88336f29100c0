// The ingestion framework on its own: an API-style connector writing NDJSON, abort between partitions, the HTTP
// client's retry policy, schedules from configuration, and dataCoverage over GraphQL.
import fs from 'node:fs'
import { describe, expect, test } from 'vitest'
import { configSchedules } from '../jobs/configSchedules.ts'
import { resolveDays } from '../src/ingest/sources/params.ts'
import { jobRegistry } from '../jobs/registry.ts'
import { validateSchedules } from '../jobs/scheduler.ts'
import { loadConfig } from '../src/config/load.ts'
import type { PlannedPartition } from '../src/ingest/connector.ts'
import { yesterday } from '../src/ingest/dates.ts'
import { HttpClient, HttpStatusError, parseRetryAfter } from '../src/ingest/http.ts'
import { ingestPartitions } from '../src/ingest/orchestrator.ts'
import { ArchiveServer } from './support/archiveServer.ts'
import { gqlClient } from './support/graphql.ts'
import { testRuntime } from './support/runtime.ts'

const runtime = await testRuntime()
const server = await ArchiveServer.start()
const http = new HttpClient({ timeoutMs: 2000, retries: 2, backoffMs: 5, maxBackoffMs: 20, concurrency: 2 })

/** A JSON-API style source: pages records into NDJSON, which the same loader reads. */
function apiPartition(day: string, records: Array<{ time: string; rate: string }>): PlannedPartition {
  const key = { source: 'example-api', dataset: 'funding', venue: 'example', market: 'BTC-PERP', period: day }
  return {
    key,
    table: 'funding',
    file: `api:${day}`,
    async fetch(ctx) {
      const file = ctx.temp.path(`${day}.ndjson`)
      fs.writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n')
      return {
        kind: 'ready',
        scratch: [file],
        bytes: 0,
        request: {
          partition: key,
          file: {
            path: file,
            name: `funding ${day}`,
            format: 'ndjson',
            columns: [
              { name: 'time', type: 'TIMESTAMP' },
              { name: 'rate', type: 'DOUBLE' },
            ],
          },
          loads: [
            {
              kind: 'rows',
              table: 'funding',
              values: { ts: { column: 'time' }, rate: { column: 'rate' }, interval_h: { literal: 1 } },
            },
          ],
          upstream: { file: `api:${day}`, checksum: null },
          cadence: { table: 'funding', everySeconds: 3600 },
          periodStart: new Date(`${day}T00:00:00Z`),
          periodEnd: new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000),
        },
      }
    },
  }
}

const hourly = (day: string, skip: number[] = []) =>
  Array.from({ length: 24 }, (_, h) => h)
    .filter((h) => !skip.includes(h))
    .map((h) => ({ time: `${day}T${String(h).padStart(2, '0')}:00:00Z`, rate: String(0.00001 * h) }))

describe('orchestrator', () => {
  test('an API-style connector writing NDJSON loads through the same loader, with holes recorded', async () => {
    const result = await ingestPartitions(runtime.duck, [apiPartition('2025-01-01', hourly('2025-01-01', [5, 6]))], {
      source: 'example-api',
      http,
      log: runtime.log,
      concurrency: 2,
    })
    expect(result).toMatchObject({ loaded: 1, rows: 22, failed: 0 })
    const gql = await gqlClient(runtime)
    const res = await gql.run(
      `{ dataCoverage(venue: "example", market: "BTC-PERP") { dataset table partitions rows missingRows missingMinutes
          holes { from to missing stepSeconds } ranges { from to } } }`,
    )
    await gql.stop()
    expect(res.errors).toBeUndefined()
    expect(res.data!.dataCoverage).toEqual([
      {
        dataset: 'funding',
        table: 'funding',
        partitions: 1,
        rows: 22,
        missingRows: 2,
        missingMinutes: 120,
        holes: [{ from: '2025-01-01T05:00:00.000Z', to: '2025-01-01T07:00:00.000Z', missing: 2, stepSeconds: 3600 }],
        ranges: [{ from: '2025-01-01T00:00:00.000Z', to: '2025-01-02T00:00:00.000Z' }],
      },
    ])
  })

  test('an aborted run stops between partitions and leaves the rest for the next run', async () => {
    const controller = new AbortController()
    const days = ['2025-02-01', '2025-02-02', '2025-02-03', '2025-02-04']
    const result = await ingestPartitions(
      runtime.duck,
      days.map((d) => apiPartition(d, hourly(d))),
      {
        source: 'example-api',
        http,
        log: runtime.log,
        concurrency: 1,
        signal: controller.signal,
        progress: {
          start: () => undefined,
          bytes: () => undefined,
          partition: () => controller.abort(new Error('shutting down')),
          finish: () => undefined,
        },
      },
    )
    expect(result).toMatchObject({ loaded: 1, failed: 0, aborted: true })
    const again = await ingestPartitions(
      runtime.duck,
      days.map((d) => apiPartition(d, hourly(d))),
      {
        source: 'example-api',
        http,
        log: runtime.log,
        concurrency: 2,
      },
    )
    // partitions without a published checksum are skipped as loaded
    expect(again).toMatchObject({ loaded: 3, skipped: 1, aborted: false })
  })
})

describe('HTTP client', () => {
  test('4xx other than 404 and 429 is not retried; 404 is "missing"; 5xx is retried', async () => {
    server.put('/forbidden', 'x')
    server.fail('/forbidden', { status: 403 })
    await expect(http.getText(`${server.url}/forbidden`)).rejects.toThrow(HttpStatusError)
    expect(server.requests('/forbidden')).toBe(1)
    expect(await http.getText(`${server.url}/nothing-here`)).toBeNull()
    server.put('/flaky', 'ok')
    server.fail('/flaky', { status: 503 }, { status: 502 })
    expect(await http.getText(`${server.url}/flaky`)).toBe('ok')
    expect(server.requests('/flaky')).toBe(3)
  })

  test('Retry-After in seconds or as an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000)
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('2015-10-21T07:28:00Z'))).toBe(10_000)
    expect(parseRetryAfter('soon')).toBeNull()
    expect(parseRetryAfter(null)).toBeNull()
  })

  test('a connection that hangs times out and is retried', async () => {
    server.put('/slow', 'finally')
    server.fail('/slow', { stall: new Promise(() => undefined) })
    const quick = new HttpClient({ timeoutMs: 200, retries: 1, backoffMs: 5, maxBackoffMs: 10, concurrency: 1 })
    const dest = `${runtime.config.ingestTmpDir}/backstop-slow-${process.pid}`
    const got = await quick.download(`${server.url}/slow`, dest)
    expect(got).toMatchObject({ status: 'ok', bytes: 7 })
    fs.rmSync(dest, { force: true })
  })
})

describe('schedules', () => {
  test('daily at 02:30 UTC for the configured markets, yesterday by default; none without markets', () => {
    const none = configSchedules(loadConfig({}))
    // maintenance schedules are always there; no ingestion schedule without configured markets
    expect(none.filter((s) => s.job.startsWith('ingest.'))).toEqual([])
    expect(none.map((s) => s.job)).toContain('maintenance.prune-job-runs')
    const specs = configSchedules(loadConfig({ INGEST_MARKETS: 'BTCUSDT, ETHUSDT', INGEST_BYBIT_MARKETS: 'BTCUSDT' }))
    expect(specs.filter((s) => s.job.startsWith('ingest.'))).toEqual([
      {
        name: 'ingest-binance-um-daily',
        job: 'ingest.binance-um',
        cron: '30 2 * * *',
        params: {
          markets: ['BTCUSDT', 'ETHUSDT'],
          datasets: [
            'aggTrades',
            'fundingRate',
            'markPriceKlines',
            'indexPriceKlines',
            'premiumIndexKlines',
            'metrics',
          ],
        },
      },
      { name: 'ingest-bybit-daily', job: 'ingest.bybit', cron: '30 2 * * *', params: { markets: ['BTCUSDT'] } },
    ])
    expect(() => validateSchedules(specs, jobRegistry)).not.toThrow()
    expect(resolveDays({})).toEqual({ from: yesterday(), to: yesterday() })
    expect(resolveDays({ from: '2025-01-01' })).toEqual({ from: '2025-01-01', to: '2025-01-01' })
  })
})
