// Landing page: GraphiQL with its assets inlined (Apollo's default landing page loads Apollo Sandbox from a CDN).
// Browsers normally get it compressed from graphiqlPageHandler; this plugin is Apollo's own fallback for the same page.
import type { ApolloServerPlugin } from '@apollo/server'
import { graphiqlPage } from '../graphiqlPage.ts'

export function localGraphiQL(endpoint: string): ApolloServerPlugin {
  return {
    async serverWillStart() {
      const { html } = graphiqlPage(endpoint)
      return {
        async renderLandingPage() {
          return { html }
        },
      }
    },
  }
}
