// Detections and incidents: connections, incident(id) with its timeline, the member detections of every incident of
// a page through one per-request loader, and runDetectors (a detect run, returned at once).
import { NotFoundError } from '../../../errors.ts'
import { readDetectionList, readIncidentList, readIncidentsById } from '../../../store/detect/detectionLists.ts'
import { getRun } from '../../../store/meta/runs.ts'
import { loadersOf } from '../../common/loaders.ts'
import { selectedFields, selectedNodeFields } from '../../common/selection.ts'
import { runsOf } from '../../resolvers/backtests.ts'
import { listQuery, toConnection } from '../../common/pagination.ts'
import type {
  DetectionResolvers,
  IncidentMemberResolvers,
  IncidentResolvers,
  MutationResolvers,
  QueryResolvers,
} from '../../generated/resolvers-types.ts'

export const detections: QueryResolvers['detections'] = async (_p, args, { runtime }, info) => {
  const query = { ...listQuery(args), fields: selectedNodeFields(info) }
  return toConnection(await readDetectionList(runtime.duck, query), query)
}

/** The incident row fields the GraphQL fields read: the nested lists are loaded by the incident's id. */
const INCIDENT_FIELD_COLUMNS: Record<string, string> = {
  detectionCount: 'detections',
  timeline: 'id',
  detections: 'id',
}

export const incidents: QueryResolvers['incidents'] = async (_p, args, { runtime }, info) => {
  const fields = new Set([...selectedNodeFields(info)].map((f) => INCIDENT_FIELD_COLUMNS[f] ?? f))
  const query = { ...listQuery(args), fields }
  return toConnection(await readIncidentList(runtime.duck, query), query)
}

export const incident: QueryResolvers['incident'] = async (_p, { id }, { runtime }) => {
  const [found] = await readIncidentsById(runtime.duck, [id])
  if (!found) throw new NotFoundError(`no incident with id ${id}`, { id })
  return found
}

export const runDetectors: MutationResolvers['runDetectors'] = async (_p, { input }, context) => {
  const { runId } = await runsOf(context).submit(
    'detect',
    Object.fromEntries(Object.entries(input).filter(([, v]) => v != null)),
    { trigger: 'api' },
  )
  return (await getRun(context.runtime.meta, runId))!
}

export const Detection: DetectionResolvers = {
  evidence: (d) => JSON.parse(d.evidence) as unknown,
}

export const Incident: IncidentResolvers = {
  detectionCount: (i) => i.detections,
  timeline: (i, _a, context) => loadersOf(context).incidentTimeline.load(i.id),
  detections: (i, _a, context, info) => loadersOf(context).incidentDetections(selectedFields(info)).load(i.id),
}

export const IncidentMember: IncidentMemberResolvers = {
  figures: (m) => JSON.parse(m.figures) as unknown,
}
