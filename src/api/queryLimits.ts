// Query limits checked before execution. Each refusal is a 400 GRAPHQL_VALIDATION_FAILED whose extensions name the
// limit, its maximum and the value received ({limit: "maxTokens", max: 5000, received: 5123}): tokens (graphql's
// parser stops at the limit; formatError counts and reports), depth (ours: introspection included, with the depth of
// the standard introspection query as its bound), aliases, directives and cost (graphql-armor's rules, their
// rejections reported in the same shape). Subscriptions are refused over HTTP, naming the WebSocket endpoint.
import { ApolloArmor } from '@escape.tech/graphql-armor'
import {
  GraphQLError,
  Kind,
  Lexer,
  Source,
  TokenKind,
  getIntrospectionQuery,
  parse,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql'

export const MAX_TOKENS = 5000
export const MAX_ALIASES = 30
export const MAX_DIRECTIVES = 50
/**
 * graphql-armor's cost multiplies a selection by its literal `first`: 250,000 lets one page of the largest `first`
 * (5,000 rows) with about twenty columns through, while a page nested in a page (5,000 × 5,000) is refused.
 */
export const MAX_COST = 250_000

/** A refused query: 400 GRAPHQL_VALIDATION_FAILED with the limit, its maximum and what the query has. */
export function limitError(limit: string, max: number, received: number, message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit, max, received, http: { status: 400 } },
  })
}

const INTROSPECTION_ROOTS = new Set(['__schema', '__type'])

/**
 * Field depth of a selection set (fragments add no level), separately for introspection (below `__schema` or
 * `__type`) and for the rest. Fragment depths are memoised, so a fragment used many times is measured once, and a
 * fragment cycle (refused by graphql's own rule) stops the walk.
 */
function depths(
  selectionSet: SelectionSetNode,
  getFragment: (name: string) => FragmentDefinitionNode | null | undefined,
): { regular: number; introspection: number } {
  type Depth = { regular: number; introspection: number }
  const memo = new Map<string, Depth>()
  const visiting = new Set<string>()
  const measure = (set: SelectionSetNode, introspection: boolean): Depth => {
    const out = { regular: 0, introspection: 0 }
    const add = (d: Depth, levels: number, intro: boolean) => {
      if (intro) out.introspection = Math.max(out.introspection, d.introspection + levels)
      else {
        out.regular = Math.max(out.regular, d.regular + levels)
        if (d.introspection > 0) out.introspection = Math.max(out.introspection, d.introspection + levels)
      }
    }
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) {
        const intro = introspection || INTROSPECTION_ROOTS.has(s.name.value)
        add(s.selectionSet ? measure(s.selectionSet, intro) : { regular: 0, introspection: 0 }, 1, intro)
      } else if (s.kind === Kind.INLINE_FRAGMENT) {
        add(measure(s.selectionSet, introspection), 0, false)
      } else {
        const key = `${s.name.value}/${introspection}`
        let d = memo.get(key)
        if (d === undefined) {
          const fragment = getFragment(s.name.value)
          if (!fragment || visiting.has(key)) continue
          visiting.add(key)
          d = measure(fragment.selectionSet, introspection)
          visiting.delete(key)
          memo.set(key, d)
        }
        add(d, 0, false)
      }
    }
    return out
  }
  return measure(selectionSet, false)
}

/** Depth of graphql's standard introspection query with every option (15 in graphql 16, as GraphiQL's). */
export const INTROSPECTION_DEPTH = (() => {
  const doc = parse(
    getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
      oneOf: true,
    }),
  )
  const fragments = new Map(
    doc.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  )
  const operation = doc.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION)!
  return depths(operation.selectionSet, (name) => fragments.get(name)).introspection
})()

/**
 * Refuses operations deeper than `maxDepth` fields; introspection may go as deep as the standard introspection
 * query (so GraphiQL and BI tools work) and no deeper, whatever the limit.
 */
export function depthLimitRule(maxDepth: number): ValidationRule {
  const introspectionMax = Math.max(maxDepth, INTROSPECTION_DEPTH)
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation) {
      const d = depths(operation.selectionSet, (name) => context.getFragment(name))
      if (d.regular > maxDepth)
        context.reportError(
          limitError('maxDepth', maxDepth, d.regular, `query depth limit of ${maxDepth} exceeded: found ${d.regular}`),
        )
      if (d.introspection > introspectionMax)
        context.reportError(
          limitError(
            'maxDepth',
            introspectionMax,
            d.introspection,
            `introspection depth limit of ${introspectionMax} (the standard introspection query's) exceeded: found ${d.introspection}`,
          ),
        )
    },
  })
}

