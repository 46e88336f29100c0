// Health of the service's components, shared by the `health` query and the /readyz endpoint.
import type { Runtime } from '../app/runtime.ts'
import { duckSchemaCurrent } from '../store/duck/schema.ts'
import { pendingMetaMigrations, pingMeta } from '../store/meta/readiness.ts'

export type HealthStatus = 'ok' | 'degraded' | 'down'

export interface ComponentHealth {
  status: HealthStatus
  latencyMs: number | null
  detail: string | null
}

export interface HealthReport {
  status: HealthStatus
  duckdb: ComponentHealth
  metadata: ComponentHealth
}

const CHECK_TIMEOUT_MS = 2000

async function timed(check: () => Promise<string | null>): Promise<ComponentHealth> {
  const started = performance.now()
  let timer: NodeJS.Timeout | undefined
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS)
    })
    const problem = await Promise.race([check(), timeout])
    const latencyMs = Math.round((performance.now() - started) * 1000) / 1000
    return { status: problem ? 'degraded' : 'ok', latencyMs, detail: problem }
  } catch (error) {
    return { status: 'down', latencyMs: null, detail: error instanceof Error ? error.message : String(error) }
  } finally {
    clearTimeout(timer)
  }
}

/** Each store answers a trivial query and has every shipped migration applied (degraded otherwise). */
export async function checkHealth(runtime: Runtime): Promise<HealthReport> {
  const [duckdb, metadata] = await Promise.all([
    timed(async () => {
      await runtime.duck.ping()
      return (await duckSchemaCurrent(runtime.duck)) ? null : 'DuckDB DDL pending: run `backstop migrate`'
    }),
    timed(async () => {
      await pingMeta(runtime.meta)
      const pending = await pendingMetaMigrations(runtime.meta)
      return pending.length ? `metadata migrations pending (${pending.join(', ')}): run \`backstop migrate\`` : null
    }),
  ])
  const statuses = [duckdb.status, metadata.status]
  const status: HealthStatus = statuses.includes('down') ? 'down' : statuses.includes('degraded') ? 'degraded' : 'ok'
  return { status, duckdb, metadata }
}
