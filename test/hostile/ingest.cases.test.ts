// The ingestion cases of issue 11, one test per finding: silent emptiness, impossible values, time zones, file
// identity, values meeting SQL, a missing .CHECKSUM, and errors a person can act on. Each would pass on the code
// before the fix only if the bug were not there.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { DuckDBInstance } from '@duckdb/node-api'
import { describe, expect, test } from 'vitest'
import type { JobDefinition, JobOutcome } from '../../jobs/job.ts'
import { runJob } from '../../jobs/runner.ts'
import { marketCoverage } from '../../src/store/market/coverage.ts'
import { loadPartition } from '../../src/store/ingest/loadPartition.ts'
import { boundedErrors } from '../../src/store/meta/jobRuns.ts'
import { ArchiveServer } from '../support/archiveServer.ts'
import { runFileJobInProcess } from '../support/hostileIngest.ts'
import { testRuntime } from '../support/runtime.ts'
import { tempDir } from '../support/tmp.ts'
import { ingestJob } from '../../jobs/ingest/index.ts'

const binanceUmJob = ingestJob('binance-um')
const fileJob = ingestJob('file')
const tardisJob = ingestJob('tardis')
const chainlinkJob = ingestJob('chainlink')

const server = await ArchiveServer.start()
const runtime = await testRuntime({
  BINANCE_UM_BASE_URL: server.url,
  TARDIS_BASE_URL: server.url,
  INGEST_RETRY_BASE_MS: '5',
  INGEST_HTTP_RETRIES: '1',
})
const dir = tempDir('backstop-cases-')
const UM = '/data/futures/um'
const AGG_HEADER = 'agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker'

const query = async (sql: string, params: unknown[] = []) =>
  runtime.duck.use(
    async (c) => (await c.runAndReadAll(sql, params as never)).getRowObjectsJS() as Record<string, unknown>[],
  )
/** Loads files through the `ingest file` job in process. */
async function ingestFile(params: Record<string, unknown>): Promise<JobOutcome> {
  return runFileJobInProcess(runtime, params, 'hostile-cases')
}

function write(name: string, content: string | Buffer, sub = ''): string {
  const folder = path.join(dir, sub)
  fs.mkdirSync(folder, { recursive: true })
  const file = path.join(folder, name)
  fs.writeFileSync(file, content)
  return file
}

/** Every table and the manifest, as counts and content hashes. */
async function storeHash(): Promise<string> {
  const tables = await query(`SELECT table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY table_name`)
  const parts: string[] = []
  for (const t of tables) {
    const name = String(t.table_name)
    const [r] = await query(
      `SELECT count(*)::VARCHAR || ':' || coalesce(sum(hash(x))::VARCHAR, '') AS h FROM "${name}" x`,
    )
    parts.push(`${name}=${String(r!.h)}`)
  }
  return parts.join('\n')
}

const runBinance = (params: Record<string, unknown>) =>
  runJob(runtime, binanceUmJob as JobDefinition<never>, params, { trigger: 'cli' })
const aggPath = (day: string, sym = 'BTCUSDT') => `${UM}/daily/aggTrades/${sym}/${sym}-aggTrades-${day}.zip`
const aggRow = (id: number, price: string, ms: number) => `${id},${price},0.5,${id * 10},${id * 10},${ms},false`

