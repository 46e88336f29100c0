// A GraphQL fuzzer derived from schema.graphql: for every argument of every Query and Mutation field (down into
// input objects and lists), requests that are valid except for one hostile value, sent to a real HTTP server, and
// a judge of the answers (a clear error with a known code, or a result; never an internal error, never a polluted
// Object.prototype). A field added to the schema is fuzzed without touching this file.
import fc from 'fast-check'
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql'
import { typeDefs } from '../../../src/api/server.ts'
import { isErrorCode } from '../../../src/errors.ts'
import { projectRoot } from '../../../src/project.ts'
import { findPreset } from '../../../src/replay/rules/presets/index.ts'
import { hostileInputProblems } from '../../../src/userInput.ts'

export const schema: GraphQLSchema = buildSchema(typeDefs)

/** The hostile value classes; each request belongs to one (for the counts by category). */
export const CATEGORIES = ['quotes', 'control', 'huge', 'unicode', 'proto', 'numbers', 'nested', 'types'] as const
export type Category = (typeof CATEGORIES)[number]

export interface RootField {
  operation: 'query' | 'mutation'
  field: GraphQLField<unknown, unknown>
}

/** Every Query and Mutation field of the schema. */
export function rootFields(): RootField[] {
  const out: RootField[] = []
  for (const [operation, type] of [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
  ] as const) {
    for (const field of Object.values(type?.getFields() ?? {})) out.push({ operation, field })
  }
  return out
}

// ---------------------------------------------------------------------------------------------------------------
// Valid baseline values: what each argument holds when it is not the one being fuzzed, so a request reaches the
// resolvers and the code behind them. Known names get working values; anything else a plain value of its type.

const PRESET_DOCUMENT = (() => {
  const doc = structuredClone(findPreset('binance-um').rules) as Record<string, unknown>
  doc.name = 'fuzz-created'
  return doc
})()

const TEXT_SEEDS: Record<string, string> = {
  ruleSet: 'binance-um',
  ref: 'binance-um',
  from: 'binance-um',
  venue: 'binance-um',
  market: 'BTCUSDT',
  markets: 'BTCUSDT',
  name: 'fuzz-rules',
  path: 'fees.liquidationFeeRate',
  id: '00000000-0000-0000-0000-000000000000',
  runId: '00000000-0000-0000-0000-000000000000',
}
const DATE_SEEDS: Record<string, string> = { from: '2025-10-10T00:00:00Z', to: '2025-10-10T01:00:00Z' }
const DECIMAL_SEEDS: Record<string, string> = { qty: '1', entry: '100000', wallet: '2500', mark: '99000' }
const JSON_SEEDS: Record<string, unknown> = {
  value: 0.012,
  document: PRESET_DOCUMENT,
  explicitPositions: {
    accounts: [{ id: 'whale', positions: [{ market: 'BTCUSDT', side: 'long', qty: 1, leverage: 20 }] }],
  },
  population: { initialPositions: 20, meanHoldingHours: 1 },
}
const NUMBER_SEEDS: Record<string, number> = { limit: 10, offset: 0, seed: 3, resolutionSeconds: 1, leverage: 20 }

