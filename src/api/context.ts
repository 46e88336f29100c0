// What every resolver receives: the caller, the process runtime, its run system and a per-request logger.
import type { RunControl } from '../app/runControl.ts'
import type { Runtime } from '../app/runtime.ts'
import type { Logger } from '../obs/logger.ts'
import type { RunEventFeed } from './subscriptions/runProgress.ts'
import type { Principal } from './auth/principal.ts'
import type { CacheTicket } from './plugins/responseCachePolicy.ts'

export interface ApiContext {
  runtime: Runtime
  log: Logger
  requestId: string
  /** Who is calling (src/api/auth): the @auth directive checks its role before every guarded resolver. */
  principal: Principal
  /** Submits and cancels runs; absent where no run system is running (answers UNAVAILABLE). */
  runs?: RunControl
  /** This process's run events (runProgress); absent: runs are followed through their records. */
  runEvents?: RunEventFeed
  /** The response cache's ticket for this HTTP request (absent when the cache is off or the request is not a POST). */
  responseCache?: CacheTicket
}
