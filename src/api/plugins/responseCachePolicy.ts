// Which answers the response cache may keep (src/api/responseCache.ts, served by graphqlHttp.ts): a query's, whole
// (no error, status 200, not incremental), whose root fields do not depend on the wall clock. A mutation moves the
// data generation when it is answered, whatever it wrote.
import type { ApolloServerPlugin } from '@apollo/server'
import { Kind, type DocumentNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql'
import { bumpDataGeneration } from '../../store/generation.ts'

/** Root Query fields never cached: their answers change with time, not with the stored data. */
export const UNCACHED_QUERY_FIELDS: ReadonlySet<string> = new Set([
  // uptime and store latencies
  'health',
])

/** The cache's part of a request's context: the plugin marks whether the answer may be stored. */
export interface CacheTicket {
  cacheable: boolean
  operationName: string | null
}

interface WithTicket {
  responseCache?: CacheTicket
}

/** Root field names an operation selects, through fragments (skipped ones included: the check errs on caution). */
function rootFields(document: DocumentNode, selectionSet: SelectionSetNode, out = new Set<string>()): Set<string> {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) out.add(selection.name.value)
    else if (selection.kind === Kind.INLINE_FRAGMENT) rootFields(document, selection.selectionSet, out)
    else {
      const fragment = document.definitions.find(
        (d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === selection.name.value,
      )
      if (fragment?.kind === Kind.FRAGMENT_DEFINITION) rootFields(document, fragment.selectionSet, out)
    }
  }
  return out
}

/** Whether an operation's answer is a function of the stored data alone (memoised per parsed document). */
const verdicts = new WeakMap<OperationDefinitionNode, boolean>()
function cacheableOperation(document: DocumentNode, operation: OperationDefinitionNode): boolean {
  let verdict = verdicts.get(operation)
  if (verdict === undefined) {
    verdict =
      operation.operation === 'query' &&
      ![...rootFields(document, operation.selectionSet)].some((f) => UNCACHED_QUERY_FIELDS.has(f))
    verdicts.set(operation, verdict)
  }
  return verdict
}

export function responseCachePolicy(): ApolloServerPlugin<WithTicket> {
  return {
    async requestDidStart() {
      let candidate = false
      let mutation = false
      return {
        async didResolveOperation({ document, operation }) {
          if (!operation) return
          mutation = operation.operation === 'mutation'
          candidate = cacheableOperation(document, operation)
        },
        async willSendResponse({ response, contextValue, operationName }) {
          if (mutation) bumpDataGeneration()
          const ticket = contextValue.responseCache
          if (!ticket || !candidate) return
          ticket.cacheable =
            response.body.kind === 'single' &&
            response.body.singleResult.errors === undefined &&
            (response.http.status ?? 200) === 200
          ticket.operationName = operationName ?? null
        },
      }
    },
  }
}
