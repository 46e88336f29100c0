// GraphQL API over real stores: health, markets and coverage from the partition manifest, rule sets, error policy.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { DecimalScalar } from '../src/api/scalars.ts'
import { gqlClient } from './support/graphql.ts'
import { testRuntime } from './support/runtime.ts'

const runtime = await testRuntime()
const client = await gqlClient(runtime)
afterAll(() => client.stop())

async function addPartition(p: { dataset: string; period: string; status?: string; rows?: number; market?: string }) {
  const market = p.market ?? 'BTCUSDT'
  await runtime.duck.use((c) =>
    c.run(
      `INSERT INTO partitions (partition_id, source, dataset, venue, market, period, target_table, status, file, checksum,
              rows, min_ts, max_ts, loaded_at, job_run_id)
       VALUES ($1, 'binance-um', $2, 'binance-um', $3, $4, 'trades', $5, 'f.zip', 'abc', $6,
        $7::TIMESTAMP, $8::TIMESTAMP, now()::TIMESTAMP, NULL)`,
      [
        `binance-um/${p.dataset}/${market}/${p.period}`,
        p.dataset,
        market,
        p.period,
        p.status ?? 'loaded',
        p.rows ?? 100,
        p.status === 'missing' ? null : `${p.period}T00:00:01`,
        p.status === 'missing' ? null : `${p.period}T23:59:59`,
      ],
    ),
  )
}

describe('health', () => {
  test('reports ok with version, uptime and both stores', async () => {
    const { data, errors } = await client.run(
      '{ health { status version uptimeSeconds duckdb { status latencyMs detail } metadata { status } } }',
    )
    expect(errors).toBeUndefined()
    expect(data?.health).toMatchObject({
      status: 'ok',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      duckdb: { status: 'ok', detail: null },
      metadata: { status: 'ok' },
    })
    expect((data?.health as { uptimeSeconds: number }).uptimeSeconds).toBeGreaterThanOrEqual(0)
  })
})

describe('markets and dataCoverage', () => {
  beforeAll(async () => {
    for (const day of ['2025-10-01', '2025-10-02', '2025-10-04'])
      await addPartition({ dataset: 'aggTrades', period: day })
    await addPartition({ dataset: 'aggTrades', period: '2025-10-03', status: 'missing', rows: 0 })
    await addPartition({ dataset: 'aggTrades', period: '2025-10-06' })
    await addPartition({ dataset: 'aggTrades', period: '2025-10-01', market: 'ETHUSDT' })
  })

  test('markets lists what the manifest holds, filtered by venue', async () => {
    const { data } = await client.run('{ markets { venue market datasets rows firstTs lastTs } }')
    expect(data?.markets).toEqual([
      {
        venue: 'binance-um',
        market: 'BTCUSDT',
        datasets: ['aggTrades'],
        rows: 400,
        firstTs: '2025-10-01T00:00:01.000Z',
        lastTs: '2025-10-06T23:59:59.000Z',
      },
      {
        venue: 'binance-um',
        market: 'ETHUSDT',
        datasets: ['aggTrades'],
        rows: 100,
        firstTs: '2025-10-01T00:00:01.000Z',
        lastTs: '2025-10-01T23:59:59.000Z',
      },
    ])
    expect((await client.run('{ markets(venue: "bybit") { market } }')).data?.markets).toEqual([])
  })

  test('coverage merges adjacent days and reports missing and unloaded gaps', async () => {
    const { data, errors } = await client.run(
      '{ dataCoverage(venue: "binance-um", market: "BTCUSDT") { source dataset table partitions missingPartitions rows ranges { from to } gaps { from to kind reason } } }',
    )
    expect(errors).toBeUndefined()
    expect(data?.dataCoverage).toEqual([
      {
        source: 'binance-um',
        dataset: 'aggTrades',
        table: 'trades',
        partitions: 4,
        missingPartitions: 1,
        rows: 400,
        ranges: [
          { from: '2025-10-01T00:00:00.000Z', to: '2025-10-03T00:00:00.000Z' },
          { from: '2025-10-04T00:00:00.000Z', to: '2025-10-05T00:00:00.000Z' },
          { from: '2025-10-06T00:00:00.000Z', to: '2025-10-07T00:00:00.000Z' },
        ],
        gaps: [
          {
            from: '2025-10-03T00:00:00.000Z',
            to: '2025-10-04T00:00:00.000Z',
            kind: 'missing_at_source',
            reason: 'missing-at-source',
          },
          {
            from: '2025-10-05T00:00:00.000Z',
            to: '2025-10-06T00:00:00.000Z',
            kind: 'not_loaded',
            reason: 'not-loaded',
          },
        ],
      },
    ])
  })

  test('an unknown market has empty coverage', async () => {
    expect((await client.run('{ dataCoverage(venue: "x", market: "y") { dataset } }')).data?.dataCoverage).toEqual([])
  })
})

