// Rule sets: validation reports every problem at once, canonical hashing, presets with effective dates, derivation,
// immutable stored versions, and the calculator through GraphQL and the CLI.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { InvalidInputError } from '../src/errors.ts'
import { canonicalJson, contentHash } from '../src/replay/rules/canonical.ts'
import { deriveRuleSet, parseAssignment, parsePath } from '../src/replay/rules/derive.ts'
import { findPreset, presets } from '../src/replay/rules/presets/index.ts'
import { validateRuleSet } from '../src/replay/rules/validate.ts'
import { saveRuleSetVersion } from '../src/store/meta/ruleSets.ts'
import { gqlClient } from './support/graphql.ts'
import { spawnBackstop } from './support/process.ts'
import { testRuntime } from './support/runtime.ts'
import { tempDir } from './support/tmp.ts'

function problemsOf(fn: () => unknown) {
  try {
    fn()
  } catch (error) {
    if (error instanceof InvalidInputError) return error.problems
    throw error
  }
  throw new Error('expected an InvalidInputError')
}

const binance = findPreset('binance-um').input

// A deliberately untyped copy of a document, to break it in ways the types forbid
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = Record<string, any>

describe('validation', () => {
  test('reports every problem at once with its path, the value received and what is valid', () => {
    const doc = structuredClone(binance) as Loose
    doc.margin.default.brackets[1].mmr = 0.02 // ≥ IMR 1%
    doc.margin.default.brackets[3].notionalFloor = 100 // not increasing
    doc.waterfall[1].ranking = 'mostAnnoyingFirst' // unknown strategy
    doc.fees.liquidationFeRate = 0.01 // typo: unknown key
    doc.insuranceFund.initialBalance = '1.1234567' // more than 6 places
    const problems = problemsOf(() => validateRuleSet(doc))
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p]))
    expect(byPath['margin.default.brackets[1].mmr']).toMatchObject({ received: 0.02 })
    expect(byPath['margin.default.brackets[1].mmr']!.expected).toMatch(
      /less than the bracket's initial margin rate 0.01/,
    )
    expect(byPath['margin.default.brackets[3].notionalFloor']).toMatchObject({ received: 100 })
    expect(byPath['margin.default.brackets[3].notionalFloor']!.expected).toMatch(/greater than the previous floor/)
    expect(byPath['waterfall[1].ranking']).toMatchObject({ received: 'mostAnnoyingFirst' })
    expect(byPath['waterfall[1].ranking']!.expected).toMatch(/"pnlPercentTimesLeverage"/)
    expect(byPath['fees']!.received).toEqual(['liquidationFeRate'])
    expect(byPath['insuranceFund.initialBalance']).toMatchObject({ received: '1.1234567' })
    expect(problems.length).toBeGreaterThanOrEqual(5)
  })

  test('cross-field checks: fillable parameters, waterfall order, OI caps, decreasing rates', () => {
    const doc = structuredClone(findPreset('dydx-v4').input) as Loose
    doc.execution.fillable = null
    doc.waterfall = [{ kind: 'socializeLoss' }, { kind: 'insuranceFund' }, { kind: 'insuranceFund' }]
    doc.margin.default.oiScaledInitial = { lowerCapNotional: 10, upperCapNotional: 5 }
    doc.margin.markets['BTC-USD'].brackets = [
      { notionalFloor: 0, maxLeverage: 50, mmr: 0.01 },
      { notionalFloor: 1000, maxLeverage: 60, mmr: 0.005 },
    ]
    doc.execution.partial.marginBuffer = 0.02 // only meaningful with restoreMargin sizing
    doc.insuranceFund.blockLossCap = { amount: '-5', blockS: 0 }
    const paths = problemsOf(() => validateRuleSet(doc)).map((p) => p.path)
    expect(paths).toEqual(
      expect.arrayContaining([
        'execution.fillable',
        'waterfall[0].kind',
        'waterfall[2].kind',
        'margin.default.oiScaledInitial.upperCapNotional',
        'margin.markets.BTC-USD.brackets[1].mmr',
        'margin.markets.BTC-USD.brackets[1].maxLeverage',
        'execution.partial.marginBuffer',
        'insuranceFund.blockLossCap.amount',
        'insuranceFund.blockLossCap.blockS',
      ]),
    )
  })
})

