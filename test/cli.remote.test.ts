// One writer, many callers: the same commands run alone and then while `backstop serve` holds the DuckDB file, where
// they hand their work to the server over its API. The printed summary and the exit code are the same both ways
// (timings and run ids aside): a backtest that liquidates, an ingestion with a failed partition (exit 1), a request
// the server refuses (exit 2, same message), coverage and incidents read through the server's connections.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { DuckStore } from '../src/store/duck/open.ts'
import { migrateDuck } from '../src/store/duck/schema.ts'
import { ArchiveServer } from './support/archiveServer.ts'
import { barsFromCloses, insertBars } from './support/marketData.ts'
import { spawnBackstop, type Spawned } from './support/process.ts'
import { tempDir } from './support/tmp.ts'

const dir = tempDir()
const dataDir = path.join(dir, 'data')
const env = {
  DATA_DIR: dataDir,
  LOG_LEVEL: 'warn',
  PORT: '0',
  SCHEDULER_ENABLED: 'false',
  INGEST_RETRY_BASE_MS: '5',
  INGEST_HTTP_RETRIES: '1',
}
const T0 = Date.UTC(2025, 9, 10) * 1000
const H = 3600e6
const iso = (us: number) => new Date(us / 1000).toISOString()
const archive = await ArchiveServer.start()
const FUNDING = '/data/futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2024-0'

const running: Spawned[] = []
afterEach(() => {
  for (const p of running.splice(0)) if (p.child.exitCode === null) p.child.kill('SIGKILL')
})
let server: Spawned | null = null
afterAll(() => server?.child.kill('SIGKILL'))

beforeAll(async () => {
  // two hours of BTCUSDT at 1 s with a −20% slide in the second half hour: the 50x whale is liquidated
  const closes: number[] = []
  let p = 60_000
  for (let i = 0; i < 7_200; i++) {
    if (i >= 1_800 && i < 2_400) p *= 0.99963
    closes.push(p)
  }
  fs.mkdirSync(dataDir, { recursive: true })
  const store = await DuckStore.open({ path: path.join(dataDir, 'backstop.duckdb') })
  await migrateDuck(store)
  await insertBars(store, 'binance-um', 'BTCUSDT', 1, barsFromCloses(T0, closes, {}, 2e6))
  // incidents for `incidents` to list both ways (a venue of their own: no detect run here rebuilds its scope)
  await store.use((c) =>
    c.run(`INSERT INTO incidents SELECT 'inc-' || i, 'seeded', CASE WHEN i = 1 THEN 'run-x' END, ['BTCUSDT'],
             TIMESTAMP '2025-10-10 00:00:00.123' + to_minutes(i * 5), TIMESTAMP '2025-10-10 00:01:00' + to_minutes(i * 5),
             ['warning', 'critical'][i % 2 + 1], 'incident ' || i, (1234.5 * i)::DECIMAL(38, 12), (-10 * i)::DECIMAL(38, 12),
             i, ['a', 'b'], 1, 2, 60, TIMESTAMP '2025-10-11'
           FROM range(0, 3) t(i)`),
  )
  await store.close()
  fs.writeFileSync(
    path.join(dir, 'positions.json'),
    JSON.stringify({
      accounts: [
        { id: 'whale', positions: [{ market: 'BTCUSDT', side: 'long', qty: 10, leverage: 50 }] },
        { id: 'careful', positions: [{ market: 'BTCUSDT', side: 'long', qty: 1, leverage: 3 }] },
      ],
    }),
  )
  const header = 'calc_time,funding_interval_hours,last_funding_rate\n'
  await archive.putZip(
    `${FUNDING}1.zip`,
    'BTCUSDT-fundingRate-2024-01.csv',
    `${header}1704067200000,8,0.0001\n1704096000000,8,0.00012\n`,
  )
  await archive.putZip(`${FUNDING}2.zip`, 'BTCUSDT-fundingRate-2024-02.csv', `${header}1706745600000,8,abc\n`)
})

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  const p = spawnBackstop(args, env, dir)
  running.push(p)
  const { code } = await p.exited
  return { code, out: p.output() }
}