describe('ruleSets', () => {
  test('lists rule sets with their latest version and parsed body', async () => {
    await runtime.meta.ruleSet.create({
      data: {
        name: 'tight',
        derivedFrom: 'binance-um',
        versions: {
          create: [
            { version: 1, hash: 'h1', body: '{"a":1}' },
            { version: 2, hash: 'h2', body: '{"a":2}' },
          ],
        },
      },
    })
    const { data } = await client.run(
      '{ ruleSets { name derivedFrom latestVersion { version hash body } versions { version } } }',
    )
    expect(data?.ruleSets).toEqual([
      {
        name: 'tight',
        derivedFrom: 'binance-um',
        latestVersion: { version: 2, hash: 'h2', body: { a: 2 } },
        versions: [{ version: 2 }, { version: 1 }],
      },
    ])
  })
})

describe('error policy', () => {
  test('unknown fields fail validation with a stable code', async () => {
    const { errors } = await client.run('{ nope }')
    expect(errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED')
  })

  test('missing arguments are reported as validation errors', async () => {
    const { errors } = await client.run('{ dataCoverage(venue: "x") { dataset } }')
    expect(errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED')
    expect(errors?.[0]?.message).toMatch(/market/)
  })

  test('queries deeper than the limit are rejected before execution', async () => {
    const deep = await gqlClient(await testRuntime({ GRAPHQL_MAX_DEPTH: '2' }))
    const { errors, data } = await deep.run('{ ruleSets { latestVersion { version } } }')
    expect(data).toBeUndefined()
    expect(errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED')
    expect(errors?.[0]?.message).toMatch(/depth/i)
    await deep.stop()
  })

  test('unexpected failures are masked with an error id', async () => {
    const broken = await testRuntime()
    const brokenClient = await gqlClient(broken)
    broken.duck.close() // the store is gone: markets will throw an internal error
    const { errors } = await brokenClient.run('{ markets { market } }')
    expect(errors?.[0]?.message).toBe('Internal server error')
    expect(errors?.[0]?.extensions).toEqual({
      code: 'INTERNAL_SERVER_ERROR',
      errorId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    })
    await brokenClient.stop()
  })
})

describe('Decimal scalar', () => {
  test('keeps exact strings and rejects anything else with what is valid', () => {
    expect(DecimalScalar.parseValue('-1234.500000000000000001')).toBe('-1234.500000000000000001')
    expect(DecimalScalar.serialize('42')).toBe('42')
    expect(() => DecimalScalar.parseValue('1e5')).toThrow(
      /Decimal must be a string of digits like "-1234.5"; received "1e5"/,
    )
    expect(() => DecimalScalar.parseValue(Number.NaN)).toThrow(/received null/)
  })
})

describe('accounts', () => {
  test('account-level partitions are listed as accounts, not markets', async () => {
    await runtime.duck.use((c) =>
      c.run(
        `INSERT INTO partitions (partition_id, source, dataset, venue, market, period, target_table, status, file, checksum,
           rows, min_ts, max_ts, loaded_at, job_run_id)
         VALUES ('hyperliquid/fills/0xabc/2025-10-10', 'hyperliquid', 'fills', 'hyperliquid', '0xabc', '2025-10-10',
           'fills,liquidations', 'loaded', 'info', NULL, 7, '2025-10-10 01:00:00', '2025-10-10 02:00:00', now()::TIMESTAMP, NULL)`,
      ),
    )
    const { data } = await client.run(
      '{ accounts(venue: "hyperliquid") { venue account datasets rows } markets(venue: "hyperliquid") { market } }',
    )
    expect(data).toEqual({
      accounts: [{ venue: 'hyperliquid', account: '0xabc', datasets: ['fills'], rows: 7 }],
      markets: [],
    })
  })
})
