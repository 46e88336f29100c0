// A day of market data for report tests: BTCUSDT 1 s bars with a crash, a squeeze and a second dip, mark, index and
// oracle prices, and manifest rows (one dataset missing at source, a hole in the mark klines) so coverage has caveats.
import { DuckDBTimestampValue } from '@duckdb/node-api'
import type { DuckStore } from '../../src/store/duck/open.ts'
import { barsFromCloses, insertBars, insertPrices } from './marketData.ts'

export const REPORT_VENUE = 'binance-um'
export const REPORT_MARKET = 'BTCUSDT'
const HOUR = 3_600

/** One price per second for `seconds` seconds from 60,000: seeded noise, a −12% crash at 9 h, +7% at 13 h, −8% at 17.5 h. */
export function dayPath(seconds = 24 * HOUR): number[] {
  const closes: number[] = []
  let p = 60_000
  let x = 11
  for (let i = 0; i < seconds; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0
    p *= 1 + ((x >>> 8) / 2 ** 24 - 0.5) * 0.0005
    if (i >= 9 * HOUR && i < 9 * HOUR + 120) p *= 0.99894 // about −12% in two minutes
    if (i >= 9 * HOUR + 600 && i < 9 * HOUR + 1_200) p *= 1.0001
    if (i >= 13 * HOUR && i < 13 * HOUR + 90) p *= 1.00075 // a squeeze of about +7%
    if (i >= 17.5 * HOUR && i < 17.5 * HOUR + 60) p *= 0.9986 // about −8% in a minute
    closes.push(p)
  }
  return closes
}

const tsv = (ms: number) => new DuckDBTimestampValue(BigInt(Math.round(ms)) * 1000n)

/**
 * Loads `dayPath` from `startMs` (UTC midnight of a day) into the store as venue data, with manifest rows: trades
 * and mark / index klines loaded for that day, premium klines missing at source, and a 20-minute hole in the marks.
 */
export async function seedReportDay(
  duck: DuckStore,
  startMs: number,
  seconds = 24 * HOUR,
  options: { manifest?: boolean } = {},
): Promise<number[]> {
  const closes = dayPath(seconds)
  const startUs = startMs * 1000
  await insertBars(duck, REPORT_VENUE, REPORT_MARKET, 1, barsFromCloses(startUs, closes, {}, 3e6))
  const every = (step: number, f: (p: number) => number, skip?: [number, number]) => {
    const out: Array<[number, number]> = []
    for (let i = 0; i < closes.length; i += step) {
      if (skip && i >= skip[0] && i < skip[1]) continue
      out.push([startUs + i * 1e6, f(closes[i]!)])
    }
    return out
  }
  const markHole: [number, number] = [14 * HOUR, 14 * HOUR + 1_200]
  await insertPrices(
    duck,
    REPORT_VENUE,
    REPORT_MARKET,
    'index',
    REPORT_VENUE,
    every(10, (p) => p * 0.9999),
  )
  await insertPrices(
    duck,
    REPORT_VENUE,
    REPORT_MARKET,
    'mark',
    REPORT_VENUE,
    every(60, (p) => p * 1.0002, markHole),
  )
  await insertPrices(
    duck,
    REPORT_VENUE,
    REPORT_MARKET,
    'oracle',
    'pyth',
    every(30, (p) => p * 0.9997),
  )
  if (options.manifest !== false) await insertReportManifest(duck, startMs, seconds)
  return closes
}

/** The manifest rows of a seeded day (what ingestion would record): coverage reads these, not the rows. */
export async function insertReportManifest(duck: DuckStore, startMs: number, seconds = 24 * HOUR): Promise<void> {
  const markHole: [number, number] = [14 * HOUR, 14 * HOUR + 1_200]
  const day = new Date(startMs).toISOString().slice(0, 10)
  const end = startMs + seconds * 1000
  const rowsOf = (step: number) => Math.ceil(seconds / step)
  await duck.use(async (c) => {
    const part = async (dataset: string, table: string, status: string, rows: number) =>
      c.run(
        `INSERT INTO partitions VALUES ($1, 'binance-um', $2, $3, $4, $5, $6, $7, NULL, NULL, $8, $9, $10, now()::TIMESTAMP, NULL)`,
        [
          `binance-um/${dataset}/${REPORT_MARKET}/${day}`,
          dataset,
          REPORT_VENUE,
          REPORT_MARKET,
          day,
          table,
          status,
          rows,
          status === 'loaded' ? tsv(startMs) : null,
          status === 'loaded' ? tsv(end - 1000) : null,
        ],
      )
    await part('aggTrades', 'trades', 'loaded', seconds)
    await part('markPriceKlines', 'prices', 'loaded', rowsOf(60))
    await part('indexPriceKlines', 'prices', 'loaded', rowsOf(10))
    await part('premiumIndexKlines', 'prices', 'missing', 0)
    await c.run(`INSERT INTO partition_gaps VALUES ($1, 'prices', $2, $3, 20, 60)`, [
      `binance-um/markPriceKlines/${REPORT_MARKET}/${day}`,
      tsv(startMs + markHole[0] * 1000),
      tsv(startMs + markHole[1] * 1000),
    ])
  })
}

/** A synthetic population big enough to liquidate through the crash and leave deficits with a small fund. */
export const reportPopulation = {
  initialPositions: 3_000,
  meanHoldingHours: 6,
  leverageMin: 5,
  leverageMax: 60,
  notionalMedian: 40_000,
  notionalSigma: 1.2,
}
