// The replay event key, shared by the store's feed (which merges sources on it) and the kernel (which relies on
// the order): event kinds numbered by priority, the struct-of-arrays batch layout, the fill and ledger codes, and
// the one comparator. Both stages import it from here, so the order cannot drift between them.

/** One batch of events, struct of arrays (the value columns' meaning per kind is documented on the kernel's EventKind). */
export interface ReplayEventBatch {
  length: number
  /** Microseconds since the epoch (exact below 2^53). */
  ts: Float64Array
  kind: Uint8Array
  market: Uint16Array
  /** Account index for LEDGER and FILL, −1 otherwise. */
  account: Int32Array
  a: Float64Array
  b: Float64Array
  c: Float64Array
  d: Float64Array
}

/**
 * Event kind codes, numbered by their priority at equal timestamps. Prices come first (index and oracle before the
 * mark that may be derived from them, bars last), so a position opened at t is never checked against a wick that
 * ended at t; funding settles on the prices of t; then open interest, ledger entries and fills.
 */
export const REPLAY_EVENT_KIND = {
  index: 0,
  oracle: 1,
  mark: 2,
  bar: 3,
  funding: 4,
  openInterest: 5,
  ledger: 6,
  fill: 7,
} as const

/** Kind names by code (the inverse of REPLAY_EVENT_KIND). */
export const REPLAY_EVENT_KIND_NAMES = [
  'index',
  'oracle',
  'mark',
  'bar',
  'funding',
  'openInterest',
  'ledger',
  'fill',
] as const

/**
 * Bits of a FILL event's d column: the venue flagged the fill as part of a liquidation (either side), the fill took
 * or made liquidity, it carries no fee (0 with no fee asset: the schedule's fee is charged), and it is the liquidated
 * account's own fill (the venue liquidated this account here).
 */
export const REPLAY_FILL_FLAG = {
  liquidation: 1,
  taker: 2,
  maker: 4,
  feeMissing: 8,
  ownLiquidation: 16,
  /** A position held before the account's first fill in the store (its start position), opened at that fill's price. */
  opening: 32,
} as const

/** Ledger kind codes in a LEDGER event's b column; any other ledger kind is `other`. */
export const REPLAY_LEDGER_KIND = { deposit: 0, withdrawal: 1, transfer: 2, funding: 3, fee: 4, other: 5 } as const

/**
 * The merge key: negative when the event (tsA, kindA, marketA) is delivered before (tsB, kindB, marketB), positive
 * after, 0 for equal keys (the caller breaks that tie by source, then by position within a source).
 */
export function compareEventKey(
  tsA: number,
  kindA: number,
  marketA: number,
  tsB: number,
  kindB: number,
  marketB: number,
): number {
  if (tsA !== tsB) return tsA < tsB ? -1 : 1
  if (kindA !== kindB) return kindA - kindB
  return marketA - marketB
}
