// Grouping incident members: events that overlap in time (allowing a gap) and concern the same market or linked
// accounts end up in one group. Pure and deterministic (same members and links → same groups).
//
// Seeds (deficits, detections at warning or above) are grouped first, in one sweep in time order with a union-find:
// for each key an event carries (its market; the link cluster of each of its accounts; "venue-wide" for liquidation
// cascades, which hit every market at once), the latest-ending earlier seed with that key is remembered. Every
// earlier seed with that key still within the gap is already connected to it (it started before and overlaps it
// within the gap), so one union per key per seed is enough: O(n log n). The other members (info detections,
// guardrail triggers) then attach to the group of the nearest seed they overlap within the gap on a shared key
// (ties: the earlier seed); they never join two groups together, and those that overlap no seed are left out.

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

const keysOf = (m: GroupMember, clusters: Map<string, string>): string[] => {
  const keys = new Set<string>()
  if (m.market) keys.add(`m:${m.market}`)
  for (const a of m.accounts) keys.add(`a:${clusters.get(a) ?? a}`)
  if (m.venueWide) keys.add('venue-wide')
  return [...keys].sort()
}

/** Groups of members (each group in timeline order, groups by their first seed); every group has a seed. */
export function groupMembers<M extends GroupMember>(members: M[], clusters: Map<string, string>, gapUs: number): M[][] {
  const seeds = members.filter((m) => m.seed).sort(timelineOrder)
  const parent = seeds.map((_, i) => i)
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
  const byKey = new Map<string, number[]>()
  seeds.forEach((m, i) => {
    for (const key of keysOf(m, clusters)) {
      const prev = active.get(key)
      if (prev && prev.end + gapUs >= m.fromUs) {
        union(i, prev.rep)
        active.set(key, { end: Math.max(prev.end, m.toUs), rep: i })
      } else active.set(key, { end: m.toUs, rep: i })
      const list = byKey.get(key) ?? []
      list.push(i)
      byKey.set(key, list)
    }
  })
  const groups = new Map<number, M[]>()
  seeds.forEach((m, i) => {
    const root = find(i)
    const g = groups.get(root)
    if (g) g.push(m)
    else groups.set(root, [m])
  })
  // attachments: the nearest seed in time on a shared key, within the gap (ties: the earlier seed)
  const longest = new Map<string, number>()
  for (const [key, list] of byKey) longest.set(key, Math.max(...list.map((i) => seeds[i]!.toUs - seeds[i]!.fromUs)))
  for (const m of members.filter((x) => !x.seed).sort(timelineOrder)) {
    let best = -1
    let bestGap = Number.POSITIVE_INFINITY
    for (const key of keysOf(m, clusters)) {
      const list = byKey.get(key)
      if (!list) continue
      for (let k = list.length - 1; k >= 0; k--) {
        const s = seeds[list[k]!]!
        if (s.fromUs + longest.get(key)! + gapUs < m.fromUs) break
        if (s.fromUs > m.toUs + gapUs || s.toUs + gapUs < m.fromUs) continue
        const distance = Math.max(s.fromUs - m.toUs, m.fromUs - s.toUs, 0)
        if (distance < bestGap || (distance === bestGap && list[k]! < best)) {
          best = list[k]!
          bestGap = distance
        }
      }
    }
    if (best >= 0) groups.get(find(best))!.push(m)
  }
  return [...groups.entries()].sort(([a], [b]) => a - b).map(([, g]) => g.sort(timelineOrder))
}
