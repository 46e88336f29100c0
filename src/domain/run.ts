// What a run is, for every layer that records, shows or controls one: its statuses, triggers and progress events.
// The run system lives in jobs/; the store records runs, the API and the CLI read them, so the words live here.

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const
export type RunStatus = (typeof RUN_STATUSES)[number]

/** A run that has ended: its status never changes again. */
export type FinishedRunStatus = Extract<RunStatus, 'succeeded' | 'failed' | 'cancelled'>

/**
 * Who started a run: a schedule (`cron`), the command line (`cli`), an API request (`api`), crash recovery at start
 * (`recovery`), or the server on its own with nothing scheduled (`system`: the first-start demo). A run started by
 * another run (a detect after a backtest, the demo's loads) carries the trigger of the run that started it.
 */
export const RUN_TRIGGERS = ['cron', 'cli', 'api', 'recovery', 'system'] as const
export type RunTrigger = (typeof RUN_TRIGGERS)[number]

/** The trigger of backtests recorded before runs existed (set by the runs migration); no run is submitted with it. */
export const MIGRATED_TRIGGER = 'migrated'

/** Every trigger a stored run may hold: what a filter on runs accepts. */
export const STORED_RUN_TRIGGERS = [...RUN_TRIGGERS, MIGRATED_TRIGGER] as const

export function isRunTrigger(value: unknown): value is RunTrigger {
  return typeof value === 'string' && (RUN_TRIGGERS as readonly string[]).includes(value)
}

export function isFinished(status: RunStatus): status is FinishedRunStatus {
  switch (status) {
    case 'queued':
    case 'running':
      return false
    case 'succeeded':
    case 'failed':
    case 'cancelled':
      return true
    default:
      return assertNever(status)
  }
}

export function isRunStatus(value: unknown): value is RunStatus {
  return typeof value === 'string' && (RUN_STATUSES as readonly string[]).includes(value)
}

/** For exhaustive switches: a new status (or kind) that is not handled fails to compile. */
export function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`)
}

/** The error a run gets when its process went away before it finished (crash, kill -9, power loss). */
export const INTERRUPTED_PREFIX = 'interrupted:'

/**
 * One progress event of a run: what it is doing, how far it is, how fast and how long it still needs. Every kind
 * reports in these terms, so a progress bar, a log line or a subscription can show any run.
 */
export interface RunProgress {
  /** What the run is doing now, e.g. "loading partitions", "replaying", "writing results". */
  phase: string
  /** Work done and the total in `unit` (total null when unknown). */
  done: number
  total: number | null
  /** What done and total count, e.g. "partitions", "market seconds". */
  unit: string
  /** Work per second since the phase started, in `rateUnit` (e.g. rows/s, events/s); null before it can be told. */
  rate: number | null
  rateUnit: string | null
  /** Seconds left at the pace so far; null when unknown. */
  etaSeconds: number | null
  /** Running counts of the kind's own things (rows, bytes, events, …). */
  counts: Record<string, number>
  /** The item that just finished (a partition and its outcome, …), when the kind reports items. */
  item?: { id: string; outcome: string; message?: string; counts?: Record<string, number> }
  /** When the event was made (ISO 8601, UTC). */
  at: string
}
