// Has ingestion covered a schedule's window? Every dataset of every market must reach across the window, by data
// loaded or by gaps recorded at the source; holes inside loaded files do not hold a run back (they become caveats).
import type { DuckStore } from '../../store/duck/open.ts'
import { marketCoverage, type DatasetCoverage } from '../../store/market/coverage.ts'
import { coverageCaveats } from '../coverageCaveats.ts'

export interface WindowCoverage {
  covered: boolean
  /** What is still missing, one line per market and dataset. */
  missing: string[]
}

export async function windowCoverage(
  duck: DuckStore,
  venue: string,
  markets: string[],
  window: { from: Date; to: Date },
): Promise<WindowCoverage> {
  const coverage = new Map<string, DatasetCoverage[]>()
  for (const market of markets) coverage.set(market, await marketCoverage(duck, venue, market))
  const { caveats } = coverageCaveats(coverage, window.from.getTime(), window.to.getTime())
  const missing = caveats
    .filter((c) => c.reason === 'not-loaded' || c.reason === 'no-data')
    .map((c) => `${c.market}: ${c.detail}`)
  return { covered: missing.length === 0, missing }
}
