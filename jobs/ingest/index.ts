// The ingestion jobs, one per source in the registry (src/ingest/sources), registered together in jobs/registry.ts.
import { SOURCES, sourceById } from '../../src/ingest/sources/index.ts'
import type { JobDefinition } from '../job.ts'
import { sourceJob } from './sourceJob.ts'

export const ingestionJobs: JobDefinition<never>[] = SOURCES.map(sourceJob)

/** The job of one source, e.g. `ingestJob('binance-um')` is `ingest.binance-um`. */
export function ingestJob(id: string): JobDefinition<never> {
  const job = ingestionJobs.find((j) => j.name === `ingest.${id}`)
  if (!job || !sourceById(id)) throw new Error(`no ingestion source ${id}`)
  return job
}