describe('1. silent emptiness', () => {
  const rows = ['BTC,2025-01-01 00:00:00,100.5,2', 'BTC,2025-01-01 00:00:01,101,3']
  test('LF, CRLF and CR files, a BOM, trailing blank lines and quoted line breaks all load every row', async () => {
    const cases: Array<[string, string]> = [
      ['lf.csv', `market,ts,price,qty\n${rows.join('\n')}\n`],
      ['crlf.csv', `market,ts,price,qty\r\n${rows.join('\r\n')}\r\n`],
      ['cr.csv', `market,ts,price,qty\r${rows.join('\r')}\r`],
      ['bom.csv', `\uFEFFmarket,ts,price,qty\r\n${rows.join('\r\n')}\r\n\r\n\r\n`],
      ['blank.csv', `market,ts,price,qty\n${rows[0]}\n\n${rows[1]}\n\n\n`],
    ]
    for (const [name, text] of cases) {
      const outcome = await ingestFile({
        table: 'trades',
        venue: `empty-${name.split('.')[0]}`,
        paths: [write(name, text)],
      })
      expect(outcome, name).toMatchObject({ partitionsLoaded: 1, partitionsFailed: 0, rows: 2 })
    }
    const quoted = write(
      'quoted.csv',
      'market,ts,price,qty,side,trade_id\r\nBTC,2025-01-01 00:00:00,100.5,2,buy,"id\r\nwith a break"\r\nBTC,2025-01-01 00:00:01,101,3,sell,"x,""y"""\r\n',
    )
    expect(await ingestFile({ table: 'trades', venue: 'empty-quoted', paths: [quoted] })).toMatchObject({ rows: 2 })
    expect(await query(`SELECT trade_id FROM trades WHERE venue = 'empty-quoted' ORDER BY ts`)).toEqual([
      { trade_id: 'id\r\nwith a break' },
      { trade_id: 'x,"y"' },
    ])
  })

  test('a Binance day in CRLF loads; an empty or header-only day is a gap at source, not a loaded day of 0 rows', async () => {
    const day = Date.parse('2024-02-01T00:00:00Z')
    await server.putZip(
      aggPath('2024-02-01'),
      'BTCUSDT-aggTrades-2024-02-01.csv',
      [AGG_HEADER, aggRow(1, '42000.5', day), aggRow(2, '42001', day + 1000)].join('\r\n') + '\r\n',
    )
    await server.putZip(aggPath('2024-02-02'), 'BTCUSDT-aggTrades-2024-02-02.csv', `${AGG_HEADER}\r\n`)
    await server.putZip(aggPath('2024-02-03'), 'BTCUSDT-aggTrades-2024-02-03.csv', '')
    const result = await runBinance({
      markets: ['BTCUSDT'],
      datasets: ['aggTrades'],
      from: '2024-02-01',
      to: '2024-02-03',
    })
    expect(result.outcome).toMatchObject({ partitionsLoaded: 1, partitionsSkipped: 2, partitionsFailed: 0, rows: 2 })
    const parts = await query(
      `SELECT period, status, rows::INTEGER AS rows, n.note FROM partitions LEFT JOIN partition_notes n USING (partition_id)
        WHERE dataset = 'aggTrades' AND period LIKE '2024-02-0%' ORDER BY period`,
    )
    expect(parts).toEqual([
      { period: '2024-02-01', status: 'loaded', rows: 2, note: null },
      { period: '2024-02-02', status: 'missing', rows: 0, note: 'empty-at-source' },
      { period: '2024-02-03', status: 'missing', rows: 0, note: 'empty-at-source' },
    ])
    const agg = (await marketCoverage(runtime.duck, 'binance-um', 'BTCUSDT')).find((c) => c.dataset === 'aggTrades')!
    expect(agg.gaps).toContainEqual({
      from: new Date('2024-02-02T00:00:00Z'),
      to: new Date('2024-02-04T00:00:00Z'),
      reason: 'empty-at-source',
    })
  })

  test('a non-empty file that yields no row fails with its first data line; a header-only local file is refused', async () => {
    // A Tardis ticker day whose rows carry nothing the tables keep (no mark, index, open interest or settlement).
    const head =
      'exchange,symbol,timestamp,local_timestamp,funding_timestamp,funding_rate,predicted_funding_rate,open_interest,last_price,index_price,mark_price'
    const t = Date.parse('2024-03-05T00:00:00Z') * 1000
    server.put(
      '/v1/binance-futures/derivative_ticker/2024/03/05/XYZUSDT.csv.gz',
      zlib.gzipSync(`${head}\nbinance-futures,XYZUSDT,${t},${t + 5},,,,,61000,,\n`),
    )
    const result = await runJob(
      runtime,
      tardisJob as JobDefinition<never>,
      {
        exchange: 'binance-futures',
        types: ['derivative_ticker'],
        symbols: ['XYZUSDT'],
        from: '2024-03-05',
        to: '2024-03-05',
      },
      { trigger: 'cli' },
    )
    expect(result.outcome.partitionsFailed).toBe(1)
    expect(result.outcome.errors[0]!.message).toBe(
      'binance-futures_derivative_ticker_2024-03-05_XYZUSDT.csv.gz, line 2: expected rows the loader can read: the file holds data rows but none was loaded (check its layout and line endings)',
    )
    const header = await ingestFile({
      table: 'funding',
      venue: 'empty-header',
      paths: [write('header.csv', 'market,ts,rate\r\n\r\n')],
    })
    expect(header.errors[0]!.message).toBe('header.csv, line 2: expected at least one data row after the header')
  })
})

