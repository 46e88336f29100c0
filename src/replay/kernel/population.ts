// The synthetic population model: positions opened from observed flow (volume and open-interest increases) with
// seeded leverage, size and holding-time distributions. Assumptions are documented in ARCHITECTURE.md.
import { z } from 'zod'

export const populationSchema = z.strictObject({
  /** Positions opened per market at its first price; also the steady-state size the arrival rate aims for. */
  initialPositions: z.number().int().min(0).max(2_000_000).default(10_000),
  /** Mean of the exponential holding time. */
  meanHoldingHours: z
    .number()
    .gt(0)
    .max(24 * 365)
    .default(24),
  /** Leverage is log-uniform on [min, max], capped at the bracket's maximum. */
  leverageMin: z.number().gte(1).default(2),
  leverageMax: z.number().gte(1).max(1000).default(50),
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
  /** Hard cap on open synthetic positions (memory stays bounded whatever the window). */
  maxOpen: z.number().int().positive().max(10_000_000).default(1_000_000),
})

export type PopulationConfig = z.output<typeof populationSchema>
export type PopulationInput = z.input<typeof populationSchema>

/** Normalised parameters the kernel samples from. */
export interface PopulationRuntime extends PopulationConfig {
  /** Arrivals per second per market in the steady state: initialPositions / mean holding time (Little's law). */
  arrivalsPerS: number
  /** Mean quote volume per second per market over the window (from the store), NaN when unknown. */
  meanVolumePerS: Float64Array
  logLevMin: number
  logLevSpan: number
  logNotionalMedian: number
  meanHoldingUs: number
}

export function populationRuntime(config: PopulationConfig, meanVolumePerS: ArrayLike<number>): PopulationRuntime {
  const lo = Math.min(config.leverageMin, config.leverageMax)
  const hi = Math.max(config.leverageMin, config.leverageMax)
  const meanHoldingS = config.meanHoldingHours * 3600
  return {
    ...config,
    arrivalsPerS: config.initialPositions / meanHoldingS,
    meanVolumePerS: Float64Array.from(meanVolumePerS),
    logLevMin: Math.log(lo),
    logLevSpan: Math.log(hi) - Math.log(lo),
    logNotionalMedian: Math.log(config.notionalMedian),
    meanHoldingUs: meanHoldingS * 1e6,
  }
}
