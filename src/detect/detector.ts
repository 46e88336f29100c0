// What a detector is: a documented statistic over stored market data (and, where it applies, a backtest run's
// outputs) that turns a (venue, market, window) into detections with evidence, versioned and parameterised.
import type { z } from 'zod'
import type { DetectorId, Severity } from '../domain/detection.ts'
import type { InputProblem } from '../errors.ts'
import type { DuckStore } from '../store/duck/open.ts'
import type { MarketDataCounts } from '../store/detect/availability.ts'
import type { MetaClient } from '../store/meta/client.ts'
import type { SharedReads } from './sharedReads.ts'

export interface DetectStores {
  duck: DuckStore
  meta: MetaClient
  /** Reads shared by the detectors of one market in one execution (the runner sets it; absent, each reads alone). */
  shared?: SharedReads
  /**
   * Whether a parameter naming a rule set may be a file path read by this process: only for a run the local CLI
   * started (as for backtests); an API client's parameters name stored rule sets or presets, never files.
   */
  allowRuleSetFiles?: boolean
}

/** One market and window to scan. */
export interface DetectTarget {
  venue: string
  market: string
  fromUs: number
  toUs: number
  /** The backtest run whose outputs the detector reads; null over market data alone. */
  runId: string | null
}

/** What data exists for a target, counted once by the runner and handed to every detector's requirements. */
export interface TargetData {
  market: MarketDataCounts
  ledger: { rows: number; outflows: number }
  run: { liquidations: number; deficits: number } | null
}

/** A table (and range) a detector needs but the store does not hold. */
export interface DataGap {
  table: string
  venue: string
  market: string | null
  fromUs: number
  toUs: number
  /** What the detector would use it for, or which alternative would also do. */
  note: string
}

/** A detection as a detector reports it; the runner adds ids, scope, version and the parameters' hash. */
export interface DetectionDraft {
  windowFromUs: number
  windowToUs: number
  accounts: string[]
  score: number
  severity: Severity
  /** The statistic, its threshold and the contributing rows (by id or time); must be JSON-serialisable. */
  evidence: Record<string, unknown>
  /** Quote amounts; rounded once to micro-units when stored. */
  estimatedCostQuote?: number | null
  estimatedProfitQuote?: number | null
}

export interface Detector<P = unknown> {
  id: DetectorId
  /** Bumped whenever the statistic or its defaults change, so stored rows say which logic produced them. */
  version: string
  /** Short label for incident titles, e.g. "Oracle push". */
  label: string
  /** Parameters with documented defaults; the parsed value is hashed into params_hash. */
  params: z.ZodType<P>
  /** True when the detector reads a backtest run's outputs when a run is given. */
  usesRunOutputs: boolean
  /** Parameter problems only the stores can reveal (a rule set that does not exist), checked before anything runs. */
  checkParams?(stores: DetectStores, params: P, venue: string): Promise<InputProblem[]>
  /** Tables and ranges this target lacks for this detector (empty: it can run). */
  requirements(data: TargetData, target: DetectTarget, params: P): DataGap[]
  detect(stores: DetectStores, target: DetectTarget, params: P): Promise<DetectionDraft[]>
}

export const defineDetector = <P>(detector: Detector<P>): Detector<P> => detector

/** A gap for `table` over the whole target window. */
export function gap(target: DetectTarget, table: string, note: string, market: string | null = target.market): DataGap {
  return { table, venue: target.venue, market, fromUs: target.fromUs, toUs: target.toUs, note }
}
