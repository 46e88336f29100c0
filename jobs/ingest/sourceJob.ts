// One generic ingestion job per source definition: `ingest.<id>` validates with the source's zod schema, plans
// through the source, and runs the planned partitions through the orchestrator (then, with DETECT_AFTER_INGEST, starts
// the detectors over what it loaded).
import type { Config } from '../../src/config/load.ts'
import { InvalidInputError } from '../../src/errors.ts'
import type { PlanContext, SourceDefinition } from '../../src/ingest/sources/definition.ts'
import { storedFileLoads } from '../../src/store/ingest/manifest.ts'
import { detectAfterIngest } from '../detect.ts'
import { defineJob, type JobDefinition } from '../job.ts'
import { httpClientFor, runIngestion } from './common.ts'

export const jobNameOf = (source: Pick<SourceDefinition, 'id'>) => `ingest.${source.id}`

/**
 * The configuration of one run: the process's, with per-run settings applied through the source's own flag handling
 * (chainlink's rpcUrl becomes its endpoint). A setting the source does not turn into configuration is refused, named
 * by key (values are not echoed: a URL may hold a key).
 */
export function runConfig(
  source: SourceDefinition,
  settings: Readonly<Record<string, unknown>> | undefined,
  config: Config,
): Config {
  if (!settings || !Object.keys(settings).length) return config
  const assembled = source.cli.toParams?.({ ...settings }, config) ?? { params: { ...settings } }
  const problems = [
    ...(assembled.problems ?? []),
    ...Object.keys(assembled.params).map((key) => ({
      path: `settings.${key}`,
      received: key,
      expected: `a per-run setting of ${source.id}${assembled.config ? '' : ' (it takes none)'}`,
    })),
  ]
  if (problems.length) throw new InvalidInputError(`invalid settings for ${source.id}`, problems)
  return assembled.config ?? config
}

export function sourceJob(source: SourceDefinition): JobDefinition<never> {
  return defineJob({
    name: jobNameOf(source),
    description: source.description,
    params: source.params,
    // the settings live in the prepared value only (in memory): the recorded parameters never hold them
    prepare: async ({ runtime, settings }, params) => ({ params, config: runConfig(source, settings, runtime.config) }),
    async run(context, { params, config }) {
      const { runtime, log } = context
      const ctx: PlanContext = {
        config,
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
