// Paging through a time-ranged info request whose responses are capped (500 elements, 2000 on newer servers) without
// relying on which end the server truncates: fills come newest first, candles oldest first, and the docs disagree.

/** Fewest elements a capped response can hold: a response this long may have been cut. */
export const PAGE_CAP = 500

export interface TimeWindowPaging<T> {
  /** Inclusive window in epoch ms. */
  start: number
  end: number
  /** One request for [start, end] (inclusive). */
  fetch: (start: number, end: number) => Promise<T[]>
  /** The element's time in epoch ms. */
  time: (item: T) => number
  cap?: number
  /** Called when more than `cap` elements share one millisecond, which no time window can split. */
  onUnsplittable?: (at: number, count: number) => void
}

/**
 * Every element with start ≤ time ≤ end, each once (order not guaranteed). A full page is trusted only strictly
 * between its earliest and latest times, which it covers completely whichever end the server cut; the two edges
 * [start, earliest] and [latest, end] are asked again, recursively. A server that returns the newest elements leaves
 * the work on the left, one that returns the oldest on the right; the other side costs one small request.
 */
export async function collectTimeWindow<T>(paging: TimeWindowPaging<T>): Promise<T[]> {
  const cap = paging.cap ?? PAGE_CAP
  const out: T[] = []
  const windows: Array<[number, number]> = [[paging.start, paging.end]]
  while (windows.length) {
    const [s, e] = windows.pop()!
    const page = await paging.fetch(s, e)
    const inside = page.filter((item) => {
      const t = paging.time(item)
      return t >= s && t <= e
    })
    if (page.length < cap || inside.length === 0) {
      out.push(...inside)
      continue
    }
    let lo = Infinity
    let hi = -Infinity
    for (const item of inside) {
      const t = paging.time(item)
      if (t < lo) lo = t
      if (t > hi) hi = t
    }
    if (lo === hi) {
      paging.onUnsplittable?.(lo, inside.length)
      out.push(...inside)
      continue
    }
    for (const item of inside) {
      const t = paging.time(item)
      if (t > lo && t < hi) out.push(item)
    }
    // Right edge first off the stack is irrelevant to correctness; left first keeps requests roughly in time order.
    windows.push([hi, e], [s, lo])
  }
  return out
}
