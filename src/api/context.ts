// What every resolver receives: the process runtime and a per-request logger.
import type { Runtime } from '../app/runtime.ts'
import type { Logger } from '../obs/logger.ts'

export interface ApiContext {
  runtime: Runtime
  log: Logger
  requestId: string
}
