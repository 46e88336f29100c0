// The detect kind: attack-pattern detectors over a venue's window (or a backtest run's outputs), then the incidents
// they feed rebuilt. Prepared at submission (bad input is refused before any run exists), executed by
// src/detect/run.ts with the run's signal and progress. A cancelled run writes nothing: the detectors' results are
// written in one transaction after the last cancellation point, and a re-run replaces its scopes (no discard needed).
import { z } from 'zod'
import { executeDetectors, prepareDetectors, type DetectSummary, type PreparedDetect } from '../src/detect/run.ts'
import { defineJob, emptyOutcome } from './job.ts'

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
  prepare: ({ runtime }, request) => prepareDetectors(runtime, request as Record<string, unknown>),
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
})
