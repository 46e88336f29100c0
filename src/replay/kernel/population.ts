// The synthetic population model: positions opened from observed flow (volume and open-interest increases) with
// seeded leverage, size and holding-time distributions, sized to the market's open interest when it is known.
// Assumptions are documented in ARCHITECTURE.md.
import { z } from 'zod'

/**
 * Default leverage of new positions: how the open interest of Hyperliquid ($7.63B) was spread over leverage in
 * December 2025 (on-chain analysis by Ai Yi, reported by Odaily and Binance Square): $2.77B (36%) at 0–3x, $3.7B (48%)
 * at 3–7x, the rest (16%) above 7x. Read as a log-linear quantile function of notional: 1x at 0, 3x at 0.36, 7x at
 * 0.84, 50x at the top (the tail above 7x is not broken down: 50x is an assumption). Leverage is drawn
 * independently of size, so the same quantiles hold for positions and for notional. It is the distribution that
 * matters for liquidated notional (large accounts at low leverage hold most of the open interest). Each position
 * is then capped by its bracket (maximum leverage and initial margin rate at its notional).
 */
export const HYPERLIQUID_2025_LEVERAGE: ReadonlyArray<readonly [number, number]> = [
  [0, 1],
  [0.36, 3],
  [0.84, 7],
  [1, 50],
]

/**
 * An alternative, retail-heavy table: BitMEX's XBTUSD book as BitMEX published it on 15 May 2019 (monthly weighted
 * average effective leverage 22–30x, 80% of positions at or below 47–54x at a 100x maximum; reported by
 * Cointelegraph): 1x at 0, 14x at the median (which puts the mean near 25x), 50x at 0.8, 100x at the top.
 */
export const BITMEX_2019_LEVERAGE: ReadonlyArray<readonly [number, number]> = [
  [0, 1],
  [0.5, 14],
  [0.8, 50],
  [1, 100],
]

const leverageQuantiles = z
  .array(z.tuple([z.number().min(0).max(1), z.number().gte(1).max(1000)]))
  .min(2)
  .superRefine((points, ctx) => {
    if (points[0]![0] !== 0)
      ctx.addIssue({ code: 'custom', path: [0, 0], input: points[0]![0], message: '0 (the first point is quantile 0)' })
    const last = points.length - 1
    if (points[last]![0] !== 1)
      ctx.addIssue({
        code: 'custom',
        path: [last, 0],
        input: points[last]![0],
        message: '1 (the last point is quantile 1)',
      })
    points.forEach(([q, lev], i) => {
      const prev = points[i - 1]
      if (!prev) return
      if (q <= prev[0])
        ctx.addIssue({
          code: 'custom',
          path: [i, 0],
          input: q,
          message: `greater than the previous quantile ${prev[0]}`,
        })
      if (lev < prev[1])
        ctx.addIssue({ code: 'custom', path: [i, 1], input: lev, message: `at least the previous leverage ${prev[1]}` })
    })
  })

export const populationSchema = z
  .strictObject({
    /**
     * Positions opened per market at its first price; also the steady-state size the arrival rate aims for. Omitted:
     * matched to the market's open interest when known (see matchOpenInterest), else 10,000.
     */
    initialPositions: z.number().int().min(0).max(2_000_000).optional(),
    /**
     * Without initialPositions, size the population so that its open interest (the larger side's notional) matches
     * the market's: `openInterestNotional` when given, else the first open-interest row of the window in the store.
     */
    matchOpenInterest: z.boolean().default(true),
    /** Open interest to match, in quote, for every market (when the store has none, or to override it). */
    openInterestNotional: z.number().gt(0).max(1e12).optional(),
    /** Mean of the exponential holding time. */
    meanHoldingHours: z
      .number()
      .gt(0)
      .max(24 * 365)
      .default(24),
    /**
     * Leverage log-uniform on [leverageMin, leverageMax] (2 and 50 when only one is given) instead of the quantile
     * table; capped at the bracket's maximum either way.
     */
    leverageMin: z.number().gte(1).optional(),
    leverageMax: z.number().gte(1).max(1000).optional(),
    /** Leverage quantile function as [quantile, leverage] points, log-linear between (default HYPERLIQUID_2025_LEVERAGE). */
    leverageQuantiles: leverageQuantiles.optional(),
    /** Notional is log-normal with this median (quote) and σ of its logarithm. */
    notionalMedian: z.number().gt(0).default(5_000),
    notionalSigma: z.number().min(0).max(5).default(1.5),
    /** Probability that a new position is long. */
    longShare: z.number().min(0).max(1).default(0.5),
    /**
     * Extra arrivals per unit of relative open-interest increase, as a multiple of initialPositions. Bounded: the
     * kernel draws each arrival, so an enormous weight would hold the replay in one loop.
     */
    openInterestWeight: z.number().min(0).max(100).default(1),
    /**
     * The initial positions entered over this many hours before the window, at the stored price of their entry time
     * (see EntryHistory); 0: all at the window's first mark, as before issue 16's second part.
     */
    entryLookbackHours: z
      .number()
      .min(0)
      .max(24 * 30)
      .default(72),
    /** Hard cap on open synthetic positions (memory stays bounded whatever the window). */
    maxOpen: z.number().int().positive().max(10_000_000).default(1_000_000),
  })
  .superRefine((p, ctx) => {
    if (p.leverageQuantiles && (p.leverageMin !== undefined || p.leverageMax !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['leverageQuantiles'],
        input: p.leverageQuantiles,
        message: 'either leverageQuantiles or leverageMin/leverageMax, not both',
      })
    }
  })

export type PopulationConfig = z.output<typeof populationSchema>
export type PopulationInput = z.input<typeof populationSchema>

