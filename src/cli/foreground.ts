// Work a command runs in the foreground: the run system open for its duration, Ctrl-C and SIGTERM turned into the
// signal that cancels the run, and everything released afterwards whatever the command does with the result.
import type { Config } from '../config/load.ts'
import type { Logger } from '../obs/logger.ts'
import { openRunSystem, type RunSystem } from '../../jobs/open.ts'

export interface Foreground {
  system: RunSystem
  /** Aborted by SIGINT or SIGTERM: pass it to the run, which is then cancelled. */
  signal: AbortSignal
}

export async function inForeground<T>(config: Config, log: Logger, body: (fg: Foreground) => Promise<T>): Promise<T> {
  const system = await openRunSystem(config, { migrate: true, log })
  const stop = new AbortController()
  const onSignal = () => stop.abort(new Error('interrupted'))
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  try {
    return await body({ system, signal: stop.signal })
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await system.close()
  }
}
