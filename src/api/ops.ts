// Operational endpoints: /healthz (liveness), /readyz (stores open, migrations applied), /metrics (Prometheus).
import { Router } from 'express'
import type { Runtime } from '../app/runtime.ts'
import { checkHealth } from './health.ts'

export function opsRouter(runtime: Runtime, isDraining: () => boolean): Router {
  const router = Router()
  // Liveness: the process is up and its event loop turns. Nothing else, so a slow store never gets it killed.
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' })
  })
  // Readiness: send traffic only when both stores answer and every migration is applied.
  router.get('/readyz', async (_req, res) => {
    const report = await checkHealth(runtime)
    const ready = report.status === 'ok' && !isDraining()
    res.status(ready ? 200 : 503).json({ ready, draining: isDraining(), ...report })
  })
  router.get('/metrics', async (_req, res) => {
    res.type(runtime.metrics.registry.contentType).send(await runtime.metrics.registry.metrics())
  })
  return router
}
