// Synthetic market data shared by the engine benchmark and the golden-output check: 1 s bars of one market
// (a seeded random walk with periodic crashes) and 8-hourly funding, written into a bench DuckDB file; the feed that
// reads it back and the kernel both replay it with.
import { ReplayKernel } from '../src/replay/kernel/engine.ts'
import { populationRuntime, populationSchema } from '../src/replay/kernel/population.ts'
import { findPreset } from '../src/replay/rules/presets/index.ts'
import type { DuckStore } from '../src/store/duck/open.ts'
import type { FeedSpec } from '../src/store/market/replayFeed.ts'

export const VENUE = 'bench'
export const MARKET = 'BTCUSDT'
export const T0 = Date.UTC(2025, 0, 1) * 1000
export const DAY = 86_400

/**
 * DAYS of 1 s bars: a seeded log random walk (σ ≈ 1e-4 per second, about BTC's, from a hash of the row number, so
 * it is the same on every machine) with a −8% one-minute crash every 10 days; funding every 8 h.
 */
export async function generate(store: DuckStore, days: number): Promise<number> {
  const n = days * DAY
  await store.use(async (c) => {
    await c.run(`DELETE FROM bars WHERE venue = '${VENUE}'`)
    await c.run(`DELETE FROM funding WHERE venue = '${VENUE}'`)
    await c.run(`
      INSERT INTO bars
      WITH steps AS (
        SELECT i,
               ((hash(i * 2654435761) % 2000000)::DOUBLE / 1000000 - 1) * 1.7e-4
               + CASE WHEN i % ${10 * DAY} BETWEEN ${4 * DAY} AND ${4 * DAY + 59} THEN -0.0014 ELSE 0 END AS r,
               ((hash(i * 40503 + 7) % 1000000)::DOUBLE / 1000000) AS w
          FROM range(${n}) t(i)
      ), path AS (
        SELECT i, w, 60000 * exp(sum(r) OVER (ORDER BY i ROWS UNBOUNDED PRECEDING)) AS close FROM steps
      )
      SELECT '${VENUE}', '${MARKET}', make_timestamp(${T0}::BIGINT + i * 1000000), 1,
             coalesce(lag(close) OVER (ORDER BY i), close) AS open,
             greatest(close, coalesce(lag(close) OVER (ORDER BY i), close)) * (1 + w * 2e-4),
             least(close, coalesce(lag(close) OVER (ORDER BY i), close)) * (1 - w * 2e-4),
             close, 20 + w * 10, (20 + w * 10) * close, 100, NULL, close, 'trades', 'bench'
        FROM path`)
    await c.run(`
      INSERT INTO funding SELECT '${VENUE}', '${MARKET}', make_timestamp(${T0}::BIGINT + i * 28800000000),
             0.0001 * ((hash(i) % 7)::DOUBLE - 2), 8, NULL, 'bench'
        FROM range(1, ${days * 3}) t(i)`)
    await c.run('CHECKPOINT')
  })
  return n
}

/** The replay feed over the first `days` of the synthetic data: 1 s bars and funding, read in day slabs. */
export function feedSpec(days: number): FeedSpec {
  return {
    venue: VENUE,
    markets: [MARKET],
    fromUs: T0,
    toUs: T0 + days * DAY * 1e6,
    bars: [{ intervalS: 1, source: 'trades' }],
    prices: [],
    funding: true,
    premiumFundingIntervalH: null,
    openInterest: false,
    accounts: false,
    // a backtest of one market reads day slabs (plan.ts): the data path is measured as the runner uses it
    slabSeconds: 24 * 3600,
  }
}

/**
 * A Binance-rules kernel with a synthetic population of `positions`, started at T0: `static` holds them a year at up
 * to 20x (a standing book), `churn` opens and expires them at a 24 h mean holding at up to 75x.
 */
export function benchKernel(positions: number, variant: 'static' | 'churn', seed: number): ReplayKernel {
  const kernel = new ReplayKernel({
    rules: findPreset('binance-um').rules,
    markets: [MARKET],
    markMethods: ['last'],
    seed,
    // sized like the runner's (its flush threshold), so the buffers do not grow inside the timed loop
    outputCapacity: 1 << 17,
    population: populationRuntime(
      populationSchema.parse(
        variant === 'static'
          ? { initialPositions: positions, meanHoldingHours: 24 * 365, leverageMax: 20, maxOpen: positions * 2 }
          : { initialPositions: positions, meanHoldingHours: 24, leverageMax: 75, maxOpen: positions * 2 },
      ),
      [Number.NaN],
    ),
  })
  kernel.start(T0)
  return kernel
}
