// Counts GraphQL operations and their latency by operation name, for /metrics. Operation names are chosen by
// clients, so at most MAX_OPERATION_LABELS distinct ones become label values; later new names count as "other"
// (a client sending a fresh name per request cannot grow the registry without bound).
import type { ApolloServerPlugin } from '@apollo/server'
import type { Metrics } from '../../obs/metrics.ts'

export const MAX_OPERATION_LABELS = 200

/** The bounded label of an operation name; one instance per server (shared by Apollo and the response cache's hits). */
export interface OperationLabels {
  of(name: string | null): string
}

export function operationLabels(): OperationLabels {
  const named = new Set<string>()
  return {
    of(name) {
      if (name === null) return 'anonymous'
      if (named.has(name)) return name
      if (named.size >= MAX_OPERATION_LABELS || name.length > 100) return 'other'
      named.add(name)
      return name
    },
  }
}

export function requestMetrics(metrics: Metrics, labels: OperationLabels = operationLabels()): ApolloServerPlugin {
  return {
    async requestDidStart() {
      const started = performance.now()
      return {
        async willSendResponse({ operationName, errors }) {
          const operation = labels.of(operationName ?? null)
          metrics.graphqlRequests.inc({ operation, outcome: errors?.length ? 'error' : 'ok' })
          metrics.graphqlDuration.observe({ operation }, (performance.now() - started) / 1000)
        },
      }
    },
  }
}
