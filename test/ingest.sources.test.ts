// Bybit archive, Tardis CSV (by URL and from a directory) and local normalized files, against a local mirror.
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { DuckDBInstance } from '@duckdb/node-api'
import { describe, expect, test } from 'vitest'
import type { JobDefinition } from '../jobs/job.ts'
import { runJob } from '../jobs/runner.ts'
import { projectRoot } from '../src/project.ts'
import { marketCoverage } from '../src/store/market/coverage.ts'
import { ArchiveServer } from './support/archiveServer.ts'
import { testRuntime } from './support/runtime.ts'
import { tempDir } from './support/tmp.ts'
import { ingestJob } from '../jobs/ingest/index.ts'

const bybitJob = ingestJob('bybit')
const fileJob = ingestJob('file')
const tardisJob = ingestJob('tardis')

const server = await ArchiveServer.start()
const runtime = await testRuntime({
  BYBIT_BASE_URL: server.url,
  TARDIS_BASE_URL: server.url,
  INGEST_RETRY_BASE_MS: '5',
  INGEST_HTTP_RETRIES: '2',
})
const dir = tempDir()
const query = async (sql: string) =>
  runtime.duck.use(async (c) => (await c.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[])
const run = (job: unknown, params: Record<string, unknown>) =>
  runJob(runtime, job as JobDefinition<never>, params, { trigger: 'cli' })
const gz = (text: string) => zlib.gzipSync(Buffer.from(text))

const BYBIT_HEADER = 'timestamp,symbol,side,size,price,tickDirection,trdMatchID,grossValue,homeNotional,foreignNotional'

describe('bybit', () => {
  test('newest-first 2020 files and 2025 files with the RPI column load with µs timestamps and bars', async () => {
    // 2020: newest first, as the early archive files are
    const old = [
      BYBIT_HEADER,
      '1585267197.3539,BTCUSDT,Sell,0.857,6733.5,MinusTick,577a1c0e-3f8a-5e2c-9d4b-1a2b3c4d5e6f,577060950000.0,0.857,5770.6095',
      '1585267190.0012,BTCUSDT,Buy,0.1,6740,PlusTick,11111111-3f8a-5e2c-9d4b-1a2b3c4d5e6f,67400000000.0,0.1,674',
      '1585267185.5,BTCUSDT,Sell,0.2,6730,ZeroMinusTick,22222222-3f8a-5e2c-9d4b-1a2b3c4d5e6f,134600000000.0,0.2,1346',
    ]
    server.put('/trading/BTCUSDT/BTCUSDT2020-03-27.csv.gz', gz(old.join('\n') + '\n'))
    const recent = [
      `${BYBIT_HEADER},RPI`,
      '1761609600.1169,BTCUSDT,Sell,0.001,78541.70,MinusTick,555a5c11-8b1d-5c5f-81b1-7f0bfc2ef2f3,7.854169999999999e+09,0.001,78.54169999999999,0',
      '1761609601.2,BTCUSDT,Buy,0.003,78550.10,PlusTick,655a5c11-8b1d-5c5f-81b1-7f0bfc2ef2f3,2.3565030000000003e+10,0.003,235.6503,1',
    ]
    server.put('/trading/BTCUSDT/BTCUSDT2025-10-28.csv.gz', gz(recent.join('\n') + '\n'))
    const a = await run(bybitJob, { markets: ['BTCUSDT'], from: '2020-03-27', to: '2020-03-28' })
    const b = await run(bybitJob, { markets: ['BTCUSDT'], from: '2025-10-28', to: '2025-10-28' })
    expect(a.outcome).toMatchObject({ partitionsLoaded: 1, partitionsSkipped: 1, rows: 3 }) // 2020-03-28 is missing
    expect(b.outcome).toMatchObject({ partitionsLoaded: 1, rows: 2 })
    const rows = await query(
      `SELECT epoch_us(ts) AS us, price, qty, side, trade_id FROM trades WHERE venue = 'bybit' ORDER BY ts`,
    )
    expect(rows[0]).toEqual({
      us: 1585267185500000n,
      price: 6730,
      qty: 0.2,
      side: 'sell',
      trade_id: '22222222-3f8a-5e2c-9d4b-1a2b3c4d5e6f',
    })
    expect(rows[2]!.us).toBe(1585267197353900n)
    expect(rows[3]!.us).toBe(1761609600116900n)
    // the minute's open is the earliest trade although the newest-first file lists it last
    const [minute] = await query(
      `SELECT open, close, high, low, trades::BIGINT AS trades FROM bars WHERE venue = 'bybit' AND interval_s = 60 ORDER BY ts LIMIT 1`,
    )
    expect(minute).toEqual({ open: 6730, close: 6733.5, high: 6740, low: 6730, trades: 3n })
    const [gap] = await query(`SELECT status FROM partitions WHERE partition_id = 'bybit/trades/BTCUSDT/2020-03-28'`)
    expect(gap).toEqual({ status: 'missing' })
  })
})

/** Gzips `head` then `tail`, flushing in between: the bytes up to the flush decode to exactly `head`. */
async function gzipWithCut(head: string, tail: string): Promise<{ whole: Buffer; cut: Buffer }> {
  const stream = zlib.createGzip()
  const chunks: Buffer[] = []
  stream.on('data', (c: Buffer) => chunks.push(c))
  stream.write(head)
  await new Promise<void>((resolve) => stream.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()))
  const cut = Buffer.concat(chunks)
  const ended = new Promise<void>((resolve) => stream.on('end', () => resolve()))
  stream.end(tail)
  await ended
  return { whole: Buffer.concat(chunks), cut }
}

