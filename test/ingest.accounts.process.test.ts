// The account-level and oracle sources as a user runs them: `backstop ingest hyperliquid | dydx | pyth | chainlink`
// spawned against local mocks of each API (exit codes, summary lines, coverage), keyed RPC URLs never printed or
// stored, bad flags refused with every problem, and the same jobs fired by cron from configuration.
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { configSchedules } from '../jobs/configSchedules.ts'
import { jobRegistry } from '../jobs/registry.ts'
import { startScheduler } from '../jobs/scheduler.ts'
import { toIsoDay, yesterday } from '../src/ingest/dates.ts'
import type { Round } from '../src/ingest/chainlink/rounds.ts'
import { ApiServer } from './support/apiServer.ts'
import { ChainlinkMock } from './support/chainlinkMock.ts'
import { DydxMock, makeTrades } from './support/dydxMock.ts'
import { HyperliquidMock, makeFills } from './support/hyperliquidMock.ts'
import { spawnBackstop } from './support/process.ts'
import { PythMock } from './support/pythMock.ts'
import { testRuntime } from './support/runtime.ts'
import { tempDir } from './support/tmp.ts'

const server = await ApiServer.start()
const hl = new HyperliquidMock(server)
const dydx = new DydxMock(server)
const pyth = new PythMock(server)
const chain = new ChainlinkMock(server)

const ACCOUNT = '0x6666666666666666666666666666666666666666'
const FEED = '0x7777777777777777777777777777777777777777'
const PYTH_ID = 'e62df6c8b4a85fe1a67db44dc12de5db330f7ac66b72dc658afedf0f4a415b43'

/** The same history on fixed days (for the CLI) and on yesterday (for the cron schedule, which fetches yesterday). */
function seed(days: string[]) {
  hl.fills.set(
    ACCOUNT,
    days
      .flatMap((d, i) => makeFills({ day: d, count: 120, coin: 'BTC', startId: i * 1000 }))
      .sort((a, b) => (b.time as number) - (a.time as number)),
  )
  hl.funding.set(
    'BTC',
    days.flatMap((d) =>
      Array.from({ length: 24 }, (_, h) => ({
        coin: 'BTC',
        fundingRate: '0.0000125',
        premium: '-0.0003',
        time: Date.parse(`${d}T00:00:00Z`) + h * 3600_000 + 31,
      })),
    ),
  )
  dydx.trades.set(
    'BTC-USD',
    days.flatMap((d, i) => makeTrades(d, 150, { firstHeight: 30_000_000 + i * 100_000 })),
  )
  const hours = days.flatMap((d) => Array.from({ length: 24 }, (_, h) => Date.parse(`${d}T00:00:00Z`) + h * 3600_000))
  dydx.funding.set(
    'BTC-USD',
    hours.map((t, i) => ({
      ticker: 'BTC-USD',
      rate: '0.00001',
      price: '60000.5',
      effectiveAt: new Date(t).toISOString(),
      effectiveAtHeight: String(40_000_000 + i),
    })),
  )
  dydx.candles.set(
    'BTC-USD/1MIN',
    hours.flatMap((t) =>
      Array.from({ length: 60 }, (_, m) => ({
        startedAt: new Date(t + m * 60_000).toISOString(),
        ticker: 'BTC-USD',
        resolution: '1MIN',
        low: '59990',
        high: '60010',
        open: '60000',
        close: '60001',
        baseTokenVolume: '1.5',
        usdVolume: '90001.5',
        trades: 4,
        startingOpenInterest: '321.5',
      })),
    ),
  )
  pyth.feeds.set(PYTH_ID, {
    symbol: 'Crypto.BTC/USD',
    updates: days.flatMap((d) =>
      Array.from({ length: 96 }, (_, q) => ({
        publishTime: Date.parse(`${d}T00:00:00Z`) / 1000 + q * 900 + 5,
        price: String(6_000_000_000_000 + q),
        conf: '100000',
        expo: -8,
      })),
    ),
  })
  const rounds = new Map<bigint, Round>()
  let r = 1n
  for (const d of days)
    for (let h = 0; h < 24; h++, r++) {
      const id = (4n << 64n) | r
      const t = Date.parse(`${d}T00:00:00Z`) / 1000 + h * 3600 + 12
      rounds.set(id, { roundId: id, answer: 300_000_000_000n + r, startedAt: t, updatedAt: t, answeredInRound: id })
    }
  chain.feeds.set(FEED, { decimals: 8, description: 'ETH / USD', rounds })
}

