// Backtests requested through the API: recorded at once (queued), then run one at a time in this process; the
// run record moves to running and then succeeded / failed / cancelled. Crashes are caught at the next start.
import type { Logger } from '../../obs/logger.ts'
import { failInterruptedBacktestRuns, type StoredBacktestRun } from '../../store/meta/backtestRuns.ts'
import { executeBacktest, prepareBacktest, type BacktestDeps } from './run.ts'

export class BacktestService {
  private chain: Promise<void> = Promise.resolve()
  private readonly controllers = new Set<AbortController>()
  private stopped = false

  constructor(private readonly deps: BacktestDeps & { log: Logger }) {}

  /** Validates and records the run (errors are thrown to the caller), then queues its execution. */
  async submit(input: unknown): Promise<StoredBacktestRun> {
    const prepared = await prepareBacktest(this.deps, input, { allowFiles: false })
    this.chain = this.chain.then(async () => {
      if (this.stopped) return
      const controller = new AbortController()
      this.controllers.add(controller)
      try {
        const outcome = await executeBacktest(this.deps, prepared, { signal: controller.signal })
        this.deps.log.info({ runId: prepared.run.id, status: outcome.status }, 'backtest finished')
      } catch (error) {
        // the run record could not be written; the next start marks it failed
        this.deps.log.error({ runId: prepared.run.id, err: error }, 'backtest bookkeeping failed')
      } finally {
        this.controllers.delete(controller)
      }
    })
    return prepared.run
  }

  /** Cancels running and queued backtests and waits for them to record their status. */
  async stop(): Promise<void> {
    this.stopped = true
    for (const c of this.controllers) c.abort()
    await this.chain
  }

  /** Settles when every backtest submitted so far has finished (tests, shutdown). */
  idle(): Promise<void> {
    return this.chain
  }
}

const services = new WeakMap<object, BacktestService>()

/** The service of a runtime (one per process runtime). */
export function backtestService(runtime: BacktestDeps & { log: Logger }): BacktestService {
  let s = services.get(runtime)
  if (!s) {
    s = new BacktestService(runtime)
    services.set(runtime, s)
  }
  return s
}

/** At start: runs left queued or running by a dead process are marked failed. */
export async function recoverBacktests(
  deps: BacktestDeps & { log: Logger },
  isAlive: (host: string, pid: number) => boolean,
): Promise<void> {
  const ids = await failInterruptedBacktestRuns(deps.meta, isAlive)
  for (const id of ids) deps.log.warn({ runId: id }, 'backtest was interrupted: marked failed')
}
