// GraphQL answers are never cached (`cache-control: no-store`), the header Apollo's cache-control plugin sent for
// schemas without cache hints. That plugin is disabled (server.ts): it ran a hook on every field of every row
// (1000-row pages spent more in it than in reading the rows), for hints this schema does not declare.
import type { ApolloServerPlugin } from '@apollo/server'

export function noStoreResponses(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (!response.http.headers.has('cache-control')) response.http.headers.set('cache-control', 'no-store')
        },
      }
    },
  }
}
