// runDetectors: validates a request (detectors, venue, markets, window, run, parameters) with every problem listed
// (prepareDetectors), runs each detector over each market that has the data it needs, replaces the detections of every
// scope that ran in one transaction, then rebuilds the incidents those detections feed (executeDetectors). Bad input
// writes nothing; a cancelled execution stops at the next detector step and writes nothing.
import { z } from 'zod'
import { isDetectorId, SEVERITIES, type DetectorId, type Severity } from '../domain/detection.ts'
import { InvalidInputError, type InputProblem } from '../errors.ts'
import {
  DEFAULT_GAP_SECONDS,
  rebuildIncidentScopes,
  type RebuildOptions,
  type RebuildSummary,
} from '../incidents/rebuild.ts'
import { formatMicros, toMicros } from '../replay/money.ts'
import { problemsOf } from '../replay/rules/validate.ts'
import {
  ledgerCounts,
  marketDataCounts,
  marketsWithData,
  runOutputCounts,
  venueMarkets,
} from '../store/detect/availability.ts'
import { replaceDetections, type DetectionRecord, type DetectionScope } from '../store/detect/detections.ts'
import { getBacktestRun } from '../store/meta/backtestRuns.ts'
import { iso } from './common.ts'
import type { DataGap, DetectionDraft, DetectStores, Detector, DetectTarget, TargetData } from './detector.ts'
import { paramsHash, sha256 } from './paramsHash.ts'
import { detectorIds, detectors } from './registry.ts'
import { SharedReads } from './sharedReads.ts'

const instant = z.union([z.date(), z.string()]).transform((v, ctx) => {
  const d = v instanceof Date ? v : new Date(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v)
  if (Number.isNaN(d.getTime())) {
    ctx.addIssue({
      code: 'custom',
      message: 'a UTC date or date-time such as 2025-10-10 or 2025-10-10T21:00:00Z',
      input: v,
    })
    return z.NEVER
  }
  return d
})

export const detectRequestSchema = z.strictObject({
  /** Detector ids to run (default: all). */
  detectors: z.array(z.string()).min(1).nullish(),
  venue: z.string().min(1),
  /** Markets to scan (default: every market of the venue with data in the window, or the run's markets). */
  markets: z.array(z.string().min(1)).min(1).max(256).nullish(),
  /** Window (UTC, `to` exclusive); default: the run's window when a run is given. */
  from: instant.nullish(),
  to: instant.nullish(),
  /** A backtest run (BacktestRun.id) whose outputs detectors that use runs read. */
  runId: z.string().min(1).nullish(),
  /** Parameters per detector id, e.g. { "liquidation-cascade": { "zThreshold": 8 } }; defaults fill the rest. */
  params: z.record(z.string(), z.unknown()).nullish(),
  /** Incidents: members closer than this in time (and on the same market or linked accounts) are grouped. */
  incidentGapSeconds: z
    .number()
    .int()
    .min(0)
    .max(30 * 86_400)
    .default(DEFAULT_GAP_SECONDS),
})
export type DetectRequestInput = z.input<typeof detectRequestSchema>

export interface DetectorRunSummary {
  detector: DetectorId
  version: string
  market: string
  status: 'ran' | 'missing-data' | 'failed'
  /** The error of a failed detector (its scope is left as it was). */
  error?: string
  paramsHash: string
  runId: string | null
  detections: number
  bySeverity: Record<Severity, number>
  missing: Array<Omit<DataGap, 'fromUs' | 'toUs'> & { from: string; to: string }>
  ms: number
}

export interface DetectSummary {
  venue: string
  markets: string[]
  from: string
  to: string
  runId: string | null
  detectors: DetectorRunSummary[]
  detections: Record<Severity | 'total', number>
  written: { deleted: number; inserted: number }
  incidents: RebuildSummary
}

/** A validated request (prepareDetectors): what executeDetectors runs. */
export interface PreparedDetect {
  detectors: Array<Detector<unknown>>
  params: Map<DetectorId, unknown>
  venue: string
  markets: string[]
  fromUs: number
  toUs: number
  runId: string | null
  gapSeconds: number
  /** Carried from submission to execution: the run reads rule-set files only if its submitter could. */
  allowRuleSetFiles: boolean
}

