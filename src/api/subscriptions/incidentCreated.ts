// incidentCreated(venue, minSeverity): incidents as this process's detect runs create them, read whole from the
// store once committed (the event carries the id, venue and severity, enough to filter before any read).
import type { CreatedIncident } from '../../app/incidentEvents.ts'
import { SEVERITIES, type Severity } from '../../domain/detection.ts'
import { readIncidentsById, type IncidentRow } from '../../store/detect/detectionLists.ts'
import { assertSafeInput } from '../../userInput.ts'
import { loadersOf } from '../common/loaders.ts'
import type { ApiContext } from '../context.ts'
import type { SubscriptionResolvers } from '../generated/resolvers-types.ts'
import { pushIterator } from './pushIterator.ts'

export interface IncidentFilter {
  venue?: string | null
  minSeverity?: Severity | null
}

export const matchesIncident = (filter: IncidentFilter, incident: CreatedIncident) =>
  (filter.venue == null || incident.venue === filter.venue) &&
  (filter.minSeverity == null || SEVERITIES.indexOf(incident.severity) >= SEVERITIES.indexOf(filter.minSeverity))

export function incidentMessages(context: ApiContext, filter: IncidentFilter): AsyncIterableIterator<IncidentRow> {
  const { runtime } = context
  let stop = () => undefined as unknown
  const out = pushIterator<IncidentRow>(() => stop())
  // reads chained so messages keep the order the incidents were published in
  let reading = Promise.resolve()
  stop = runtime.incidentEvents.subscribe((incident) => {
    if (!matchesIncident(filter, incident)) return
    reading = reading
      .then(async () => {
        if (out.closed) return
        const [row] = await readIncidentsById(runtime.duck, [incident.id])
        // a later rebuild may already have replaced it: only what exists is sent
        if (!row) return
        // a subscription keeps one context for its whole life: its loaders must not cache every incident it sends
        loadersOf(context).clearAll()
        out.push(row)
      })
      .catch((error) => out.fail(error))
  })
  return out
}

export const incidentCreated: SubscriptionResolvers['incidentCreated'] = {
  subscribe: (_p, args, context) => {
    assertSafeInput(args, '', 'invalid arguments to incidentCreated')
    return incidentMessages(context, { venue: args.venue ?? null, minSeverity: args.minSeverity ?? null }) as never
  },
  resolve: (row: IncidentRow) => row,
}