/** A valid value of `type` for an argument or input field called `name`. */
export function baseline(type: GraphQLInputType, name: string): unknown {
  if (isNonNullType(type)) return baseline(type.ofType, name)
  if (isListType(type)) return [baseline(type.ofType, name)]
  if (isInputObjectType(type)) {
    const out: Record<string, unknown> = {}
    for (const f of Object.values(type.getFields())) {
      if (isNonNullType(f.type) || Object.hasOwn(TEXT_SEEDS, f.name) || Object.hasOwn(JSON_SEEDS, f.name))
        out[f.name] = baseline(f.type, f.name)
    }
    // positions = explicit needs its document; synthetic keeps the population small
    if (type.name === 'BacktestInput') delete out.explicitPositions
    return out
  }
  if (isEnumType(type)) return type.getValues()[0]!.value
  switch (type.name) {
    case 'String':
    case 'ID':
      return TEXT_SEEDS[name] ?? 'fuzz'
    case 'Int':
    case 'Float':
      return NUMBER_SEEDS[name] ?? 1
    case 'Boolean':
      return true
    case 'DateTime':
      return DATE_SEEDS[name] ?? '2025-10-10T00:00:00Z'
    case 'Decimal':
      return DECIMAL_SEEDS[name] ?? '1'
    case 'JSON':
      return structuredClone(JSON_SEEDS[name] ?? {})
    default:
      return null
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Sites: each place inside a field's arguments that one hostile value can replace.

export interface Site {
  /** Argument name, then input-object field names and 0 for a list element. */
  path: Array<string | number>
  type: GraphQLInputType
  name: string
}

export function sitesOf(field: GraphQLField<unknown, unknown>): Site[] {
  const out: Site[] = []
  // An input object's fields are sites at its first place in the field's arguments only: the same type elsewhere
  // (StringFilter under every text column, a filter's own AND / OR / NOT) is parsed by the same code, and walking
  // every copy made recursive filters thousands of sites per field.
  const walked = new Set<string>()
  const walk = (type: GraphQLInputType, name: string, path: Array<string | number>, depth: number) => {
    out.push({ path, type, name })
    const inner = isNonNullType(type) ? type.ofType : type
    if (depth > 4) return
    if (isListType(inner)) walk(inner.ofType, name, [...path, 0], depth + 1)
    else if (isInputObjectType(inner) && !walked.has(inner.name)) {
      walked.add(inner.name)
      for (const f of Object.values(inner.getFields())) walk(f.type, f.name, [...path, f.name], depth + 1)
    }
  }
  for (const arg of field.args) walk(arg.type, arg.name, [arg.name], 0)
  return out
}

// ---------------------------------------------------------------------------------------------------------------
// Hostile values by category.

const big = (n: number, unit = 'a') => unit.repeat(n)
const deep = (levels: number, leaf: unknown = 1): unknown => {
  let v: unknown = leaf
  for (let i = 0; i < levels; i++) v = i % 2 ? [v] : { k: v }
  return v
}

const QUOTES = ["'", '"', "''", "BTC'USDT", "x'); DROP TABLE trades; --", '\\', '\\"', '`', "'||(SELECT 1)||'", '$1']
const CONTROL = ['\u0000', '\u0001', '\t', '\n', '\r', '\u001b[31m', '\u007f', '\ud800', '\udfff', 'a\ud800b']
const UNICODE = ['😀', '𝕏', '\u202e', '\ufeff', 'é', 'e\u0301', 'Ｂ', '\u00a0', '中文', '\u2028', '\uffff']
const PROTO_TEXT = [
  '__proto__',
  'constructor',
  'toString',
  '__proto__.polluted',
  'constructor.prototype.polluted',
  'margin.markets.__proto__.brackets',
  'fees.marketRates.constructor',
  'waterfall[0].__proto__.polluted',
]
const PROTO_JSON: unknown[] = [
  JSON.parse('{"__proto__":{"polluted":"yes"}}'),
  { constructor: { prototype: { polluted: 'yes' } } },
  JSON.parse('{"accounts":[{"id":"a","__proto__":{"polluted":"yes"}}]}'),
  JSON.parse('{"margin":{"markets":{"__proto__":{"polluted":"yes"}}}}'),
  { toString: 'x', valueOf: 1, hasOwnProperty: null },
]
const INTS = [2 ** 31 - 1, -(2 ** 31), 0, -1, 2 ** 31, 2 ** 53 + 1, 1.5, -0]
const FLOATS = [1e308, -1e308, 5e-324, 0, -0, 2 ** 53 + 1, -1, 1e-12]
const DECIMALS = ['9'.repeat(400), `0.${'0'.repeat(300)}1`, '-0', '00001', '1e308', '1'.padEnd(40, '0'), '-1', '0']
const DATES = [
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '+275760-09-13T00:00:00Z',
  '2025-13-01T00:00:00Z',
  '2025-10-10T00:00:00+05:00',
  '1970-01-01T00:00:00Z',
  '2025-10-10',
]

type Site0 = { type: GraphQLInputType; seed: unknown }

/** Every node of a JSON value with its path (the value itself first). */
function jsonNodes(value: unknown): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = []
  const stack: Array<{ v: unknown; path: Array<string | number> }> = [{ v: value, path: [] }]
  while (stack.length && out.length < 500) {
    const { v, path } = stack.pop()!
    out.push(path)
    if (Array.isArray(v)) v.forEach((x, i) => stack.push({ v: x, path: [...path, i] }))
    else if (v !== null && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) stack.push({ v: x, path: [...path, k] })
  }
  return out
}

/** The seed document with the node at a random path replaced by `leaf`, or given a hostile key when `key` is set. */
function insideJson(
  seed: unknown,
  leaf: fc.Arbitrary<unknown>,
  key: fc.Arbitrary<string | null> = fc.constant(null),
): fc.Arbitrary<unknown> {
  const nodes = jsonNodes(seed)
  return fc.tuple(fc.nat(nodes.length - 1), leaf, key).map(([i, value, k]) => {
    const doc = structuredClone(seed)
    const path = nodes[i]!
    let parent: unknown = null
    let node: unknown = doc
    for (const p of path) {
      parent = node
      node = (node as Record<string | number, unknown>)[p]
    }
    if (k !== null && node !== null && typeof node === 'object' && !Array.isArray(node)) {
      Object.defineProperty(node, k, { value, enumerable: true, writable: true, configurable: true })
      return doc
    }
    if (!path.length) return value
    Object.defineProperty(parent as object, path[path.length - 1]!, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    })
    return doc
  })
}

