// The scenario kind: generating and loading a scenario of the library (venue synthetic) as a run, so the CLI and the
// API (loadScenario) start the same recorded, cancellable work with progress. A load that fails or is cancelled
// removes the scenario whole (src/ingest/scenarioLoader.ts), so no discard step is needed.
import { z } from 'zod'
import { DEFAULT_SEED, MAX_SEED, loadScenario, scenarioByName } from '../src/ingest/scenarios/index.ts'
import { defineJob, emptyOutcome } from './job.ts'

export const SCENARIO_LOAD_JOB = 'scenario.load'

const PHASES = { generating: 'generating', loading: 'loading partitions' } as const

const params = z.strictObject({
  name: z.string().min(1).max(100),
  seed: z.number().int().min(0).max(MAX_SEED).default(DEFAULT_SEED),
  force: z.boolean().default(false),
})

export const scenarioLoadJob = defineJob<z.infer<typeof params>>({
  name: SCENARIO_LOAD_JOB,
  kind: 'scenario',
  description: 'Generate and load a scenario of the library (venue synthetic) with a seed.',
  params,
  // one load at a time: two loads of one scenario would replace each other's copy
  exclusive: true,
  retryOnCrash: false,
  async prepare(_context, p) {
    scenarioByName(p.name) // an unknown name lists the valid ones, before anything is recorded
    return p
  },
  async run({ runtime, signal, progress }, p) {
    const result = await loadScenario(runtime, p.name, {
      seed: p.seed,
      force: p.force,
      signal,
      onProgress: (step) =>
        progress.update({
          phase: PHASES[step.phase],
          done: step.done,
          total: step.total,
          unit: step.phase === 'loading' ? 'partitions' : 'steps',
          counts: { rows: step.rows },
        }),
    })
    return {
      ...emptyOutcome(),
      partitionsLoaded: result.status === 'loaded' ? result.partitions.length : 0,
      partitionsSkipped: result.status === 'skipped' ? result.partitions.length : 0,
      rows: result.status === 'loaded' ? result.truth.rows : 0,
      result,
    }
  },
})
