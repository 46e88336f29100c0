// Run records and backtest output rows written straight into a test store (no replay): deterministic rows from
// closed formulas, so tests can compute what a filter, order or page must return.
import type { Runtime } from '../../src/app/runtime.ts'

export const LIQ_KINDS = ['full', 'partial', 'takeover'] as const
export const T0_ISO = '2025-10-10T00:00:00.000Z'

/** What row i of `insertLiquidations` holds. */
export function liquidationRow(i: number) {
  return {
    seq: i,
    tsMs: Date.parse(T0_ISO) + i * 10_000,
    account: `acct-${i % 4}`,
    market: i % 2 === 0 ? 'BTCUSDT' : 'ETHUSDT',
    side: i % 3 === 0 ? 'long' : 'short',
    kind: LIQ_KINDS[i % 3]!,
    notional: ((i * 37) % 11) * 1000 + 0.5,
    shortfall: i % 5 === 0 ? i * 1.25 : 0,
  }
}

export async function createRunRecord(
  runtime: Runtime,
  id: string,
  options: {
    status?: string
    venue?: string
    kind?: string
    queuedAt?: Date
    error?: string | null
    trigger?: string
  } = {},
) {
  await runtime.meta.jobRun.create({
    data: {
      id,
      kind: options.kind ?? 'backtest',
      job: options.kind ?? 'backtest',
      trigger: options.trigger ?? 'api',
      host: 'test',
      pid: 1,
      status: options.status ?? 'succeeded',
      error: options.error ?? null,
      ...(options.queuedAt ? { queuedAt: options.queuedAt } : {}),
    },
  })
  if ((options.kind ?? 'backtest') === 'backtest')
    await runtime.meta.backtestRun.create({
      data: {
        id,
        ruleSetHash: 'h',
        ruleSetRef: 'binance-um',
        venue: options.venue ?? 'binance-um',
        markets: ['BTCUSDT', 'ETHUSDT'],
        fromTs: new Date(T0_ISO),
        toTs: new Date(Date.parse(T0_ISO) + 86_400_000),
        positionsSource: 'explicit',
        seed: 1,
      },
    })
}

/** Liquidations seq `from` … `to - 1` of a run (see liquidationRow). */
export async function insertLiquidations(runtime: Runtime, runId: string, from: number, to: number) {
  await runtime.duck.use((c) =>
    c.run(
      `INSERT INTO backtest_liquidations
         SELECT $1, i, TIMESTAMP '2025-10-10 00:00:00' + to_seconds(i * 10), 'acct-' || (i % 4),
                CASE WHEN i % 2 = 0 THEN 'BTCUSDT' ELSE 'ETHUSDT' END,
                CASE WHEN i % 3 = 0 THEN 'long' ELSE 'short' END, ['full', 'partial', 'takeover'][i % 3 + 1],
                1.5, (((i * 37) % 11) * 1000 + 0.5)::DECIMAL(18, 6), 100, NULL, NULL, 100, 99,
                1, 0.5, 10, 0, 0, 0, (CASE WHEN i % 5 = 0 THEN i * 1.25 ELSE 0 END)::DECIMAL(18, 6)
           FROM range($2, $3) t(i)`,
      [runId, from, to],
    ),
  )
}

/** Fund movements: an initial balance, then a payout every `step` seconds (balance falls by 10 each time). */
export async function insertFundMovements(
  runtime: Runtime,
  runId: string,
  rows: Array<{ seq: number; tsMs: number; fund: string; reason: string; delta: string; balance: string }>,
) {
  await runtime.duck.use(async (c) => {
    for (const r of rows)
      await c.run(
        `INSERT INTO backtest_fund_series VALUES ($1, $2, $3::TIMESTAMP, $4, NULL, $5, $6::DECIMAL(18, 6), $7::DECIMAL(18, 6), NULL)`,
        [
          runId,
          r.seq,
          new Date(r.tsMs).toISOString().replace('T', ' ').replace('Z', ''),
          r.fund,
          r.reason,
          r.delta,
          r.balance,
        ],
      )
  })
}

export async function insertDeficits(
  runtime: Runtime,
  runId: string,
  rows: Array<{ seq: number; tsMs: number; shortfall: string; uncovered: string }>,
) {
  await runtime.duck.use(async (c) => {
    for (const r of rows)
      await c.run(
        `INSERT INTO backtest_deficits VALUES ($1, $2, $3::TIMESTAMP, 'a', 'BTCUSDT', NULL, 'shortfall',
           $4::DECIMAL(18, 6), 0, 0, 0, 0, $5::DECIMAL(18, 6))`,
        [runId, r.seq, new Date(r.tsMs).toISOString().replace('T', ' ').replace('Z', ''), r.shortfall, r.uncovered],
      )
  })
}