/**
 * Refuses subscription operations over HTTP: they are served over WebSocket (graphql-ws) at `websocketUrl()`;
 * the message also says when the schema has no subscriptions yet.
 */
export function subscriptionsOverWebSocketRule(websocketUrl: () => string): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation) {
      if (operation.operation !== 'subscription') return
      const none = context.getSchema().getSubscriptionType() ? '' : ' (this API has no subscriptions yet)'
      context.reportError(
        new GraphQLError(
          `subscriptions are served over WebSocket (graphql-ws) at ${websocketUrl()}, not over HTTP${none}`,
          { nodes: operation, extensions: { websocket: websocketUrl() } },
        ),
      )
    },
  })
}

/** Lexical tokens of a document as graphql's parser counts them (comments and the end excluded). */
export function countTokens(body: string): { tokens: number; complete: boolean } {
  const lexer = new Lexer(new Source(body))
  let tokens = 0
  try {
    while (lexer.advance().kind !== TokenKind.EOF) tokens++
    return { tokens, complete: true }
  } catch {
    return { tokens, complete: false } // a lexical error later in the document: at least this many
  }
}

// graphql 16 writes "more that"; a fixed spelling would read "more than"
const TOKEN_LIMIT_MESSAGE = /Document contains more th(?:at|an) (\d+) tokens/

/**
 * graphql's parser aborts at the token limit with a syntax error; this turns it into the limit error (null for
 * any other error), counting the document's tokens for `received`.
 */
export function tokenLimitError(error: unknown): GraphQLError | null {
  // by shape, not instanceof: Apollo may hold another copy of graphql (its CommonJS build, as under vitest)
  type Shape = { message?: unknown; originalError?: Shape; source?: { body?: unknown } } | null
  const e = error as Shape
  const original = e?.originalError && typeof e.originalError.message === 'string' ? e.originalError : e
  const match = typeof original?.message === 'string' ? TOKEN_LIMIT_MESSAGE.exec(original.message) : null
  if (!match) return null
  const max = Number(match[1])
  const body = original?.source?.body ?? e?.source?.body
  const { tokens, complete } = countTokens(typeof body === 'string' ? body : '')
  return limitError(
    'maxTokens',
    max,
    tokens,
    `token limit of ${max} exceeded: the query has ${complete ? '' : 'at least '}${tokens} tokens`,
  )
}

/** graphql-armor's rejection messages end "…limit of N exceeded, found M." (M may be 1.75e+21) */
const ARMOR_FOUND = /limit of ([\d.e+]+) exceeded, found ([\d.]+(?:e[+-]?\d+)?)/

function armorRejection(limit: string, max: number, what: string) {
  return (context: ValidationContext | null, error: GraphQLError) => {
    const found = ARMOR_FOUND.exec(error.message)
    const received = found ? Number(found[2]) : Number.NaN
    context?.reportError(limitError(limit, max, received, `${what} limit of ${max} exceeded: found ${received}`))
  }
}

/** Validation rules and plugins of the limits (the depth and subscription rules are added by the server). */
export function armorProtection(blockFieldSuggestion: boolean) {
  const armor = new ApolloArmor({
    maxDepth: { enabled: false }, // depthLimitRule: armor skips introspection
    maxTokens: { enabled: false }, // graphql's own parse option: armor parsed each query twice and made syntax errors 500
    maxAliases: {
      n: MAX_ALIASES,
      propagateOnRejection: false,
      onReject: [armorRejection('maxAliases', MAX_ALIASES, 'aliases')],
    },
    maxDirectives: {
      n: MAX_DIRECTIVES,
      propagateOnRejection: false,
      onReject: [armorRejection('maxDirectives', MAX_DIRECTIVES, 'directives')],
    },
    costLimit: {
      maxCost: MAX_COST,
      propagateOnRejection: false,
      onReject: [armorRejection('maxCost', MAX_COST, 'query cost')],
    },
    blockFieldSuggestion: { enabled: blockFieldSuggestion },
  })
  return armor.protect()
}
