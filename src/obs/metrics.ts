// Prometheus metrics for /metrics: one registry per process (tests create their own), default Node metrics included.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

export function createMetrics() {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'backstop_' })
  const graphqlRequests = new Counter({
    name: 'backstop_graphql_requests_total',
    help: 'GraphQL operations executed, by operation name and outcome',
    labelNames: ['operation', 'outcome'] as const,
    registers: [registry],
  })
  const graphqlDuration = new Histogram({
    name: 'backstop_graphql_request_duration_seconds',
    help: 'GraphQL operation latency, from parse to response',
    labelNames: ['operation'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  })
  const jobRuns = new Counter({
    name: 'backstop_job_runs_total',
    help: 'Job runs finished, by job and status',
    labelNames: ['job', 'status'] as const,
    registers: [registry],
  })
  const jobDuration = new Histogram({
    name: 'backstop_job_duration_seconds',
    help: 'Job run duration',
    labelNames: ['job'] as const,
    buckets: [0.1, 1, 5, 15, 60, 300, 900, 3600],
    registers: [registry],
  })
  const jobsRunning = new Gauge({
    name: 'backstop_jobs_running',
    help: 'Job runs in progress in this process',
    registers: [registry],
  })
  const rowsIngested = new Counter({
    name: 'backstop_ingest_rows_total',
    help: 'Rows loaded into the market-data store, by source and dataset',
    labelNames: ['source', 'dataset'] as const,
    registers: [registry],
  })
  return { registry, graphqlRequests, graphqlDuration, jobRuns, jobDuration, jobsRunning, rowsIngested }
}

export type Metrics = ReturnType<typeof createMetrics>
