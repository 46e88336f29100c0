// Where a report's incidents come from. The interface lets the detectors' incidents (src/incidents) feed reports;
// without them, a run's deficits clustered in time stand in, named as such in the report.
import type { DuckStore } from '../store/duck/open.ts'
import { readDeficitClusters } from '../store/results/reportReads.ts'
import type { ReportDetection } from './model.ts'

/** An incident before the report adds its liquidation figures and timeline. */
export interface SourcedIncident {
  id: string
  title: string
  severity: string
  markets: string[]
  fromMs: number
  toMs: number
  deficits: number
  accounts: number
  shortfall: string
  coveredByFund: string
  coveredByFeePool: string
  coveredByAdl: string
  socialized: string
  uncovered: string
  detections: ReportDetection[]
}

export interface SourcedIncidents {
  source: 'incidents' | 'deficit-clusters'
  gapSeconds: number | null
  /** Incidents in the run, including those not returned. */
  total: number
  /** Largest shortfall first. */
  items: SourcedIncident[]
}

export interface IncidentSource {
  incidentsOf(runId: string, limit: number): Promise<SourcedIncidents>
}

/** Deficits more than this far apart on one market belong to different clusters. */
export const CLUSTER_GAP_SECONDS = 15 * 60

const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16)
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)

/** Deficits of one market closer than CLUSTER_GAP_SECONDS to each other, as incidents without detections. */
export function deficitClusterSource(duck: DuckStore, gapSeconds = CLUSTER_GAP_SECONDS): IncidentSource {
  return {
    async incidentsOf(runId, limit) {
      const { clusters, total } = await readDeficitClusters(duck, runId, gapSeconds, limit)
      return {
        source: 'deficit-clusters',
        gapSeconds,
        total,
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
          detections: [],
        })),
      }
    },
  }
}
