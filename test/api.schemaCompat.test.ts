// The API contract only grows: schema.graphql against the released contract (test/golden/schema.released.graphql)
// has no breaking change (a removed or retyped field, argument or enum value, a new required argument…). Deprecate
// first, remove in a later release with `npm run schema:release` — on purpose, with a note. Dangerous changes
// (a new enum value, a changed default) are listed in the log, not refused. Two narrowings are wire-compatible and
// allowed: an output String that becomes an enum, and an output Float count that becomes SafeInt or Int (same
// wrappers): the JSON sent is the same.
import fs from 'node:fs'
import path from 'node:path'
import {
  BreakingChangeType,
  buildSchema,
  findBreakingChanges,
  findDangerousChanges,
  getNamedType,
  isEnumType,
  isObjectType,
  type GraphQLSchema,
} from 'graphql'
import { describe, expect, test } from 'vitest'
import { projectRoot } from '../src/project.ts'

const read = (file: string) => buildSchema(fs.readFileSync(path.join(projectRoot, file), 'utf8'))
const released = read('test/golden/schema.released.graphql')
const current = read('schema.graphql')

/**
 * Output narrowings that send the same JSON: a String that becomes an enum (the same strings), a Float that becomes
 * SafeInt or Int (a count: always a whole number, the same JSON number).
 */
const WIRE_COMPATIBLE: Array<[string, (named: string, schema: GraphQLSchema) => boolean]> = [
  ['String', (named, schema) => isEnumType(schema.getType(named))],
  ['Float', (named) => named === 'SafeInt' || named === 'Int'],
]

/** `Type.field changed type from …` descriptions of output fields narrowed wire-compatibly, wrappers kept. */
function wireCompatibleNarrowings(from: GraphQLSchema, to: GraphQLSchema): Set<string> {
  const out = new Set<string>()
  for (const type of Object.values(from.getTypeMap())) {
    const next = to.getType(type.name)
    if (!isObjectType(type) || !isObjectType(next)) continue
    for (const field of Object.values(type.getFields())) {
      const now = next.getFields()[field.name]
      if (!now) continue
      const was = getNamedType(field.type).name
      const is = getNamedType(now.type).name
      if (!WIRE_COMPATIBLE.some(([old, allows]) => old === was && allows(is, to))) continue
      const wrappers = (t: unknown) => String(t).replace(/[A-Za-z_][A-Za-z0-9_]*/, 'T')
      if (wrappers(field.type) === wrappers(now.type))
        out.add(`${type.name}.${field.name} changed type from ${String(field.type)} to ${String(now.type)}.`)
    }
  }
  return out
}

function breakingChanges(from: GraphQLSchema, to: GraphQLSchema): string[] {
  const allowed = wireCompatibleNarrowings(from, to)
  return findBreakingChanges(from, to)
    .filter((c) => !(c.type === BreakingChangeType.FIELD_CHANGED_KIND && allowed.has(c.description)))
    .map((c) => `${c.type}: ${c.description}`)
}

describe('API contract', () => {
  test('no breaking change against the released contract', () => {
    const breaking = breakingChanges(released, current)
    expect(
      breaking,
      'breaking API changes — keep the old field (@deprecated, naming the replacement) or re-record on purpose',
    ).toEqual([])
    for (const c of findDangerousChanges(released, current)) console.log(`dangerous API change: ${c.description}`)
  })

  test('the check sees a removed field and a new required argument', () => {
    const source = fs.readFileSync(path.join(projectRoot, 'schema.graphql'), 'utf8')
    const withoutHealth = source.replace(/^(\s*)health: Health!$/m, '$1renamedHealth: Health!')
    expect(withoutHealth).not.toBe(source)
    const narrowed = buildSchema(withoutHealth)
    expect(findBreakingChanges(current, narrowed).map((c) => c.description)).toContain('Query.health was removed.')
    const stricter = buildSchema(
      source.replace('ruleSetDiff(from: ID!, to: ID!)', 'ruleSetDiff(from: ID!, to: ID!, at: String!)'),
    )
    expect(findBreakingChanges(current, stricter).map((c) => c.type)).toContain('REQUIRED_ARG_ADDED')
  })

  test('an output String narrowed to an enum passes; widened back, or made nullable, it does not', () => {
    const narrowed = buildSchema('type Query { a: K!, b: String, c: String! } enum K { x y }')
    const base = buildSchema('type Query { a: String!, b: String, c: String! } enum K { x y }')
    expect(breakingChanges(base, narrowed)).toEqual([])
    expect(breakingChanges(narrowed, base)).toEqual(['FIELD_CHANGED_KIND: Query.a changed type from K! to String!.'])
    const loosened = buildSchema('type Query { a: K, b: String, c: String! } enum K { x y }')
    expect(breakingChanges(base, loosened)).toEqual(['FIELD_CHANGED_KIND: Query.a changed type from String! to K.'])
  })

  test('an output Float count narrowed to SafeInt passes; to String, or widened back, it does not', () => {
    const base = buildSchema('scalar SafeInt type Query { n: Float!, m: [Float!], x: Float, i: Int }')
    const counts = buildSchema('scalar SafeInt type Query { n: SafeInt!, m: [Int!], x: Float, i: Int }')
    expect(breakingChanges(base, counts)).toEqual([])
    expect(breakingChanges(counts, base)).toEqual([
      'FIELD_CHANGED_KIND: Query.n changed type from SafeInt! to Float!.',
      'FIELD_CHANGED_KIND: Query.m changed type from [Int!] to [Float!].',
    ])
    const text = buildSchema('scalar SafeInt type Query { n: String!, m: [Float!], x: Float, i: Int }')
    expect(breakingChanges(base, text)).toEqual(['FIELD_CHANGED_KIND: Query.n changed type from Float! to String!.'])
  })
})
