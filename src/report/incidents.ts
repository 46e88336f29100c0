// Where a report's incidents come from: the detectors' incidents of the run (src/incidents, rebuilt by every detect
// run over the run's outputs) with the run's deficits inside each incident's window and the detections that explain
// it; or, when detectors were not run over the run, its deficits clustered in time, and the report says so.
import { SEVERITIES } from '../domain/detection.ts'
import { readIncidentDetections, readIncidentTimelines } from '../store/detect/detectionLists.ts'
import { readIncidents } from '../store/detect/incidents.ts'
import type { DuckStore } from '../store/duck/open.ts'
import type { MetaClient } from '../store/meta/client.ts'
import { listRuns } from '../store/meta/runs.ts'
import { readDeficitClusters, readWindowDeficits } from '../store/results/reportReads.ts'
import type { DetectionCoverage, ReportDetection } from './model.ts'

/** An incident before the report adds its liquidation figures and timeline. */
export interface SourcedIncident {
  id: string
  title: string
  severity: string
  markets: string[]
  fromMs: number
  toMs: number
  /** The run's deficits inside the incident's window and markets. */
  deficits: number
  accounts: number
  shortfall: string
  coveredByFund: string
  coveredByFeePool: string
  coveredByAdl: string
  socialized: string
  uncovered: string
  /** Detectors with a detection in the incident (empty for deficit clusters). */
  detectors: string[]
  /** Accounts the incident involves (its detections' and deficits' accounts; empty for deficit clusters). */
  accountIds: string[]
  detections: ReportDetection[]
}

export interface SourcedIncidents {
  source: 'incidents' | 'deficit-clusters'
  gapSeconds: number | null
  /** Incidents in the run, including those not returned. */
  total: number
  /** Largest shortfall first. */
  items: SourcedIncident[]
  detection: DetectionCoverage
}

/** The run a report is about, as far as its incidents are concerned. */
export interface IncidentRunScope {
  id: string
  venue: string
  markets: string[]
  fromMs: number
  toMs: number
}

export interface IncidentSource {
  incidentsOf(run: IncidentRunScope, limit: number): Promise<SourcedIncidents>
}

/** Deficits more than this far apart on one market belong to different clusters. */
export const CLUSTER_GAP_SECONDS = 15 * 60

const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16)
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)

const NOT_RUN: DetectionCoverage = {
  ran: false,
  runs: [],
  note: 'Detectors were not run over this run, so no incident is explained by a detection: the incidents listed are the run’s deficits clustered per market.',
}

/** Deficits of one market closer than CLUSTER_GAP_SECONDS to each other, as incidents without detections. */
export function deficitClusterSource(duck: DuckStore, gapSeconds = CLUSTER_GAP_SECONDS): IncidentSource {
  return {
    async incidentsOf(run, limit) {
      const { clusters, total } = await readDeficitClusters(duck, run.id, gapSeconds, limit)
      return {
        source: 'deficit-clusters',
        gapSeconds,
        total,
        detection: NOT_RUN,
        items: clusters.map((c) => ({
          id: `${c.market}@${new Date(c.fromMs).toISOString()}`,
          title: `${c.market}: ${c.deficits} deficit${c.deficits === 1 ? '' : 's'} on ${day(c.fromMs)}, ${hhmm(c.fromMs)}–${hhmm(c.toMs)} UTC`,
          severity: Number(c.uncovered) > 0 ? 'critical' : 'warning',
          markets: [c.market],
          fromMs: c.fromMs,
          toMs: c.toMs,
          deficits: c.deficits,
          accounts: c.accounts,
          shortfall: c.shortfall,
          coveredByFund: c.coveredByFund,
          coveredByFeePool: c.coveredByFeePool,
          coveredByAdl: c.coveredByAdl,
          socialized: c.socialized,
          uncovered: c.uncovered,
          detectors: [],
          accountIds: [],
          detections: [],
        })),
      }
    },
  }
}

/** What a succeeded detect run recorded as its result (src/detect/run.ts DetectSummary), as far as reports read it. */
interface DetectResult {
  runId?: string | null
  detectors?: Array<{ detector: string; status: string; market: string }>
}

/** Detect runs that read the run's outputs: the newest first, at most this many are listed. */
const DETECT_RUNS_LISTED = 5
/** How many recent succeeded detect runs are searched for ones over the reported run. */
const DETECT_RUNS_SEARCHED = 1000