describe('2. impossible values', () => {
  const cases: Array<[string, string, RegExp]> = [
    [
      'trades',
      'market,ts,price,qty\nBTC,2025-01-01 00:00:00,NaN,1\n',
      /column price: received "NaN"; expected a finite number > 0$/,
    ],
    ['trades', 'market,ts,price,qty\nBTC,2025-01-01 00:00:00,Infinity,1\n', /column price: received "Infinity"/],
    ['trades', 'market,ts,price,qty\nBTC,2025-01-01 00:00:00,-Infinity,1\n', /column price: received "-Infinity"/],
    ['trades', 'market,ts,price,qty\nBTC,2025-01-01 00:00:00,1e400,1\n', /column price: received "1e400"/],
    [
      'trades',
      'market,ts,price,qty\nBTC,2025-01-01 00:00:00,1,0\n',
      /column qty: received "0"; expected a finite number > 0/,
    ],
    ['trades', 'market,ts,price,qty\nBTC,2025-01-01 00:00:00,-3,1\n', /column price: received "-3"/],
    [
      'funding',
      'market,ts,rate,interval_h\nBTC,2025-01-01 00:00:00,0.0001,0\n',
      /column interval_h: received "0"; expected an integer > 0/,
    ],
    ['funding', 'market,ts,rate,interval_h\nBTC,2025-01-01 00:00:00,0.0001,-8\n', /column interval_h: received "-8"/],
    [
      'prices',
      'market,ts,kind,source,price\nBTC,2025-01-01 00:00:00,explode,x,1\n',
      /column kind: received "explode"; expected one of mark, index, oracle, last, premium, mid/,
    ],
    [
      'funding',
      'market,ts,rate\nBTC,0001-01-01 00:00:00,0.0001\n',
      /column ts: received "0001-01-01 00:00:00"; expected a UTC time from 2009-01-01/,
    ],
    ['funding', 'market,ts,rate\nBTC,2100-01-01 00:00:00,0.0001\n', /column ts: received "2100-01-01 00:00:00"/],
    ['funding', 'market,ts,rate\nBTC,9999-12-31 23:59:59,0.0001\n', /column ts: received "9999-12-31 23:59:59"/],
    [
      'liquidations',
      'market,ts,side,price,qty,source\nBTC,2025-01-01 00:00:00,long,0,1,x\n',
      /column price: received "0"; expected a number > 0/,
    ],
  ]
  test('NaN, ±Infinity, 1e400, zero and negative prices and sizes, intervals ≤ 0, unknown kinds and impossible years are refused where they are', async () => {
    let i = 0
    for (const [table, csv, message] of cases) {
      const before = await storeHash()
      const name = `impossible-${i++}.csv`
      const outcome = await ingestFile({ table, venue: 'impossible', paths: [write(name, csv)] })
      expect(outcome.partitionsFailed, name).toBe(1)
      expect(outcome.errors[0]!.message, name).toMatch(
        new RegExp(`^${name.replace('.', '\\.')}, line 2, ${message.source}`),
      )
      expect(await storeHash(), name).toBe(before)
    }
    // a premium index is a signed spread: ≤ 0 is valid there, and only there
    const premium = write('premium.csv', 'market,ts,kind,source,price\nBTC,2025-01-01 00:00:00,premium,x,-0.0003\n')
    expect(await ingestFile({ table: 'prices', venue: 'impossible', paths: [premium] })).toMatchObject({ rows: 1 })
  })

  test('an aggTrade priced at Infinity fails its day: no trade, no bar, no manifest row (nothing to open positions on)', async () => {
    const day = Date.parse('2024-04-01T00:00:00Z')
    await server.putZip(
      aggPath('2024-04-01', 'INFUSDT'),
      'INFUSDT-aggTrades-2024-04-01.csv',
      [AGG_HEADER, aggRow(1, '10', day), aggRow(2, 'Infinity', day + 1), aggRow(3, '11', day + 2)].join('\n') + '\n',
    )
    const result = await runBinance({
      markets: ['INFUSDT'],
      datasets: ['aggTrades'],
      from: '2024-04-01',
      to: '2024-04-01',
    })
    expect(result.outcome.errors[0]!.message).toBe(
      'INFUSDT-aggTrades-2024-04-01.csv, line 3, column price: received "Infinity"; expected a finite number > 0',
    )
    const [left] = await query(
      `SELECT (SELECT count(*) FROM trades WHERE market = 'INFUSDT')::INTEGER AS t,
              (SELECT count(*) FROM bars WHERE market = 'INFUSDT')::INTEGER AS b,
              (SELECT count(*) FROM partitions WHERE market = 'INFUSDT')::INTEGER AS p`,
    )
    expect(left).toEqual({ t: 0, b: 0, p: 0 })
  })

  test('duplicates: a repeated aggTrade line is refused naming both lines; a repeated price row is kept once', async () => {
    const day = Date.parse('2024-04-02T00:00:00Z')
    await server.putZip(
      aggPath('2024-04-02', 'DUPUSDT'),
      'DUPUSDT-aggTrades-2024-04-02.csv',
      [AGG_HEADER, aggRow(1, '10', day), aggRow(2, '11', day + 1), aggRow(1, '10', day)].join('\n') + '\n',
    )
    const result = await runBinance({
      markets: ['DUPUSDT'],
      datasets: ['aggTrades'],
      from: '2024-04-02',
      to: '2024-04-02',
    })
    expect(result.outcome.errors[0]!.message).toBe(
      'DUPUSDT-aggTrades-2024-04-02.csv, line 4, column agg_trade_id: received "1"; expected each trades row with a trade_id once (this row repeats line 2 exactly)',
    )
    const prices = write(
      'dup-prices.csv',
      'market,ts,kind,source,price\nBTC,2025-01-01 00:00:00,mark,x,100\nBTC,2025-01-01 00:00:00,mark,x,100\nBTC,2025-01-01 00:00:01,mark,x,100\n',
    )
    expect(await ingestFile({ table: 'prices', venue: 'dups', paths: [prices] })).toMatchObject({ rows: 2 })
    // trades without an id may repeat: two equal anonymous trades in one microsecond are possible
    const anonymous = write(
      'dup-anon.csv',
      'market,ts,price,qty\nBTC,2025-01-01 00:00:00,1,1\nBTC,2025-01-01 00:00:00,1,1\n',
    )
    expect(await ingestFile({ table: 'trades', venue: 'dups', paths: [anonymous] })).toMatchObject({ rows: 2 })
  })

  test('a Chainlink round with a negative answer is not a price: its day fails, located', async () => {
    const feed = '0x2222222222222222222222222222222222222222'
    const csv = write(
      'rounds.csv',
      ',round,answer,start,update,answeredInRound\n0,36893488147419103233,150000000,1704844800,1704844800,36893488147419103233\n1,36893488147419103234,-100000000,1704848400,1704848400,36893488147419103234\n',
    )
    const result = await runJob(
      runtime,
      chainlinkJob as JobDefinition<never>,
      { feeds: [feed], csv, decimals: 8, heartbeat: 3600 },
      { trigger: 'cli' },
    )
    expect(result.outcome.partitionsFailed).toBe(1)
    expect(result.outcome.errors[0]!.message).toMatch(
      /, line 2, column price: received "-1"; expected a finite number > 0/,
    )
    expect(await query(`SELECT count(*)::INTEGER AS n FROM oracle_rounds WHERE market = '${feed}'`)).toEqual([{ n: 0 }])
  })
})

