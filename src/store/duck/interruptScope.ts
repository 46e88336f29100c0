// Per-caller interruption of DuckDB work: reads run under a signal (an API operation past its time limit) have every
// connection the store hands out inside that scope interrupted when the signal aborts, so a query stops instead of
// running on for a client that already has its answer. AsyncLocalStorage carries the signal through the caller's
// awaits (and DataLoader batches scheduled from them) without threading it through every store function.
import { AsyncLocalStorage } from 'node:async_hooks'

const scope = new AsyncLocalStorage<AbortSignal>()

/** Runs `fn` with `signal` as the interrupt signal of every store read it makes. */
export function underSignal<T>(signal: AbortSignal, fn: () => T): T {
  return scope.run(signal, fn)
}

/** The signal of the caller's scope, if any. */
export const currentSignal = (): AbortSignal | undefined => scope.getStore()
