// Replay events as the kernel reads them: kind codes by name, the value columns' meaning per kind, and batch
// helpers. The batch layout, kind priority and merge key are src/domain/replayEvent.ts's, shared with the store's
// feed, so the two cannot drift apart.
import {
  REPLAY_EVENT_KIND as KIND,
  REPLAY_EVENT_KIND_NAMES,
  REPLAY_FILL_FLAG,
  REPLAY_LEDGER_KIND,
  type ReplayEventBatch,
} from '../../domain/replayEvent.ts'

/** Event kind codes by name, numbered by their priority at equal timestamps (why that order: replayEvent.ts). */
export const EventKind = {
  INDEX: KIND.index,
  ORACLE: KIND.oracle,
  MARK: KIND.mark,
  /** Trade bar: low, high, close, quote volume (wicks inside the interval still trigger). */
  BAR: KIND.bar,
  FUNDING: KIND.funding,
  OPEN_INTEREST: KIND.openInterest,
  LEDGER: KIND.ledger,
  FILL: KIND.fill,
} as const
export type EventKindCode = (typeof EventKind)[keyof typeof EventKind]
export const EVENT_KIND_NAMES = REPLAY_EVENT_KIND_NAMES

/**
 * Meaning of the value columns per kind:
 *   INDEX / ORACLE / MARK: a = low, b = high, c = close (a tick has a = b = c)
 *   BAR: a = low, b = high, c = close, d = quote volume (NaN when unknown)
 *   FUNDING: a = observed rate per interval (NaN if none), b = mean premium (NaN if none), c = interval hours
 *   OPEN_INTEREST: a = base, b = quote
 *   LEDGER: a = delta in micro-units (exact integer), b = LedgerKind
 *   FILL: a = price, b = signed quantity in size units of the market (+ buy; base × 10^sizeDecimals, an exact
 *         integer), c = fee in micro-units, d = FillFlag bits
 */
export type EventBatch = ReplayEventBatch

export const LedgerKind = REPLAY_LEDGER_KIND

export const FillFlag = REPLAY_FILL_FLAG

export function allocBatch(capacity: number): EventBatch {
  return {
    length: 0,
    ts: new Float64Array(capacity),
    kind: new Uint8Array(capacity),
    market: new Uint16Array(capacity),
    account: new Int32Array(capacity).fill(-1),
    a: new Float64Array(capacity),
    b: new Float64Array(capacity),
    c: new Float64Array(capacity),
    d: new Float64Array(capacity),
  }
}

/** Appends one event (tests and generators; the store's reader fills batches column by column). */
export function pushEvent(
  batch: EventBatch,
  ts: number,
  kind: EventKindCode,
  market: number,
  a: number,
  b = a,
  c = a,
  d = Number.NaN,
  account = -1,
): void {
  const i = batch.length++
  if (i >= batch.ts.length) throw new Error(`event batch full (${batch.ts.length})`)
  batch.ts[i] = ts
  batch.kind[i] = kind
  batch.market[i] = market
  batch.account[i] = account
  batch.a[i] = a
  batch.b[i] = b
  batch.c[i] = c
  batch.d[i] = d
}
