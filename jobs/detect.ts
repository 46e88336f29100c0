// The detect kind: attack-pattern detectors over a venue's window (or a backtest run's outputs), then the incidents
// they feed rebuilt. Prepared at submission (bad input is refused before any run exists), executed by
// src/detect/run.ts with the run's signal and progress. A cancelled run writes nothing: the detectors' results are
// written in one transaction after the last cancellation point, and a re-run replaces its scopes; a run that ends
// without success (a crash included) has the incidents rebuilt from the detections that stand (`discard`).
import { z } from 'zod'
import {
  detectRequestSchema,
  executeDetectors,
  prepareDetectors,
  type DetectSummary,
  type PreparedDetect,
} from '../src/detect/run.ts'
import { isRunTrigger, type RunTrigger } from '../src/domain/run.ts'
import { rebuildIncidentScopes } from '../src/incidents/rebuild.ts'
import { loadedCoverage } from '../src/store/detect/coverage.ts'
import { getRun } from '../src/store/meta/runs.ts'
import { defineJob, emptyOutcome, type ChildRuns, type JobContext, type JobOutcome } from './job.ts'

const PHASES = { detecting: 'running detectors', writing: 'writing detections', incidents: 'rebuilding incidents' }

export const detectJob = defineJob<unknown, PreparedDetect>({
  name: 'detect',
  kind: 'detect',
  description: 'Run attack-pattern detectors over stored market data (or a backtest run) and rebuild incidents.',
  // the request schema (src/detect/run.ts) validates it in prepare, with every problem listed
  params: z.unknown(),
  // detect runs queue (RUN_CONCURRENCY, default 1) rather than refuse one another; a crashed one is re-run by hand
  exclusive: false,
  retryOnCrash: false,
  // a rule-set file among the parameters is read only for the local CLI (as backtests do): an API client names none
  prepare: ({ runtime, trigger }, request) =>
    prepareDetectors({ ...runtime, allowRuleSetFiles: trigger === 'cli' }, request as Record<string, unknown>),
  async run({ runtime, signal, progress, log }, prepared) {
    const summary: DetectSummary = await executeDetectors(runtime, prepared, {
      signal,
      // subscribers (the API's incidentCreated) hear of new incidents as each scope commits
      onIncidentsCreated: (incidents) => runtime.incidentEvents.publish(incidents),
      onProgress: (p) =>
        progress.update({
          phase: PHASES[p.phase],
          done: p.done,
          total: p.total,
          unit: 'detector steps',
          rateOf: { count: p.done, unit: 'steps/s' },
        }),
    })
    const outcome = emptyOutcome()
    outcome.rows = summary.written.inserted
    for (const d of summary.detectors) {
      if (d.status === 'failed')
        outcome.errors.push({ partition: `${d.detector}/${d.market}`, message: d.error ?? 'failed' })
    }
    log.info(
      {
        detections: summary.detections,
        incidents: summary.incidents.incidents,
        missing: summary.detectors.filter((d) => d.status === 'missing-data').length,
      },
      'detectors ran',
    )
    return { ...outcome, result: summary }
  },
  /**
   * A detect run that did not succeed keeps what it committed: its detections replaced their scopes whole, or not at
   * all. But a crash (or an error) between that write and the incidents' rebuild leaves the incidents stale, so the
   * incidents it would have rebuilt are rebuilt here from the detections that stand (idempotent: the same members give
   * the same incidents). Crash recovery calls this for a run whose process died; the run manager for a failed one.
   */
  async discard(runtime, runId) {
    const run = await getRun(runtime.meta, runId)
    const request = detectRequestSchema.safeParse(run?.params)
    if (!request.success) return
    await rebuildIncidentScopes(runtime, {
      venue: request.data.venue,
      runId: request.data.runId ?? null,
      gapSeconds: request.data.incidentGapSeconds,
      onCreated: (incidents) => runtime.incidentEvents.publish(incidents),
    })
  },
})

