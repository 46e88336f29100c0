// The parent types codegen maps the sweep types to (codegen.ts `mappers`): a sweep's stored document and a page of
// its points.
import type { SweepPointRow } from '../../../store/results/sweepResults.ts'
import type { ConnectionModel } from '../../common/pagination.ts'

export interface SweepModel {
  id: string
  /** The stored document without its points: sweep (the definition), base, frontier, recommendation. */
  head: {
    sweep: unknown
    base: unknown
    frontier: number[]
    recommendation: { point: number | null; statement: string; set: string[]; command: string | null }
  }
}

export type SweepPointConnectionModel = ConnectionModel<SweepPointRow>
