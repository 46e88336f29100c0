// Small helpers shared by the detectors: time formatting for evidence, series choice, top-k selection.
import type { SeriesInfo, SeriesKey } from '../store/detect/priceSeries.ts'

export const iso = (us: number) => new Date(Math.floor(us / 1000)).toISOString()

export const HOUR_US = 3_600_000_000
export const MINUTE_US = 60_000_000
export const SECOND_US = 1_000_000

/** Rounds for evidence JSON: enough digits to read and compare, no float noise. */
export const round = (x: number, digits = 6) => (Number.isFinite(x) ? Number(x.toPrecision(digits)) : null)

/**
 * The series a venue prices this market with, in order of preference: its mark, its oracle, then last-trade bars
 * (finest interval, trade-derived before klines). Among several sources of one kind, the venue's own, then the most
 * rows.
 */
export function choosePriceSeries(
  series: SeriesInfo[],
  venue: string,
  prefer: ReadonlyArray<'mark' | 'oracle' | 'index' | 'bars'> = ['mark', 'oracle', 'bars'],
): SeriesInfo | null {
  for (const kind of prefer) {
    const candidates = series.filter((s) =>
      kind === 'bars' ? s.key.table === 'bars' : s.key.table === 'prices' && s.key.kind === kind,
    )
    if (!candidates.length) continue
    return [...candidates].sort(
      (a, b) => rank(a, venue) - rank(b, venue) || b.rows - a.rows || (a.label < b.label ? -1 : 1),
    )[0]!
  }
  return null
}

function rank(s: SeriesInfo, venue: string): number {
  if (s.key.table === 'bars') return s.key.intervalS * 10 + (s.key.source === 'trades' ? 0 : 1)
  return s.key.source === venue ? 0 : 1
}

export const sameKey = (a: SeriesKey, b: SeriesKey) => JSON.stringify(a) === JSON.stringify(b)

/** Indices of the k largest values (ties by index), largest first. */
export function topK(values: ArrayLike<number>, k: number, from = 0, to = values.length): number[] {
  const idx: number[] = []
  for (let i = from; i < to; i++) if (Number.isFinite(values[i]!)) idx.push(i)
  idx.sort((a, b) => values[b]! - values[a]! || a - b)
  return idx.slice(0, k)
}
