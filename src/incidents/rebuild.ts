// Incidents rebuilt from their members, per scope (venue, run): a run's deficits and guardrail triggers (grouped per
// market and minute), its detections, and the market-data detections over its window and markets; or, for the
// market-data scope (run NULL), the venue's market-data detections. Liquidation bursts enter as liquidation-cascade
// detections. Members that overlap in time within the gap and share a market or linked accounts are one incident;
// only groups with a seed (a deficit, or a detection at warning or above) become incidents, info detections and
// guardrail triggers attach to them. Ids hash the member refs, so the same members give the same incidents.
import crypto from 'node:crypto'
import type { CreatedIncident } from '../app/incidentEvents.ts'
import { isDetectorId, SEVERITIES, type DetectorId, type Severity } from '../domain/detection.ts'
import { readAccountLinks } from '../store/detect/accounts.ts'
import { readDetections, type StoredDetection } from '../store/detect/detections.ts'
import {
  countObservedAdl,
  countRunAdl,
  incidentRunScopes,
  readDeficitGroups,
  readGuardrailGroups,
  replaceIncidents,
  type IncidentMemberRecord,
  type IncidentRecord,
} from '../store/detect/incidents.ts'
import type { DuckStore } from '../store/duck/open.ts'
import { getBacktestRun } from '../store/meta/backtestRuns.ts'
import type { MetaClient } from '../store/meta/client.ts'
import { microsOf, textOf } from './decimal.ts'
import { groupMembers, linkClusters, timelineOrder, type GroupMember } from './group.ts'
import { compact, incidentTitle, PATTERN_LABEL } from './title.ts'

/** Default grouping gap: members up to an hour apart (a self-trade, then the push, then the withdrawal). */
export const DEFAULT_GAP_SECONDS = 3600
/** A same-funding-source link through a source that funded more accounts than this is not a link (a hot wallet). */
export const LINK_HUB_SIZE = 20

const KIND_ORDER = { detection: 0, deficit: 1, guardrail: 2 } as const
type Kind = keyof typeof KIND_ORDER

interface Member extends GroupMember {
  kind: Kind
  severity: Severity
  summary: string
  figures: Record<string, unknown>
  detection?: StoredDetection
  shortfall: bigint
  fund: bigint
  adlCovered: bigint
}

const rankOf = (s: Severity) => SEVERITIES.indexOf(s)
const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest('hex')

function detectionMember(d: StoredDetection): Member {
  const label = isDetectorId(d.detector) ? PATTERN_LABEL[d.detector] : d.detector
  const money = [
    d.estimatedCostQuote !== null ? `cost ${compact(Number(d.estimatedCostQuote))}` : '',
    d.estimatedProfitQuote !== null ? `profit ${compact(Number(d.estimatedProfitQuote))}` : '',
  ].filter(Boolean)
  return {
    ref: d.id,
    kind: 'detection',
    fromUs: d.windowFromUs,
    toUs: d.windowToUs,
    market: d.market,
    accounts: d.accounts,
    seed: rankOf(d.severity as Severity) >= rankOf('warning'),
    venueWide: d.detector === 'liquidation-cascade',
    severity: d.severity as Severity,
    summary:
      `${label}: ${d.severity}, score ${Number(d.score.toPrecision(4))}` +
      (d.accounts.length ? `, ${d.accounts.length} account${d.accounts.length > 1 ? 's' : ''}` : '') +
      (money.length ? `, ${money.join(', ')}` : ''),
    figures: {
      detector: d.detector,
      version: d.detectorVersion,
      score: d.score,
      estimatedCostQuote: d.estimatedCostQuote,
      estimatedProfitQuote: d.estimatedProfitQuote,
      runId: d.runId,
    },
    detection: d,
    shortfall: 0n,
    fund: 0n,
    adlCovered: 0n,
  }
}

