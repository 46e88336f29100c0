// The ingest and coverage commands as a user runs them: flag errors (exit 2), a partial failure (exit 1, summary
// line last), plain progress lines when not on a TTY, and coverage as JSON.
import fs from 'node:fs'
import path from 'node:path'
import { expect, test } from 'vitest'
import { ArchiveServer } from './support/archiveServer.ts'
import { spawnBackstop } from './support/process.ts'
import { tempDir } from './support/tmp.ts'

const server = await ArchiveServer.start()
const dir = tempDir()
const env = { DATA_DIR: path.join(dir, 'data'), INGEST_RETRY_BASE_MS: '5', INGEST_HTTP_RETRIES: '1', LOG_LEVEL: 'warn' }
const FUNDING = '/data/futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2024-0'

const lines = (text: string) => text.trim().split('\n')

test('bad flags are all reported, exit 2, nothing run', async () => {
  const p = spawnBackstop(
    [
      'ingest',
      'binance-um',
      '--markets',
      '',
      '--datasets',
      'aggTrades,nope',
      '--from',
      '2024-02-30',
      '--to',
      '2024-01-01',
      '--base-url',
      'ftp://x',
    ],
    env,
  )
  const { code } = await p.exited
  expect(code).toBe(2)
  const out = p.output()
  expect(out).toContain('--markets: received ""; expected a comma-separated list with at least one item')
  expect(out).toContain('--datasets: received "aggTrades,nope"; expected items from aggTrades')
  expect(out).toContain('--from: received "2024-02-30"; expected a UTC day as YYYY-MM-DD')
  expect(out).toContain('--base-url: received "ftp://x"; expected an http(s) URL')
})

test(
  'a failed partition: plain progress lines, failures listed, summary line last, exit 1; coverage --json',
  { timeout: 60_000 },
  async () => {
    const header = 'calc_time,funding_interval_hours,last_funding_rate\n'
    await server.putZip(
      `${FUNDING}1.zip`,
      'BTCUSDT-fundingRate-2024-01.csv',
      `${header}1704067200000,8,0.0001\n1704096000000,8,0.00012\n`,
    )
    await server.putZip(`${FUNDING}2.zip`, 'BTCUSDT-fundingRate-2024-02.csv', `${header}1706745600000,8,abc\n`)
    const p = spawnBackstop(
      [
        'ingest',
        'binance-um',
        '--markets',
        'BTCUSDT',
        '--datasets',
        'fundingRate',
        '--from',
        '2024-01-01',
        '--to',
        '2024-03-31',
        '--base-url',
        server.url,
      ],
      env,
    )
    const { code } = await p.exited
    expect(code, p.output()).toBe(1)
    const out = lines(p.output()).filter((l) => !l.startsWith('{'))
    expect(out[0]).toBe('binance-um: 3 partition(s) planned')
    expect(out).toContainEqual(
      expect.stringMatching(/^\[\d\/3\] binance-um\/fundingRate\/BTCUSDT\/2024-01: loaded, 2 rows/),
    )
    expect(out).toContain(
      'failed: binance-um/fundingRate/BTCUSDT/2024-02: BTCUSDT-fundingRate-2024-02.csv, line 2, column last_funding_rate: received "abc"; expected a number (DOUBLE)',
    )
    expect(out.at(-2)).toMatch(/^run [0-9a-f-]+: failed$/)
    expect(out.at(-1)).toMatch(/^partitions: 1 loaded, 0 skipped, 1 missing at source, 1 failed; rows 2; /)

    const cov = spawnBackstop(['coverage', '--venue', 'binance-um', '--json'], env)
    expect((await cov.exited).code).toBe(0)
    const coverage = JSON.parse(cov.output()) as Array<Record<string, unknown>>
    expect(coverage).toEqual([
      expect.objectContaining({
        venue: 'binance-um',
        market: 'BTCUSDT',
        dataset: 'fundingRate',
        partitions: 1,
        missingPartitions: 1,
        rows: 2,
        // two settlements of January: the rest of the month has none (a hole against the 8 h cadence)
        missingRows: 91,
      }),
    ])
  },
)

test('ingest file from the command line', { timeout: 60_000 }, async () => {
  const file = path.join(dir, 'oracle.csv')
  fs.writeFileSync(
    file,
    'ts,kind,source,price\n2025-01-01 00:00:00,oracle,chainlink,3400.5\n2025-01-01 00:01:00,oracle,chainlink,3401\n',
  )
  const p = spawnBackstop(
    ['ingest', 'file', '--table', 'prices', '--venue', 'chainlink', '--market', 'ETH/USD', file],
    env,
  )
  const { code } = await p.exited
  expect(code, p.output()).toBe(0)
  expect(lines(p.output()).at(-1)).toMatch(/^partitions: 1 loaded, 0 skipped, 0 missing at source, 0 failed; rows 2; /)
})