describe('3. time zones', () => {
  test('+05:00, -03:30 and Z are converted to UTC and a time without a zone is UTC, in CSV and Parquet, whatever the session zone', async () => {
    // A session zone other than UTC must change nothing (the loader sets its own).
    await runtime.duck.use((c) => c.run(`SET GLOBAL TimeZone = 'Asia/Tokyo'`))
    try {
      const csv = write(
        'zones.csv',
        'market,ts,rate\nBTC,2025-10-11T00:00:01+05:00,1\nBTC,2025-10-11T00:00:02-03:30,2\nBTC,2025-10-11T00:00:03Z,3\nBTC,2025-10-11 00:00:04,4\n',
      )
      expect(await ingestFile({ table: 'funding', venue: 'zones-csv', paths: [csv] })).toMatchObject({ rows: 4 })
      const parquet = path.join(dir, 'zones.parquet')
      const db = await DuckDBInstance.create(':memory:')
      const c = await db.connect()
      await c.run(
        `COPY (SELECT * FROM (VALUES ('BTC', '2025-10-11T00:00:01+05:00', 1.0), ('BTC', '2025-10-11T00:00:02-03:30', 2.0),
                ('BTC', '2025-10-11T00:00:03Z', 3.0), ('BTC', '2025-10-11 00:00:04', 4.0)) t(market, ts, rate))
         TO '${parquet}' (FORMAT parquet)`,
      )
      c.closeSync()
      db.closeSync()
      expect(await ingestFile({ table: 'funding', venue: 'zones-parquet', paths: [parquet] })).toMatchObject({
        rows: 4,
      })
      for (const venue of ['zones-csv', 'zones-parquet']) {
        const rows = await query(`SELECT CAST(ts AS VARCHAR) AS ts FROM funding WHERE venue = $1 ORDER BY rate`, [
          venue,
        ])
        expect(
          rows.map((r) => r.ts),
          venue,
        ).toEqual(['2025-10-10 19:00:01', '2025-10-11 03:30:02', '2025-10-11 00:00:03', '2025-10-11 00:00:04'])
      }
    } finally {
      await runtime.duck.use((c) => c.run(`SET GLOBAL TimeZone = 'UTC'`))
    }
  })
})