describe('backstop ingest … (spawned)', () => {
  const dir = tempDir()
  const env = {
    DATA_DIR: path.join(dir, 'data'),
    LOG_LEVEL: 'warn',
    HYPERLIQUID_BASE_URL: server.url,
    HYPERLIQUID_WEIGHT_PER_MINUTE: '1000000',
    DYDX_INDEXER_URL: server.url,
    PYTH_BENCHMARKS_URL: server.url,
    PYTH_REQUESTS_PER_10S: '100000',
    CHAINLINK_RPC_URL: chain.rpcUrl,
    INGEST_RETRY_BASE_MS: '5',
  }
  const cli = async (...args: string[]) => {
    const p = spawnBackstop(args, env, dir)
    const { code } = await p.exited
    return { code, out: p.output() }
  }

  test(
    'each source loads from its mock end to end, exit 0, with a summary line; coverage shows the ranges',
    { timeout: 120_000 },
    async () => {
      seed(['2024-05-01', '2024-05-02'])
      const runs = [
        await cli(
          'ingest',
          'hyperliquid',
          '--coins',
          'BTC',
          '--accounts',
          ACCOUNT,
          '--datasets',
          'funding,fills,ledger',
          '--from',
          '2024-05-01',
          '--to',
          '2024-05-02',
        ),
        await cli(
          'ingest',
          'dydx',
          '--markets',
          'BTC-USD',
          '--datasets',
          'trades',
          '--from',
          '2024-05-01',
          '--to',
          '2024-05-02',
        ),
        await cli(
          'ingest',
          'pyth',
          '--feeds',
          'Crypto.BTC/USD',
          '--interval',
          '15m',
          '--from',
          '2024-05-01',
          '--to',
          '2024-05-02',
        ),
        await cli('ingest', 'chainlink', '--feed', FEED, '--from', '2024-05-01', '--to', '2024-05-02'),
      ]
      for (const r of runs) {
        expect(r.code, r.out).toBe(0)
        expect(r.out).toMatch(/partitions: \d+ loaded, 0 skipped, 0 missing at source, 0 failed; rows \d+/)
        expect(r.out).toMatch(/run [0-9a-f-]{36}: succeeded/)
      }
      expect(runs[0]!.out).toContain('partitions: 6 loaded')
      expect(runs[0]!.out).toContain(`rows ${2 * 48 + 2 * 120}`)
      expect(runs[3]!.out).toContain('rows 96')
      expect(runs.map((r) => r.out).join()).not.toContain('SECRET')

      const again = await cli(
        'ingest',
        'chainlink',
        '--feed',
        FEED,
        '--rpc-url',
        chain.rpcUrl,
        '--from',
        '2024-05-01',
        '--to',
        '2024-05-02',
      )
      expect(again.out).toContain('partitions: 0 loaded, 2 skipped')
      const history = await cli('jobs', 'runs', '--job', 'ingest.chainlink', '--json')
      expect(history.code).toBe(0)
      expect(history.out).toContain(FEED)
      expect(history.out).not.toContain('SECRET')

      const coverage = await cli('coverage', '--json')
      const all = JSON.parse(coverage.out.slice(coverage.out.indexOf('['))) as Array<Record<string, unknown>>
      const find = (venue: string, market: string, dataset: string) =>
        all.find((c) => c.venue === venue && c.market === market && c.dataset === dataset)
      const range = [{ from: '2024-05-01T00:00:00.000Z', to: '2024-05-03T00:00:00.000Z' }]
      expect(find('hyperliquid', ACCOUNT, 'fills')).toMatchObject({ rows: 240, ranges: range })
      expect(find('hyperliquid', ACCOUNT, 'ledger')).toMatchObject({ rows: 0, ranges: range })
      expect(find('hyperliquid', 'BTC', 'funding')).toMatchObject({ rows: 96, ranges: range })
      expect(find('dydx', 'BTC-USD', 'trades')).toMatchObject({ rows: 300, ranges: range })
      expect(find('pyth', 'Crypto.BTC/USD', 'oracle-15m')).toMatchObject({ rows: 192, ranges: range })
      expect(find('chainlink', FEED, 'rounds')).toMatchObject({ rows: 96, ranges: range })
    },
  )

  test('bad flags are refused with every problem at once (exit 2); a keyed --rpc-url is not echoed', async () => {
    const r = await cli(
      'ingest',
      'hyperliquid',
      '--accounts',
      '0x12',
      '--datasets',
      'fills,trades',
      '--from',
      '2024-13-01',
      '--to',
      toIsoDay(new Date()),
    )
    expect(r.code).toBe(2)
    expect(r.out).toContain('--accounts: received "0x12"; expected addresses: 0x and 40 hex digits')
    expect(r.out).toContain(
      '--datasets: received "fills,trades"; expected items from candles, funding, fills, ledger, state',
    )
    expect(r.out).toContain('--from: received "2024-13-01"; expected a UTC day as YYYY-MM-DD')
    expect(r.out).toMatch(/--to: received "\d{4}-\d{2}-\d{2}"; expected a UTC day that has ended/)
    const c = await cli('ingest', 'chainlink', '--feed', FEED, '--rpc-url', 'ftp://node/SECRET-KEY', '--csv', 'x.csv')
    expect(c.code).toBe(2)
    expect(c.out).toContain('--rpc-url: received "ftp://node/[redacted]"; expected an http(s) URL')
    expect(c.out).toContain('--csv: received "x.csv"; expected either --csv or --rpc-url, not both')
    expect(c.out).not.toContain('SECRET')
  })
})

