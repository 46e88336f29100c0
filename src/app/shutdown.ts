// Graceful shutdown on SIGTERM/SIGINT: run the steps in order, exit 0; exit 1 if they overrun the time budget.
import type { Logger } from '../obs/logger.ts'

export interface ShutdownStep {
  name: string
  run(): Promise<void> | void
}

export function exitOnSignals(log: Logger, timeoutMs: number, steps: ShutdownStep[]): void {
  let shuttingDown = false
  const shutdown = async (signal: NodeJS.Signals) => {
    if (shuttingDown) return
    shuttingDown = true
    const started = performance.now()
    log.info({ signal, timeoutMs }, 'shutting down')
    const deadline = setTimeout(() => {
      log.error({ timeoutMs }, 'shutdown did not finish in time: exiting anyway')
      process.exit(1)
    }, timeoutMs)
    deadline.unref()
    let failed = false
    for (const step of steps) {
      try {
        await step.run()
      } catch (error) {
        failed = true
        log.error({ err: error, step: step.name }, 'shutdown step failed')
      }
    }
    log.info({ ms: Math.round(performance.now() - started) }, 'stopped')
    process.exit(failed ? 1 : 0)
  }
  process.once('SIGTERM', shutdown)
  process.once('SIGINT', shutdown)
}