describe('bybit, a file cut short at the source', () => {
  test('fails its partition with a named error and keeps no row, where DuckDB alone would load it short', async () => {
    const row = (i: number) =>
      `${1_700_000_000 + i}.5,ETHUSDT,Buy,0.01,2000.5,PlusTick,id-${i},2000500000.0,0.01,20.005\n`
    let head = `${BYBIT_HEADER}\n`
    let tail = ''
    for (let i = 0; i < 10_000; i++) head += row(i)
    for (let i = 10_000; i < 20_000; i++) tail += row(i)
    const { whole, cut } = await gzipWithCut(head, tail)
    const file = '/trading/ETHUSDT/ETHUSDT2023-11-14.csv.gz'
    // served complete over HTTP (the length matches), but the file ends after a whole row: only gzip's missing
    // trailer (CRC-32 and length) tells that half the day is gone
    for (const short of [cut, whole.subarray(0, whole.length - 8)]) {
      server.put(file, short)
      const result = await run(bybitJob, { markets: ['ETHUSDT'], from: '2023-11-14', to: '2023-11-14' })
      expect(result.outcome).toMatchObject({ partitionsLoaded: 0, partitionsFailed: 1, rows: 0 })
      expect(JSON.stringify(result.outcome)).toMatch(/ETHUSDT2023-11-14\.csv\.gz: corrupt or truncated gzip/)
      const [kept] = await query(
        `SELECT count(*)::INTEGER AS n FROM trades WHERE venue = 'bybit' AND market = 'ETHUSDT'`,
      )
      expect(kept).toEqual({ n: 0 })
    }
    // a local file in the normalized layout, cut the same way, is refused the same way by `ingest file`
    const local = path.join(dir, 'trades-cut.csv.gz')
    const normalized = await gzipWithCut(
      'ts,market,price,qty,side\n2023-11-14 00:00:01,ETHUSDT,2000.5,0.01,buy\n',
      '2023-11-14 00:00:02,ETHUSDT,2001,0.02,sell\n',
    )
    fs.writeFileSync(local, normalized.cut)
    const refused = await run(fileJob, { table: 'trades', venue: 'cut', paths: [local] })
    expect(JSON.stringify(refused.outcome)).toMatch(/trades-cut\.csv\.gz: corrupt or truncated gzip/)
    fs.writeFileSync(local, normalized.whole)
    expect((await run(fileJob, { table: 'trades', venue: 'cut', paths: [local] })).outcome).toMatchObject({ rows: 2 })
    // the same file complete loads every row
    server.put(file, whole)
    const again = await run(bybitJob, { markets: ['ETHUSDT'], from: '2023-11-14', to: '2023-11-14' })
    expect(again.outcome).toMatchObject({ partitionsLoaded: 1, rows: 20_000 })
  })
})