/** Positions per market when neither initialPositions nor an open interest says otherwise. */
export const DEFAULT_INITIAL_POSITIONS = 10_000
/** The most positions an open-interest match opens per market. */
export const MAX_MATCHED_POSITIONS = 2_000_000

/**
 * Prices before the window for the initial positions' entries, per market: one-minute buckets (their lowest low,
 * highest high and last close, bucket start in µs) of the stored bars, oldest first.
 *
 * Model: the population is in its steady state when the window opens, so with exponential holding times of mean H a
 * position's age is exponential with mean H too (memorylessness); it is drawn truncated to the lookback and to the
 * stored history, and the position entered at the close of the bucket of its entry time. A drawn position that the
 * path since its entry would have liquidated (its liquidation price crossed by a later bucket's low or high, or by
 * the first mark) did not survive to the window: it is drawn again (up to 8 times, then left out). The time left
 * to hold it is exponential with mean H again. Funding between entry and the window is not charged.
 */
export interface EntryHistory {
  ts: Float64Array
  low: Float64Array
  high: Float64Array
  close: Float64Array
}

/** Normalised parameters the kernel samples from (plain data: it crosses to a worker thread). */
export interface PopulationRuntime extends PopulationConfig {
  /** initialPositions, or the default when it was omitted (an open-interest match may replace it per market). */
  initialPositions: number
  /** Arrivals per second per market in the steady state: initialPositions / mean holding time (Little's law). */
  arrivalsPerS: number
  /** Mean quote volume per second per market over the window (from the store), NaN when unknown. */
  meanVolumePerS: Float64Array
  /** Open interest to match per market, in quote (NaN: none); or in base, converted at the first mark. */
  openInterestQuote: Float64Array
  openInterestBase: Float64Array
  /** Leverage quantile function: quantiles and log leverage at each point. */
  leverageQ: Float64Array
  leverageLog: Float64Array
  logNotionalMedian: number
  /** Mean notional of a position: median·e^(σ²/2). */
  meanNotional: number
  meanHoldingUs: number
  /** Per market: prices before the window for the initial positions' entries (null: they enter at the first mark). */
  entryHistory: Array<EntryHistory | null>
}

export function populationRuntime(
  config: PopulationConfig,
  meanVolumePerS: ArrayLike<number>,
  openInterest: { quote?: ArrayLike<number>; base?: ArrayLike<number> } = {},
  entryHistory: ReadonlyArray<EntryHistory | null> = [],
): PopulationRuntime {
  const points: ReadonlyArray<readonly [number, number]> =
    config.leverageMin !== undefined || config.leverageMax !== undefined
      ? (() => {
          const a = config.leverageMin ?? 2
          const b = config.leverageMax ?? 50
          return [
            [0, Math.min(a, b)],
            [1, Math.max(a, b)],
          ] as const
        })()
      : (config.leverageQuantiles ?? HYPERLIQUID_2025_LEVERAGE)
  const meanHoldingS = config.meanHoldingHours * 3600
  const initialPositions = config.initialPositions ?? DEFAULT_INITIAL_POSITIONS
  const markets = meanVolumePerS.length
  const target = (given: ArrayLike<number> | undefined) =>
    Float64Array.from({ length: markets }, (_, i) => {
      if (config.initialPositions !== undefined || !config.matchOpenInterest) return Number.NaN
      const v = given?.[i]
      return v !== undefined && v > 0 ? v : Number.NaN
    })
  const quote =
    config.openInterestNotional !== undefined && config.initialPositions === undefined && config.matchOpenInterest
      ? new Float64Array(markets).fill(config.openInterestNotional)
      : target(openInterest.quote)
  return {
    ...config,
    initialPositions,
    arrivalsPerS: initialPositions / meanHoldingS,
    meanVolumePerS: Float64Array.from(meanVolumePerS),
    openInterestQuote: quote,
    openInterestBase: target(openInterest.base),
    leverageQ: Float64Array.from(points.map((p) => p[0])),
    leverageLog: Float64Array.from(points.map((p) => Math.log(p[1]))),
    logNotionalMedian: Math.log(config.notionalMedian),
    meanNotional: config.notionalMedian * Math.exp((config.notionalSigma * config.notionalSigma) / 2),
    meanHoldingUs: meanHoldingS * 1e6,
    entryHistory: Array.from({ length: markets }, (_, i) =>
      config.entryLookbackHours > 0 && entryHistory[i] && entryHistory[i].ts.length > 0 ? entryHistory[i] : null,
    ),
  }
}

/** Leverage at quantile u of the runtime's quantile function (log-linear between its points). */
export function leverageAt(pop: PopulationRuntime, u: number): number {
  const q = pop.leverageQ
  const l = pop.leverageLog
  let i = 0
  while (i < q.length - 2 && u > q[i + 1]!) i++
  return Math.exp(l[i]! + ((l[i + 1]! - l[i]!) * (u - q[i]!)) / (q[i + 1]! - q[i]!))
}

/**
 * Positions to open in market m so the population's open interest (its larger side's notional) matches the target,
 * at `price` for a target in base; NaN when there is no target. At most maxOpen and MAX_MATCHED_POSITIONS.
 */
export function matchedCount(pop: PopulationRuntime, m: number, price: number): { count: number; wanted: number } {
  const quote = !Number.isNaN(pop.openInterestQuote[m]!) ? pop.openInterestQuote[m]! : pop.openInterestBase[m]! * price
  if (!(quote > 0)) return { count: Number.NaN, wanted: Number.NaN }
  const share = Math.max(pop.longShare, 1 - pop.longShare)
  const wanted = Math.max(1, Math.round(quote / (pop.meanNotional * share)))
  return { count: Math.min(wanted, pop.maxOpen, MAX_MATCHED_POSITIONS), wanted }
}