/** Text that keeps the seed recognisable: the hostile part alone, or before / inside / after it. */
const textAround = (parts: readonly string[]) => (seed: unknown) =>
  fc.tuple(fc.constantFrom(...parts), fc.nat(3)).map(([p, how]) => {
    const s = typeof seed === 'string' ? seed : 'x'
    return how === 0 ? p : how === 1 ? `${p}${s}` : how === 2 ? `${s.slice(0, 2)}${p}${s.slice(2)}` : `${s}${p}`
  })

const named = (t: GraphQLInputType) => getNamedType(t).name
const isList = (t: GraphQLInputType) => isListType(isNonNullType(t) ? t.ofType : t)

/** A hostile value of one category for a site (matching its type when the category allows). */
export function hostileFor(category: Category, site: Site0): fc.Arbitrary<unknown> {
  const leaf = named(site.type)
  if (leaf === 'JSON' && site.seed !== null && typeof site.seed === 'object')
    return fc.oneof(hostileValue(category, site), insideJsonFor(category, site.seed))
  return hostileValue(category, site)
}

/** A hostile value put inside a JSON document: at a random node, or as a key of a random object. */
function insideJsonFor(category: Category, seed: unknown): fc.Arbitrary<unknown> {
  const text = (parts: readonly string[]) => textAround(parts)('x')
  switch (category) {
    case 'quotes':
      return insideJson(seed, text(QUOTES), fc.option(text(QUOTES), { nil: null }))
    case 'control':
      return insideJson(seed, text(CONTROL), fc.option(text(CONTROL), { nil: null }))
    case 'unicode':
      return insideJson(seed, text(UNICODE), fc.option(text(UNICODE), { nil: null }))
    case 'huge':
      return insideJson(
        seed,
        fc.constantFrom<unknown>(
          big(200_000),
          Array.from({ length: 20_000 }, () => 1),
          1e308,
        ),
      )
    case 'proto':
      return insideJson(seed, fc.constantFrom<unknown>({ polluted: 'yes' }, 'polluted'), fc.constantFrom(...RESERVED))
    case 'numbers':
      return insideJson(seed, fc.constantFrom<unknown>(...FLOATS, ...INTS, ...DECIMALS))
    case 'nested':
      return insideJson(seed, fc.constantFrom(deep(31), deep(200), deep(1_000)))
    case 'types':
      return insideJson(seed, fc.constantFrom<unknown>(null, true, 'x', [], {}, [[1]], -1))
  }
}