describe('4. file identity', () => {
  const funding = (rate: string) => `market,ts,rate\nBTC,2025-01-01 00:00:00,${rate}\n`
  test('the same name for another venue or market is another partition; --force replaces only what that file loaded', async () => {
    const a = write('same.csv', funding('0.0001'), 'a')
    const b = write('same.csv', funding('0.0002'), 'b')
    expect(await ingestFile({ table: 'funding', venue: 'ida', paths: [a] })).toMatchObject({ partitionsLoaded: 1 })
    expect(await ingestFile({ table: 'funding', venue: 'idb', paths: [b] })).toMatchObject({ partitionsLoaded: 1 })
    // same venue, another market (--market): its own partition, even with the same bytes
    const m = write('same.csv', 'ts,rate\n2025-01-01 00:00:00,0.0003\n', 'm')
    expect(await ingestFile({ table: 'funding', venue: 'ida', market: 'ETH', paths: [m] })).toMatchObject({
      partitionsLoaded: 1,
    })
    expect(await ingestFile({ table: 'funding', venue: 'ida', market: 'SOL', paths: [m] })).toMatchObject({
      partitionsLoaded: 1,
    })
    // forcing b reloads b and nothing else
    expect(await ingestFile({ table: 'funding', venue: 'idb', paths: [b], force: true })).toMatchObject({
      partitionsLoaded: 1,
    })
    const rows = await query(
      `SELECT venue, market, rate FROM funding WHERE venue IN ('ida', 'idb') ORDER BY venue, market, rate`,
    )
    expect(rows).toEqual([
      { venue: 'ida', market: 'BTC', rate: 0.0001 },
      { venue: 'ida', market: 'ETH', rate: 0.0003 },
      { venue: 'ida', market: 'SOL', rate: 0.0003 },
      { venue: 'idb', market: 'BTC', rate: 0.0002 },
    ])
    // two different files of one name, venue and market (another folder): both kept
    const c = write('same.csv', funding('0.0009'), 'c')
    expect(await ingestFile({ table: 'funding', venue: 'ida', paths: [c] })).toMatchObject({ partitionsLoaded: 1 })
    // the same bytes under another name: already loaded
    const copy = write('copy-of-same.csv', funding('0.0001'), 'a')
    expect(await ingestFile({ table: 'funding', venue: 'ida', paths: [copy] })).toMatchObject({ partitionsSkipped: 1 })
  })

  test('a changed file replaces its own earlier load only with --force; without it nothing changes', async () => {
    const file = write('edited.csv', funding('0.0001'), 'edit')
    await ingestFile({ table: 'funding', venue: 'edit', paths: [file] })
    fs.writeFileSync(file, funding('0.0005'))
    const before = await storeHash()
    const refused = await ingestFile({ table: 'funding', venue: 'edit', paths: [file] })
    expect(refused.errors[0]!.message).toMatch(
      /^edited\.csv: was loaded before from .*edited\.csv with other content \(sha256 [0-9a-f]{12}…, partition file\/funding\/edit\/\*\/[0-9a-f]{16}\); its rows are kept\. Expected the same content, or --force/,
    )
    expect(await storeHash()).toBe(before)
    expect(await ingestFile({ table: 'funding', venue: 'edit', paths: [file], force: true })).toMatchObject({ rows: 1 })
    expect(await query(`SELECT rate FROM funding WHERE venue = 'edit'`)).toEqual([{ rate: 0.0005 }])
    expect(await query(`SELECT count(*)::INTEGER AS n FROM partitions WHERE venue = 'edit'`)).toEqual([{ n: 1 }])
  })

  test('a partition stored under the old name-based id stays valid: the same file is skipped, its id kept', async () => {
    const file = write('legacy.csv', funding('0.0007'), 'legacy')
    const sha = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex')
    // as an earlier version stored it: id file/<table>/<market>/<name>, no venue or content in it
    await loadPartition(runtime.duck, {
      partition: {
        source: 'file',
        dataset: 'funding',
        venue: 'old',
        market: '*',
        period: 'legacy.csv',
        id: 'file/funding/*/legacy.csv',
      },
      file: {
        path: file,
        name: 'legacy.csv',
        format: 'csv',
        header: true,
        columns: [
          { name: 'market', type: 'VARCHAR' },
          { name: 'ts', type: 'TIMESTAMP' },
          { name: 'rate', type: 'DOUBLE' },
        ],
      },
      loads: [
        {
          kind: 'rows',
          table: 'funding',
          values: { market: { column: 'market' }, ts: { column: 'ts' }, rate: { column: 'rate' } },
        },
      ],
      upstream: { file, checksum: sha },
    })
    expect(await ingestFile({ table: 'funding', venue: 'old', paths: [file] })).toMatchObject({ partitionsSkipped: 1 })
    // another venue's file of that name is its own partition and leaves the old one alone
    expect(await ingestFile({ table: 'funding', venue: 'new', paths: [file], force: true })).toMatchObject({
      partitionsLoaded: 1,
    })
    expect(
      await query(`SELECT partition_id, venue FROM partitions WHERE period = 'legacy.csv' ORDER BY venue`),
    ).toEqual([
      { partition_id: expect.stringMatching(/^file\/funding\/new\/\*\/[0-9a-f]{16}$/), venue: 'new' },
      { partition_id: 'file/funding/*/legacy.csv', venue: 'old' },
    ])
  })
})

