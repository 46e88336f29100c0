// Is the process that holds a lock or a run still alive? Exact on this host; elsewhere only the heartbeat can tell.
import os from 'node:os'

export const HEARTBEAT_MS = 10_000
/**
 * How often a process looks at the runs it owns: cancel requests from other processes (CLI, API) are seen within
 * this, and a throttled copy of each run's progress is written to its record.
 */
export const WATCH_MS = 1_000
/** A holder that has not beaten for this long is presumed dead, wherever it runs. */
export const STALE_AFTER_MS = 60_000

export function isProcessAlive(host: string, pid: number): boolean {
  if (host !== os.hostname()) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
