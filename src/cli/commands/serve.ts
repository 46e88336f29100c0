// `backstop serve` and `backstop start` (= migrate + serve): the API, GraphiQL and the cron scheduler in one process.
import type { Command } from 'commander'
import { isProcessAlive } from '../../../jobs/liveness.ts'
import { jobRegistry } from '../../../jobs/registry.ts'
import { configSchedules } from '../../../jobs/configSchedules.ts'
import { startScheduler } from '../../../jobs/scheduler.ts'
import { startApiServer } from '../../api/server.ts'
import { closeRuntime, openRuntime } from '../../app/runtime.ts'
import { exitOnSignals } from '../../app/shutdown.ts'
import type { Config } from '../../config/load.ts'
import { createLogger } from '../../obs/logger.ts'
import { version } from '../../project.ts'
import { backtestService, recoverBacktests } from '../../replay/backtest/service.ts'
import { action } from '../action.ts'

async function serve(config: Config, migrate: boolean): Promise<void> {
  const log = createLogger(config.logLevel)
  const { runtime, applied } = await openRuntime(config, { migrate, log })
  if (migrate) log.info({ applied }, 'migrations applied')
  await recoverBacktests(runtime, isProcessAlive)
  const api = await startApiServer(runtime)
  const scheduler = config.schedulerEnabled ? await startScheduler(runtime, jobRegistry, configSchedules(config)) : null
  exitOnSignals(log, config.shutdownTimeoutMs, [
    { name: 'http', run: () => api.stop() },
    { name: 'scheduler', run: () => scheduler?.stop(Math.floor(config.shutdownTimeoutMs / 3)) },
    { name: 'backtests', run: () => backtestService(runtime).stop() },
    { name: 'stores', run: () => closeRuntime(runtime) },
  ])
  log.info({ url: api.url, version }, `Backstop is serving GraphQL and GraphiQL at ${api.url}`)
}

export function registerServe(program: Command): void {
  program
    .command('start')
    .description('apply pending migrations, then serve (what `npm start` runs)')
    .action(action((config) => serve(config, true)))
  program
    .command('serve')
    .description('serve GraphQL + GraphiQL, /healthz, /readyz, /metrics and run cron schedules')
    .action(action((config) => serve(config, false)))
}
