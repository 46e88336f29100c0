// The detector template (docs/detector-template.ts) compiles (npm run typecheck covers docs/), registers and finds
// what it documents; the registry refuses a detector missing a field, with an unknown or duplicate id, or an id
// without its detector, naming each problem.
import { z } from 'zod'
import { describe, expect, test } from 'vitest'
import { priceJump, priceJumpParams } from '../docs/detector-template.ts'
import type { Detector } from '../src/detect/detector.ts'
import { buildRegistry, detectorProblems, detectors } from '../src/detect/registry.ts'
import { DETECTOR_IDS } from '../src/domain/detection.ts'
import { marketDataCounts } from '../src/store/detect/availability.ts'
import { barsOf, insertBarRows } from './support/detectData.ts'
import { testRuntime } from './support/runtime.ts'

const runtime = await testRuntime()
const MIN = 60_000_000
const T0 = Date.UTC(2025, 2, 3) * 1000

describe('the detector template', () => {
  test('registers, and flags a 7 % minute as a warning and a 20 % minute as critical, nothing else', async () => {
    const registry = buildRegistry([priceJump as Detector<never>], ['price-jump'])
    expect([...registry.keys()]).toEqual(['price-jump'])
    const closes = Array.from({ length: 120 }, (_, i) => 100 * (1 + 0.001 * Math.sin(i)))
    closes[40] = closes[39]! * Math.exp(0.07)
    for (let i = 41; i < 80; i++) closes[i] = closes[40]!
    closes[80] = closes[79]! * Math.exp(-0.2)
    for (let i = 81; i < 120; i++) closes[i] = closes[80]!
    await insertBarRows(runtime.duck, 'tpl', 'JUMP', 60, barsOf(T0, MIN, closes, 1e5))
    const target = { venue: 'tpl', market: 'JUMP', fromUs: T0, toUs: T0 + 120 * MIN, runId: null }
    const counts = await marketDataCounts(runtime.duck, 'tpl', 'JUMP', target.fromUs, target.toUs)
    const params = priceJumpParams.parse({})
    expect(
      priceJump.requirements({ market: counts, ledger: { rows: 0, outflows: 0 }, run: null }, target, params),
    ).toEqual([])
    const drafts = await priceJump.detect(runtime, target, params)
    expect(drafts.map((d) => [d.severity, d.windowFromUs, Number(d.score.toFixed(3))])).toEqual([
      ['warning', T0 + 39 * MIN, 0.07],
      ['critical', T0 + 79 * MIN, 0.2],
    ])
    expect(drafts[0]!.evidence).toMatchObject({ thresholds: { warningMove: 0.05, criticalMove: 0.15 } })
    // and a market without any price data is named as a gap
    const empty = await marketDataCounts(runtime.duck, 'tpl', 'NONE', target.fromUs, target.toUs)
    expect(
      priceJump.requirements({ market: empty, ledger: { rows: 0, outflows: 0 }, run: null }, target, params),
    ).toMatchObject([{ table: 'bars', market: 'JUMP' }])
  })
})

describe('the registry', () => {
  test('the shipped registry holds every id of DETECTOR_IDS, in order, each without a problem', () => {
    expect([...detectors.keys()]).toEqual([...DETECTOR_IDS])
    for (const d of detectors.values()) expect(detectorProblems(d)).toEqual([])
  })

  test('a detector missing a field, or whose parameters lack defaults, is refused with every problem named', () => {
    const { label: _label, detect: _detect, ...missing } = priceJump
    const noDefaults = { ...priceJump, params: z.strictObject({ threshold: z.number() }) }
    const badVersion = { ...priceJump, version: 'v1' }
    expect(() =>
      buildRegistry([missing, noDefaults, badVersion] as unknown as Array<Detector<never>>, ['price-jump']),
    ).toThrow(
      /label \(used in incident titles\)[\s\S]*detect must be a function[\s\S]*params must parse \{\}[\s\S]*version must be semantic/,
    )
    expect(detectorProblems(missing, ['price-jump'])).toEqual([
      'price-jump: label (used in incident titles) must be non-empty text',
      'price-jump: detect must be a function',
    ])
  })

  test('an unknown id, a duplicate, or an id without its detector is refused', () => {
    const d = priceJump as Detector<never>
    expect(() => buildRegistry([d], ['other-id'])).toThrow(
      /price-jump: id must be one of DETECTOR_IDS[\s\S]*other-id: listed in DETECTOR_IDS but not registered/,
    )
    expect(() => buildRegistry([d, d], ['price-jump'])).toThrow(/price-jump: registered twice/)
  })
})