const RESERVED = ['__proto__', 'constructor', 'prototype']

function hostileValue(category: Category, site: Site0): fc.Arbitrary<unknown> {
  const leaf = named(site.type)
  const text = leaf === 'String' || leaf === 'ID' || leaf === 'DateTime' || leaf === 'Decimal'
  const wrapList = (a: fc.Arbitrary<unknown>) => (isList(site.type) ? a.map((v) => [v]) : a)
  switch (category) {
    case 'quotes':
      return wrapList(textAround(QUOTES)(site.seed))
    case 'control':
      return wrapList(
        leaf === 'JSON'
          ? fc.constantFrom<unknown>({ 'a\u0000': 1 }, { id: 'x\u0000' }, ['\u0007'], 'a\u0000', { k: '\ud800' })
          : textAround(CONTROL)(site.seed),
      )
    case 'unicode':
      return wrapList(text || leaf === 'JSON' ? textAround(UNICODE)(site.seed) : fc.string({ unit: 'grapheme' }))
    case 'huge':
      return isList(site.type)
        ? fc.constantFrom(10_000, 100_000).map((n) => Array.from({ length: n }, () => site.seed ?? 'x'))
        : fc.constantFrom(big(10_000), big(200_000), big(200_000, '9'), big(50_000, '😀'))
    case 'proto':
      return wrapList(leaf === 'JSON' ? fc.constantFrom(...PROTO_JSON) : fc.constantFrom(...PROTO_TEXT))
    case 'numbers':
      if (leaf === 'Int') return wrapList(fc.constantFrom(...INTS))
      if (leaf === 'Float') return wrapList(fc.constantFrom(...FLOATS))
      if (leaf === 'DateTime') return wrapList(fc.constantFrom(...DATES))
      return wrapList(fc.oneof(fc.constantFrom<unknown>(...DECIMALS, ...FLOATS), fc.double(), fc.integer().map(String)))
    case 'nested':
      return wrapList(
        fc.oneof(
          fc.jsonValue({ maxDepth: 4 }),
          fc.constantFrom(deep(31), deep(33), deep(200), deep(1_000)),
          fc.constantFrom(Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`k${i}`, i]))),
        ),
      )
    case 'types':
      return fc.constantFrom<unknown>(null, true, 1, 'x', [], {}, [[1]], { a: 1 })
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Cases: a field, a site, a category and its hostile value, and whether values are sent as variables or inline.

export interface FuzzCase {
  root: RootField
  site: Site
  category: Category
  value: unknown
  inline: boolean
}

/** A case that fast-check prints as `field(site) category value` rather than the whole schema field. */
function fuzzCase(root: RootField, site: Site, category: Category, value: unknown, inline: boolean): FuzzCase {
  const shown = () => {
    let text: string
    try {
      text = JSON.stringify(value) ?? String(value)
    } catch {
      text = String(value)
    }
    return `${root.field.name}(${site.path.join('.')}) ${category}${inline ? ' inline' : ''}: ${text.slice(0, 300)}`
  }
  return { root, site, category, value, inline, [fc.toStringMethod]: shown } as FuzzCase
}

export function caseArb(roots: RootField[], categories: readonly Category[] = CATEGORIES): fc.Arbitrary<FuzzCase> {
  const withArgs = roots.filter((r) => r.field.args.length > 0)
  return fc
    .record({
      root: fc.constantFrom(...withArgs),
      category: fc.constantFrom(...categories),
      pick: fc.nat(),
      inline: fc.boolean(),
    })
    .chain(({ root, category, pick, inline }) => {
      const sites = sitesOf(root.field)
      const site = sites[pick % sites.length]!
      const seed = valueAt(baselineArgs(root), site.path)
      return hostileFor(category, { type: site.type, seed }).map((value) =>
        fuzzCase(root, site, category, value, inline),
      )
    })
}