const backtestArgs = (extra: string[] = []) => [
  'backtest',
  '--rules',
  'binance-um',
  '--venue',
  'binance-um',
  '--markets',
  'BTCUSDT',
  '--from',
  iso(T0),
  '--to',
  iso(T0 + 2 * H),
  '--positions',
  path.join(dir, 'positions.json'),
  ...extra,
]
const ingestArgs = [
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
  archive.url,
  // the second time the same partitions are loaded again, so both runs print the same counts
  '--force',
]
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g

/** The backtest's summary lines (not its progress lines), run ids and the wall-clock line aside. */
const backtestSummary = (out: string) =>
  out
    .split('\n')
    .filter((l) => /^[a-z][a-zA-Z ]{2,17} {2,}\S|^warning: /.test(l) && !l.startsWith('time '))
    .map((l) => l.replace(UUID, 'RUN'))

/** The ingestion's end: failures, the run's status and the summary line (elapsed time and rates aside). */
const ingestEnd = (out: string) =>
  out
    .split('\n')
    .filter((l) => /^(failed: |changed upstream|run failed: |run \S+: |partitions: )/.test(l))
    .map((l) => l.replace(UUID, 'RUN').replace(/; [^;]*\d+(\.\d+)? ?s\b.*$/, ''))

const detectArgs = ['detect', '--venue', 'binance-um', '--from', iso(T0), '--to', iso(T0 + 2 * H), '--all']

/** The detect table and findings: timings (the ms column) and the count of rows replaced before aside. */
const detectEnd = (out: string) =>
  out
    .split('\n')
    .filter((l) => !l.startsWith('{') && !/^[a-z][a-z ]* \d+%/.test(l) && l.trim())
    .map((l) =>
      l
        .replace(UUID, 'RUN')
        .replace(/\s+/g, ' ')
        .replace(/ \d+$/, '')
        .replace(/rows replaced \d+ →/, 'rows replaced →'),
    )

const reportLines = (out: string) => out.split('\n').map((l) => l.replace(UUID, 'RUN'))

/** Backtest runs the server had started before the current test (by run id). */
const seenRuns = new Set<unknown>()
const seen = (l: Record<string, unknown>) => seenRuns.has(l.runId)

const runIdOf = (out: string) => /^run +(\S+) \(succeeded\)/m.exec(out)![1]!

const alone: Record<string, { code: number; out: string }> = {}

describe('without a server', () => {
  test('a backtest, an ingestion with a failed partition and a refused request run in this process', async () => {
    alone.backtest = await cli(backtestArgs())
    expect(alone.backtest.code, alone.backtest.out).toBe(0)
    expect(backtestSummary(alone.backtest.out).join('\n')).toMatch(/liquidations +[1-9]/)
    alone.detect = await cli(detectArgs)
    expect(alone.detect.code, alone.detect.out).toBe(0)
    alone.report = await cli(['report', '--run', runIdOf(alone.backtest.out), '--format', 'md,json'])
    expect(alone.report.code, alone.report.out).toBe(0)
    alone.ingest = await cli(ingestArgs)
    expect(alone.ingest.code, alone.ingest.out).toBe(1)
    expect(ingestEnd(alone.ingest.out).at(-1)).toMatch(
      /^partitions: 1 loaded, 0 skipped, 1 missing at source, 1 failed/,
    )
    // passes the command line's checks, refused by the request schema
    alone.refused = await cli(backtestArgs(['--to', iso(T0 - H)]))
    expect(alone.refused.code).toBe(2)
    expect(alone.refused.out).toContain('to: received')
    alone.coverage = await cli(['coverage'])
    expect(alone.coverage.code, alone.coverage.out).toBe(0)
    expect(alone.coverage.out).toContain('binance-um BTCUSDT binance-um/fundingRate → funding')
    alone.incidents = await cli(['incidents', '--json'])
    expect(alone.incidents.code, alone.incidents.out).toBe(0)
  }, 300_000)
})

