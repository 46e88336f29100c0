// Archive sources load files already on disk in the source's own layout (`--dir`), as Tardis does: Binance zips
// with their .CHECKSUM (verified) or without (recorded unverified), in the archive's tree or side by side; Bybit
// .csv.gz files. The files are made in the exact published formats; the real funding CSVs in ../shared/data are used
// when present.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { describe, expect, test } from 'vitest'
import { ingestJob } from '../jobs/ingest/index.ts'
import { runJob } from '../jobs/runner.ts'
import { sharedDataDir, zipOf } from './support/archiveServer.ts'
import { testRuntime } from './support/runtime.ts'
import { tempDir } from './support/tmp.ts'

const runtime = await testRuntime()
const query = async (sql: string) => runtime.duck.use(async (c) => (await c.runAndReadAll(sql)).getRowObjectsJS())
const run = (id: string, params: Record<string, unknown>) => runJob(runtime, ingestJob(id), params, { trigger: 'cli' })

const FUNDING_HEADER = 'calc_time,funding_interval_hours,last_funding_rate\n'

/** Writes `<file>.zip` holding `member`, and its .CHECKSUM in sha256sum format unless `checksum` is false. */
async function writeZip(file: string, member: string, content: string, checksum: boolean | string = true) {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const zip = await zipOf(member, content)
  fs.writeFileSync(file, zip)
  const sha = typeof checksum === 'string' ? checksum : crypto.createHash('sha256').update(zip).digest('hex')
  if (checksum !== false) fs.writeFileSync(`${file}.CHECKSUM`, `${sha}  ${path.basename(file)}\n`)
}

const partitions = (venue: string) =>
  query(
    `SELECT p.partition_id AS id, p.status, p.rows::INTEGER AS rows, n.note
       FROM partitions p LEFT JOIN partition_notes n USING (partition_id)
      WHERE p.venue = '${venue}' ORDER BY p.partition_id`,
  )

describe('binance-um --dir', () => {
  test('zips in the archive tree with their CHECKSUM load verified; side by side without one, unverified; a wrong one fails; an absent one is a gap', async () => {
    const dir = tempDir()
    const month = (m: string) => `BTCUSDT-fundingRate-2024-${m}`
    const tree = path.join(dir, 'data/futures/um/monthly/fundingRate/BTCUSDT')
    await writeZip(
      path.join(tree, `${month('01')}.zip`),
      `${month('01')}.csv`,
      `${FUNDING_HEADER}1704067200000,8,0.0001\n1704096000000,8,0.00012\n`,
    )
    await writeZip(
      path.join(dir, `${month('02')}.zip`),
      `${month('02')}.csv`,
      `${FUNDING_HEADER}1706745600000,8,-0.00003\n`,
      false,
    )
    await writeZip(
      path.join(tree, `${month('03')}.zip`),
      `${month('03')}.csv`,
      `${FUNDING_HEADER}1709251200000,8,0.0001\n`,
      'f'.repeat(64),
    )
    const result = await run('binance-um', {
      markets: ['BTCUSDT'],
      datasets: ['fundingRate'],
      from: '2024-01-01',
      to: '2024-04-30',
      dir,
    })
    expect(result.outcome).toMatchObject({ partitionsLoaded: 2, partitionsSkipped: 1, partitionsFailed: 1, rows: 3 })
    expect(result.outcome.errors).toEqual([
      expect.objectContaining({
        partition: 'binance-um/fundingRate/BTCUSDT/2024-03',
        message: expect.stringMatching(/checksum mismatch: published sha256 f{64}/),
      }),
    ])
    expect(await partitions('binance-um')).toEqual([
      { id: 'binance-um/fundingRate/BTCUSDT/2024-01', status: 'loaded', rows: 2, note: null },
      { id: 'binance-um/fundingRate/BTCUSDT/2024-02', status: 'loaded', rows: 1, note: 'unverified' },
      { id: 'binance-um/fundingRate/BTCUSDT/2024-04', status: 'missing', rows: 0, note: null },
    ])
    const rates = await query(
      `SELECT epoch_ms(ts)::DOUBLE AS ms, rate::DOUBLE AS rate FROM funding WHERE venue = 'binance-um' ORDER BY ts`,
    )
    expect(rates).toEqual([
      { ms: 1704067200000, rate: 0.0001 },
      { ms: 1704096000000, rate: 0.00012 },
      { ms: 1706745600000, rate: -0.00003 },
    ])
  })

  test('a base URL and a directory together are refused before anything runs', async () => {
    await expect(
      run('binance-um', {
        markets: ['BTCUSDT'],
        baseUrl: 'http://x',
        dir: tempDir(),
        from: '2024-01-01',
        to: '2024-01-01',
      }),
    ).rejects.toThrow(/dir: received .*; expected either baseUrl or dir, not both/)
  })

  test('the real monthly funding files, zipped as the archive publishes them, load row for row', async () => {
    const real = sharedDataDir('binance-um-fundingRate')
    if (!real) return
    const dir = tempDir()
    const names = ['ETHUSDT-fundingRate-2022-05', 'ETHUSDT-fundingRate-2022-08']
    let lines = 0
    for (const name of names) {
      const csv = fs.readFileSync(path.join(real, `${name}.csv`), 'utf8')
      lines += csv.trim().split('\n').length - 1
      await writeZip(path.join(dir, `${name}.zip`), `${name}.csv`, csv)
    }
    const result = await run('binance-um', {
      markets: ['ETHUSDT'],
      datasets: ['fundingRate'],
      from: '2022-05-01',
      to: '2022-08-31',
      dir,
    })
    expect(result.outcome).toMatchObject({
      partitionsLoaded: 2,
      partitionsSkipped: 2,
      partitionsFailed: 0,
      rows: lines,
    })
  })
})

describe('bybit --dir', () => {
  const HEADER = 'timestamp,symbol,side,size,price,tickDirection,trdMatchID,grossValue,homeNotional,foreignNotional'
  test('.csv.gz files in the archive tree or side by side load; an absent day is a gap', async () => {
    const dir = tempDir()
    fs.mkdirSync(path.join(dir, 'trading/BTCUSDT'), { recursive: true })
    fs.writeFileSync(
      path.join(dir, 'trading/BTCUSDT/BTCUSDT2020-03-27.csv.gz'),
      zlib.gzipSync(
        `${HEADER}\n1585267190.0012,BTCUSDT,Buy,0.1,6740,PlusTick,11111111-3f8a-5e2c-9d4b-1a2b3c4d5e6f,67400000000.0,0.1,674\n`,
      ),
    )
    fs.writeFileSync(
      path.join(dir, 'BTCUSDT2020-03-28.csv.gz'),
      zlib.gzipSync(
        `${HEADER}\n1585353600.5,BTCUSDT,Sell,0.2,6600.5,MinusTick,22222222-3f8a-5e2c-9d4b-1a2b3c4d5e6f,132010000000.0,0.2,1320.1\n`,
      ),
    )
    const result = await run('bybit', { markets: ['BTCUSDT'], from: '2020-03-27', to: '2020-03-29', dir })
    expect(result.outcome).toMatchObject({ partitionsLoaded: 2, partitionsSkipped: 1, partitionsFailed: 0, rows: 2 })
    expect(await query(`SELECT price, qty, side FROM trades WHERE venue = 'bybit' ORDER BY ts`)).toEqual([
      { price: 6740, qty: 0.1, side: 'buy' },
      { price: 6600.5, qty: 0.2, side: 'sell' },
    ])
    expect((await partitions('bybit')).map((p) => p.status)).toEqual(['loaded', 'loaded', 'missing'])
  })
})