/** Checks everything that can be wrong before anything runs, and lists every problem at once. */
async function validate(stores: DetectStores, input: unknown): Promise<PreparedDetect> {
  const parsed = detectRequestSchema.safeParse(input, { reportInput: true })
  if (!parsed.success) throw new InvalidInputError('invalid detect request', problemsOf(parsed.error))
  const r = parsed.data
  const problems: InputProblem[] = []
  const known = detectorIds()
  const ids = r.detectors ?? known
  for (const id of ids) {
    if (!isDetectorId(id) || !detectors.has(id))
      problems.push({ path: 'detectors', received: id, expected: `one of ${known.join(', ')}` })
  }
  const params = new Map<DetectorId, unknown>()
  for (const key of Object.keys(r.params ?? {})) {
    if (!isDetectorId(key) || !detectors.has(key))
      problems.push({ path: `params.${key}`, received: key, expected: `a detector id: ${known.join(', ')}` })
  }
  for (const id of known) {
    const parsedParams = detectors.get(id)!.params.safeParse(r.params?.[id] ?? {}, { reportInput: true })
    if (parsedParams.success) params.set(id, parsedParams.data)
    else problems.push(...problemsOf(parsedParams.error, `params.${id}`))
  }
  let from = r.from ?? null
  let to = r.to ?? null
  let markets = r.markets ?? null
  if (r.runId) {
    const run = await getBacktestRun(stores.meta, r.runId)
    if (!run) {
      problems.push({ path: 'runId', received: r.runId, expected: 'the id of an existing backtest run' })
    } else {
      if (run.run.status !== 'succeeded')
        problems.push({ path: 'runId', received: r.runId, expected: `a succeeded run (this one is ${run.run.status})` })
      if (run.venue !== r.venue)
        problems.push({ path: 'venue', received: r.venue, expected: `the run's venue, ${run.venue}` })
      from ??= run.fromTs
      to ??= run.toTs
      markets ??= (run.markets as string[]).map(String)
    }
  }
  if (!from) problems.push({ path: 'from', received: undefined, expected: 'the window start (UTC), or a run id' })
  if (!to) problems.push({ path: 'to', received: undefined, expected: 'the window end (UTC, exclusive), or a run id' })
  if (from && to && to.getTime() <= from.getTime()) {
    problems.push({
      path: 'to',
      received: to.toISOString(),
      expected: `a time after from (${from.toISOString()}): the window is ${to.getTime() === from.getTime() ? 'empty' : 'reversed'}`,
    })
  }
  if (markets && new Set(markets).size !== markets.length)
    problems.push({ path: 'markets', received: markets, expected: 'distinct markets' })
  for (const id of ids) {
    const detector = isDetectorId(id) ? detectors.get(id) : undefined
    if (detector?.checkParams && params.has(detector.id))
      problems.push(...(await detector.checkParams(stores, params.get(detector.id) as never, r.venue)))
  }
  if (problems.length) throw new InvalidInputError('invalid detect request', problems)
  const fromUs = from!.getTime() * 1000
  const toUs = to!.getTime() * 1000
  const withData = await marketsWithData(stores.duck, r.venue, fromUs, toUs)
  if (!markets) {
    if (!withData.length) throw noDataError(await venueMarkets(stores.duck, r.venue), r.venue, fromUs, toUs)
    markets = withData
  } else {
    const missing = markets.filter((m) => !withData.includes(m))
    if (missing.length) {
      throw new InvalidInputError(
        'no data for these markets in the window',
        missing.map((m) => ({
          path: 'markets',
          received: m,
          expected: withData.length
            ? `a market of ${r.venue} with data in ${iso(fromUs)} → ${iso(toUs)}: ${withData.join(', ')}`
            : `a market with data; ${r.venue} has none in ${iso(fromUs)} → ${iso(toUs)}`,
        })),
      )
    }
  }
  return {
    detectors: ids.map((id) => detectors.get(id as DetectorId)! as Detector<unknown>),
    params,
    venue: r.venue,
    markets,
    fromUs,
    toUs,
    runId: r.runId ?? null,
    gapSeconds: r.incidentGapSeconds,
    allowRuleSetFiles: stores.allowRuleSetFiles === true,
  }
}