async function runMembers(duck: DuckStore, runId: string): Promise<Member[]> {
  const out: Member[] = []
  for (const g of await readDeficitGroups(duck, runId)) {
    const beyondFund = microsOf(g.coveredByAdl) + microsOf(g.socialized) + microsOf(g.uncovered)
    out.push({
      ref: `backtest_deficits:${g.seqFrom}-${g.seqTo}`,
      kind: 'deficit',
      fromUs: g.fromUs,
      toUs: g.toUs,
      market: g.market,
      accounts: g.accounts,
      seed: true,
      venueWide: false,
      severity: beyondFund > 0n ? 'critical' : 'warning',
      summary:
        `${g.count} deficit${g.count > 1 ? 's' : ''} (${g.accountCount} account${g.accountCount > 1 ? 's' : ''}), ` +
        `shortfall ${compact(Number(g.shortfall))}: fund ${compact(Number(g.coveredByFund))}, ` +
        `ADL ${compact(Number(g.coveredByAdl))}, socialized ${compact(Number(g.socialized))}, ` +
        `uncovered ${compact(Number(g.uncovered))}`,
      figures: { ...g, accounts: undefined, topAccounts: g.accounts },
      shortfall: microsOf(g.shortfall),
      fund: microsOf(g.coveredByFund),
      adlCovered: microsOf(g.coveredByAdl),
    })
  }
  for (const g of await readGuardrailGroups(duck, runId)) {
    out.push({
      ref: `backtest_guardrail_triggers:${g.seqFrom}-${g.seqTo}`,
      kind: 'guardrail',
      fromUs: g.fromUs,
      toUs: g.toUs,
      market: g.market,
      accounts: [],
      seed: false,
      venueWide: g.market === null,
      severity: 'info',
      summary: `guardrail ${g.kind} → ${g.action} ×${g.count}`,
      figures: { ...g },
      shortfall: 0n,
      fund: 0n,
      adlCovered: 0n,
    })
  }
  return out
}

export interface RebuildScopeSummary {
  venue: string
  runId: string | null
  incidents: number
  bySeverity: Record<Severity, number>
}

export interface RebuildSummary {
  scopes: RebuildScopeSummary[]
  incidents: number
}

export interface RebuildOptions {
  venue: string
  runId: string | null
  gapSeconds: number
  now?: (() => Date) | undefined
  /** Told the incidents a scope's rebuild created, once they are committed (the detect job publishes them). */
  onCreated?: ((incidents: CreatedIncident[]) => void) | undefined
}

/** Rebuilds one scope's incidents from its members; returns what was written. */
export async function rebuildIncidents(
  stores: { duck: DuckStore; meta: MetaClient },
  o: RebuildOptions,
): Promise<RebuildScopeSummary> {
  const members: Member[] = []
  if (o.runId) {
    const run = await getBacktestRun(stores.meta, o.runId)
    if (run) {
      const markets = (run.markets as string[]).map(String)
      members.push(...(await readDetections(stores.duck, { venue: o.venue, runId: o.runId })).map(detectionMember))
      const marketData = await readDetections(stores.duck, {
        venue: o.venue,
        runId: null,
        fromUs: run.fromTs.getTime() * 1000,
        toUs: run.toTs.getTime() * 1000,
      })
      members.push(...marketData.filter((d) => markets.includes(d.market)).map(detectionMember))
      members.push(...(await runMembers(stores.duck, o.runId)))
    }
  } else {
    members.push(...(await readDetections(stores.duck, { venue: o.venue, runId: null })).map(detectionMember))
  }
  const detectionAccounts = [...new Set(members.filter((m) => m.kind === 'detection').flatMap((m) => m.accounts))]
  const links = detectionAccounts.length ? await readAccountLinks(stores.duck, o.venue, null, LINK_HUB_SIZE) : []
  const clusters = linkClusters(links.map((l) => [l.account, l.linked]))
  const groups = groupMembers(members, clusters, o.gapSeconds * 1_000_000)
  const incidents: IncidentRecord[] = []
  const records: IncidentMemberRecord[] = []
  for (const group of groups) {
    const timeline = [...group].sort((a, b) => timelineOrder(a, b) || KIND_ORDER[a.kind] - KIND_ORDER[b.kind])
    const id = `inc_${sha256(
      timeline
        .map((m) => m.ref)
        .sort()
        .join('\n'),
    ).slice(0, 20)}`
    // the incident's window is its seeds' span: attached info and guardrail rows do not stretch it
    const seeds = timeline.filter((m) => m.seed)
    const fromUs = Math.min(...seeds.map((m) => m.fromUs))
    const toUs = Math.max(...seeds.map((m) => m.toUs))
    const markets = [...new Set(seeds.map((m) => m.market).filter((m): m is string => m !== null))].sort()
    const severity = timeline.reduce<Severity>((s, m) => (rankOf(m.severity) > rankOf(s) ? m.severity : s), 'info')
    const detections = timeline.filter((m) => m.kind === 'detection')
    const named = [...new Set(seeds.filter((m) => m.kind === 'detection').flatMap((m) => m.accounts))].sort()
    const patterns = patternOrder(seeds.filter((m) => m.kind === 'detection'))
    const totalDeficit = timeline.reduce((a, m) => a + m.shortfall, 0n)
    const fundImpact = -timeline.reduce((a, m) => a + m.fund, 0n)
    const adlCount = o.runId
      ? await countRunAdl(stores.duck, o.runId, markets, fromUs, toUs)
      : await countObservedAdl(stores.duck, o.venue, markets, fromUs, toUs)
    const linked = named.length > 1 && new Set(named.map((a) => clusters.get(a) ?? a)).size === 1
    const accounts = [...new Set([...named, ...timeline.flatMap((m) => m.accounts)])].sort().slice(0, 200)
    incidents.push({
      id,
      venue: o.venue,
      runId: o.runId,
      markets,
      fromUs,
      toUs,
      severity,
      title: incidentTitle({
        venue: o.venue,
        patterns,
        markets: marketsByWeight(seeds),
        accounts: named.length,
        linked,
        deficit: Number(textOf(totalDeficit)),
        deficits: timeline.filter((m) => m.kind === 'deficit').length,
        guardrails: timeline.filter((m) => m.kind === 'guardrail').length,
      }),
      totalDeficit: textOf(totalDeficit),
      insuranceFundImpact: textOf(fundImpact),
      adlCount,
      accounts,
      detections: detections.length,
      members: timeline.length,
      gapSeconds: o.gapSeconds,
    })
    timeline.forEach((m, seq) =>
      records.push({
        incidentId: id,
        seq,
        kind: m.kind,
        ref: m.ref,
        fromUs: m.fromUs,
        toUs: m.toUs,
        market: m.market,
        accounts: m.accounts,
        severity: m.severity,
        summary: m.summary,
        figures: m.figures,
      }),
    )
  }
  const { created } = await replaceIncidents(
    stores.duck,
    { venue: o.venue, runId: o.runId },
    incidents,
    records,
    (o.now ?? (() => new Date()))(),
  )
  if (o.onCreated && created.length) {
    const fresh = new Set(created)
    o.onCreated(
      incidents
        .filter((i) => fresh.has(i.id))
        .map((i) => ({ id: i.id, venue: i.venue, runId: i.runId, severity: i.severity as Severity })),
    )
  }
  const bySeverity = { info: 0, warning: 0, critical: 0 }
  for (const i of incidents) bySeverity[i.severity as Severity]++
  return { venue: o.venue, runId: o.runId, incidents: incidents.length, bySeverity }
}

