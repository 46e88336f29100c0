// Removing a loaded scenario (or all of them) as a run of kind scenario, so the CLI hands it to a server holding the
// store like a load (mutation removeScenario), and a removal queues behind a load in the same process (one scenario
// run at a time per kind). An unknown name is refused before anything is recorded. What was derived from the removed
// markets goes too: backtests over them (results and records), their detections and incidents.
import { z } from 'zod'
import { InvalidInputError } from '../src/errors.ts'
import { removeScenario, scenarioByName } from '../src/ingest/scenarios/index.ts'
import { removeScenarioResults, scenarioBacktestRuns } from '../src/store/scenarios/removeScenarioResults.ts'
import { defineJob, emptyOutcome } from './job.ts'

export const SCENARIO_REMOVE_JOB = 'scenario.remove'

const params = z.strictObject({
  /** A scenario of the library; absent with `all`. */
  name: z.string().min(1).max(100).optional(),
  all: z.boolean().default(false),
})

export const scenarioRemoveJob = defineJob<z.infer<typeof params>>({
  name: SCENARIO_REMOVE_JOB,
  kind: 'scenario',
  description: 'Remove a loaded scenario (or all): its partitions, derived rows and ground truth.',
  params,
  exclusive: true,
  retryOnCrash: false,
  async prepare(_context, p) {
    if ((p.name === undefined) === !p.all)
      throw new InvalidInputError('scenario remove needs a scenario name or all (not both)', [
        {
          path: p.name === undefined ? 'name' : 'all',
          received: p.name === undefined ? null : `${p.name} with all`,
          expected: 'a scenario name, or all alone',
        },
      ])
    if (p.name !== undefined) scenarioByName(p.name) // an unknown name lists the valid ones
    return p
  },
  async run({ runtime }, p) {
    const markets = p.name === undefined ? null : scenarioByName(p.name).markets
    // read first: the runs' records are deleted last, so a removal cut short finds them again when re-run
    const runIds = await scenarioBacktestRuns(runtime.meta, markets)
    const removed = await removeScenario(runtime, p.name ?? 'all')
    const derived = await removeScenarioResults(runtime, markets, runIds)
    return { ...emptyOutcome(), rows: removed.rows, result: { ...removed, ...derived } }
  },
})