describe('5. where values meet SQL', () => {
  test('quotes in paths load (bound, not pasted); glob characters and control characters are refused, naming the file', async () => {
    const quoted = write(`it's "quoted".csv`, 'market,ts,rate\nBTC,2025-01-01 00:00:00,1\n', 'sql')
    expect(await ingestFile({ table: 'funding', venue: 'sql', paths: [quoted] })).toMatchObject({ rows: 1 })
    // a file called a[1].csv next to a1.csv: DuckDB would glob-read a1.csv instead
    write('a1.csv', 'market,ts,rate\nBTC,2025-01-01 00:00:00,999\n', 'sql')
    const glob = write('a[1].csv', 'market,ts,rate\nBTC,2025-01-01 00:00:00,1\n', 'sql')
    const star = write('*.csv', 'market,ts,rate\nBTC,2025-01-01 00:00:00,1\n', 'sql')
    const broken = write('line\nbreak.csv', 'market,ts,rate\nBTC,2025-01-01 00:00:00,1\n', 'sql')
    const before = await storeHash()
    const outcome = await ingestFile({ table: 'funding', venue: 'sql', paths: [glob, star, broken] })
    expect(outcome.partitionsFailed).toBe(3)
    const messages = outcome.errors.map((e) => e.message)
    expect(messages[0]).toMatch(/^a\[1\]\.csv: the path ".*a\[1\]\.csv" holds a control character or a glob character/)
    expect(messages[1]).toMatch(/^\*\.csv: the path/)
    expect(messages[2]).toMatch(/^"line\\nbreak\.csv": the path ".*line\\nbreak\.csv" holds a control character/)
    expect(await storeHash()).toBe(before)
  })

  test('a NUL or a control character in a market is refused with its field named; nothing changes', async () => {
    await expect(
      fileJob.params.parseAsync({ table: 'funding', venue: 'sql', market: 'BTC\u0000', paths: ['x.csv'] }),
    ).rejects.toThrow(/control characters/)
    const file = write('nul.csv', 'ts,rate\n2025-01-01 00:00:00,1\n', 'sql')
    const before = await storeHash()
    await expect(
      loadPartition(runtime.duck, {
        partition: { source: 'file', dataset: 'funding', venue: 'sql', market: 'BTC\u0000', period: 'nul.csv' },
        file: {
          path: file,
          name: 'nul.csv',
          format: 'csv',
          header: true,
          columns: [
            { name: 'ts', type: 'TIMESTAMP' },
            { name: 'rate', type: 'DOUBLE' },
          ],
        },
        loads: [{ kind: 'rows', table: 'funding', values: { ts: { column: 'ts' }, rate: { column: 'rate' } } }],
        upstream: { file, checksum: null },
      }),
    ).rejects.toThrow(
      /^nul\.csv: could not be loaded: partition id: received ".*BTC\\u0000.*"; expected text without control characters \(found U\+0000\)$/,
    )
    // a market named in the rows: the same rule
    const rows = write('nul-rows.csv', 'market,ts,rate\n"BT\u0001C",2025-01-01 00:00:00,1\n', 'sql')
    const outcome = await ingestFile({ table: 'funding', venue: 'sql', paths: [rows] })
    expect(outcome.errors[0]!.message).toBe(
      'nul-rows.csv, line 2, column market: received "BT\\u0001C"; expected text without control characters',
    )
    expect(await storeHash()).toBe(before)
  })
})