/** What became of the detectors run over a backtest after it succeeded (never a reason to fail the backtest). */
export interface DetectFollowUp {
  backtestRunId: string
  /** The detect run, or null when it was refused at submission (bad input, no data). */
  detectRunId: string | null
  status: 'succeeded' | 'failed' | 'cancelled' | 'refused'
  error: string | null
  detections: number
  incidents: number
}

/**
 * Runs the detectors over a succeeded backtest's outputs (its venue, markets and window) as a child run and waits for
 * it. A refusal or failure is returned, not thrown: the caller records it beside the backtest, which stands.
 */
export async function detectAfterBacktest(
  runs: ChildRuns,
  backtest: { runId: string; venue: string },
  options: { trigger: RunTrigger; scheduleId?: string | null },
): Promise<DetectFollowUp> {
  const base = { backtestRunId: backtest.runId, detections: 0, incidents: 0 }
  let submitted: Awaited<ReturnType<ChildRuns['submit']>>
  try {
    submitted = await runs.submit('detect', { venue: backtest.venue, runId: backtest.runId }, options)
  } catch (error) {
    return {
      ...base,
      detectRunId: null,
      status: 'refused',
      error: error instanceof Error ? error.message : String(error),
    }
  }
  const done = await submitted.done
  const summary = done.outcome.result as DetectSummary | undefined
  return {
    ...base,
    detectRunId: submitted.runId,
    status: done.status,
    error: done.error,
    detections: done.status === 'succeeded' && summary ? summary.detections.total : 0,
    incidents: done.status === 'succeeded' && summary ? summary.incidents.incidents : 0,
  }
}

/** A detect run an ingestion started over what it newly covered, or why none could start. */
export interface IngestDetect {
  venue: string
  /** null: every market of the venue with data in the window (the files loaded held several, by a market column). */
  markets: string[] | null
  from: string
  to: string
  /** The detect run, or null when it was refused at submission (no detector has its data, say). */
  detectRunId: string | null
  error: string | null
}

/** The detect request's limit on markets per run. */
const MARKETS_PER_RUN = 256

/**
 * DETECT_AFTER_INGEST: once an ingestion run has loaded rows without a failed partition (and was not cancelled), a
 * detect run per venue (and per 256 markets) over the markets and the span its partitions loaded, started as child
 * runs and not waited for. A refusal is reported, never thrown: the ingestion stands whatever the detectors do.
 */
export async function detectAfterIngest(context: JobContext, outcome: JobOutcome): Promise<IngestDetect[]> {
  const { runtime, runs, runId, signal, log } = context
  if (!runs || signal.aborted || outcome.partitionsFailed > 0 || outcome.partitionsLoaded === 0) return []
  const trigger = (await getRun(runtime.meta, runId))?.trigger
  const started: IngestDetect[] = []
  for (const c of await loadedCoverage(runtime.duck, runId)) {
    // the window is whole milliseconds around the loaded span (`to` exclusive)
    const from = new Date(Math.floor(c.fromUs / 1000)).toISOString()
    const to = new Date(Math.floor(c.lastUs / 1000) + 1).toISOString()
    const chunks: Array<string[] | null> = []
    if (!c.markets) chunks.push(null)
    else
      for (let k = 0; k < c.markets.length; k += MARKETS_PER_RUN) chunks.push(c.markets.slice(k, k + MARKETS_PER_RUN))
    for (const markets of chunks) {
      const item: IngestDetect = { venue: c.venue, markets, from, to, detectRunId: null, error: null }
      try {
        const submitted = await runs.submit(
          'detect',
          { venue: c.venue, ...(markets ? { markets } : {}), from, to },
          { trigger: isRunTrigger(trigger) ? trigger : 'cron' },
        )
        item.detectRunId = submitted.runId
      } catch (error) {
        item.error = error instanceof Error ? error.message : String(error)
        log.warn({ venue: c.venue, markets, err: error }, 'detectors after the ingestion were refused')
      }
      started.push(item)
    }
  }
  return started
}
