// The API contract only grows: schema.graphql against the released contract (test/golden/schema.released.graphql)
// has no breaking change (a removed or retyped field, argument or enum value, a new required argument…). Deprecate
// first, remove in a later release with `npm run schema:release` — on purpose, with a note. Dangerous changes
// (a new enum value, a changed default) are listed in the log, not refused.
import fs from 'node:fs'
import path from 'node:path'
import { buildSchema, findBreakingChanges, findDangerousChanges } from 'graphql'
import { describe, expect, test } from 'vitest'
import { projectRoot } from '../src/project.ts'

const read = (file: string) => buildSchema(fs.readFileSync(path.join(projectRoot, file), 'utf8'))
const released = read('test/golden/schema.released.graphql')
const current = read('schema.graphql')

describe('API contract', () => {
  test('no breaking change against the released contract', () => {
    const breaking = findBreakingChanges(released, current).map((c) => `${c.type}: ${c.description}`)
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
})
