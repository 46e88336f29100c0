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
  /**
   * Incidents' detections holding these detection fields: one loader (so one read per page) for each field set a
   * request asks for, which is one in practice.
   */
  incidentDetections(fields: ReadonlySet<string>): DataLoader<string, DetectionRow[]>
  incidentTimeline: DataLoader<string, IncidentMemberRow[]>
  /** Forgets everything loaded so far (a subscription's context lives as long as its socket). */
  clearAll(): void
}

function createLoaders(runtime: Runtime): Loaders {
  const detections = new Map<string, DataLoader<string, DetectionRow[]>>()
  const loaders: Loaders = {
    incidentDetections(fields) {
      const key = [...fields].sort().join(',')
      let loader = detections.get(key)
      if (!loader) {
        loader = new DataLoader((ids) => readIncidentDetections(runtime.duck, ids, fields))
        detections.set(key, loader)
      }
      return loader
    },
    incidentTimeline: new DataLoader((ids) => readIncidentTimelines(runtime.duck, ids)),
    clearAll() {
      detections.clear()
      loaders.incidentTimeline.clearAll()
    },
  }
  return loaders
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
