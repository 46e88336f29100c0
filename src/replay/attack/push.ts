// The price path an attack causes, laid over the stored feed: from the push's start every price of the attacked
// market (trade bars, index, oracle and mark series alike, so whatever mark method the rule set uses sees it; only
// index and oracle when the reference venues are pushed) is
// multiplied by exp(direction · move · g(t)), where g ramps linearly 0 → 1 while the attacker buys (sells), holds
// while it keeps the price there, and falls back to 0 as it unwinds; then the market's real path goes on.
import { EventKind, type EventBatch } from '../kernel/events.ts'

/** Seconds from the window's start (the attacker's positions open at its first mark) to the push. */
export const PUSH_DELAY_S = 60
/** The push is spread over three 5-minute buckets, the resolution liquidity is measured at. */
export const PUSH_RAMP_S = 900
export const PUSH_HOLD_S = 900
export const PUSH_UNWIND_S = 900

export interface PushSchedule {
  market: number
  /** market: every price kind of the market; references: its index and oracle series only. */
  target: 'market' | 'references'
  /** µs */
  startUs: number
  direction: 1 | -1
  logMove: number
}

/** g(t): the share of the peak move applied at t (µs). */
export function pushShape(schedule: PushSchedule, tUs: number): number {
  const s = (tUs - schedule.startUs) / 1e6
  if (s <= 0) return 0
  if (s < PUSH_RAMP_S) return s / PUSH_RAMP_S
  if (s < PUSH_RAMP_S + PUSH_HOLD_S) return 1
  const down = s - PUSH_RAMP_S - PUSH_HOLD_S
  return down < PUSH_UNWIND_S ? 1 - down / PUSH_UNWIND_S : 0
}

/** When the push is over (µs). */
export const pushEndUs = (schedule: PushSchedule) =>
  schedule.startUs + (PUSH_RAMP_S + PUSH_HOLD_S + PUSH_UNWIND_S) * 1e6

/** A copy of `batch` with the push applied to the attacked market's prices (the stored batch is left as it was). */
export function withPush(batch: EventBatch, schedule: PushSchedule): EventBatch {
  const copy: EventBatch = {
    length: batch.length,
    ts: batch.ts.slice(0, batch.length),
    kind: batch.kind.slice(0, batch.length),
    market: batch.market.slice(0, batch.length),
    account: batch.account.slice(0, batch.length),
    a: batch.a.slice(0, batch.length),
    b: batch.b.slice(0, batch.length),
    c: batch.c.slice(0, batch.length),
    d: batch.d.slice(0, batch.length),
  }
  if (schedule.logMove === 0) return copy
  const end = pushEndUs(schedule)
  const k = schedule.direction * schedule.logMove
  const lastKind = schedule.target === 'market' ? EventKind.BAR : EventKind.ORACLE
  for (let i = 0; i < copy.length; i++) {
    const t = copy.ts[i]!
    if (t <= schedule.startUs || t >= end || copy.market[i] !== schedule.market || copy.kind[i]! > lastKind) continue
    const f = Math.exp(k * pushShape(schedule, t))
    copy.a[i]! *= f
    copy.b[i]! *= f
    copy.c[i]! *= f
  }
  return copy
}
