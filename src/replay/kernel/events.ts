// Replay events as struct-of-arrays batches, and the merge key (timestamp, kind priority, sequence). The batch
// layout and kind codes are the feed's (src/store/market/replayFeed.ts), so the two cannot drift apart.
import { FEED_FILL_FLAG, FEED_KIND, FEED_LEDGER_KIND, type FeedBatch } from '../../store/market/replayFeed.ts'

/**
 * Event kinds, numbered by their priority at equal timestamps. Prices come first (index and oracle before the
 * mark that may be derived from them, bars last), so a position opened at t is never checked against a wick that
 * ended at t; funding settles on the prices of t; then open interest, ledger entries and fills.
 */
export const EventKind = {
  INDEX: FEED_KIND.index,
  ORACLE: FEED_KIND.oracle,
  MARK: FEED_KIND.mark,
  /** Trade bar: low, high, close, quote volume (wicks inside the interval still trigger). */
  BAR: FEED_KIND.bar,
  FUNDING: FEED_KIND.funding,
  OPEN_INTEREST: FEED_KIND.openInterest,
  LEDGER: FEED_KIND.ledger,
  FILL: FEED_KIND.fill,
} as const
export type EventKindCode = (typeof EventKind)[keyof typeof EventKind]
export const EVENT_KIND_NAMES = ['index', 'oracle', 'mark', 'bar', 'funding', 'openInterest', 'ledger', 'fill'] as const

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
export type EventBatch = FeedBatch

export const LedgerKind = FEED_LEDGER_KIND

export const FillFlag = FEED_FILL_FLAG

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

/** True when event i sorts before event j on (ts, kind, index): the order the reader must deliver. */
export function precedes(batch: EventBatch, i: number, j: number): boolean {
  const ti = batch.ts[i]!
  const tj = batch.ts[j]!
  if (ti !== tj) return ti < tj
  const ki = batch.kind[i]!
  const kj = batch.kind[j]!
  return ki !== kj ? ki < kj : i < j
}

/** Sorts a batch in place by the merge key (used by generators and tests; the store sorts in SQL). */
export function sortBatch(batch: EventBatch): void {
  const n = batch.length
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (i, j) =>
      batch.ts[i]! - batch.ts[j]! || batch.kind[i]! - batch.kind[j]! || batch.market[i]! - batch.market[j]! || i - j,
  )
  for (const key of ['ts', 'kind', 'market', 'account', 'a', 'b', 'c', 'd'] as const) {
    const col = batch[key]
    const copy = col.slice(0, n)
    for (let k = 0; k < n; k++) col[k] = copy[order[k]!]!
  }
}
