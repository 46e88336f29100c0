// The result categories the kernel writes (src/domain/resultCategories.ts) and the GraphQL enums that serve them
// name the same values in the same order: a value added on one side only would fail every row that carries it.
import fs from 'node:fs'
import path from 'node:path'
import { buildSchema, isEnumType } from 'graphql'
import { expect, test } from 'vitest'
import {
  DEFICIT_KINDS,
  FUND_REASONS,
  GUARDRAIL_ACTIONS,
  GUARDRAIL_KINDS,
  LIQUIDATION_KINDS,
} from '../src/domain/resultCategories.ts'
import { projectRoot } from '../src/project.ts'

const schema = buildSchema(fs.readFileSync(path.join(projectRoot, 'schema.graphql'), 'utf8'))
const values = (name: string) => {
  const type = schema.getType(name)
  if (!isEnumType(type)) throw new Error(`${name} is not an enum in schema.graphql`)
  return type.getValues().map((v) => v.value as string)
}

test.each([
  ['LiquidationKind', LIQUIDATION_KINDS],
  ['DeficitKind', DEFICIT_KINDS],
  ['FundMovementReason', FUND_REASONS],
  ['GuardrailKind', GUARDRAIL_KINDS],
  ['GuardrailAction', GUARDRAIL_ACTIONS],
])('GraphQL enum %s equals the kernel’s vocabulary', (name, vocabulary) => {
  expect(values(name)).toEqual([...vocabulary])
})

test('the result rows serve their categories as those enums', () => {
  const field = (type: string, name: string) => {
    const t = schema.getType(type)
    if (!t || !('getFields' in t)) throw new Error(type)
    return String((t.getFields() as Record<string, { type: unknown }>)[name]!.type)
  }
  expect(field('BacktestLiquidation', 'kind')).toBe('LiquidationKind!')
  expect(field('NearMiss', 'kind')).toBe('LiquidationKind!')
  expect(field('BacktestDeficit', 'kind')).toBe('DeficitKind!')
  expect(field('FundMovement', 'reason')).toBe('FundMovementReason!')
  expect(field('GuardrailTrigger', 'kind')).toBe('GuardrailKind!')
  expect(field('GuardrailTrigger', 'action')).toBe('GuardrailAction!')
})
