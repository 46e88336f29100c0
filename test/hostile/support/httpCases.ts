// Hostile HTTP requests to /graphql with the answer each must get: status, JSON error shape and code, and for the
// query limits the limit, its maximum and the value received. Shared by the test and the counting script.
import { getIntrospectionQuery } from 'graphql'
import { HOSTILE_AUTH, type Answer } from './graphqlFuzz.ts'

export interface HttpCase {
  name: string
  send: (url: string) => Promise<Answer>
  status: number
  /** The first error's code; null for a result without errors. */
  code: string | null
  message?: RegExp
  /** Fields the first error's extensions must hold. */
  extensions?: Record<string, unknown>
}

async function request(url: string, init: RequestInit): Promise<Answer> {
  const res = await fetch(url, { ...init, headers: { ...HOSTILE_AUTH, ...(init.headers as Record<string, string>) } })
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text: await res.text() }
}

const postRaw =
  (body: string | Uint8Array, contentType: string | null = 'application/json') =>
  (url: string) =>
    request(url, {
      method: 'POST',
      headers: contentType ? { 'content-type': contentType } : {},
      body: body as BodyInit,
    })

const postQuery = (query: string, variables?: unknown) => postRaw(JSON.stringify({ query, variables }))

/** `{ __schema { types { fields { type { ofType { … name } } } } } }`: `levels` fields deep, `name` included. */
export function deepIntrospection(levels: number): string {
  const path = ['__schema', 'types', 'fields', 'type', ...Array.from({ length: levels - 5 }, () => 'ofType')]
  return `{ ${path.map((f) => `${f} {`).join(' ')} name ${'} '.repeat(path.length)}}`
}

const MB = 1024 * 1024

export const HTTP_CASES: HttpCase[] = [
  {
    name: 'malformed JSON',
    send: postRaw('{"query": '),
    status: 400,
    code: 'BAD_REQUEST',
    message: /JSON/,
  },
  {
    name: 'a body that is not UTF-8',
    send: postRaw(
      Buffer.concat([
        Buffer.from('{"query":"{ health { status } }","x":"'),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('"}'),
      ]),
    ),
    status: 400,
    code: 'BAD_REQUEST',
    message: /UTF-8/,
  },
  {
    name: 'a body of 50 MB',
    send: postRaw(JSON.stringify({ query: `{ health { status } } #${'a'.repeat(50 * MB)}` })),
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
    message: /1 MB/,
    extensions: { limit: MB },
  },
  {
    name: 'a text/plain body',
    send: postRaw('{ health { status } }', 'text/plain'),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: /application\/json/,
  },
  {
    name: 'a form body',
    send: postRaw('query=%7B%20health%20%7B%20status%20%7D%20%7D', 'application/x-www-form-urlencoded'),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'no content type',
    send: postRaw('{"query":"{ health { status } }"}', null),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'a UTF-16 charset',
    send: postRaw(Buffer.from('{"query":"{ health { status } }"}', 'utf16le'), 'application/json; charset=utf-16'),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: /UTF-8/,
  },
  {
    name: 'a JSON body that is not an object',
    send: postRaw('"{ health { status } }"'),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'a batch',
    send: postRaw(JSON.stringify([{ query: '{ health { status } }' }])),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'an empty query',
    send: postQuery(''),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'variables that are not an object',
    send: postRaw(JSON.stringify({ query: '{ health { status } }', variables: 'x' })),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'more than 50 invalid values in one variable',
    send: postQuery(
      'mutation M($set: [RuleOverride!]!) { deriveRuleSet(input: {from: "binance-um", name: "x", set: $set}) { name } }',
      { set: Array.from({ length: 60 }, () => [1]) },
    ),
    status: 400,
    code: 'BAD_USER_INPUT',
  },
  {
    name: 'a mutation sent with GET',
    send: (url) =>
      request(
        `${url}?query=${encodeURIComponent('mutation { deriveRuleSet(input: {from: "x", name: "y", set: []}) { name } }')}`,
        {
          headers: { 'apollo-require-preflight': 'true' },
        },
      ),
    status: 405,
    code: 'METHOD_NOT_ALLOWED',
  },
  {
    name: 'PUT',
    send: (url) => request(url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' }),
    status: 405,
    code: 'METHOD_NOT_ALLOWED',
  },
  {
    name: 'a URL of 100 kB',
    send: (url) => request(`${url}?query=${'x'.repeat(100_000)}`, {}),
    status: 400,
    code: 'BAD_REQUEST',
    message: /16 kB/,
  },
  {
    name: 'an unknown route',
    send: (url) => request(url.replace(/\/graphql$/, '/nope'), {}),
    status: 404,
    code: 'NOT_FOUND',
  },
  {
    name: 'a syntax error',
    send: postQuery('{ health { status '),
    status: 400,
    code: 'GRAPHQL_PARSE_FAILED',
    message: /Syntax Error/,
  },
  {
    name: 'a NUL in the query text',
    send: postQuery('{ health { status } }\u0000'),
    status: 400,
    code: 'GRAPHQL_PARSE_FAILED',
  },
  {
    name: 'an unknown field',
    send: postQuery('{ nope }'),
    status: 400,
    code: 'GRAPHQL_VALIDATION_FAILED',
  },
  {
    name: 'a subscription over HTTP',
    send: postQuery('subscription { health { status } }'),
    status: 400,
    code: 'GRAPHQL_VALIDATION_FAILED',
    message: /WebSocket \(graphql-ws\) at ws:\/\/127\.0\.0\.1:\d+\/graphql/,
  },
  {
    name: 'introspection 44 levels deep',
    send: postQuery(deepIntrospection(44)),
    status: 400,
    code: 'GRAPHQL_VALIDATION_FAILED',
    extensions: { limit: 'maxDepth', received: 44 },
  },
  {
    name: 'fragments that spread each other',
    send: postQuery('{ ...A } fragment A on Query { ...B } fragment B on Query { ...A health { status } }'),
    status: 400,
    code: 'GRAPHQL_VALIDATION_FAILED',
    message: /Cannot spread fragment/,
  },
  {
    name: 'a fragment bomb (each fragment spreads the previous one twice, 40 levels deep)',
    send: postQuery(
      `{ ...F40 } fragment F0 on Query { health { status } } ${Array.from(
        { length: 40 },
        (_, i) => `fragment F${i + 1} on Query { ...F${i} ...F${i} }`,
      ).join(' ')}`,
    ),
    status: 400,
    code: 'GRAPHQL_VALIDATION_FAILED',
    message: /query cost limit of 250000 exceeded: found 1\.75\d*e\+\d+$/,
    extensions: { limit: 'maxCost', max: 250_000 },
  },
  {
    name: 'the standard introspection query',
    send: postQuery(getIntrospectionQuery({ inputValueDeprecation: true, specifiedByUrl: true })),
    status: 200,
    code: null,
  },
  {
    name: 'more tokens than the limit',
    send: postQuery(`{ ${Array.from({ length: 1300 }, (_, i) => `a${i}: health { status }`).join(' ')} }`),
    status: 400,
    code: 'GRAPHQL_VALIDATION_FAILED',
    message: /token/i,
    extensions: { limit: 'maxTokens', max: 5000, received: 1300 * 6 + 2 },
  },
  {
    name: 'more aliases than the limit',
    send: postQuery(`{ ${Array.from({ length: 31 }, (_, i) => `a${i}: health { status }`).join(' ')} }`),
    status: 400,
    code: 'GRAPHQL_VALIDATION_FAILED',
    extensions: { limit: 'maxAliases', max: 30, received: 31 },
  },
  {
    name: 'a JSON body nested 100,000 levels deep',
    send: postRaw(`{"query":"{ health { status } }","variables":{"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`),
    status: 200,
    code: null,
  },
  {
    name: 'a NUL in a market of runBacktest',
    send: postQuery(
      'mutation { runBacktest(input: {ruleSet: "binance-um", venue: "binance-um", markets: ["BTC\\u0000"], from: "2025-10-10T00:00:00Z", to: "2025-10-11T00:00:00Z", positions: synthetic}) { id } }',
    ),
    status: 200,
    code: 'BAD_USER_INPUT',
    message: /input\.markets\[0\]: received "BTC\\u0000"/,
  },
  {
    name: 'a Decimal of 400 digits (Infinity as a number) in positionRisk',
    send: postQuery(
      `{ positionRisk(ruleSet: "binance-um", position: {market: "BTCUSDT", side: long, qty: "${'9'.repeat(400)}", entry: "100", leverage: 10}) { initialMargin } }`,
    ),
    status: 200,
    code: 'BAD_USER_INPUT',
    message: /position\.qty: received "9+…" \(400 characters\); expected a number within/,
  },
  {
    name: 'a position of 1e300 quote in positionRisk',
    send: postQuery(
      `{ positionRisk(ruleSet: "binance-um", position: {market: "BTCUSDT", side: long, qty: "1${'0'.repeat(300)}", entry: "100", leverage: 10}) { initialMargin } }`,
    ),
    status: 200,
    code: 'OUT_OF_RANGE',
    message: /leaves the exact range/,
  },
  {
    name: 'a market named toString in positionRisk',
    send: postQuery(
      '{ positionRisk(ruleSet: "binance-um", position: {market: "toString", side: long, qty: "1", entry: "100", leverage: 10}) { initialMargin } }',
    ),
    status: 200,
    code: null,
  },
  {
    name: 'a lone surrogate in a venue',
    send: postQuery('query Q($v: String) { markets(venue: $v) { market } }', { v: 'binance\ud800' }),
    status: 200,
    code: 'BAD_USER_INPUT',
    message: /venue: received "binance\\ud800"/,
  },
  {
    name: 'a __proto__ path in deriveRuleSet',
    send: postQuery(
      'mutation { deriveRuleSet(input: {from: "binance-um", name: "p", set: [{path: "__proto__.polluted", value: true}]}) { name } }',
    ),
    status: 200,
    code: 'BAD_USER_INPUT',
    message: /__proto__/,
  },
  {
    name: 'a constructor.prototype path in deriveRuleSet',
    send: postQuery(
      'mutation { deriveRuleSet(input: {from: "binance-um", name: "p", set: [{path: "constructor.prototype.polluted", value: true}]}) { name } }',
    ),
    status: 200,
    code: 'BAD_USER_INPUT',
    message: /constructor/,
  },
]
