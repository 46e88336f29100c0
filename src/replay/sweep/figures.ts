// A point's figures in one window: risk (bad debt, deficits, fund drawdown and low, ADL, socialized loss, liquidated
// notional) and cost to traders (initial margin per unit of notional, the largest leverage on offer, positions
// refused or liquidated earlier than under the base, liquidation fees). Money is exact decimal text.
import { formatMicros } from '../money.ts'
import type { RuleSet } from '../rules/schema.ts'
import { FirstTimes } from './firstTimes.ts'
import type { SweepKernelResult } from './sweepSession.ts'

export interface WindowFigures {
  /** The window as an ISO 8601 interval. */
  window: string
  risk: {
    badDebt: string
    totalShortfall: string
    deficits: number
    fundMaxDrawdown: string
    /** The largest drawdown of any fund as a fraction of its peak (0–1), as a backtest's summary has it. */
    fundMaxDrawdownFraction: number
    fundLow: string
    adlFills: number
    adlNotional: string
    socializedLoss: string
    liquidatedNotional: string
  }
  cost: {
    /** Initial margin posted per unit of notional opened (8 decimals, half up); null when nothing opened. */
    initialMarginPerNotional: string | null
    /** The largest leverage a position may take in any swept market (its first bracket). */
    maxLeverage: number
    /** Positions refused (beyond the base's refusals) or liquidated earlier than under the base. */
    refusedOrLiquidatedEarlier: number
    /** That count over the positions the base opened or refused (8 decimals, half up). */
    refusedOrLiquidatedEarlierShare: string
    liquidationFees: string
  }
  liquidations: number
  positionsOpened: number
  /** The kernel's output hash: equal to that of the same rule set run as a single backtest. */
  outputHash: string
}

/** Exact counts behind the cost figures, summed over windows for the point's own totals. */
export interface CostParts {
  marginMicros: bigint
  notionalMicros: bigint
  earlier: number
  population: number
  feeMicros: bigint
}

const SCALE = 10n ** 8n

/** a / b with 8 decimals, rounded half up (a, b ≥ 0, b > 0). */
export function ratioText(a: bigint, b: bigint): string {
  const q = (a * SCALE * 2n + b) / (2n * b)
  const int = q / SCALE
  const frac = (q % SCALE).toString().padStart(8, '0')
  return `${int}.${frac}`
}

/** The largest leverage a first position may take in any of the markets: min(maxLeverage, 1 / imr) of bracket 0. */
export function maxLeverageOf(rules: RuleSet, markets: readonly string[]): number {
  return Math.max(
    ...markets.map((m) => {
      const b = (rules.margin.markets[m] ?? rules.margin.default).brackets[0]!
      return b.imr === undefined ? b.maxLeverage : Math.min(b.maxLeverage, 1 / b.imr)
    }),
  )
}

/** The base's first liquidations as a table, built once per window however many points are compared with it. */
const baseTables = new WeakMap<SweepKernelResult, FirstTimes>()

function baseFirstOf(base: SweepKernelResult): FirstTimes {
  let table = baseTables.get(base)
  if (!table) {
    table = FirstTimes.of(base.firstLiquidations)
    baseTables.set(base, table)
  }
  return table
}

/** How many of the point's positions were liquidated before the base liquidated them (or the base never did). */
function liquidatedEarlier(point: SweepKernelResult, base: SweepKernelResult): number {
  const baseFirst = baseFirstOf(base)
  const p = point.firstLiquidations
  let n = 0
  for (let i = 0; i < p.keys.length; i++) {
    const t = baseFirst.get(p.keys[i]!)
    if (t === undefined || p.ts[i]! < t) n++
  }
  return n
}

export function windowFigures(
  window: string,
  rules: RuleSet,
  markets: readonly string[],
  point: SweepKernelResult,
  base: SweepKernelResult,
): { figures: WindowFigures; parts: CostParts } {
  const s = point.summary
  const refusedBeyondBase = Math.max(0, s.refusedByOiCap - base.summary.refusedByOiCap)
  const earlier = refusedBeyondBase + liquidatedEarlier(point, base)
  const population = base.openings.count + base.summary.refusedByOiCap
  const parts: CostParts = {
    marginMicros: BigInt(point.openings.marginMicros),
    notionalMicros: BigInt(point.openings.notionalMicros),
    earlier,
    population,
    feeMicros: BigInt(point.liquidationFeeMicros),
  }
  return {
    parts,
    figures: {
      window,
      risk: {
        badDebt: s.totalBadDebt,
        totalShortfall: s.totalShortfall,
        deficits: s.bankruptcies,
        fundMaxDrawdown: s.fund.maxDrawdown,
        fundMaxDrawdownFraction: s.fund.maxDrawdownFraction,
        fundLow: s.fund.low,
        adlFills: s.adlFills,
        adlNotional: formatMicros(BigInt(point.adlNotionalMicros)),
        socializedLoss: s.socializedLoss,
        liquidatedNotional: s.liquidatedNotional,
      },
      cost: {
        initialMarginPerNotional:
          parts.notionalMicros > 0n ? ratioText(parts.marginMicros, parts.notionalMicros) : null,
        maxLeverage: maxLeverageOf(rules, markets),
        refusedOrLiquidatedEarlier: earlier,
        refusedOrLiquidatedEarlierShare: ratioText(BigInt(earlier), BigInt(Math.max(1, population))),
        liquidationFees: formatMicros(parts.feeMicros),
      },
      liquidations: s.liquidations,
      positionsOpened: s.positionsOpened,
      outputHash: s.outputHash,
    },
  }
}
