// Every GraphQL example in the README and docs/ is a valid operation against schema.graphql and uses no deprecated
// field, so the documentation cannot teach a query the server refuses (or one about to go away).
import fs from 'node:fs'
import path from 'node:path'
import { Kind, NoDeprecatedCustomRule, buildSchema, parse, specifiedRules, validate, type DocumentNode } from 'graphql'
import { describe, expect, test } from 'vitest'
import { projectRoot } from '../src/project.ts'

const schema = buildSchema(fs.readFileSync(path.join(projectRoot, 'schema.graphql'), 'utf8'))
const docs = [
  'README.md',
  ...fs
    .readdirSync(path.join(projectRoot, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
]

/** Each ```graphql block with the file and line it starts on. */
function examples(file: string): Array<{ where: string; text: string }> {
  const text = fs.readFileSync(path.join(projectRoot, file), 'utf8')
  return [...text.matchAll(/^```graphql\n([\s\S]*?)^```$/gm)].map((m) => ({
    where: `${file}:${text.slice(0, m.index).split('\n').length}`,
    text: m[1]!,
  }))
}

const all = docs.flatMap(examples)

/** A block may hold several operations to paste one at a time: each is checked alone, with the block's fragments. */
function operations(doc: DocumentNode): DocumentNode[] {
  const fragments = doc.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION)
  return doc.definitions
    .filter((d) => d.kind === Kind.OPERATION_DEFINITION)
    .map((op) => ({ ...doc, definitions: [op, ...fragments] }))
}

const problemsOf = (doc: DocumentNode) =>
  validate(schema, doc, [...specifiedRules, NoDeprecatedCustomRule]).map((p) => p.message)

describe('GraphQL examples in the documentation', () => {
  test('there are examples to check', () => {
    expect(all.length).toBeGreaterThanOrEqual(5)
  })

  test.each(all.map((e) => [e.where, e] as const))('%s is valid and uses no deprecated field', (_where, e) => {
    expect(operations(parse(e.text)).flatMap(problemsOf)).toEqual([])
  })

  test('the check refuses an unknown field and a deprecated one', () => {
    const check = (q: string) => operations(parse(q)).flatMap(problemsOf).length
    expect(check('{ health { status } }')).toBe(0)
    expect(check('{ health { noSuchField } }')).toBeGreaterThan(0)
    expect(check('{ markets { venue } }')).toBeGreaterThan(0)
    expect(check('{ health { status } }\n{ health { version } }')).toBe(0)
  })
})
