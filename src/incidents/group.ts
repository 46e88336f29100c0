// Grouping incident members: events that overlap in time (allowing a gap) and concern the same market or linked
// accounts end up in one group. Pure and deterministic (same members and links → same groups).
//
// One sweep in time order with a union-find: for each key an event carries (its market; the link cluster of each
// of its accounts; "venue-wide" for liquidation cascades, which hit every market at once), the latest-ending earlier
// event with that key is remembered. Every earlier event with that key still within the gap is already connected to
// it (it started before and overlaps it within the gap), so one union per key per event is enough: O(n log n).

export interface GroupMember {
  /** Stable identity (detection id, or run table and seq range); also the final tie-break of the order. */
  ref: string
  fromUs: number
  toUs: number
  market: string | null
  accounts: string[]
  /** Only groups with at least one seed become incidents; the rest only attach to them. */
  seed: boolean
  /** Connects to every other venue-wide member that overlaps it, whatever the market. */
  venueWide: boolean
}

/** Link clusters: account → cluster id (connected components of the link pairs). */
export function linkClusters(pairs: Array<[string, string]>): Map<string, string> {
  const parent = new Map<string, string>()
  const find = (a: string): string => {
    let root = a
    while (parent.get(root) !== root) root = parent.get(root)!
    let x = a
    while (parent.get(x) !== root) {
      const next = parent.get(x)!
      parent.set(x, root)
      x = next
    }
    return root
  }
  for (const [a, b] of pairs) {
    if (!parent.has(a)) parent.set(a, a)
    if (!parent.has(b)) parent.set(b, b)
    const ra = find(a)
    const rb = find(b)
    // the smaller name is the root, so cluster ids do not depend on the pairs' order
    if (ra !== rb) parent.set(ra < rb ? rb : ra, ra < rb ? ra : rb)
  }
  const out = new Map<string, string>()
  for (const a of parent.keys()) out.set(a, find(a))
  return out
}

/** Members in timeline order: start, end, ref. */
export const timelineOrder = (a: GroupMember, b: GroupMember) =>
  a.fromUs - b.fromUs || a.toUs - b.toUs || (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0)

/** Groups of members (each group in timeline order, groups by their first member); only groups with a seed. */
export function groupMembers<M extends GroupMember>(members: M[], clusters: Map<string, string>, gapUs: number): M[][] {
  const sorted = [...members].sort(timelineOrder)
  const parent = sorted.map((_, i) => i)
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!
      i = parent[i]!
    }
    return i
  }
  const union = (a: number, b: number) => {
    const ra = find(a)
    const rb = find(b)
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb)
  }
  const active = new Map<string, { end: number; rep: number }>()
  sorted.forEach((m, i) => {
    const keys = new Set<string>()
    if (m.market) keys.add(`m:${m.market}`)
    for (const a of m.accounts) keys.add(`a:${clusters.get(a) ?? a}`)
    if (m.venueWide) keys.add('venue-wide')
    for (const key of keys) {
      const prev = active.get(key)
      if (prev && prev.end + gapUs >= m.fromUs) {
        union(i, prev.rep)
        active.set(key, { end: Math.max(prev.end, m.toUs), rep: i })
      } else active.set(key, { end: m.toUs, rep: i })
    }
  })
  const groups = new Map<number, M[]>()
  sorted.forEach((m, i) => {
    const root = find(i)
    const g = groups.get(root)
    if (g) g.push(m)
    else groups.set(root, [m])
  })
  return [...groups.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, g]) => g)
    .filter((g) => g.some((m) => m.seed))
}