/**
 * The detectors' incidents of the run (its run scope: the run's deficits and guardrail triggers, its detections and
 * the market-data detections over its window and markets), restricted to the run's window and markets, largest
 * shortfall first. When no detect run read the run's outputs and the run has no incident, falls back to deficit
 * clusters and says that detectors were not run.
 */
export function detectedIncidentSource(duck: DuckStore, meta: MetaClient): IncidentSource {
  const clusters = deficitClusterSource(duck)
  return {
    async incidentsOf(run, limit) {
      const detectRuns = (await listRuns(meta, { kind: 'detect', status: 'succeeded', limit: DETECT_RUNS_SEARCHED }))
        .filter((r) => (r.result as DetectResult | null)?.runId === run.id)
        .slice(0, DETECT_RUNS_LISTED)
      const incidents = (
        await readIncidents(duck, { runId: run.id, fromUs: run.fromMs * 1000, toUs: run.toMs * 1000 })
      ).filter((i) => i.markets.some((m) => run.markets.includes(m)))
      if (!detectRuns.length && !incidents.length) return clusters.incidentsOf(run, limit)
      const runs = detectRuns.map((r) => {
        const steps = (r.result as DetectResult).detectors ?? []
        const of = (status: string) => [...new Set(steps.filter((s) => s.status === status).map((s) => s.detector))]
        return {
          runId: r.id,
          finishedAt: (r.finishedAt ?? r.queuedAt).toISOString(),
          detectors: of('ran'),
          missingData: of('missing-data'),
          failed: of('failed'),
        }
      })
      const detection: DetectionCoverage = {
        ran: true,
        runs,
        note: runs.length
          ? `Detectors ran over this run's outputs (detect run ${runs[0]!.runId}, ${runs[0]!.finishedAt}); incidents group its deficits, guardrail triggers and the detections that overlap them in time on the same market or linked accounts.`
          : 'Incidents were built by detectors over this run (their detect run is no longer recorded); they group its deficits, guardrail triggers and the detections that overlap them in time on the same market or linked accounts.',
      }
      const detections = await readIncidentDetections(
        duck,
        incidents.map((i) => i.id),
      )
      const timelines = await readIncidentTimelines(
        duck,
        incidents.map((i) => i.id),
      )
      const items: SourcedIncident[] = []
      for (const [k, i] of incidents.entries()) {
        const markets = i.markets.filter((m) => run.markets.includes(m))
        const fromMs = Math.floor(i.fromUs / 1000)
        const toMs = Math.ceil(i.toUs / 1000)
        const d = await readWindowDeficits(duck, run.id, markets, fromMs, toMs)
        const summaries = new Map(timelines[k]!.map((m) => [m.ref, m.summary]))
        const members = detections[k]!
        items.push({
          id: i.id,
          title: i.title,
          severity: i.severity,
          markets: i.markets,
          fromMs,
          toMs,
          deficits: d.deficits,
          accounts: i.accounts.length,
          shortfall: d.shortfall,
          coveredByFund: d.coveredByFund,
          coveredByFeePool: d.coveredByFeePool,
          coveredByAdl: d.coveredByAdl,
          socialized: d.socialized,
          uncovered: d.uncovered,
          detectors: [...new Set(members.map((m) => m.detector))].sort(),
          accountIds: [...i.accounts].sort(),
          detections: members.map((m) => ({
            id: m.id,
            detector: m.detector,
            severity: m.severity,
            score: m.score,
            from: m.windowFrom.toISOString(),
            to: m.windowTo.toISOString(),
            accounts: m.accounts,
            summary: summaries.get(m.id) ?? `${m.detector}: ${m.severity}`,
            evidence: JSON.parse(m.evidence) as unknown,
            estimatedCost: m.estimatedCostQuote,
            estimatedProfit: m.estimatedProfitQuote,
          })),
        })
      }
      const rank = (s: string) => SEVERITIES.indexOf(s as (typeof SEVERITIES)[number])
      items.sort(
        (a, b) =>
          Number(b.shortfall) - Number(a.shortfall) ||
          rank(b.severity) - rank(a.severity) ||
          a.fromMs - b.fromMs ||
          (a.id < b.id ? -1 : 1),
      )
      return { source: 'incidents', gapSeconds: null, total: items.length, items: items.slice(0, limit), detection }
    },
  }
}
