// The whole account-level pipeline, stage by stage: Hyperliquid candles, fills and ledger ingested through the job
// from a local info endpoint, then replayed by the engine as `positions: accounts` — what issue 4 promises issue 5.
import { describe, expect, test } from 'vitest'
import type { JobDefinition } from '../jobs/job.ts'
import { runJob } from '../jobs/runner.ts'
import { backtestJob } from '../jobs/backtest.ts'
import type { BacktestSummary } from '../src/replay/backtest/summary.ts'
import { getBacktestRun } from '../src/store/meta/backtestRuns.ts'
import { ApiServer } from './support/apiServer.ts'
import { HyperliquidMock, fillDir } from './support/hyperliquidMock.ts'
import { testRuntime } from './support/runtime.ts'
import { ingestJob } from '../jobs/ingest/index.ts'

const hyperliquidJob = ingestJob('hyperliquid')

const server = await ApiServer.start()
const hl = new HyperliquidMock(server)
const runtime = await testRuntime({ HYPERLIQUID_BASE_URL: hl.url, HYPERLIQUID_WEIGHT_PER_MINUTE: '10000000' })
const job = hyperliquidJob as JobDefinition<never>

const DAY = '2024-03-05'
const T0 = Date.parse(`${DAY}T00:00:00Z`)
const MIN = 60_000
const LEVERED = '0xaaaa00000000000000000000000000000000000a'
const HEDGED = '0xbbbb00000000000000000000000000000000000b'

/** One day of 1m BTC candles in the venue's shape: flat at 60k, a dip to 57k between 12:00 and 12:30, recovery. */
function candles(): Array<Record<string, unknown>> {
  const closes: number[] = []
  for (let i = 0; i < 1_440; i++) {
    closes.push(i < 720 ? 60_000 : i < 750 ? 60_000 - (i - 719) * 100 : Math.min(60_000, 57_000 + (i - 749) * 50))
  }
  return closes
    .map((close, i) => {
      const open = i === 0 ? 60_000 : closes[i - 1]!
      return {
        t: T0 + i * MIN,
        T: T0 + (i + 1) * MIN - 1,
        s: 'BTC',
        i: '1m',
        o: String(open),
        c: String(close),
        h: String(Math.max(open, close)),
        l: String(Math.min(open, close)),
        n: 40,
        v: '12.5',
      }
    })
    .reverse() // order must not matter: the connector sorts
}

function fill(account: number, side: 'B' | 'A', time: number, size: number, before: number) {
  const after = before + (side === 'B' ? size : -size)
  return {
    coin: 'BTC',
    px: '60000.0',
    sz: String(size),
    side,
    time,
    startPosition: String(before),
    dir: fillDir(before, after),
    closedPnl: '0.0',
    hash: `0x${(account * 1000 + time / MIN).toString(16).padStart(64, '0')}`,
    oid: 1_000 + account,
    crossed: true,
    fee: '21.0',
    tid: 5_000 + account,
    feeToken: 'USDC',
  }
}

describe('hyperliquid accounts: ingest → replay', () => {
  test('the 30x account is liquidated in the dip, its hedged counterparty is not; ledger deposits fund them', async () => {
    hl.candles.set('BTC/1m', candles())
    hl.fills.set(LEVERED, [fill(1, 'B', T0 + 60 * MIN, 1, 0)])
    hl.fills.set(HEDGED, [fill(2, 'A', T0 + 60 * MIN, 1, 0)])
    hl.ledgerUpdates.set(LEVERED, [{ time: T0 + 30 * MIN, hash: '0x01', delta: { type: 'deposit', usdc: '2000.0' } }])
    hl.ledgerUpdates.set(HEDGED, [{ time: T0 + 30 * MIN, hash: '0x02', delta: { type: 'deposit', usdc: '100000.0' } }])

    const ingest = await runJob(
      runtime,
      job,
      {
        coins: ['BTC'],
        accounts: [LEVERED, HEDGED],
        datasets: ['candles', 'fills', 'ledger'],
        interval: '1m',
        from: DAY,
        to: DAY,
      },
      { trigger: 'cli' },
    )
    expect(ingest.status).toBe('succeeded')
    expect(ingest.outcome.rows).toBe(1_440 + 2 + 2)

    const backtest = await runJob(
      runtime,
      backtestJob as JobDefinition<never>,
      {
        ruleSet: 'hyperliquid',
        venue: 'hyperliquid',
        markets: ['BTC'],
        from: `${DAY}T00:00:00Z`,
        to: `${DAY}T23:59:00Z`,
        positions: 'accounts',
      },
      { trigger: 'api' },
    )
    expect(backtest.status).toBe('succeeded')
    const summary = (await getBacktestRun(runtime.meta, backtest.runId))!.summary as unknown as BacktestSummary
    expect(summary.eventsByKind).toMatchObject({ fill: 2, ledger: 2 })
    const liquidated = await runtime.duck.use(async (c) =>
      (
        await c.runAndReadAll(
          `SELECT account, epoch_ms(ts) AS ms, side FROM backtest_liquidations WHERE run_id = $1 ORDER BY seq`,
          [backtest.runId],
        )
      ).getRowObjectsJS(),
    )
    // 2,000 of equity on 60,000 long at Hyperliquid's 1.25% BTC maintenance: liquidated below ≈ 58,734, in the dip
    expect(liquidated.length).toBeGreaterThan(0)
    expect(new Set(liquidated.map((r) => r.account))).toEqual(new Set([LEVERED]))
    const first = Number(liquidated[0]!.ms)
    expect(first).toBeGreaterThan(T0 + 720 * MIN)
    expect(first).toBeLessThan(T0 + 750 * MIN)
  })
})