describe('cron', () => {
  test(
    'schedules from configuration run each source for yesterday and record the runs',
    { timeout: 60_000 },
    async () => {
      seed([yesterday()])
      const runtime = await testRuntime({
        HYPERLIQUID_BASE_URL: server.url,
        HYPERLIQUID_WEIGHT_PER_MINUTE: '1000000',
        DYDX_INDEXER_URL: server.url,
        PYTH_BENCHMARKS_URL: server.url,
        PYTH_REQUESTS_PER_10S: '100000',
        PYTH_INTERVAL: '1h',
        CHAINLINK_RPC_URL: chain.rpcUrl,
        INGEST_CRON: '* * * * * *',
        INGEST_HYPERLIQUID_COINS: 'BTC',
        INGEST_HYPERLIQUID_ACCOUNTS: ACCOUNT,
        INGEST_DYDX_MARKETS: 'BTC-USD',
        INGEST_PYTH_FEEDS: 'Crypto.BTC/USD',
        INGEST_CHAINLINK_FEEDS: `${FEED}:3600`,
      })
      const specs = configSchedules(runtime.config)
      expect(specs.map((s) => s.name)).toEqual(
        expect.arrayContaining([
          'ingest-hyperliquid-daily',
          'ingest-dydx-daily',
          'ingest-pyth-daily',
          `ingest-chainlink-${FEED}-daily`,
        ]),
      )
      const scheduler = await startScheduler(runtime, jobRegistry, specs)
      const jobs = ['ingest.hyperliquid', 'ingest.dydx', 'ingest.pyth', 'ingest.chainlink']
      try {
        await expect
          .poll(
            async () =>
              (
                await runtime.meta.jobRun.findMany({
                  where: { job: { in: jobs }, trigger: 'cron', status: 'succeeded', partitionsLoaded: { gt: 0 } },
                  distinct: ['job'],
                })
              ).length,
            { timeout: 30_000, interval: 250 },
          )
          .toBe(4)
      } finally {
        await scheduler.stop(10_000)
      }
      const rows = await runtime.duck.use(async (c) =>
        (
          await c.runAndReadAll(
            `SELECT venue, count(*)::INTEGER AS n FROM partitions WHERE status = 'loaded' AND period IN ('${yesterday()}') GROUP BY venue ORDER BY venue`,
          )
        ).getRowObjectsJS(),
      )
      expect(rows.map((r) => r.venue)).toEqual(['chainlink', 'dydx', 'hyperliquid', 'pyth'])
      // the account's margin snapshot was taken too (its partition is the instant of the run)
      const snaps = await runtime.duck.use(async (c) =>
        (
          await c.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM account_states WHERE account = '${ACCOUNT}'`)
        ).getRowObjectsJS(),
      )
      expect(Number(snaps[0]!.n)).toBeGreaterThan(0)
    },
  )
})