function noDataError(
  known: Array<{ market: string; fromUs: number; toUs: number }>,
  venue: string,
  fromUs: number,
  toUs: number,
): InvalidInputError {
  return new InvalidInputError('no market data in the window', [
    {
      path: 'venue',
      received: `${venue} ${iso(fromUs)} → ${iso(toUs)}`,
      expected: known.length
        ? `a window with data: ${known
            .slice(0, 10)
            .map((k) => `${k.market} ${iso(k.fromUs)} → ${iso(k.toUs)}`)
            .join('; ')}${known.length > 10 ? `; … ${known.length - 10} more markets` : ''}`
        : 'a venue with loaded data (none is stored for this venue)',
    },
  ])
}

/** Deterministic ids: the scope, the detection's window and accounts, and an ordinal for exact repeats. */
function toRecords(detector: Detector<unknown>, scope: DetectionScope, drafts: DetectionDraft[]): DetectionRecord[] {
  const seen = new Map<string, number>()
  return drafts.map((d) => {
    const accounts = [...new Set(d.accounts)].sort()
    const base = [
      scope.detector,
      scope.venue,
      scope.market,
      scope.runId ?? '',
      scope.paramsHash,
      Math.round(d.windowFromUs),
      Math.round(d.windowToUs),
      accounts.join(','),
    ].join('|')
    const ordinal = seen.get(base) ?? 0
    seen.set(base, ordinal + 1)
    return {
      id: `det_${sha256(`${base}|${ordinal}`).slice(0, 24)}`,
      detector: detector.id,
      detectorVersion: detector.version,
      venue: scope.venue,
      market: scope.market,
      windowFromUs: Math.round(d.windowFromUs),
      windowToUs: Math.round(d.windowToUs),
      accounts,
      score: Number.isFinite(d.score) ? d.score : 0,
      severity: d.severity,
      evidence: d.evidence,
      estimatedCostQuote: exact(d.estimatedCostQuote),
      estimatedProfitQuote: exact(d.estimatedProfitQuote),
      runId: scope.runId,
      paramsHash: scope.paramsHash,
      scopeFromUs: scope.fromUs,
      scopeToUs: scope.toUs,
    }
  })
}

/** A quote amount rounded once to micro-units (the numeric policy), as exact decimal text. */
const exact = (x: number | null | undefined) =>
  x === null || x === undefined || !Number.isFinite(x) ? null : formatMicros(toMicros(x, 'estimated amount'))

const gapOut = (g: DataGap) => ({
  table: g.table,
  venue: g.venue,
  market: g.market,
  note: g.note,
  from: iso(g.fromUs),
  to: iso(g.toUs),
})

/** Where an execution is: detector steps (one detector over one market) done of the total, then writing. */
export interface DetectProgress {
  phase: 'detecting' | 'writing' | 'incidents'
  done: number
  total: number
  /** The step that just finished (detecting). */
  detector?: DetectorId
  market?: string
}

export interface ExecuteOptions {
  /** Stamps created_at only (never an input to a detection). */
  now?: () => Date
  /** Checked before each detector step and before writing: once aborted, nothing is written and its reason is thrown. */
  signal?: AbortSignal
  onProgress?: (progress: DetectProgress) => void
  /** Told the incidents each scope's rebuild created, once committed. */
  onIncidentsCreated?: RebuildOptions['onCreated']
}

/** Validates a request against the stores (detectors, parameters, window, run, markets with data): bad input throws. */
export const prepareDetectors = (
  stores: DetectStores,
  /** A DetectRequestInput; anything else is reported as invalid input. */
  input: DetectRequestInput | Record<string, unknown>,
): Promise<PreparedDetect> => validate(stores, input)

/**
 * Runs the requested detectors and returns what ran, what was missing and what was written. `now` stamps
 * created_at only (never an input to a detection).
 */
export async function runDetectors(
  stores: DetectStores,
  /** A DetectRequestInput; anything else is reported as invalid input. */
  input: DetectRequestInput | Record<string, unknown>,
  options: ExecuteOptions = {},
): Promise<DetectSummary> {
  return executeDetectors(stores, await prepareDetectors(stores, input), options)
}

