// `backstop serve` and `backstop start` (= migrate + serve): the API, GraphiQL, the run system and the cron scheduler
// in one process, announced to CLI commands by <data dir>/server.json (src/app/serverDiscovery.ts). On SIGTERM/SIGINT:
// remove that file, stop the schedules, then drain HTTP while cancelling the runs (recorded as
// cancelled, their outputs deleted), then close the stores — all within SHUTDOWN_TIMEOUT_MS. `start` on an empty store
// also starts the first-start demo (jobs/demo.ts, BACKSTOP_DEMO) once it serves; `serve` never does: it is how a
// deployment that migrates separately runs, and such a store should fill with what its operator ingests.
import type { Command } from 'commander'
import { configSchedules } from '../../../jobs/configSchedules.ts'
import { firstStartDemo, startDemo } from '../../../jobs/demo.ts'
import { openRunSystem } from '../../../jobs/open.ts'
import { startScheduler } from '../../../jobs/scheduler.ts'
import { startApiServer } from '../../api/server.ts'
import { closeRuntime } from '../../app/runtime.ts'
import { duckdbIdentity, newLocalAdminToken, publishServer } from '../../app/serverDiscovery.ts'
import { exitOnSignals } from '../../app/shutdown.ts'
import type { Config } from '../../config/load.ts'
import { scenarioByName } from '../../ingest/scenarios/index.ts'
import { createLogger } from '../../obs/logger.ts'
import { version } from '../../project.ts'
import { action } from '../action.ts'

async function serve(config: Config, migrate: boolean): Promise<void> {
  const log = createLogger(config.logLevel)
  // a misspelt BACKSTOP_DEMO_SCENARIOS stops the start (listing the valid names), as a bad setting does
  if (migrate && config.backstopDemo === 'on')
    for (const name of config.backstopDemoScenarios ?? []) scenarioByName(name)
  const { runtime, runs, registry, applied } = await openRunSystem(config, { migrate, log })
  if (migrate) log.info({ applied }, 'migrations applied')
  // decided before this process records anything (the scheduler's catch-up runs, the demo's own run)
  const demo = migrate ? await firstStartDemo(config, runtime) : null
  // the local admin token CLI commands on this host present when they hand work over (src/cli/remote)
  const localAdminToken = newLocalAdminToken()
  const api = await startApiServer(runtime, { runs, runEvents: runs, localAdminToken })
  const discovery = publishServer(config.dataDir, {
    pid: process.pid,
    url: api.url,
    token: localAdminToken,
    startedAt: new Date().toISOString(),
    version,
    duckdbPath: duckdbIdentity(config),
  })
  const scheduler = config.schedulerEnabled
    ? await startScheduler(runtime, registry, configSchedules(config), runs)
    : null
  // runs get the budget but a second (or a quarter, when the budget is short) left for closing the stores
  const runBudget = config.shutdownTimeoutMs - Math.min(1000, Math.floor(config.shutdownTimeoutMs / 4))
  exitOnSignals(log, config.shutdownTimeoutMs, [
    // first, so no command hands work to a server that is stopping
    { name: 'discovery file', run: () => discovery.remove() },
    { name: 'scheduler', run: () => scheduler?.stop() },
    { name: 'http and runs', run: () => Promise.all([api.stop(), runs.stop(runBudget)]).then(() => undefined) },
    { name: 'stores', run: () => closeRuntime(runtime) },
  ])
  log.info(
    { url: api.url, version, ...(demo ? { demo } : {}) },
    `Backstop is serving GraphQL and GraphiQL at ${api.url}`,
  )
  if (demo === 'starting') await startDemo(runs, config, { url: api.url, log })
}

export function registerServe(program: Command): void {
  program
    .command('start')
    .description('apply pending migrations, then serve (what `npm start` runs)')
    .action(action((config) => serve(config, true)))
  program
    .command('serve')
    .description('serve GraphQL + GraphiQL, /healthz, /readyz, /metrics, run jobs and cron schedules')
    .action(action((config) => serve(config, false)))
}
