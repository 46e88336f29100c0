// The ingestion jobs, registered together in jobs/registry.ts.
import type { JobDefinition } from '../job.ts'
import { accountSourceJobs } from './accountJobs.ts'
import { binanceUmJob } from './binanceUm.ts'
import { bybitJob } from './bybit.ts'
import { fileJob } from './file.ts'
import { tardisJob } from './tardis.ts'

export const ingestionJobs = [
  binanceUmJob,
  bybitJob,
  tardisJob,
  fileJob,
  ...accountSourceJobs,
] as JobDefinition<never>[]
