// Job: run the attack-pattern detectors over a venue's window (or a backtest run) and rebuild its incidents.
import { z } from 'zod'
import { runDetectors } from '../src/detect/run.ts'
import { defineJob, emptyOutcome } from './job.ts'

export const detectParams = z
  .object({
    venue: z.string().min(1),
    markets: z.array(z.string().min(1)).min(1).optional(),
    from: z.string().min(1).optional(),
    to: z.string().min(1).optional(),
    runId: z.string().min(1).optional(),
    detectors: z.array(z.string().min(1)).min(1).optional(),
    params: z.record(z.string(), z.unknown()).optional(),
    incidentGapSeconds: z.number().int().min(0).optional(),
  })
  .strict()

export const detectJob = defineJob({
  name: 'detect',
  description: 'Run attack-pattern detectors over stored market data (or a backtest run) and rebuild incidents.',
  params: detectParams,
  async run({ runtime, log }, params) {
    const summary = await runDetectors(runtime, params)
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
    return outcome
  },
})