/**
 * One case per site of every field for a category, values drawn with `seed`: every argument is fuzzed in every run
 * (the random cases of caseArb come on top). Every third case is sent inline rather than as variables.
 */
export function sweepCases(category: Category, seed: number): FuzzCase[] {
  const out: FuzzCase[] = []
  for (const root of rootFields()) {
    for (const site of sitesOf(root.field)) {
      const arb = hostileFor(category, { type: site.type, seed: valueAt(baselineArgs(root), site.path) })
      const [value] = fc.sample(arb, { numRuns: 1, seed: seed + out.length })
      out.push(fuzzCase(root, site, category, value, out.length % 3 === 0))
    }
  }
  return out
}

export function baselineArgs(root: RootField): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const a of root.field.args) {
    const v = baseline(a.type, a.name)
    if (isNonNullType(a.type) || v !== null) out[a.name] = v
  }
  return out
}

function valueAt(tree: unknown, path: Array<string | number>): unknown {
  let v = tree
  for (const k of path) v = v === null || typeof v !== 'object' ? undefined : (v as Record<string, unknown>)[k]
  return v
}

function setAt(tree: Record<string, unknown>, path: Array<string | number>, value: unknown): void {
  let node: Record<string | number, unknown> = tree
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i]!
    if (node[k] === null || typeof node[k] !== 'object') node[k] = typeof path[i + 1] === 'number' ? [] : {}
    node = node[k] as Record<string | number, unknown>
  }
  Object.defineProperty(node, path[path.length - 1]!, { value, enumerable: true, writable: true, configurable: true })
}

/** Leaf fields of a return type without required arguments: what a client would select. */
function selection(field: GraphQLField<unknown, unknown>): string {
  const named = getNamedType(field.type)
  if (!isObjectType(named)) return ''
  const leaves = Object.values(named.getFields())
    .filter((f) => isLeafType(getNamedType(f.type)) && f.args.every((a) => !isNonNullType(a.type)))
    .map((f) => f.name)
  return ` { __typename ${leaves.join(' ')} }`
}

const NAME = /^[_A-Za-z][_0-9A-Za-z]*$/

/** A GraphQL literal for a value, or null when it has no literal (an object key that is not a name, a non-finite number). */
function literal(value: unknown, type: GraphQLInputType): string | null {
  const inner = isNonNullType(type) ? type.ofType : type
  if (value === null || value === undefined) return 'null'
  if (isEnumType(inner) && typeof value === 'string' && NAME.test(value)) return value
  if (Array.isArray(value)) {
    const items = value.map((v) => literal(v, isListType(inner) ? inner.ofType : inner))
    return items.includes(null) ? null : `[${items.join(', ')}]`
  }
  if (typeof value === 'object') {
    const fields = isInputObjectType(inner) ? inner.getFields() : {}
    const parts: string[] = []
    for (const [k, v] of Object.entries(value)) {
      if (!NAME.test(k)) return null
      const lit = literal(v, fields[k]?.type ?? inner)
      if (lit === null) return null
      parts.push(`${k}: ${lit}`)
    }
    return `{${parts.join(', ')}}`
  }
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : null
  if (typeof value === 'boolean') return String(value)
  return JSON.stringify(value)
}

export interface FuzzRequest {
  body: string
  /** The argument values sent (variables or inline). */
  args: Record<string, unknown>
}