/** Detected patterns, most severe first, then highest score, then id order. */
function patternOrder(detections: Member[]): DetectorId[] {
  const best = new Map<DetectorId, { rank: number; score: number }>()
  for (const m of detections) {
    const d = m.detection!
    if (!isDetectorId(d.detector)) continue
    const r = { rank: rankOf(m.severity), score: d.score }
    const prev = best.get(d.detector)
    if (!prev || r.rank > prev.rank || (r.rank === prev.rank && r.score > prev.score)) best.set(d.detector, r)
  }
  return [...best.entries()]
    .sort(([a, x], [b, y]) => y.rank - x.rank || y.score - x.score || (a < b ? -1 : 1))
    .map(([id]) => id)
}

/** Markets ordered by how much of the incident concerns them (seed members first), then by name. */
function marketsByWeight(timeline: Member[]): string[] {
  const weight = new Map<string, number>()
  for (const m of timeline) {
    if (!m.market) continue
    weight.set(m.market, (weight.get(m.market) ?? 0) + (m.seed ? 1000 : 1) * (1 + rankOf(m.severity)))
  }
  return [...weight.entries()].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1)).map(([m]) => m)
}

/**
 * Rebuilds the incidents a detector run can change: the venue's market-data scope, the given run's scope, and every
 * run scope of the venue that already has incidents (they include market-data detections).
 */
export async function rebuildIncidentScopes(
  stores: { duck: DuckStore; meta: MetaClient },
  o: RebuildOptions,
): Promise<RebuildSummary> {
  const runs = new Set(await incidentRunScopes(stores.duck, o.venue))
  if (o.runId) runs.add(o.runId)
  const scopes: RebuildScopeSummary[] = [await rebuildIncidents(stores, { ...o, runId: null })]
  for (const runId of [...runs].sort()) scopes.push(await rebuildIncidents(stores, { ...o, runId }))
  return { scopes, incidents: scopes.reduce((a, s) => a + s.incidents, 0) }
}