describe('hashing', () => {
  test('canonical JSON sorts keys at every level; the hash ignores key order and filled-in defaults', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[2,{"y":2,"z":1}]},"b":1}',
    )
    const reordered = Object.fromEntries(Object.entries(structuredClone(binance)).reverse())
    expect(validateRuleSet(reordered).hash).toBe(findPreset('binance-um').hash)
    const explicitDefault = { ...structuredClone(binance), schemaVersion: 1, feePool: { initialBalance: '0' } }
    expect(validateRuleSet(explicitDefault).hash).toBe(findPreset('binance-um').hash)
    const changed = structuredClone(binance)
    changed.fees.liquidationFeeRate = 0.006
    expect(validateRuleSet(changed).hash).not.toBe(findPreset('binance-um').hash)
    expect(contentHash(JSON.parse(findPreset('binance-um').body))).toBe(findPreset('binance-um').hash)
  })
})

describe('presets', () => {
  test('eight venues, each with an effective date, a basis and venue-rules sources', () => {
    const venues = new Set(presets.map((p) => p.rules.venue))
    expect([...venues].sort()).toEqual(
      ['binance-um', 'bitmex', 'bybit', 'dydx', 'gmx', 'hyperliquid', 'okx', 'drift'].sort(),
    )
    for (const p of presets) {
      expect(p.rules.effective.from).toMatch(/^\d{4}-\d{2}-\d{2}$/)
      expect(p.rules.sources.length).toBeGreaterThan(0)
      expect(p.id).toBe(`${p.rules.name}@${p.rules.effective.from}`)
    }
  })

  test('name@date picks the preset in force on that date', () => {
    expect(findPreset('binance-um@2024-06-01').rules.price.mark.basisWindowS).toBe(60)
    expect(findPreset('binance-um@2025-09-18').rules.price.mark.basisWindowS).toBe(30)
    expect(findPreset('binance-um').rules.effective.from).toBe('2025-09-18')
    expect(problemsOf(() => findPreset('binance-um@2020-01-01'))[0]!.expected).toMatch(/on or after 2021-03-18/)
    expect(problemsOf(() => findPreset('nasdaq'))[0]!.expected).toMatch(/binance-um/)
  })
})

describe('derive', () => {
  test('paths and assignments parse; overrides apply and the result validates', () => {
    expect(parsePath('margin.default.brackets[0].mmr')).toEqual(['margin', 'default', 'brackets', 0, 'mmr'])
    expect(parsePath('a..b')).toBeNull()
    expect(parseAssignment('waterfall[1].fillPrice=mark')).toEqual({ path: 'waterfall[1].fillPrice', value: 'mark' })
    expect(parseAssignment('fees.liquidationFeeRate=0.01')).toEqual({ path: 'fees.liquidationFeeRate', value: 0.01 })
    const d = deriveRuleSet(
      findPreset('binance-um').rules,
      [
        { path: 'fees.liquidationFeeRate', value: 0.01 },
        { path: 'waterfall[1].ranking', value: 'randomStart' },
        { path: 'margin.markets.ETHUSDT', value: { brackets: [{ notionalFloor: 0, maxLeverage: 20, mmr: 0.02 }] } },
      ],
      { name: 'binance-tight', derivedFrom: 'binance-um@2025-09-18' },
    )
    expect(d.rules.name).toBe('binance-tight')
    expect(d.rules.fees.liquidationFeeRate).toBe(0.01)
    expect(d.rules.margin.markets.ETHUSDT!.brackets[0]!.mmr).toBe(0.02)
    expect(d.rules.effective.basis).toBe('user')
    expect(d.rules.effective.note).toMatch(/derived from binance-um@2025-09-18/)
  })

  test('bad overrides and the invalid values they produce are reported together', () => {
    const problems = problemsOf(() =>
      deriveRuleSet(
        findPreset('binance-um').rules,
        [
          { path: 'fees..x', value: 1 },
          { path: 'margin.default.brackets[0].mmr', value: 0.5 },
          { path: 'waterfall[1].fillPrice', value: 'moon' },
        ],
        { derivedFrom: 'binance-um' },
      ),
    )
    expect(problems.map((p) => p.path)).toEqual(
      expect.arrayContaining(['set[0]', 'margin.default.brackets[0].mmr', 'waterfall[1].fillPrice']),
    )
  })
})

