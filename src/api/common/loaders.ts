// Per-request DataLoaders for nested fields (no query per row): created on first use for a request's context and
// dropped with it, so nothing is cached across requests.
import DataLoader from 'dataloader'
import type { Runtime } from '../../app/runtime.ts'
import {
  readIncidentDetections,
  readIncidentTimelines,
  type DetectionRow,
  type IncidentMemberRow,
} from '../../store/detect/detectionLists.ts'
import type { ApiContext } from '../context.ts'

export interface Loaders {
  incidentDetections: DataLoader<string, DetectionRow[]>
  incidentTimeline: DataLoader<string, IncidentMemberRow[]>
}

function createLoaders(runtime: Runtime): Loaders {
  return {
    incidentDetections: new DataLoader((ids) => readIncidentDetections(runtime.duck, ids)),
    incidentTimeline: new DataLoader((ids) => readIncidentTimelines(runtime.duck, ids)),
  }
}

const perRequest = new WeakMap<ApiContext, Loaders>()

/** The loaders of this request (one context object per request). */
export function loadersOf(context: ApiContext): Loaders {
  let loaders = perRequest.get(context)
  if (!loaders) {
    loaders = createLoaders(context.runtime)
    perRequest.set(context, loaders)
  }
  return loaders
}
