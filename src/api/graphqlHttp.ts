// The /graphql route: Apollo's Express integration (what @as-integrations/express5 does: headers in, Apollo's HTTP
// request executed, headers, status and body out) with the response cache in front. A POST whose key (role, Accept,
// body) holds an answer of the current data generation is sent from memory without entering Apollo, and one identical
// to a request executing at that moment waits for its answer; any other request executes, and its answer is stored
// when the policy plugin found it cacheable. `X-Cache` says which: hit (from memory, or shared with the identical
// request), miss (executed and stored) or bypass (executed, not cacheable).
import { HeaderMap, type ApolloServer } from '@apollo/server'
import type { Request, RequestHandler, Response } from 'express'
import type { Metrics } from '../obs/metrics.ts'
import { principalOf } from './auth/index.ts'
import type { ApiContext } from './context.ts'
import type { CacheTicket } from './plugins/responseCachePolicy.ts'
import type { OperationLabels } from './plugins/requestMetrics.ts'
import { responseCacheKey, type CachedAnswer, type ResponseCache } from './responseCache.ts'

export interface GraphqlHttpOptions {
  /** The context of an executed request; `responseCache` is the cache's ticket (absent when the cache is off). */
  context: (req: Request, res: Response, responseCache: CacheTicket | undefined) => Promise<ApiContext>
  cache?: ResponseCache | undefined
  /** Hits are counted like executed operations (/metrics). */
  metrics: Metrics
  labels: OperationLabels
}

export function graphqlHttp(apollo: ApolloServer<ApiContext>, options: GraphqlHttpOptions): RequestHandler {
  const { cache, metrics, labels } = options
  /**
   * Executions in flight by generation and key: an identical request arriving meanwhile waits for the answer instead
   * of executing again (after a write, a dashboard's viewers all miss at once). Resolves with the answer when it was
   * stored, else undefined (the waiter then executes itself).
   */
  const inFlight = new Map<string, Promise<CachedAnswer | undefined>>()

  function sendCached(res: Response, answer: CachedAnswer, started: number): void {
    res.setHeader('content-type', answer.contentType)
    res.setHeader('cache-control', 'no-store')
    res.setHeader('x-cache', 'hit')
    res.end(answer.body)
    const operation = labels.of(answer.operationName)
    metrics.graphqlRequests.inc({ operation, outcome: 'ok' })
    metrics.graphqlDuration.observe({ operation }, (performance.now() - started) / 1000)
  }

  return async (req, res, next) => {
    let settle: ((answer: CachedAnswer | undefined) => void) | undefined
    let flightKey = ''
    let stored: CachedAnswer | undefined
    try {
      const started = performance.now()
      // the generation is read before anything executes: an answer computed across a write is not stored (`set`
      // compares it with the generation then), and no entry of an earlier generation is served
      const key =
        cache && req.method === 'POST' ? responseCacheKey(principalOf(req).role, req.get('accept'), req.body) : null
      const lookup = key !== null ? { generation: cache!.current(), key } : undefined
      const hit = lookup && cache!.get(lookup.key, lookup.generation)
      if (hit) return sendCached(res, hit, started)
      if (lookup && lookup.generation !== null) {
        flightKey = `${lookup.generation}\n${lookup.key}`
        const leader = inFlight.get(flightKey)
        if (leader) {
          const shared = await leader
          if (shared) return sendCached(res, shared, started)
        } else inFlight.set(flightKey, new Promise((resolve) => (settle = resolve)))
      }
      const ticket: CacheTicket | undefined = lookup ? { cacheable: false, operationName: null } : undefined
      const headers = new HeaderMap()
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value)
      }
      const queryAt = req.originalUrl.indexOf('?')
      const answer = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: {
          method: req.method.toUpperCase(),
          headers,
          search: queryAt < 0 ? '' : req.originalUrl.slice(queryAt),
          body: req.body as unknown,
        },
        context: () => options.context(req, res, ticket),
      })
      for (const [name, value] of answer.headers) res.setHeader(name, value)
      res.statusCode = answer.status ?? 200
      if (answer.body.kind === 'complete') {
        const body = Buffer.from(answer.body.string, 'utf8')
        if (cache && ticket?.cacheable && res.statusCode === 200) {
          const candidate: CachedAnswer = {
            body,
            contentType: answer.headers.get('content-type') ?? 'application/json; charset=utf-8',
            operationName: ticket.operationName,
          }
          if (cache.set(lookup!.key, candidate, lookup!.generation)) stored = candidate
        }
        if (cache) res.setHeader('x-cache', stored ? 'miss' : 'bypass')
        res.end(body)
        return
      }
      if (cache) res.setHeader('x-cache', 'bypass')
      for await (const chunk of answer.body.asyncIterator) res.write(chunk)
      res.end()
    } catch (error) {
      next(error)
    } finally {
      if (settle) {
        inFlight.delete(flightKey)
        settle(stored)
      }
    }
  }
}