describe('stored versions, GraphQL and CLI', async () => {
  const runtime = await testRuntime()
  const client = await gqlClient(runtime)
  afterAll(() => client.stop())

  test('a version is stored once per content; new content is a new version', async () => {
    const p = findPreset('okx')
    const a = await saveRuleSetVersion(runtime.meta, { name: 'okx-copy', body: p.body, hash: p.hash })
    const again = await saveRuleSetVersion(runtime.meta, { name: 'okx-copy', body: p.body, hash: p.hash })
    expect([a.created, again.created, again.version.id]).toEqual([true, false, a.version.id])
    const other = findPreset('bybit')
    const b = await saveRuleSetVersion(runtime.meta, { name: 'okx-copy', body: other.body, hash: other.hash })
    expect(b.version.version).toBe(2)
  })

  test('positionRisk with a preset gives the venue numbers (V1)', async () => {
    const { data, errors } = await client.run(
      `query($p: PositionInput!) { positionRisk(ruleSet: "bybit", position: $p) {
        ruleSetHash initialMargin initialMarginApprox maintenanceMargin liquidationPrice bankruptcyPrice bracket { mmr } warnings } }`,
      { p: { market: 'BTCUSDT', side: 'long', qty: '1', entry: '20000', leverage: 50 } },
    )
    expect(errors).toBeUndefined()
    expect(data?.positionRisk).toMatchObject({
      ruleSetHash: findPreset('bybit').hash,
      initialMargin: '400',
      initialMarginApprox: 400,
      maintenanceMargin: '100',
      liquidationPrice: 19_700,
      bankruptcyPrice: 19_600,
    })
  })

  test('deriveRuleSet stores a version that positionRisk then accepts by name; errors list every problem', async () => {
    const derived = await client.run(
      `mutation { deriveRuleSet(input: { from: "bybit", name: "bybit-1pct", set: [{ path: "margin.default.brackets[0].mmr", value: 0.008 }] }) {
        ruleSetId name derivedFrom created version { version hash } } }`,
    )
    expect(derived.errors).toBeUndefined()
    expect(derived.data?.deriveRuleSet).toMatchObject({
      name: 'bybit-1pct',
      derivedFrom: 'bybit@2025-01-01',
      created: true,
    })
    const { data } = await client.run(
      `{ positionRisk(ruleSet: "bybit-1pct", position: { market: "BTCUSDT", side: long, qty: "1", entry: "20000", leverage: 50 }) { liquidationPrice } }`,
    )
    expect((data?.positionRisk as { liquidationPrice: number }).liquidationPrice).toBeCloseTo(20_000 - (400 - 160), 9)
    const bad = await client.run(
      `mutation { createRuleSet(input: { document: { name: "Bad Name", venue: "x" } }) { name } }`,
    )
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT')
    const problems = bad.errors?.[0]?.extensions?.problems as Array<{ path: string }>
    expect(problems.map((p) => p.path)).toEqual(
      expect.arrayContaining(['name', 'effective', 'margin', 'waterfall', 'funding']),
    )
  })

  test('rulePresets lists every preset with its sources; an unknown rule set is NOT_FOUND', async () => {
    const { data } = await client.run('{ rulePresets { id venue effectiveFrom effectiveBasis sources hash } }')
    expect((data?.rulePresets as unknown[]).length).toBe(presets.length)
    const missing = await client.run(
      '{ positionRisk(ruleSet: "nope", position: { market: "X", side: long, qty: "1", entry: "1", wallet: "1" }) { liquidationPrice } }',
    )
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND')
  })

  test('CLI: rules validate exits 2 with every problem; risk --json prints the calculator output', async () => {
    const dir = tempDir()
    const bad = path.join(dir, 'bad.json')
    const doc = structuredClone(binance) as Loose
    doc.margin.default.brackets[0].mmr = 0.5
    doc.trigger.kind = 'vibes'
    fs.writeFileSync(bad, JSON.stringify(doc))
    const env = { DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'silent' }
    const v = spawnBackstop(['rules', 'validate', bad], env)
    expect((await v.exited).code).toBe(2)
    expect(v.output()).toMatch(/margin\.default\.brackets\[0\]\.mmr: received 0\.5/)
    expect(v.output()).toMatch(/trigger\.kind: received "vibes"/)
    const r = spawnBackstop(
      [
        'risk',
        '--rules',
        'binance-um',
        '--market',
        'BTCUSDT',
        '--side',
        'short',
        '--qty',
        '1',
        '--entry',
        '20000',
        '--wallet',
        '1000',
        '--json',
      ],
      env,
    )
    expect((await r.exited).code).toBe(0)
    const out = JSON.parse(r.output().slice(r.output().indexOf('{'))) as { liquidationPrice: number }
    expect(out.liquidationPrice).toBeCloseTo(21_000 / 1.004, 9)
  })
})
