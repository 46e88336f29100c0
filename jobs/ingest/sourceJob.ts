// One generic ingestion job per source definition: `ingest.<id>` validates with the source's zod schema, plans
// through the source, and runs the planned partitions through the orchestrator (then, with DETECT_AFTER_INGEST, starts
// the detectors over what it loaded).
import type { PlanContext, SourceDefinition } from '../../src/ingest/sources/definition.ts'
import { storedFileLoads } from '../../src/store/ingest/manifest.ts'
import { detectAfterIngest } from '../detect.ts'
import { defineJob, type JobDefinition } from '../job.ts'
import { httpClientFor, runIngestion } from './common.ts'

export const jobNameOf = (source: Pick<SourceDefinition, 'id'>) => `ingest.${source.id}`

export function sourceJob(source: SourceDefinition): JobDefinition<never> {
  return defineJob({
    name: jobNameOf(source),
    description: source.description,
    params: source.params,
    async run(context, params) {
      const { runtime, log } = context
      const ctx: PlanContext = {
        config: runtime.config,
        log,
        now: new Date(),
        earlierFileLoads: (where) => storedFileLoads(runtime.duck, where),
      }
      const plan = await source.plan(params, ctx)
      const outcome = await runIngestion(context, source.source, plan.partitions, {
        force: (params as { force?: boolean }).force === true,
        ...(plan.headers ? { http: httpClientFor(runtime.config, plan.headers) } : {}),
      })
      plan.finished?.(log)
      if (!runtime.config.detectAfterIngest) return outcome
      return {
        ...outcome,
        result: { ...(outcome.result as object), detect: await detectAfterIngest(context, outcome) },
      }
    },
  }) as JobDefinition<never>
}
