// Headline figures of a run (from its stored summary) and their change between two reports, computed exactly.
import { Decimal } from 'decimal.js'
import { HEADLINE_KEYS, type Headline, type HeadlineDeltas } from './model.ts'

/** The stored BacktestSummary fields a headline reads (see src/replay/backtest/summary.ts). */
interface SummaryFields {
  liquidations: number
  liquidatedNotional: string
  bankruptcies: number
  totalBadDebt: string
  adlFills: number
  timeToFirstDeficitSeconds: number | null
  fund: { low: string; maxDrawdown: string; maxDrawdownFraction: number }
}

/** Normalises an exact amount to six places ("12.5" → "12.500000"), the precision the engine settles in. */
export const exact = (value: string) => new Decimal(value).toFixed(6)

export function headlineOf(summary: unknown): Headline {
  const s = summary as SummaryFields
  return {
    liquidations: s.liquidations,
    liquidatedNotional: exact(s.liquidatedNotional),
    bankruptcies: s.bankruptcies,
    totalBadDebt: exact(s.totalBadDebt),
    fundLow: exact(s.fund.low),
    maxFundDrawdown: exact(s.fund.maxDrawdown),
    maxFundDrawdownFraction: s.fund.maxDrawdownFraction,
    adlFills: s.adlFills,
    timeToFirstDeficitSeconds: s.timeToFirstDeficitSeconds,
  }
}

/** current − previous for every figure: exact for amounts, null when either side has no value. */
export function headlineDeltas(current: Headline, previous: Headline): HeadlineDeltas {
  const out: Record<string, string | number | null> = {}
  for (const key of HEADLINE_KEYS) {
    const a = current[key]
    const b = previous[key]
    if (typeof a === 'string' && typeof b === 'string') out[key] = new Decimal(a).minus(b).toFixed(6)
    else if (typeof a === 'number' && typeof b === 'number') out[key] = roundDelta(a - b)
    else out[key] = null
  }
  return out as HeadlineDeltas
}

/** Float differences of fractions and seconds, without binary noise such as 0.30000000000000004. */
const roundDelta = (x: number) => Number(x.toPrecision(12))
