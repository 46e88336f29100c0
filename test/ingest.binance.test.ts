// Binance USDⓈ-M archive ingestion against a local mirror: header and headerless files, ms and µs, derived bars,
// CHECKSUM verification, HTTP faults, missing days, bad rows, idempotency and changed upstream files.
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import { describe, expect, test } from 'vitest'
import type { JobDefinition } from '../jobs/job.ts'
import { runJob } from '../jobs/runner.ts'
import { marketCoverage } from '../src/store/market/coverage.ts'
import { rewrapSingleMemberAsGzip } from '../src/ingest/archive.ts'
import { ArchiveServer, sharedDataDir, zipOf } from './support/archiveServer.ts'
import { testRuntime } from './support/runtime.ts'
import { ingestJob } from '../jobs/ingest/index.ts'

const binanceUmJob = ingestJob('binance-um')

const server = await ArchiveServer.start()
const runtime = await testRuntime({
  BINANCE_UM_BASE_URL: server.url,
  INGEST_RETRY_BASE_MS: '5',
  INGEST_HTTP_RETRIES: '3',
  INGEST_HTTP_TIMEOUT_MS: '3000',
})
const job = binanceUmJob as JobDefinition<never>
const UM = '/data/futures/um'

const query = async (sql: string) =>
  runtime.duck.use(async (c) => (await c.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[])
const run = (params: Record<string, unknown>) => runJob(runtime, job, params, { trigger: 'cli' })

const AGG_HEADER = 'agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker'

/** A day of aggTrades in the real column layout: ids, price, qty, first/last trade ids, time, buyer-is-maker. */
function aggTradesDay(day: string, rows: number, options: { header: boolean; unit: 'ms' | 'us'; firstId: number }) {
  const start = Date.parse(`${day}T00:00:00Z`)
  const lines: string[] = options.header ? [AGG_HEADER] : []
  for (let i = 0; i < rows; i++) {
    const ms = start + Math.floor((i * 86_400_000) / rows)
    const t = options.unit === 'ms' ? String(ms) : `${ms}${String(i % 1000).padStart(3, '0')}`
    const price = (26_950 + Math.sin(i / 7) * 40).toFixed(1)
    const firstTrade = 4_000_000_000 + i * 3
    lines.push(
      `${options.firstId + i},${price},0.00${1 + (i % 9)},${firstTrade},${firstTrade + (i % 3)},${t},${i % 3 === 0}`,
    )
  }
  return lines.join('\n') + '\n'
}

const aggPath = (day: string, sym = 'BTCUSDT') => `${UM}/daily/aggTrades/${sym}/${sym}-aggTrades-${day}.zip`

describe('aggTrades', () => {
  test('header and headerless files, ms and µs, land as taker-side trades with 1 s and 1 min bars', async () => {
    await server.putZip(
      aggPath('2022-08-10'),
      'BTCUSDT-aggTrades-2022-08-10.csv',
      aggTradesDay('2022-08-10', 500, { header: false, unit: 'ms', firstId: 100 }),
    )
    await server.putZip(
      aggPath('2022-08-11'),
      'BTCUSDT-aggTrades-2022-08-11.csv',
      aggTradesDay('2022-08-11', 400, { header: true, unit: 'us', firstId: 1000 }),
    )
    const result = await run({ markets: ['BTCUSDT'], datasets: ['aggTrades'], from: '2022-08-10', to: '2022-08-11' })
    expect(result.status).toBe('succeeded')
    expect(result.outcome).toMatchObject({ partitionsLoaded: 2, partitionsFailed: 0, rows: 900 })
    const [first] = await query(
      `SELECT ts, price, qty, side, trade_id FROM trades WHERE partition_id = 'binance-um/aggTrades/BTCUSDT/2022-08-10' ORDER BY ts, trade_id LIMIT 1`,
    )
    expect(first).toEqual({
      ts: new Date('2022-08-10T00:00:00Z'),
      price: 26950,
      qty: 0.001,
      side: 'sell',
      trade_id: '100',
    })
    // µs file: the sub-millisecond digits survive
    const [us] = await query(
      `SELECT epoch_us(ts) AS us FROM trades WHERE partition_id = 'binance-um/aggTrades/BTCUSDT/2022-08-11' AND trade_id = '1001'`,
    )
    expect(us!.us).toBe(BigInt(Date.parse('2022-08-11T00:00:00Z') + 216_000) * 1000n + 1n)
    // bars: recomputed here from the trades table for the 1-minute bars, trade counts from the id spans
    const bars = await query(
      `SELECT b.ts, b.open, b.high, b.low, b.close, b.volume, b.trades, b.taker_buy_volume, b.vwap
         FROM bars b WHERE b.partition_id = 'binance-um/aggTrades/BTCUSDT/2022-08-10' AND interval_s = 60 ORDER BY ts LIMIT 1`,
    )
    const [expected] = await query(
      `SELECT arg_min(price, trade_id::BIGINT) AS open, max(price) AS high, min(price) AS low,
              arg_max(price, trade_id::BIGINT) AS close, sum(qty) AS volume,
              sum(qty) FILTER (WHERE side = 'buy') AS taker_buy_volume, sum(price * qty) / sum(qty) AS vwap
         FROM trades WHERE partition_id = 'binance-um/aggTrades/BTCUSDT/2022-08-10' AND ts < '2022-08-10 00:01:00'`,
    )
    expect(bars[0]).toMatchObject({ ts: new Date('2022-08-10T00:00:00Z'), open: expected!.open, high: expected!.high })
    expect(bars[0]!.low).toBe(expected!.low)
    expect(bars[0]!.close).toBe(expected!.close)
    expect(bars[0]!.volume).toBeCloseTo(expected!.volume as number, 9)
    expect(bars[0]!.taker_buy_volume).toBeCloseTo(expected!.taker_buy_volume as number, 9)
    expect(bars[0]!.vwap).toBeCloseTo(expected!.vwap as number, 6)
    // trades per bar count the underlying trades (last_trade_id - first_trade_id + 1), not aggregate rows
    const [counts] = await query(
      `SELECT sum(trades)::BIGINT AS n FROM bars WHERE partition_id = 'binance-um/aggTrades/BTCUSDT/2022-08-10' AND interval_s = 1`,
    )
    expect(Number(counts!.n)).toBe(Array.from({ length: 500 }, (_, i) => (i % 3) + 1).reduce((a, b) => a + b, 0))
    const [same] = await query(
      `SELECT (SELECT sum(trades) FROM bars WHERE partition_id = 'binance-um/aggTrades/BTCUSDT/2022-08-10' AND interval_s = 60) =
              (SELECT sum(trades) FROM bars WHERE partition_id = 'binance-um/aggTrades/BTCUSDT/2022-08-10' AND interval_s = 1) AS ok`,
    )
    expect(same!.ok).toBe(true)
  })

  test('idempotent: a second run skips, --force replaces; row counts and content hashes are identical', async () => {
    const fingerprint = async () =>
      query(`SELECT (SELECT count(*) FROM trades)::BIGINT AS trades, (SELECT count(*) FROM bars)::BIGINT AS bars,
                    (SELECT bit_xor(hash(ts, price, qty, side, trade_id, partition_id)) FROM trades) AS th,
                    (SELECT bit_xor(hash(ts, interval_s, open, high, low, close, trades, partition_id)) FROM bars) AS bh,
                    (SELECT count(*) FROM partitions)::BIGINT AS parts`)
    const before = await fingerprint()
    const again = await run({ markets: ['BTCUSDT'], datasets: ['aggTrades'], from: '2022-08-10', to: '2022-08-11' })
    expect(again.outcome).toMatchObject({ partitionsLoaded: 0, partitionsSkipped: 2, rows: 0 })
    expect(server.requests(aggPath('2022-08-10'))).toBe(1) // skipped by CHECKSUM alone, no re-download
    expect(await fingerprint()).toEqual(before)
    const forced = await run({
      markets: ['BTCUSDT'],
      datasets: ['aggTrades'],
      from: '2022-08-10',
      to: '2022-08-11',
      force: true,
    })
    expect(forced.outcome).toMatchObject({ partitionsLoaded: 2, rows: 900 })
    expect(await fingerprint()).toEqual(before)
  })

  test('a changed upstream file is detected, reported and reloaded', async () => {
    await server.putZip(
      aggPath('2022-08-10'),
      'BTCUSDT-aggTrades-2022-08-10.csv',
      aggTradesDay('2022-08-10', 450, { header: false, unit: 'ms', firstId: 100 }),
    )
    const result = await run({ markets: ['BTCUSDT'], datasets: ['aggTrades'], from: '2022-08-10', to: '2022-08-10' })
    expect(result.outcome).toMatchObject({ partitionsLoaded: 1, rows: 450 })
    const [p] = await query(
      `SELECT p.rows::BIGINT AS rows, c.checksum = p.checksum AS current, c.previous_checksum <> c.checksum AS differs,
              c.job_run_id = p.job_run_id AS same_run
         FROM partitions p JOIN partition_changes c USING (partition_id)
        WHERE partition_id = 'binance-um/aggTrades/BTCUSDT/2022-08-10'`,
    )
    expect(p).toEqual({ rows: 450n, current: true, differs: true, same_run: true })
    const [n] = await query(
      `SELECT count(*)::BIGINT AS n FROM trades WHERE partition_id = 'binance-um/aggTrades/BTCUSDT/2022-08-10'`,
    )
    expect(n!.n).toBe(450n)
  })
})

describe('other datasets', () => {
  test('trades, metrics (datetime strings, empty fields, 5-minute holes) and mark/index/premium klines', async () => {
    await server.putZip(
      `${UM}/daily/trades/BTCUSDT/BTCUSDT-trades-2024-05-31.zip`,
      'BTCUSDT-trades-2024-05-31.csv',
      'id,price,qty,quote_qty,time,is_buyer_maker\n5053880937,68402.6,0.024,1641.6624,1717113600031,false\n5053880938,68402.5,0.1,6840.25,1717113600031,true\n',
    )
    const metrics = [
      'create_time,symbol,sum_open_interest,sum_open_interest_value,count_toptrader_long_short_ratio,sum_toptrader_long_short_ratio,count_long_short_ratio,sum_taker_long_short_vol_ratio',
    ]
    for (let i = 0; i < 288; i++) {
      if (i >= 100 && i < 103) continue // 15 minutes missing at source
      const t = new Date(Date.parse('2023-06-25T00:00:00Z') + i * 300_000).toISOString().replace('T', ' ').slice(0, 19)
      metrics.push(`${t},BTCUSDT,${5578700 + i}.00000000,18265.00911826,"","","",0.00855776`)
    }
    await server.putZip(
      `${UM}/daily/metrics/BTCUSDT/BTCUSDT-metrics-2023-06-25.zip`,
      'BTCUSDT-metrics-2023-06-25.csv',
      metrics.join('\n') + '\n',
    )
    const kline = (open: number) =>
      `1717113600000,${open},${open + 5},${open - 5},${open + 1},0,1717113659999,0,60,0,0,0`
    for (const [dataset, open] of [
      ['markPriceKlines', 68400],
      ['indexPriceKlines', 68390],
      ['premiumIndexKlines', -0.0001],
    ] as const) {
      await server.putZip(
        `${UM}/daily/${dataset}/BTCUSDT/1m/BTCUSDT-1m-2024-05-31.zip`,
        'BTCUSDT-1m-2024-05-31.csv',
        kline(open) + '\n',
      )
    }
    const a = await run({
      markets: ['BTCUSDT'],
      datasets: ['trades', 'markPriceKlines', 'indexPriceKlines', 'premiumIndexKlines'],
      from: '2024-05-31',
      to: '2024-05-31',
    })
    const b = await run({ markets: ['BTCUSDT'], datasets: ['metrics'], from: '2023-06-25', to: '2023-06-25' })
    expect(a.outcome).toMatchObject({ partitionsLoaded: 4, partitionsFailed: 0, rows: 5 })
    expect(b.outcome).toMatchObject({ partitionsLoaded: 1, rows: 285 })
    const trades = await query(
      `SELECT side, trade_id FROM trades WHERE partition_id = 'binance-um/trades/BTCUSDT/2024-05-31' ORDER BY trade_id`,
    )
    expect(trades).toEqual([
      { side: 'buy', trade_id: '5053880937' },
      { side: 'sell', trade_id: '5053880938' },
    ])
    const prices = await query(
      `SELECT kind, source, price, open, high, low, interval_s FROM prices WHERE ts = '2024-05-31 00:00:00' ORDER BY kind`,
    )
    expect(prices).toEqual([
      { kind: 'index', source: 'binance-um', price: 68391, open: 68390, high: 68395, low: 68385, interval_s: 60 },
      { kind: 'mark', source: 'binance-um', price: 68401, open: 68400, high: 68405, low: 68395, interval_s: 60 },
      {
        kind: 'premium',
        source: 'binance-um',
        price: 0.9999,
        open: -0.0001,
        high: 4.9999,
        low: -5.0001,
        interval_s: 60,
      },
    ])
    const [oi] = await query(
      `SELECT ts, oi_base, oi_quote FROM open_interest WHERE market = 'BTCUSDT' ORDER BY ts LIMIT 1`,
    )
    expect(oi).toEqual({ ts: new Date('2023-06-25T00:00:00Z'), oi_base: 5578700, oi_quote: 18265.00911826 })
    const coverage = await marketCoverage(runtime.duck, 'binance-um', 'BTCUSDT')
    const m = coverage.find((c) => c.dataset === 'metrics')!
    expect(m.holes).toEqual([
      { from: new Date('2023-06-25T08:20:00Z'), to: new Date('2023-06-25T08:35:00Z'), missing: 3, stepSeconds: 300 },
    ])
    expect(m.missingMinutes).toBe(15)
    // one mark-price kline in a day: the rest of the day is reported missing
    expect(coverage.find((c) => c.dataset === 'markPriceKlines-1m')!.missingRows).toBe(1439)
  })
})

describe('HTTP behaviour and bad input', () => {
  const day = (d: string, rows = 50) => aggTradesDay(d, rows, { header: true, unit: 'ms', firstId: 5000 })
  const params = (from: string, to: string) => ({ markets: ['ETHUSDT'], datasets: ['aggTrades'], from, to })

  test('429 with Retry-After then success, and a truncated body, are retried and load', async () => {
    await server.putZip(aggPath('2023-01-01', 'ETHUSDT'), 'ETHUSDT-aggTrades-2023-01-01.csv', day('2023-01-01'))
    await server.putZip(aggPath('2023-01-02', 'ETHUSDT'), 'ETHUSDT-aggTrades-2023-01-02.csv', day('2023-01-02'))
    server.fail(aggPath('2023-01-01', 'ETHUSDT'), { status: 429, retryAfter: '0' }, { status: 429, retryAfter: '1' })
    server.fail(aggPath('2023-01-02', 'ETHUSDT'), { truncate: true })
    const started = performance.now()
    const result = await run(params('2023-01-01', '2023-01-02'))
    expect(result.outcome).toMatchObject({ partitionsLoaded: 2, partitionsFailed: 0, rows: 100 })
    expect(server.requests(aggPath('2023-01-01', 'ETHUSDT'))).toBe(3)
    expect(server.requests(aggPath('2023-01-02', 'ETHUSDT'))).toBe(2)
    expect(performance.now() - started).toBeGreaterThanOrEqual(1000) // Retry-After: 1 was honoured
  })

  test('a 500 storm, a corrupt zip and a checksum mismatch fail their partitions; a missing day is a gap; others load', async () => {
    await server.putZip(aggPath('2023-02-01', 'ETHUSDT'), 'ETHUSDT-aggTrades-2023-02-01.csv', day('2023-02-01'))
    await server.putZip(aggPath('2023-02-02', 'ETHUSDT'), 'ETHUSDT-aggTrades-2023-02-02.csv', day('2023-02-02'))
    server.storm(aggPath('2023-02-02', 'ETHUSDT'), 500)
    // corrupt zip whose published checksum matches the corrupt bytes (the upstream file itself is damaged)
    const zip = await server.putZip(
      aggPath('2023-02-03', 'ETHUSDT'),
      'ETHUSDT-aggTrades-2023-02-03.csv',
      day('2023-02-03'),
    )
    const corrupt = Buffer.from(zip)
    corrupt.fill(0x41, 40, 80)
    await server.putZip(aggPath('2023-02-03', 'ETHUSDT'), 'x.csv', '')
    server.put(aggPath('2023-02-03', 'ETHUSDT'), corrupt)
    const sha = (await import('node:crypto')).createHash('sha256').update(corrupt).digest('hex')
    server.put(`${aggPath('2023-02-03', 'ETHUSDT')}.CHECKSUM`, `${sha}  ETHUSDT-aggTrades-2023-02-03.zip\n`)
    await server.putZip(aggPath('2023-02-04', 'ETHUSDT'), 'ETHUSDT-aggTrades-2023-02-04.csv', day('2023-02-04'), {
      checksum: 'f'.repeat(64),
    })
    // 2023-02-05 does not exist at the source
    const result = await run(params('2023-02-01', '2023-02-05'))
    expect(result.status).toBe('failed')
    expect(result.outcome).toMatchObject({ partitionsLoaded: 1, partitionsSkipped: 1, partitionsFailed: 3, rows: 50 })
    const byPartition = Object.fromEntries(result.outcome.errors.map((e) => [e.partition, e.message]))
    expect(byPartition['binance-um/aggTrades/ETHUSDT/2023-02-02']).toMatch(/HTTP 500/)
    expect(server.requests(`${aggPath('2023-02-02', 'ETHUSDT')}`)).toBe(4) // 1 + 3 retries
    expect(byPartition['binance-um/aggTrades/ETHUSDT/2023-02-03']).toMatch(
      /ETHUSDT-aggTrades-2023-02-03\.zip: corrupt or unreadable zip/,
    )
    expect(byPartition['binance-um/aggTrades/ETHUSDT/2023-02-04']).toMatch(/checksum mismatch: published sha256 f{64}/)
    expect(server.requests(aggPath('2023-02-04', 'ETHUSDT'))).toBe(2) // downloaded again once before giving up
    const run_ = await runtime.meta.jobRun.findUniqueOrThrow({ where: { id: result.runId } })
    expect((run_.errors as unknown[]).length).toBe(3)
    const parts = await query(
      `SELECT period, status, rows::BIGINT AS rows FROM partitions WHERE dataset = 'aggTrades' AND market = 'ETHUSDT' AND period LIKE '2023-02%' ORDER BY period`,
    )
    expect(parts).toEqual([
      { period: '2023-02-01', status: 'loaded', rows: 50n },
      { period: '2023-02-05', status: 'missing', rows: 0n },
    ])
    const coverage = await marketCoverage(runtime.duck, 'binance-um', 'ETHUSDT')
    const agg = coverage.find((c) => c.dataset === 'aggTrades')!
    expect(agg.gaps).toContainEqual({
      from: new Date('2023-02-05T00:00:00Z'),
      to: new Date('2023-02-06T00:00:00Z'),
      reason: 'missing-at-source',
    })
  })

  test('a malformed row fails its partition naming file, line, column, value and expectation; nothing is kept', async () => {
    const good = day('2023-03-01')
    const lines = day('2023-03-02').split('\n')
    lines[7] = lines[7]!.replace(/^(\d+),[^,]+,/, '$1,12x.5,')
    await server.putZip(aggPath('2023-03-01', 'ETHUSDT'), 'ETHUSDT-aggTrades-2023-03-01.csv', good)
    await server.putZip(aggPath('2023-03-02', 'ETHUSDT'), 'ETHUSDT-aggTrades-2023-03-02.csv', lines.join('\n'))
    const result = await run(params('2023-03-01', '2023-03-02'))
    expect(result.outcome).toMatchObject({ partitionsLoaded: 1, partitionsFailed: 1, rows: 50 })
    expect(result.outcome.errors[0]).toEqual({
      partition: 'binance-um/aggTrades/ETHUSDT/2023-03-02',
      message: 'ETHUSDT-aggTrades-2023-03-02.csv, line 8, column price: received "12x.5"; expected a number (DOUBLE)',
    })
    const [n] = await query(
      `SELECT (SELECT count(*) FROM trades WHERE partition_id = 'binance-um/aggTrades/ETHUSDT/2023-03-02')::BIGINT AS t,
              (SELECT count(*) FROM bars WHERE partition_id = 'binance-um/aggTrades/ETHUSDT/2023-03-02')::BIGINT AS b,
              (SELECT count(*) FROM partitions WHERE partition_id = 'binance-um/aggTrades/ETHUSDT/2023-03-02')::BIGINT AS p`,
    )
    expect(n).toEqual({ t: 0n, b: 0n, p: 0n })
  })
  test('a zip damaged inside its deflate data, published with a matching checksum, fails its partition naming the file; nothing is kept', async () => {
    // The member reaches DuckDB as gzip (no CRC check on the way): the damage must still fail the partition.
    const zip = await server.putZip(
      aggPath('2023-04-01', 'ETHUSDT'),
      'ETHUSDT-aggTrades-2023-04-01.csv',
      day('2023-04-01', 4000),
    )
    const damaged = Buffer.from(zip)
    const middle = Math.floor(zip.length / 2)
    damaged.fill(0, middle, middle + 512)
    server.put(aggPath('2023-04-01', 'ETHUSDT'), damaged)
    const sha = crypto.createHash('sha256').update(damaged).digest('hex')
    server.put(`${aggPath('2023-04-01', 'ETHUSDT')}.CHECKSUM`, `${sha}  ETHUSDT-aggTrades-2023-04-01.zip\n`)
    const result = await run(params('2023-04-01', '2023-04-01'))
    expect(result.outcome).toMatchObject({ partitionsLoaded: 0, partitionsFailed: 1, rows: 0 })
    expect(result.outcome.errors[0]!.message).toMatch(/^ETHUSDT-aggTrades-2023-04-01\.csv[,:] /)
    const [n] = await query(
      `SELECT (SELECT count(*) FROM trades WHERE partition_id = 'binance-um/aggTrades/ETHUSDT/2023-04-01')::BIGINT AS t,
              (SELECT count(*) FROM bars WHERE partition_id = 'binance-um/aggTrades/ETHUSDT/2023-04-01')::BIGINT AS b,
              (SELECT count(*) FROM partitions WHERE partition_id = 'binance-um/aggTrades/ETHUSDT/2023-04-01')::BIGINT AS p`,
    )
    expect(n).toEqual({ t: 0n, b: 0n, p: 0n })
  })
})

describe('zip members handed to DuckDB as gzip', () => {
  test('the rewrapped member is a valid gzip of the member (CRC-32 and length); a stored member is extracted as is', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backstop-rewrap-'))
    try {
      const content = aggTradesDay('2023-05-01', 3000, { header: true, unit: 'ms', firstId: 1 })
      fs.writeFileSync(path.join(dir, 'deflated.zip'), await zipOf('a.csv', content))
      const deflated = await rewrapSingleMemberAsGzip(path.join(dir, 'deflated.zip'), path.join(dir, 'a.csv'))
      expect(deflated).toEqual({ path: path.join(dir, 'a.csv.gz'), entry: 'a.csv', bytes: Buffer.byteLength(content) })
      // Node's gunzip checks the trailer's CRC-32 and length, so this proves the trailer is the member's.
      expect(zlib.gunzipSync(fs.readFileSync(deflated.path)).toString()).toBe(content)
      fs.writeFileSync(path.join(dir, 'stored.zip'), await zipOf('b.csv', content, { compress: false }))
      const stored = await rewrapSingleMemberAsGzip(path.join(dir, 'stored.zip'), path.join(dir, 'b.csv'))
      expect(stored.path).toBe(path.join(dir, 'b.csv'))
      expect(fs.readFileSync(stored.path, 'utf8')).toBe(content)
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('real files', () => {
  const fundingDir = sharedDataDir('binance-um-fundingRate')
  const klinesDir = sharedDataDir('binance-um-klines-1m-crash-excerpts')

  test.skipIf(!fundingDir)(
    'real monthly funding files load exactly, with intervals of 8, 4 and 2 h and no false holes',
    async () => {
      const files = ['BTCUSDT-fundingRate-2020-03.csv', 'SOLUSDT-fundingRate-2022-11.csv']
      for (const f of files) {
        const [sym, , y, m] = f.replace('.csv', '').split('-')
        await server.putZip(
          `${UM}/monthly/fundingRate/${sym}/${sym}-fundingRate-${y}-${m}.zip`,
          f,
          fs.readFileSync(path.join(fundingDir!, f)),
        )
      }
      const btc = await run({ markets: ['BTCUSDT'], datasets: ['fundingRate'], from: '2020-03-01', to: '2020-03-31' })
      const sol = await run({ markets: ['SOLUSDT'], datasets: ['fundingRate'], from: '2022-11-05', to: '2022-11-20' })
      const lines = (f: string) => fs.readFileSync(path.join(fundingDir!, f), 'utf8').trim().split('\n').length - 1
      expect(btc.outcome.rows).toBe(lines(files[0]!))
      expect(sol.outcome.rows).toBe(lines(files[1]!))
      const [black] = await query(
        `SELECT rate, interval_h FROM funding WHERE market = 'BTCUSDT' AND ts = '2020-03-13 08:00:00'`,
      )
      expect(black).toEqual({ rate: -0.003, interval_h: 8 })
      const [jitter] = await query(`SELECT ts FROM funding WHERE market = 'SOLUSDT' AND epoch_ms(ts) = 1668024000018`)
      expect(jitter).toBeDefined()
      const intervals = await query(`SELECT DISTINCT interval_h FROM funding WHERE market = 'SOLUSDT' ORDER BY 1`)
      expect(intervals.map((r) => r.interval_h)).toEqual([2, 4, 8])
      const holes = await query(
        `SELECT count(*)::BIGINT AS n FROM partition_gaps WHERE partition_id LIKE 'binance-um/fundingRate/%'`,
      )
      expect(holes[0]!.n).toBe(0n)
    },
  )

  test.skipIf(!klinesDir)(
    'real 1m kline excerpts (headerless 2020, header 2025) load, and missing minutes are reported',
    async () => {
      const file2025 = 'BTCUSDT-1m-2025-10.excerpt_2025-10-10T1913Z_2025-10-10T2334Z.csv'
      await server.putZip(
        `${UM}/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2025-10-10.zip`,
        'BTCUSDT-1m-2025-10-10.csv',
        fs.readFileSync(path.join(klinesDir!, file2025)),
      )
      // The 2020 excerpt spans two days; a daily file holds one day, so serve the 2020-03-13 lines verbatim.
      const lines2020 = fs
        .readFileSync(path.join(klinesDir!, 'BTCUSDT-1m-2020-03.excerpt_2020-03-12T2203Z_2020-03-13T0513Z.csv'), 'utf8')
        .split('\n')
        .filter((l) => l && Number(l.split(',')[0]) >= Date.parse('2020-03-13T00:00:00Z'))
      await server.putZip(
        `${UM}/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2020-03-13.zip`,
        'BTCUSDT-1m-2020-03-13.csv',
        lines2020.join('\n') + '\n',
      )
      const r2025 = await run({ markets: ['BTCUSDT'], datasets: ['klines'], from: '2025-10-10', to: '2025-10-10' })
      const r2020 = await run({ markets: ['BTCUSDT'], datasets: ['klines'], from: '2020-03-13', to: '2020-03-13' })
      expect(r2025.outcome.rows).toBe(262)
      expect(r2020.outcome.rows).toBe(lines2020.length)
      const [low] = await query(
        `SELECT min(low) AS low, arg_min(ts, low) AS at FROM bars WHERE source = 'klines' AND partition_id = 'binance-um/klines-1m/BTCUSDT/2025-10-10'`,
      )
      expect(low).toEqual({ low: 101516.5, at: new Date(1760131200000) })
      const [bt] = await query(
        `SELECT min(low) AS low FROM bars WHERE partition_id = 'binance-um/klines-1m/BTCUSDT/2020-03-13'`,
      )
      expect(bt!.low).toBe(3621.81)
      const coverage = await marketCoverage(runtime.duck, 'binance-um', 'BTCUSDT')
      const k = coverage.find((c) => c.dataset === 'klines-1m')!
      expect(k.missingRows).toBe(1440 - 262 + (1440 - lines2020.length))
      expect(k.holes[0]).toMatchObject({
        from: new Date('2020-03-13T05:14:00Z'),
        to: new Date('2020-03-14T00:00:00Z'),
        stepSeconds: 60,
      })
      expect(k.holes).toContainEqual({
        from: new Date('2025-10-10T00:00:00Z'),
        to: new Date('2025-10-10T19:13:00Z'),
        missing: 1153,
        stepSeconds: 60,
      })
    },
  )

  test.skipIf(!fundingDir)(
    'every real funding file (307 months, 5 symbols) loads exactly; holes match an independent check of the files',
    { timeout: 120_000 },
    async () => {
      const files = fs.readdirSync(fundingDir!).filter((f) => f.endsWith('.csv'))
      let expectedRows = 0
      let expectedHoles = 0
      const symbols = new Set<string>()
      for (const f of files) {
        const [sym, , y, m] = f.replace('.csv', '').split('-')
        symbols.add(sym!)
        const body = fs.readFileSync(path.join(fundingDir!, f))
        await server.putZip(`${UM}/monthly/fundingRate/${sym}/${sym}-fundingRate-${y}-${m}.zip`, f, body)
        const rows = body
          .toString()
          .trim()
          .split('\n')
          .slice(1)
          .map((l) => l.split(',').map(Number) as [number, number, number])
        expectedRows += rows.length
        // the same rule as the loader, written independently: spacing > 1.5 × the larger neighbouring interval
        for (let i = 1; i < rows.length; i++) {
          const step = Math.max(rows[i - 1]![1], rows[i]![1]) * 3_600_000
          if (rows[i]![0] - rows[i - 1]![0] > step * 1.5) expectedHoles++
        }
      }
      const result = await run({
        markets: [...symbols],
        datasets: ['fundingRate'],
        from: '2020-01-01',
        to: '2026-06-30',
      })
      expect(result.outcome.partitionsFailed).toBe(0)
      const [loaded] = await query(
        `SELECT count(*)::BIGINT AS parts, sum(rows)::BIGINT AS rows FROM partitions
          WHERE source = 'binance-um' AND dataset = 'fundingRate' AND status = 'loaded'`,
      )
      expect(loaded).toEqual({ parts: BigInt(files.length), rows: BigInt(expectedRows) })
      const [inner] = await query(
        `SELECT count(*)::BIGINT AS n FROM partition_gaps g JOIN partitions p USING (partition_id)
          WHERE p.dataset = 'fundingRate' AND g.gap_from > make_timestamp(epoch_us(p.min_ts)) AND g.gap_to <= p.max_ts`,
      )
      expect(inner!.n).toBe(BigInt(expectedHoles))
    },
  )
})