/** Runs a prepared request: every detector over every market, then one write and the incidents' rebuild. */
export async function executeDetectors(
  stores: DetectStores,
  req: PreparedDetect,
  options: ExecuteOptions = {},
): Promise<DetectSummary> {
  const { signal, onProgress } = options
  const total = req.markets.length * req.detectors.length
  let done = 0
  signal?.throwIfAborted()
  onProgress?.({ phase: 'detecting', done, total })
  const ledger = await ledgerCounts(stores.duck, req.venue, req.fromUs, req.toUs)
  const summaries: DetectorRunSummary[] = []
  const batches: Array<{ scope: DetectionScope; rows: DetectionRecord[] }> = []
  const problems: InputProblem[] = []
  for (const market of req.markets) {
    const counts = await marketDataCounts(stores.duck, req.venue, market, req.fromUs, req.toUs)
    const run = req.runId ? await runOutputCounts(stores.duck, req.runId, market, req.fromUs, req.toUs) : null
    const data: TargetData = { market: counts, ledger, run }
    // one market's shared reads, dropped when its detectors are done
    const marketStores: DetectStores = {
      ...stores,
      shared: new SharedReads(stores.duck),
      allowRuleSetFiles: req.allowRuleSetFiles,
    }
    for (const detector of req.detectors) {
      const params = req.params.get(detector.id)
      const hash = paramsHash(params)
      const target: DetectTarget = {
        venue: req.venue,
        market,
        fromUs: req.fromUs,
        toUs: req.toUs,
        runId: detector.usesRunOutputs ? req.runId : null,
      }
      const started = performance.now()
      const missing = detector.requirements(data, target, params)
      const summary: DetectorRunSummary = {
        detector: detector.id,
        version: detector.version,
        market,
        status: missing.length ? 'missing-data' : 'ran',
        paramsHash: hash,
        runId: target.runId,
        detections: 0,
        bySeverity: { info: 0, warning: 0, critical: 0 },
        missing: missing.map(gapOut),
        ms: 0,
      }
      if (missing.length) {
        for (const g of missing)
          problems.push({
            path: `${detector.id} ${market}`,
            received: `no ${g.table} rows for ${g.venue}${g.market ? ` ${g.market}` : ''} in ${iso(g.fromUs)} → ${iso(g.toUs)}`,
            expected: g.note,
          })
      } else {
        let drafts: DetectionDraft[]
        try {
          drafts = await detector.detect(marketStores, target, params)
        } catch (error) {
          // one detector's failure must not stop the others; its scope keeps its previous rows
          summary.status = 'failed'
          summary.error = error instanceof Error ? error.message : String(error)
          summary.ms = Math.round(performance.now() - started)
          summaries.push(summary)
          signal?.throwIfAborted()
          onProgress?.({ phase: 'detecting', done: ++done, total, detector: detector.id, market })
          continue
        }
        const scope: DetectionScope = {
          detector: detector.id,
          venue: req.venue,
          market,
          runId: target.runId,
          paramsHash: hash,
          fromUs: req.fromUs,
          toUs: req.toUs,
        }
        const rows = toRecords(detector, scope, drafts)
        batches.push({ scope, rows })
        summary.detections = rows.length
        for (const r of rows) summary.bySeverity[r.severity as Severity]++
      }
      summary.ms = Math.round(performance.now() - started)
      summaries.push(summary)
      signal?.throwIfAborted()
      onProgress?.({ phase: 'detecting', done: ++done, total, detector: detector.id, market })
    }
  }
  if (!batches.length) {
    const failed = summaries.filter((s) => s.status === 'failed')
    if (failed.length) {
      throw new Error(
        `every detector that had its data failed; nothing was written:\n${failed
          .map((s) => `  ${s.detector} ${s.market}: ${s.error}`)
          .join('\n')}`,
      )
    }
    throw new InvalidInputError('no detector has the data it needs; nothing was written', problems)
  }
  // the last point to stop: from here the detections and the incidents they feed are written whole
  signal?.throwIfAborted()
  onProgress?.({ phase: 'writing', done, total })
  const written = await replaceDetections(stores.duck, batches, (options.now ?? (() => new Date()))())
  onProgress?.({ phase: 'incidents', done, total })
  const incidents = await rebuildIncidentScopes(stores, {
    venue: req.venue,
    runId: req.runId,
    gapSeconds: req.gapSeconds,
    now: options.now,
    onCreated: options.onIncidentsCreated,
  })
  const detections = { total: 0, info: 0, warning: 0, critical: 0 }
  for (const s of summaries) {
    detections.total += s.detections
    for (const sev of SEVERITIES) detections[sev] += s.bySeverity[sev]
  }
  return {
    venue: req.venue,
    markets: req.markets,
    from: iso(req.fromUs),
    to: iso(req.toUs),
    runId: req.runId,
    detectors: summaries,
    detections,
    written,
    incidents,
  }
}