describe('6. a missing .CHECKSUM', () => {
  test('a zip without its checksum fails verification (not a gap); --allow-unverified loads it noted unverified, verified once published', async () => {
    const day = Date.parse('2024-05-01T00:00:00Z')
    const zipPath = aggPath('2024-05-01', 'CHKUSDT')
    await server.putZip(
      zipPath,
      'CHKUSDT-aggTrades-2024-05-01.csv',
      [AGG_HEADER, aggRow(1, '10', day)].join('\n') + '\n',
    )
    server.remove(`${zipPath}.CHECKSUM`)
    const params = { markets: ['CHKUSDT'], datasets: ['aggTrades'], from: '2024-05-01', to: '2024-05-02' }
    const refused = await runBinance(params)
    // 2024-05-02 has neither file nor checksum: that one is a gap
    expect(refused.outcome).toMatchObject({ partitionsLoaded: 0, partitionsSkipped: 1, partitionsFailed: 1 })
    expect(refused.outcome.errors[0]!.message).toMatch(
      /^CHKUSDT-aggTrades-2024-05-01\.zip: the source has this file but no CHKUSDT-aggTrades-2024-05-01\.zip\.CHECKSUM beside it \(HTTP 404\), so the download cannot be verified/,
    )
    expect(await query(`SELECT period, status FROM partitions WHERE market = 'CHKUSDT' ORDER BY period`)).toEqual([
      { period: '2024-05-02', status: 'missing' },
    ])
    const allowed = await runBinance({ ...params, allowUnverified: true })
    expect(allowed.outcome).toMatchObject({ partitionsLoaded: 1, rows: 1 })
    const note = () =>
      query(
        `SELECT p.status, n.note FROM partitions p LEFT JOIN partition_notes n USING (partition_id)
          WHERE p.partition_id = 'binance-um/aggTrades/CHKUSDT/2024-05-01'`,
      )
    expect(await note()).toEqual([{ status: 'loaded', note: 'unverified' }])
    // the checksum appears: the next run downloads again, verifies, and the note goes
    const zip = Buffer.from(await (await fetch(`${server.url}${zipPath}`)).arrayBuffer())
    server.put(
      `${zipPath}.CHECKSUM`,
      `${crypto.createHash('sha256').update(zip).digest('hex')}  CHKUSDT-aggTrades-2024-05-01.zip\n`,
    )
    const verified = await runBinance(params)
    expect(verified.outcome).toMatchObject({ partitionsLoaded: 1, partitionsFailed: 0 })
    expect(await note()).toEqual([{ status: 'loaded', note: null }])
  })
  test('BINANCE_ALLOW_UNVERIFIED makes unverified loads the default; an explicit false still refuses', async () => {
    const day = Date.parse('2024-05-03T00:00:00Z')
    const zipPath = aggPath('2024-05-03', 'CHKBUSDT')
    await server.putZip(
      zipPath,
      'CHKBUSDT-aggTrades-2024-05-03.csv',
      [AGG_HEADER, aggRow(1, '10', day)].join('\n') + '\n',
    )
    server.remove(`${zipPath}.CHECKSUM`)
    const params = { markets: ['CHKBUSDT'], datasets: ['aggTrades'], from: '2024-05-03', to: '2024-05-03' }
    const allowing = { ...runtime, config: { ...runtime.config, binanceAllowUnverified: true } }
    const run = (rt: typeof runtime, p: Record<string, unknown>) =>
      runJob(rt, binanceUmJob as JobDefinition<never>, p, { trigger: 'cli' })
    const refused = await run(allowing, { ...params, allowUnverified: false })
    expect(refused.outcome).toMatchObject({ partitionsLoaded: 0, partitionsFailed: 1 })
    const allowed = await run(allowing, params)
    expect(allowed.outcome).toMatchObject({ partitionsLoaded: 1, rows: 1 })
    expect(
      await query(
        `SELECT n.note FROM partition_notes n WHERE n.partition_id = 'binance-um/aggTrades/CHKBUSDT/2024-05-03'`,
      ),
    ).toEqual([{ note: 'unverified' }])
  })
})

