// Hostile values at the functions every entry point shares: derive paths walk the rule-set schema, user text and
// keys are checked by one walker, market maps have no prototype, job parameters and CLI flags are checked, and
// quoted values are cut with their length stated.
import { describe, expect, test } from 'vitest'
import { z } from 'zod'
import { parseJobParams } from '../../jobs/runner.ts'
import { argumentProblems } from '../../src/cli/action.ts'
import { InvalidInputError, formatReceived } from '../../src/errors.ts'
import { positionRisk } from '../../src/replay/margin/positionRisk.ts'
import { deriveRuleSet } from '../../src/replay/rules/derive.ts'
import { findPreset } from '../../src/replay/rules/presets/index.ts'
import { validateRuleSet } from '../../src/replay/rules/validate.ts'
import { hostileInputProblems, unsafeCharAt } from '../../src/userInput.ts'
import { prototypeKeys } from './support/graphqlFuzz.ts'

const base = findPreset('binance-um').rules

function problemsOf(fn: () => unknown) {
  try {
    fn()
  } catch (error) {
    if (error instanceof InvalidInputError) return error.problems
    throw error
  }
  throw new Error('expected InvalidInputError')
}

describe('derive paths name fields of the rule-set schema', () => {
  test.each([
    ['__proto__.polluted', '__proto__', '__proto__', /^one of schemaVersion, name, venue/],
    ['constructor.prototype.polluted', 'constructor', 'constructor', /^one of schemaVersion/],
    ['prototype', 'prototype', 'prototype', /^one of schemaVersion/],
    ['margin.default.brakets', 'margin.default.brakets', 'brakets', /^one of brackets, oiScaledInitial, sizePremium$/],
    [
      'margin.markets.__proto__.brackets',
      'margin.markets.__proto__',
      '__proto__',
      /a market name \(any name but __proto__/,
    ],
    ['fees.marketRates.constructor', 'fees.marketRates.constructor', 'constructor', /a market name/],
    ['waterfall.kind', 'waterfall.kind', 'kind', /^a list index such as \[0\]$/],
    ['fees[0]', 'fees[0]', 0, /^one of liquidationFeeRate/],
    [
      'fees.liquidationFeeRate.x',
      'fees.liquidationFeeRate.x',
      'x',
      /nothing further \(fees.liquidationFeeRate is a number\)/,
    ],
  ])('%s is refused at %s with the valid choices', (path, at, received, expected) => {
    const before = prototypeKeys()
    const problems = problemsOf(() => deriveRuleSet(base, [{ path, value: { polluted: true } }], { derivedFrom: 'x' }))
    expect(problems[0]).toMatchObject({ path: at, received })
    expect(problems[0]!.expected).toMatch(expected)
    expect(prototypeKeys()).toEqual(before)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  test('a path of 100,000 characters is quoted cut, in the message and in the problem', () => {
    const path = `fees.${'x'.repeat(100_000)}`
    let message = ''
    try {
      deriveRuleSet(base, [{ path, value: 1 }], { derivedFrom: 'x' })
    } catch (error) {
      message = (error as Error).message
      expect((error as InvalidInputError).details.problems).toMatchObject([
        { path: expect.stringMatching(/… \(100005 characters\)$/) },
      ])
    }
    expect(message).toMatch(/… \(100005 characters\): received "x+…" \(100000 characters\)/)
    expect(message.length).toBeLessThan(1000)
  })

  test('fields, list items, market maps and union members the schema has are set', () => {
    const derived = deriveRuleSet(
      base,
      [
        { path: 'margin.default.brackets[0].mmr', value: 0.003 },
        { path: 'fees.marketRates.toString', value: 0.002 },
        { path: 'waterfall[1].ranking', value: 'leverage' },
      ],
      { derivedFrom: 'binance-um' },
    )
    expect(derived.rules.margin.default.brackets[0]!.mmr).toBe(0.003)
    expect(derived.rules.fees.marketRates.toString).toBe(0.002)
    expect(derived.rules.waterfall[1]).toMatchObject({ kind: 'adl', ranking: 'leverage' })
  })
})

describe('market maps have no prototype', () => {
  test('a market named toString or constructor gets the default tier and fee, not a function', () => {
    for (const market of ['toString', 'constructor', 'hasOwnProperty', '__proto__']) {
      const r = positionRisk(base, { market, side: 'long', qty: 1, entry: 100_000, leverage: 10 })
      expect(Number(r.maintenanceMargin)).toBeGreaterThan(0)
      expect(r.liquidationPrice).toBeGreaterThan(0)
    }
  })

  test('a rule-set document with __proto__ or constructor as a market is refused, not silently dropped', () => {
    const doc = structuredClone(findPreset('binance-um').input) as Record<string, unknown>
    const margin = doc.margin as Record<string, unknown>
    margin.markets = JSON.parse('{"__proto__": {"brackets": []}, "constructor": {"brackets": []}}')
    const problems = problemsOf(() => validateRuleSet(doc))
    expect(problems.map((p) => p.path)).toEqual(['margin.markets.__proto__', 'margin.markets.constructor'])
  })
})

describe('user text and keys', () => {
  test.each([
    ['BTC\u0000', 3, 0],
    ['a\tb', 1, 9],
    ['line\n', 4, 10],
    ['\u007f', 0, 0x7f],
    ['a\ud800b', 1, 0xd800],
    ['\udc00', 0, 0xdc00],
    ['x\ud83d', 1, 0xd83d],
  ])('%j is refused at character %i', (text, index, code) => {
    expect(unsafeCharAt(text)).toEqual({ index, code })
  })

  test.each(['BTCUSDT', '😀', '𝕏', 'é', '中文', "O'Brien", '\u00a0', ''])('%j is accepted', (text) => {
    expect(unsafeCharAt(text)).toBeNull()
  })

  test('every hostile string, key and nesting is listed with its path; valid values are not', () => {
    const deep: unknown[] = []
    let cursor = deep
    for (let i = 0; i < 40; i++) cursor.push((cursor = []))
    const value = JSON.parse(
      '{"markets": ["BTC", "ETH\\u0000"], "doc": {"__proto__": 1, "a\\u0001": 2, "ok": [{"id": "x\\ud800"}]}}',
    ) as Record<string, unknown>
    value.deep = deep
    const problems = hostileInputProblems(value, 'input')
    expect(problems.map((p) => p.path)).toEqual([
      'input.markets[1]',
      'input.doc.__proto__',
      'input.doc["a\\u0001"]',
      'input.doc.ok[0].id',
      'input.deep[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]',
    ])
    expect(problems[0]!.expected).toBe(
      'text without control characters (found a control character U+0000 at character 4)',
    )
    expect(hostileInputProblems({ a: ['b', { c: 'd' }], when: new Date(0) }, 'input')).toEqual([])
  })

  test('an error message shows the value escaped', () => {
    const error = problemsOf(() => {
      throw new InvalidInputError('invalid arguments', hostileInputProblems({ markets: ['BTC\u0000\u007f'] }, 'input'))
    })
    expect(error[0]!.received).toBe('BTC\u0000\u007f')
    expect(new InvalidInputError('x', error).message).toContain('input.markets[0]: received "BTC\\u0000\\u007f"')
  })
})

describe('job parameters and CLI flags', () => {
  const job = {
    name: 'test.job',
    description: '',
    params: z.strictObject({ markets: z.array(z.string()).min(1) }),
    run: async () => ({ partitionsLoaded: 0, partitionsSkipped: 0, partitionsFailed: 0, rows: 0, errors: [] }),
  }

  test('job parameters with control characters or reserved keys are refused before the schema', () => {
    const problems = problemsOf(() => parseJobParams(job, JSON.parse('{"markets": ["a\\u0000"], "__proto__": {}}')))
    expect(problems.map((p) => p.path)).toEqual(['params.markets[0]', 'params.__proto__'])
  })

  test('a schema problem quotes only what the user wrote, never an inherited value', () => {
    const problems = problemsOf(() => parseJobParams(job, { constructors: 1 }))
    expect(problems.find((p) => p.path === 'markets')?.received).toBeUndefined()
  })

  test('CLI arguments and flag values with control characters are named by argument and flag', () => {
    const problems = argumentProblems([
      'ok',
      'bad\u0007',
      { venue: 'x\u001b[31m', slabHours: '1', markets: ['a', 'b\n'] },
    ])
    expect(problems.map((p) => p.path)).toEqual(['argument 2', '--venue', '--markets[1]'])
  })
})

describe('quoted values', () => {
  test('a long value is cut with its length stated', () => {
    expect(formatReceived('a'.repeat(10_485_760))).toBe(`"${'a'.repeat(120)}…" (10485760 characters)`)
    expect(formatReceived('short')).toBe('"short"')
    expect(formatReceived({ k: 'v'.repeat(500) })).toMatch(/^\{"k":"v+… \(508 characters of JSON\)$/)
  })

  test('a surrogate pair is not split and control characters stay escaped', () => {
    const text = `${'a'.repeat(119)}😀${'b'.repeat(200)}`
    expect(formatReceived(text)).toBe(`"${'a'.repeat(119)}…" (${text.length} characters)`)
    expect(formatReceived('\u0000\u007f')).toBe('"\\u0000\\u007f"')
  })
})
