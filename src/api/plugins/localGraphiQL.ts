// Landing page: GraphiQL with its scripts, styles and editor workers inlined, so it works with no internet.
// (Apollo's default landing page loads Apollo Sandbox from a CDN.)
import type { ApolloServerPlugin } from '@apollo/server'
import { renderGraphiQL } from '@graphql-yoga/render-graphiql'

const FIRST_QUERY = `# Welcome to Backstop. Press the run button (or Ctrl-Enter) to execute.
{
  health {
    status
    version
    duckdb { status latencyMs }
    metadata { status latencyMs }
  }
  markets {
    venue
    market
    datasets
    firstTs
    lastTs
  }
}
`

export function localGraphiQL(endpoint: string): ApolloServerPlugin {
  return {
    async serverWillStart() {
      // Rendered once (9 MB): the page is the same for every visitor.
      const html = renderGraphiQL({ endpoint, title: 'Backstop GraphiQL', defaultQuery: FIRST_QUERY })
      return {
        async renderLandingPage() {
          return { html }
        },
      }
    },
  }
}
