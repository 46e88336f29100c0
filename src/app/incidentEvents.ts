// In-process pub/sub of incidents as the incidents stage creates them: the detect job publishes what a rebuild
// created, the API's incidentCreated subscription listens. One per runtime; nothing crosses processes.
import { EventEmitter } from 'node:events'
import type { Severity } from '../domain/detection.ts'

/** An incident a rebuild wrote that its scope did not hold before (ids hash the members). */
export interface CreatedIncident {
  id: string
  venue: string
  runId: string | null
  severity: Severity
}

export class IncidentEvents {
  private readonly emitter = new EventEmitter()

  constructor() {
    // one listener per open subscription: no leak warning at 10
    this.emitter.setMaxListeners(0)
  }

  /** Called once the incidents are committed (readable by every connection). */
  publish(incidents: readonly CreatedIncident[]): void {
    for (const incident of incidents) this.emitter.emit('created', incident)
  }

  subscribe(listener: (incident: CreatedIncident) => void): () => void {
    this.emitter.on('created', listener)
    return () => this.emitter.off('created', listener)
  }

  get listeners(): number {
    return this.emitter.listenerCount('created')
  }
}