const TRADES_HEADER = 'exchange,symbol,timestamp,local_timestamp,id,side,price,amount'
const TICKER_HEADER =
  'exchange,symbol,timestamp,local_timestamp,funding_timestamp,funding_rate,predicted_funding_rate,open_interest,last_price,index_price,mark_price'
const day0 = Date.parse('2024-03-01T00:00:00Z') * 1000

describe('tardis', () => {
  const url = (type: string, symbol = 'BTCUSDT') => `/v1/binance-futures/${type}/2024/03/01/${symbol}.csv.gz`
  test('trades, liquidations (buy = a short liquidated) and derivative_ticker → prices, open interest, funding', async () => {
    server.put(
      url('trades'),
      gz(
        [
          TRADES_HEADER,
          `binance-futures,BTCUSDT,${day0 + 1_000_001},${day0 + 1_000_900},4001,buy,61000.5,0.01`,
          `binance-futures,BTCUSDT,${day0 + 1_500_000},${day0 + 1_500_800},4002,unknown,61001,0.02`,
        ].join('\n') + '\n',
      ),
    )
    server.put(
      url('liquidations'),
      gz(
        [
          TRADES_HEADER,
          `binance-futures,BTCUSDT,${day0 + 5_000_000},${day0 + 5_000_100},,buy,61200.123456789012345678,0.005`,
          `binance-futures,BTCUSDT,${day0 + 6_000_000},${day0 + 6_000_100},,sell,60900.1,1.25`,
        ].join('\n') + '\n',
      ),
    )
    const h = 3_600_000_000
    const ticker = [TICKER_HEADER]
    // before the 08:00 settlement the stream announces 08:00; the last rate seen before it is what settled
    ticker.push(
      `binance-futures,BTCUSDT,${day0 + 7 * h},${day0 + 7 * h + 5},${day0 + 8 * h},0.0001,,85000.5,61000,60990.1,61001.2`,
    )
    ticker.push(
      `binance-futures,BTCUSDT,${day0 + 8 * h - 1_000_000},${day0 + 8 * h},${day0 + 8 * h},0.00012,,85001,61000,,61001.3`,
    )
    ticker.push(
      `binance-futures,BTCUSDT,${day0 + 8 * h + 2_000_000},${day0 + 8 * h + 2_000_010},${day0 + 16 * h},0.00005,,,61010,60995,61011`,
    )
    server.put(url('derivative_ticker'), gz(ticker.join('\n') + '\n'))
    const result = await run(tardisJob, {
      exchange: 'binance-futures',
      types: ['trades', 'liquidations', 'derivative_ticker'],
      symbols: ['BTCUSDT'],
      from: '2024-03-01',
      to: '2024-03-01',
    })
    expect(result.outcome).toMatchObject({ partitionsLoaded: 3, partitionsFailed: 0 })
    const trades = await query(
      `SELECT epoch_us(ts) AS us, side FROM trades WHERE venue = 'binance-um' AND trade_id IN ('4001', '4002') ORDER BY ts`,
    )
    expect(trades).toEqual([
      { us: BigInt(day0 + 1_000_001), side: 'buy' },
      { us: BigInt(day0 + 1_500_000), side: null },
    ])
    const liq = await query(
      `SELECT side, price::VARCHAR AS price, qty::VARCHAR AS qty, source FROM liquidations ORDER BY ts`,
    )
    expect(liq).toEqual([
      { side: 'short', price: '61200.123456789012345678', qty: '0.005000000000000000', source: 'tardis' },
      { side: 'long', price: '60900.100000000000000000', qty: '1.250000000000000000', source: 'tardis' },
    ])
    const funding = await query(`SELECT ts, rate FROM funding WHERE partition_id LIKE 'tardis/%'`)
    expect(funding).toEqual([{ ts: new Date('2024-03-01T08:00:00Z'), rate: 0.00012 }])
    const prices = await query(
      `SELECT kind, count(*)::BIGINT AS n FROM prices WHERE partition_id LIKE 'tardis/%' GROUP BY kind ORDER BY kind`,
    )
    expect(prices).toEqual([
      { kind: 'index', n: 2n },
      { kind: 'mark', n: 3n },
    ])
    const [oi] = await query(`SELECT count(*)::BIGINT AS n FROM open_interest WHERE partition_id LIKE 'tardis/%'`)
    expect(oi!.n).toBe(2n)
    const [manifest] = await query(
      `SELECT target_table, rows::BIGINT AS rows FROM partitions WHERE partition_id = 'tardis/binance-futures/derivative_ticker/BTCUSDT/2024-03-01'`,
    )
    expect(manifest).toEqual({ target_table: 'prices,open_interest,funding', rows: 8n })
  })

  test('reads already-downloaded files from a directory (tardis-dev naming), nothing copied', async () => {
    const local = path.join(dir, 'tardis')
    fs.mkdirSync(local)
    fs.writeFileSync(
      path.join(local, 'binance-futures_trades_2024-03-02_ETHUSDT.csv.gz'),
      gz(
        `${TRADES_HEADER}\nbinance-futures,ETHUSDT,${day0 + 86_400_000_000 + 7},${day0 + 86_400_000_000 + 9},77,sell,3400.5,1.5\n`,
      ),
    )
    const result = await run(tardisJob, {
      exchange: 'binance-futures',
      types: ['trades'],
      symbols: ['ETHUSDT'],
      from: '2024-03-02',
      to: '2024-03-03',
      dir: local,
    })
    expect(result.outcome).toMatchObject({ partitionsLoaded: 1, partitionsSkipped: 1, rows: 1 })
    expect(fs.readdirSync(local)).toEqual(['binance-futures_trades_2024-03-02_ETHUSDT.csv.gz'])
  })
})