/** The request of a case: the baseline arguments with the hostile value at its site. */
export function requestOf(c: FuzzCase): FuzzRequest {
  const args = baselineArgs(c.root)
  if (c.site.path.length) setAt(args, c.site.path, c.value)
  const { field, operation } = c.root
  const defs: string[] = []
  const uses: string[] = []
  const variables: Record<string, unknown> = {}
  for (const a of field.args) {
    if (!Object.hasOwn(args, a.name)) continue
    const lit = c.inline ? literal(args[a.name], a.type) : null
    if (lit !== null) uses.push(`${a.name}: ${lit}`)
    else {
      defs.push(`$${a.name}: ${String(a.type)}`)
      uses.push(`${a.name}: $${a.name}`)
      variables[a.name] = args[a.name]
    }
  }
  const query = `${operation} Fuzz${defs.length ? `(${defs.join(', ')})` : ''} { ${field.name}${uses.length ? `(${uses.join(', ')})` : ''}${selection(field)} }`
  return { body: JSON.stringify({ query, variables }), args }
}

// ---------------------------------------------------------------------------------------------------------------
// The judge.

export interface Answer {
  status: number
  contentType: string
  text: string
}

/** The hostile servers' local admin token: every request is sent with it, so mutations reach their resolvers. */
export const HOSTILE_ADMIN_TOKEN = 'hostile-suite-local-admin-token'
export const HOSTILE_AUTH = { authorization: `Bearer ${HOSTILE_ADMIN_TOKEN}` } as const

export async function post(url: string, body: string | Uint8Array, contentType = 'application/json'): Promise<Answer> {
  const send = async () => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': contentType, ...HOSTILE_AUTH },
      body: body as BodyInit,
    })
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', text: await res.text() }
  }
  try {
    return await send()
  } catch (error) {
    // A pooled keep-alive socket can be reset by the peer just as it is reused (seen only on a heavily loaded
    // machine): sent once more on a fresh connection. A server that resets every time still fails here.
    if ((error as { cause?: { code?: string } }).cause?.code !== 'ECONNRESET') throw error
    return send()
  }
}

interface GraphQLBody {
  data?: unknown
  errors?: Array<{ message?: unknown; extensions?: { code?: unknown } }>
}

/** What is wrong with an answer (empty when it is a clear error or a result). */
export function judge(answer: Answer, sentArgs?: unknown): string[] {
  const wrong: string[] = []
  if (!/application\/(graphql-response\+)?json/.test(answer.contentType))
    wrong.push(`content type ${answer.contentType} (status ${answer.status})`)
  let body: GraphQLBody
  try {
    body = JSON.parse(answer.text) as GraphQLBody
  } catch {
    return [...wrong, `not JSON (status ${answer.status}): ${answer.text.slice(0, 200)}`]
  }
  if (![200, 400, 404, 405, 413, 415].includes(answer.status)) wrong.push(`HTTP ${answer.status}`)
  const errors = body.errors ?? []
  for (const e of errors) {
    const code = e.extensions?.code
    if (!isErrorCode(code)) wrong.push(`unknown code ${String(code)}: ${String(e.message).slice(0, 200)}`)
    else if (code === 'INTERNAL_SERVER_ERROR') wrong.push(`internal error: ${String(e.message).slice(0, 200)}`)
    const message = String(e.message)
    if (message.includes(projectRoot) || message.includes('node_modules') || /\n\s+at /.test(message))
      wrong.push(`internals in the message: ${message.slice(0, 200)}`)
    if (message.length > 20_000) wrong.push(`message of ${message.length} characters`)
  }
  if (!errors.length && (body.data === null || typeof body.data !== 'object'))
    wrong.push(`no errors and no data (status ${answer.status})`)
  if (sentArgs !== undefined && !errors.length && hostileInputProblems(sentArgs, '').length)
    wrong.push('a control character or reserved key was accepted')
  return wrong
}

/** Own property names of Object.prototype: compared before and after each request. */
export function prototypeKeys(): string[] {
  return Object.getOwnPropertyNames(Object.prototype).sort()
}

/** Removes what a request added to Object.prototype (so a count can go on after a pollution); returns the keys. */
export function cleanPrototype(before: readonly string[]): string[] {
  const added = Object.getOwnPropertyNames(Object.prototype).filter((k) => !before.includes(k))
  for (const k of added) delete (Object.prototype as Record<string, unknown>)[k]
  return added
}