describe('7. errors a person can act on', () => {
  test('an empty market in a multi-market file names the line and column, not a NOT NULL constraint', async () => {
    const file = write('markets.csv', 'market,ts,price,qty\nBTC,2025-01-01 00:00:00,1,1\n,2025-01-01 00:00:01,1,1\n')
    const outcome = await ingestFile({ table: 'trades', venue: 'errors', paths: [file] })
    expect(outcome.errors[0]!.message).toBe('markets.csv, line 3, column market: expected a value (market is required)')
  })

  test('a .csv.gz that is not gzip names the file', async () => {
    const file = write('not-gzip.csv.gz', 'market,ts,rate\nBTC,2025-01-01 00:00:00,1\n')
    const outcome = await ingestFile({ table: 'funding', venue: 'errors', paths: [file] })
    expect(outcome.errors[0]!.message).toMatch(
      /^not-gzip\.csv\.gz: cannot be read \(incorrect header check\); expected a gzip-compressed text file$/,
    )
  })

  test('a 10 MB value is quoted cut, with its length, on the terminal, in the log and in the stored job record', async () => {
    const huge = '9'.repeat(10 * 1024 * 1024) + 'x'
    const file = write('huge.csv', `market,ts,rate\nBTC,2025-01-01 00:00:00,${huge}\n`)
    const result = await runJob(
      runtime,
      fileJob as JobDefinition<never>,
      { table: 'funding', venue: 'errors', paths: [file] },
      { trigger: 'cli' },
    )
    const message = result.outcome.errors[0]!.message
    expect(message).toBe(
      `huge.csv, line 2, column rate: received "${'9'.repeat(120)}…" (10485761 characters); expected a number (DOUBLE)`,
    )
    const stored = await runtime.meta.jobRun.findUniqueOrThrow({ where: { id: result.runId } })
    expect(JSON.stringify(stored.errors).length).toBeLessThan(1000)
    // however many errors a run has, the record keeps 100 and counts the rest, each cut to 2,000 characters
    const many = boundedErrors(
      Array.from({ length: 250 }, (_, i) => ({ partition: `p${i}`, message: 'x'.repeat(5000) })),
    )
    expect(many).toHaveLength(101)
    expect(many[0]!.message).toHaveLength(2000 + '… (5000 characters)'.length)
    expect(many[100]).toEqual({ message: '… and 150 more errors (not stored)' })
  })

  test('no ingest error quotes SQL or a raw DuckDB constraint', async () => {
    const files = [
      write('e1.csv', 'market,ts,price,qty\nBTC,2025-01-01 00:00:00,1\n'),
      write('e2.csv', 'market,ts,price,qty\nBTC,soon,1,1\n'),
      write('e3.csv', 'market,ts,price,qty,side\nBTC,2025-01-01 00:00:00,1,1,long\n'),
      write('e4.csv', 'market,ts,price,qty\n,2025-01-01 00:00:00,1,1\n'),
    ]
    const outcome = await ingestFile({ table: 'trades', venue: 'errors', paths: files })
    expect(outcome.partitionsFailed).toBe(4)
    for (const e of outcome.errors) {
      expect(e.message).toMatch(/^e\d\.csv, line 2(, column \w+)?: /)
      expect(e.message).not.toMatch(/INSERT|SELECT|LINE \d|constraint|Binder|Parser/)
    }
  })
})

describe('8. detail tables (venue snapshots, oracle rounds)', () => {
  const positionsLoad = (name: string, row: Record<string, unknown>) =>
    loadPartition(runtime.duck, {
      partition: { source: 'hyperliquid', dataset: 'positions', venue: 'detail', market: 'BTC', period: name },
      file: {
        path: write(name, `${JSON.stringify(row)}\n`, 'detail'),
        name,
        format: 'ndjson',
        columns: [
          { name: 'time', type: 'BIGINT' },
          { name: 'account', type: 'VARCHAR' },
          { name: 'market', type: 'VARCHAR' },
          { name: 'size', type: 'DECIMAL(38,18)' },
          { name: 'leverage_type', type: 'VARCHAR' },
          { name: 'leverage', type: 'DECIMAL(38,18)' },
        ],
      },
      loads: [
        {
          kind: 'rows',
          table: 'account_positions',
          values: {
            account: { column: 'account' },
            market: { column: 'market' },
            size: { column: 'size' },
            leverage_type: { column: 'leverage_type' },
            leverage: { column: 'leverage' },
            ts: { epoch: 'time', unit: 'ms' },
          },
        },
      ],
      upstream: { file: name, checksum: null },
    })
  const good = { time: Date.parse('2025-03-01T00:00:00Z'), account: '0xabc', market: 'BTC', size: '-0.5' }

  test('an impossible snapshot value fails its partition naming the column, the value and what is valid', async () => {
    await positionsLoad('ok.ndjson', { ...good, leverage_type: 'cross', leverage: '20' })
    expect(await query(`SELECT size::VARCHAR AS size FROM account_positions WHERE venue = 'detail'`)).toEqual([
      { size: '-0.500000000000000000' },
    ])
    const before = await storeHash()
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ ...good, size: '0' }, /column size: received "0\.0+"; expected a number ≠ 0/],
      [
        { ...good, leverage_type: 'crossed' },
        /column leverage_type: received "crossed"; expected one of cross, isolated/,
      ],
      [{ ...good, leverage: '-3' }, /column leverage: received "-3\.0+"; expected a number > 0/],
      [
        { ...good, time: Date.parse('2100-01-01T00:00:00Z') },
        /column ts: received "2100-01-01.*"; expected a UTC time/,
      ],
    ]
    for (const [i, [row, message]] of cases.entries()) {
      await expect(positionsLoad(`bad${i}.ndjson`, row)).rejects.toThrow(message)
    }
    expect(await storeHash()).toBe(before)
  })
})