/** README example rows for `ingest file`, one fenced csv block per table after `<!-- layout:TABLE -->`. */
function readmeExamples(): Map<string, string> {
  const readme = fs.readFileSync(path.join(projectRoot, 'README.md'), 'utf8')
  const out = new Map<string, string>()
  for (const m of readme.matchAll(/<!-- layout:(\w+) -->\s*```csv\n([\s\S]*?)```/g)) out.set(m[1]!, m[2]!)
  return out
}

describe('local files in the normalized layout', () => {
  test('the README example row of every table loads through `ingest file`', async () => {
    const examples = readmeExamples()
    expect([...examples.keys()].sort()).toEqual([
      'fills',
      'funding',
      'ledger',
      'liquidations',
      'open_interest',
      'prices',
      'trades',
    ])
    for (const [table, csv] of examples) {
      const file = path.join(dir, `example-${table}.csv`)
      fs.writeFileSync(file, csv)
      const result = await run(fileJob, { table, venue: 'example', paths: [file] })
      expect(result.outcome, table).toMatchObject({ partitionsLoaded: 1, rows: csv.trim().split('\n').length - 1 })
    }
    const [fill] = await query(`SELECT fee::VARCHAR AS fee, liquidation, side FROM fills WHERE venue = 'example'`)
    expect(fill).toBeDefined()
    const [bars] = await query(`SELECT count(*)::BIGINT AS n FROM bars WHERE venue = 'example' AND source = 'trades'`)
    expect(bars!.n).toBeGreaterThan(0n)
  })

  test('Parquet with optional columns absent gets table defaults; decimals stay exact; --market overrides', async () => {
    const file = path.join(dir, 'liqs.parquet')
    const db = await DuckDBInstance.create(':memory:')
    const c = await db.connect()
    await c.run(
      `COPY (SELECT TIMESTAMP '2025-10-10 21:15:00.123456' AS ts, 'long' AS side, 112345.123456789012345678::DECIMAL(38,18) AS price,
                    0.5::DECIMAL(38,18) AS qty, 'venue-feed' AS source) TO '${file}' (FORMAT parquet)`,
    )
    c.closeSync()
    db.closeSync()
    const result = await run(fileJob, { table: 'liquidations', venue: 'hyperliquid', market: 'BTC', paths: [file] })
    expect(result.outcome).toMatchObject({ partitionsLoaded: 1, rows: 1 })
    const rows = await query(
      `SELECT market, kind, price::VARCHAR AS price, epoch_us(ts) AS us FROM liquidations WHERE venue = 'hyperliquid'`,
    )
    expect(rows).toEqual([
      { market: 'BTC', kind: 'liquidation', price: '112345.123456789012345678', us: 1760130900123456n },
    ])
    // same file again: skipped; --force: replaced, not duplicated
    expect(
      (await run(fileJob, { table: 'liquidations', venue: 'hyperliquid', market: 'BTC', paths: [file] })).outcome
        .partitionsSkipped,
    ).toBe(1)
    await run(fileJob, { table: 'liquidations', venue: 'hyperliquid', market: 'BTC', paths: [file], force: true })
    expect((await query(`SELECT count(*)::BIGINT AS n FROM liquidations WHERE venue = 'hyperliquid'`))[0]!.n).toBe(1n)
    // a file partition is named by its file, not a date: coverage spans its rows
    const [coverage] = await marketCoverage(runtime.duck, 'hyperliquid', 'BTC')
    expect(coverage).toMatchObject({ source: 'file', dataset: 'liquidations', partitions: 1, rows: 1 })
    expect(coverage!.ranges).toEqual([
      { from: new Date('2025-10-10T21:15:00.123Z'), to: new Date('2025-10-10T21:15:00.124Z') },
    ])
  })

  test('bad files fail with what is wrong: unknown columns, a bad side, a bad timestamp (with its line)', async () => {
    const unknown = path.join(dir, 'unknown.csv')
    fs.writeFileSync(unknown, 'market,ts,price,qty,colour\nBTCUSDT,2025-01-01 00:00:00,1,1,red\n')
    const side = path.join(dir, 'side.csv')
    fs.writeFileSync(
      side,
      'market,ts,price,qty,side\nBTCUSDT,2025-01-01 00:00:00,1,1,buy\nBTCUSDT,2025-01-01 00:00:01,1,1,long\n',
    )
    const stamp = path.join(dir, 'stamp.csv')
    fs.writeFileSync(stamp, 'market,ts,price,qty\nBTCUSDT,2025-01-01 00:00:00,1,1\nBTCUSDT,yesterday,1,1\n')
    const result = await run(fileJob, { table: 'trades', venue: 'bad', paths: [unknown, side, stamp] })
    expect(result.outcome.partitionsFailed).toBe(3)
    const messages = result.outcome.errors.map((e) => e.message).sort()
    expect(messages[0]).toBe('side.csv, line 3, column side: received "long"; expected one of buy, sell')
    expect(messages[1]).toBe(
      'stamp.csv, line 3, column ts: received "yesterday"; expected a time such as 2025-10-10 21:15:00[.ffffff] (UTC), or with an offset or Z (TIMESTAMP)',
    )
    expect(messages[2]).toMatch(
      /^unknown\.csv: unknown column\(s\) colour; expected the trades layout: market\*,ts\*,price\*,qty\*,side,trade_id/,
    )
    expect((await query(`SELECT count(*)::BIGINT AS n FROM trades WHERE venue = 'bad'`))[0]!.n).toBe(0n)
  })
})
