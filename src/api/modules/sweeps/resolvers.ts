// Sweeps: runSweep (a sweep run, returned at once), sweep(id) with its points as a connection, its frontier and its
// recommendation, read from the stored document of a run that succeeded.
import { NotFoundError } from '../../../errors.ts'
import { getRun } from '../../../store/meta/runs.ts'
import {
  readSweepDocument,
  readSweepPoints,
  readSweepPointsByIndex,
  type SweepPointRow,
} from '../../../store/results/sweepResults.ts'
import { listQuery, toConnection } from '../../common/pagination.ts'
import { runsOf } from '../../resolvers/backtests.ts'
import type {
  MutationResolvers,
  QueryResolvers,
  SweepPointResolvers,
  SweepResolvers,
} from '../../generated/resolvers-types.ts'
import type { SweepModel } from './models.ts'

/** An input object without the fields given as null (the request schema reads those as absent). */
const given = (o: object) => Object.fromEntries(Object.entries(o).filter(([, v]) => v != null))

export const runSweep: MutationResolvers['runSweep'] = async (_p, { input }, context) => {
  const request = given(input)
  if (input.attackCost) request.attackCost = input.attackCost.map(given)
  const { runId } = await runsOf(context).submit('sweep', request, { trigger: 'api' })
  return (await getRun(context.runtime.meta, runId))!
}

export const sweep: QueryResolvers['sweep'] = async (_p, { id }, { runtime }) => {
  const text = await readSweepDocument(runtime, id)
  if (text === null) throw new NotFoundError(`run ${id} is not a sweep`, { runId: id })
  return { id, head: JSON.parse(text) as SweepModel['head'] }
}

export const Sweep: SweepResolvers = {
  run: async (s, _a, { runtime }) => (await getRun(runtime.meta, s.id))!,
  definition: (s) => s.head.sweep,
  base: (s) => s.head.base,
  recommendation: (s) => s.head.recommendation,
  points: async (s, args, { runtime }) => {
    const query = listQuery(args)
    return toConnection(await readSweepPoints(runtime, s.id, query), query)
  },
  frontier: (s, _a, { runtime }) => readSweepPointsByIndex(runtime.duck, s.id, s.head.frontier),
}

const parsed = (p: SweepPointRow) =>
  JSON.parse(p.point) as { values: unknown; problems?: unknown; windows: unknown; attackCost?: unknown[] }

export const SweepPoint: SweepPointResolvers = {
  values: (p) => parsed(p).values,
  problems: (p) => parsed(p).problems ?? null,
  windows: (p) => parsed(p).windows,
  // a skipped point has no searches: null, as for a sweep that asked for none
  attackCost: (p) => (p.status === 'evaluated' ? (parsed(p).attackCost ?? null) : null),
}
