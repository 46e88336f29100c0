// Data-coverage caveats for a report window: gaps, holes inside loaded files and stretches never loaded, per
// market and dataset, clipped to the window (from src/store/market/coverage.ts).
import type { DatasetCoverage } from '../store/market/coverage.ts'
import type { CoverageCaveat } from './model.ts'

/** Holes listed one by one per dataset; beyond this they are summed into one caveat. */
const HOLES_LISTED = 5
/** Caveats kept in a report; the rest are counted in a note. */
export const CAVEATS_KEPT = 60

interface Span {
  from: number
  to: number
}

const iso = (ms: number) => new Date(ms).toISOString()

/** Parts of [from, to) that none of `spans` covers. */
function uncovered(from: number, to: number, spans: Span[]): Span[] {
  const out: Span[] = []
  let cursor = from
  for (const s of [...spans].sort((a, b) => a.from - b.from)) {
    if (s.to <= cursor) continue
    if (s.from >= to) break
    if (s.from > cursor) out.push({ from: cursor, to: Math.min(s.from, to) })
    cursor = Math.max(cursor, s.to)
    if (cursor >= to) break
  }
  if (cursor < to) out.push({ from: cursor, to })
  return out
}

const minutes = (ms: number) => {
  const m = ms / 60_000
  return m >= 120 ? `${(m / 60).toFixed(1)} h` : `${Math.round(m)} min`
}

/**
 * Caveats for `markets` over [fromMs, toMs): a market without any data, then per dataset its gaps (with their
 * reason), the time neither loaded nor recorded as a gap, and the holes inside loaded files.
 */
export function coverageCaveats(
  coverage: ReadonlyMap<string, DatasetCoverage[]>,
  fromMs: number,
  toMs: number,
): { caveats: CoverageCaveat[]; dropped: number } {
  const caveats: CoverageCaveat[] = []
  for (const [market, datasets] of coverage) {
    if (!datasets.length) {
      caveats.push({
        market,
        dataset: '*',
        from: iso(fromMs),
        to: iso(toMs),
        reason: 'no-data',
        detail: 'no data of any dataset is loaded for this market',
      })
      continue
    }
    for (const d of datasets) {
      const clip = (s: { from: Date; to: Date }): Span | null => {
        const from = Math.max(fromMs, s.from.getTime())
        const to = Math.min(toMs, s.to.getTime())
        return to > from ? { from, to } : null
      }
      const gaps = d.gaps.map((g) => ({ span: clip(g), reason: g.reason })).filter((g) => g.span !== null)
      for (const g of gaps) {
        caveats.push({
          market,
          dataset: d.dataset,
          from: iso(g.span!.from),
          to: iso(g.span!.to),
          reason: g.reason,
          detail: `${d.source} ${d.dataset}: ${minutes(g.span!.to - g.span!.from)} ${g.reason.replaceAll('-', ' ')}`,
        })
      }
      const known = [
        ...d.ranges.map((r) => ({ from: r.from.getTime(), to: r.to.getTime() })),
        ...gaps.map((g) => g.span!),
      ]
      for (const s of uncovered(fromMs, toMs, known)) {
        caveats.push({
          market,
          dataset: d.dataset,
          from: iso(s.from),
          to: iso(s.to),
          reason: 'not-loaded',
          detail: `${d.source} ${d.dataset}: ${minutes(s.to - s.from)} of the window not loaded`,
        })
      }
      const holes = d.holes.filter((h) => clip(h) !== null)
      const listed = holes.length > HOLES_LISTED ? [] : holes
      for (const h of listed) {
        const s = clip(h)!
        caveats.push({
          market,
          dataset: d.dataset,
          from: iso(s.from),
          to: iso(s.to),
          reason: 'hole',
          detail: `${d.source} ${d.dataset}: ${h.missing} rows missing (every ${h.stepSeconds} s expected)`,
        })
      }
      if (holes.length > HOLES_LISTED) {
        const missing = holes.reduce((n, h) => n + h.missing, 0)
        caveats.push({
          market,
          dataset: d.dataset,
          from: iso(Math.max(fromMs, holes[0]!.from.getTime())),
          to: iso(Math.min(toMs, holes.at(-1)!.to.getTime())),
          reason: 'hole',
          detail: `${d.source} ${d.dataset}: ${holes.length} holes, ${missing} rows missing inside loaded files`,
        })
      }
    }
  }
  caveats.sort(
    (a, b) => a.from.localeCompare(b.from) || a.market.localeCompare(b.market) || a.dataset.localeCompare(b.dataset),
  )
  return { caveats: caveats.slice(0, CAVEATS_KEPT), dropped: Math.max(0, caveats.length - CAVEATS_KEPT) }
}