describe('while a server holds the DuckDB file', () => {
  let url = ''
  beforeAll(async () => {
    server = spawnBackstop(['serve'], { ...env, LOG_LEVEL: 'info' }, dir)
    url = String((await server.waitForLog((l) => typeof l.url === 'string', 60_000)).url)
  }, 90_000)

  test('the discovery file names the server, readable by its owner only', () => {
    const file = path.join(dataDir, 'server.json')
    expect(fs.statSync(file).mode & 0o777).toBe(0o600)
    const entry = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>
    expect(entry).toMatchObject({ pid: server!.child.pid, url, duckdbPath: path.join(dataDir, 'backstop.duckdb') })
    expect(entry.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
  })

  test('coverage and incidents read through the server: the same output and exit code', async () => {
    // before any handed-over work changes the store: it holds what the commands alone saw
    const coverage = await cli(['coverage'])
    expect(coverage.code, coverage.out).toBe(0)
    expect(coverage.out).toBe(alone.coverage!.out)
    const incidents = await cli(['incidents', '--json'])
    expect(incidents.code, incidents.out).toBe(0)
    expect(incidents.out).toBe(alone.incidents!.out)
    expect(JSON.parse(incidents.out)).toMatchObject([
      { id: 'inc-0', runId: null, totalDeficit: '0', from: '2025-10-10T00:00:00.123Z' },
      { id: 'inc-1', runId: 'run-x', totalDeficit: '1234.5', insuranceFundImpact: '-10' },
      { id: 'inc-2', severity: 'warning' },
    ])
    const none = await cli(['incidents', '--venue', 'nowhere'])
    expect(none.code, none.out).toBe(0)
    expect(none.out.trim()).toBe('no incidents')
  }, 60_000)

  test('backtest: handed to the server, the same summary and exit code', async () => {
    const remote = await cli(backtestArgs())
    expect(remote.code, remote.out).toBe(0)
    expect(backtestSummary(remote.out)).toEqual(backtestSummary(alone.backtest!.out))
    // the server ran it (trigger api), not this process
    const runId = runIdOf(remote.out)
    expect(server!.logs().some((l) => l.msg === 'run queued' && l.runId === runId && l.trigger === 'api')).toBe(true)

    const detect = await cli(detectArgs)
    expect(detect.code, detect.out).toBe(0)
    expect(detectEnd(detect.out)).toEqual(detectEnd(alone.detect!.out))
    const report = await cli(['report', '--run', runId, '--format', 'md,json'])
    expect(report.code, report.out).toBe(0)
    expect(reportLines(report.out)).toEqual(reportLines(alone.report!.out))
    expect(
      server!
        .logs()
        .filter((l) => l.msg === 'run queued')
        .map((l) => l.job),
    ).toEqual(['backtest', 'detect', 'report.generate'])
    for (const l of server!.logs()) if (l.msg === 'run started') seenRuns.add(l.runId)
  }, 240_000)

  test('ingest with a failed partition: through triggerIngest, the same end lines, exit 1', async () => {
    const remote = await cli(ingestArgs)
    expect(remote.code, remote.out).toBe(1)
    expect(ingestEnd(remote.out)).toEqual(ingestEnd(alone.ingest!.out))
    expect(server!.logs().some((l) => l.msg === 'run queued' && l.job === 'ingest.binance-um')).toBe(true)
  }, 120_000)

  test('a request the server refuses: exit 2 with the same message, and nothing recorded', async () => {
    const queued = () => server!.logs().filter((l) => l.msg === 'run queued').length
    const before = queued()
    const remote = await cli(backtestArgs(['--to', iso(T0 - H)]))
    expect(remote.code).toBe(2)
    expect(remote.out.trim()).toBe(alone.refused!.out.trim())
    expect(queued()).toBe(before)
  }, 60_000)

  test('--local forces this process, and meets the held file; local files are ingested by the server', async () => {
    const local = await cli([...backtestArgs(), '--local'])
    expect(local.code).toBe(1)
    expect(local.out).toContain('is in use by another process')
    const csv = path.join(dir, 'oracle.csv')
    fs.writeFileSync(csv, 'ts,kind,source,price\n2025-01-01 00:00:00,oracle,chainlink,3400.5\n')
    // a relative path on this host: the CLI resolves it, the server (same host) reads it
    const files = await cli([
      'ingest',
      'file',
      '--table',
      'prices',
      '--venue',
      'chainlink',
      '--market',
      'ETH/USD',
      'oracle.csv',
    ])
    expect(files.code, files.out).toBe(0)
    expect(files.out).not.toMatch(/Could not set lock|cannot be handed/)
    const loaded = server!.logs().findLast((l) => l.msg === 'run finished' && l.job === 'ingest.file')
    expect(loaded?.status).toBe('succeeded')
  }, 60_000)

  test('Ctrl-C while the server runs the backtest: cancelRun, the run recorded cancelled, exit 130', async () => {
    const population = JSON.stringify({ initialPositions: 300_000, meanHoldingHours: 1, leverageMax: 75 })
    const args = backtestArgs().slice(0, -1)
    const p = spawnBackstop([...args, 'synthetic', '--population', population], env, dir)
    running.push(p)
    // a progress line: the command follows the server's run (and listens for Ctrl-C)
    const deadline = performance.now() + 90_000
    while (!/^[a-z][a-z ]* \d+%/m.test(p.output()) && performance.now() < deadline)
      await new Promise((r) => setTimeout(r, 100))
    const started = server!.logs().findLast((l) => l.msg === 'run started' && l.job === 'backtest')!
    expect(seen(started), p.output()).toBe(false)
    p.child.kill('SIGINT')
    const { code } = await p.exited
    expect(code, p.output()).toBe(130)
    const ended = await server!.waitForLog((l) => l.msg === 'run finished' && l.runId === started.runId, 30_000)
    expect(ended.status).toBe('cancelled')
  }, 120_000)

  test('scenario load is a run of kind scenario, handed to the server', async () => {
    // the smallest scenario of the library (a handover is under test, not the generator)
    const load = await cli(['scenario', 'load', 'oracle-front-run', '--seed', '3', '--json'])
    expect(load.code, load.out).toBe(0)
    const result = JSON.parse(load.out.slice(load.out.indexOf('{'))) as { status: string; truth: { seed: number } }
    expect(result).toMatchObject({ status: 'loaded', truth: { seed: 3 } })
    const queued = server!.logs().find((l) => l.msg === 'run queued' && l.job === 'scenario.load')
    expect(queued).toMatchObject({ kind: 'scenario', trigger: 'api' })
    const again = await cli(['scenario', 'load', 'oracle-front-run', '--seed', '3'])
    expect(again.code, again.out).toBe(0)
    expect(again.out).toContain('oracle-front-run seed 3: already loaded with the same data')
    // removal too: a run of kind scenario in the server, the same line as alone
    const removed = await cli(['scenario', 'remove', '--all'])
    expect(removed.code, removed.out).toBe(0)
    expect(removed.out).toMatch(/removed 1 scenario copy: \d+ partitions, \d+ rows/)
    expect(server!.logs().find((l) => l.msg === 'run queued' && l.job === 'scenario.remove')).toMatchObject({
      kind: 'scenario',
      trigger: 'api',
    })
  }, 180_000)

  test('after a graceful stop the discovery file is gone and commands run in this process again', async () => {
    server!.child.kill('SIGTERM')
    expect((await server!.exited).code).toBe(0)
    expect(fs.existsSync(path.join(dataDir, 'server.json'))).toBe(false)
    server = null
    const again = await cli(backtestArgs(['--json']))
    expect(again.code, again.out).toBe(0)
  }, 120_000)
})
