// The account-level and oracle ingestion jobs, registered together in jobs/registry.ts.
import type { JobDefinition } from '../job.ts'
import { chainlinkJob } from './chainlink.ts'
import { dydxJob } from './dydx.ts'
import { hyperliquidJob } from './hyperliquid.ts'
import { hyperliquidNodeFillsJob } from './hyperliquidNodeFills.ts'
import { pythJob } from './pyth.ts'

export const accountSourceJobs = [
  hyperliquidJob,
  hyperliquidNodeFillsJob,
  dydxJob,
  pythJob,
  chainlinkJob,
] as JobDefinition<never>[]
