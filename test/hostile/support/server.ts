// The server the hostile suites talk to: a real HTTP server over a runtime whose store holds one hour of 1 s bars
// (binance-um BTCUSDT from 2025-10-10 00:00 UTC), with the run system, so a valid runBacktest really runs.
import { jobRegistry } from '../../../jobs/registry.ts'
import { RunManager } from '../../../jobs/runManager.ts'
import { startApiServer, type ApiServer } from '../../../src/api/server.ts'
import type { Runtime } from '../../../src/app/runtime.ts'
import { barsFromCloses, insertBars } from '../../support/marketData.ts'
import { HOSTILE_ADMIN_TOKEN } from './graphqlFuzz.ts'

export const DATA_START_US = Date.UTC(2025, 9, 10) * 1000

export async function startHostileServer(runtime: Runtime): Promise<ApiServer & { runs: RunManager }> {
  const closes = Array.from({ length: 3600 }, (_, i) => 100_000 * (1 + 0.01 * Math.sin(i / 300)))
  await insertBars(runtime.duck, 'binance-um', 'BTCUSDT', 1, barsFromCloses(DATA_START_US, closes))
  const runs = new RunManager(runtime, jobRegistry, { limits: runtime.config.runConcurrency })
  const server = await startApiServer(runtime, { runs, localAdminToken: HOSTILE_ADMIN_TOKEN })
  return {
    ...server,
    runs,
    async stop() {
      await server.stop()
      await runs.stop(runtime.config.shutdownTimeoutMs)
    },
  }
}
