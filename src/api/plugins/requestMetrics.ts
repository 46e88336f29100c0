// Counts GraphQL operations and their latency by operation name, for /metrics.
import type { ApolloServerPlugin } from '@apollo/server'
import type { Metrics } from '../../obs/metrics.ts'

export function requestMetrics(metrics: Metrics): ApolloServerPlugin {
  return {
    async requestDidStart() {
      const started = performance.now()
      return {
        async willSendResponse({ operationName, errors }) {
          const operation = operationName ?? 'anonymous'
          metrics.graphqlRequests.inc({ operation, outcome: errors?.length ? 'error' : 'ok' })
          metrics.graphqlDuration.observe({ operation }, (performance.now() - started) / 1000)
        },
      }
    },
  }
}
