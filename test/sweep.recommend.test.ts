// The recommendation as a `rules derive` command: a maintenanceScale point is one --maintenance-scale (not a --set per
// bracket) when that derivation gives exactly the point's rules, and `rules derive --maintenance-scale` gives them.
// Fast: no replay; two CLI runs.
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { deriveRuleSet, type Override } from '../src/replay/rules/derive.ts'
import { maintenanceScaleOverrides } from '../src/replay/rules/maintenanceScale.ts'
import { findPreset } from '../src/replay/rules/presets/index.ts'
import type { WindowFigures } from '../src/replay/sweep/figures.ts'
import { recommend, type EvaluatedPoint } from '../src/replay/sweep/frontier.ts'
import { spawnBackstop } from './support/process.ts'
import { tempDir } from './support/tmp.ts'

const base = findPreset('binance-um').rules
const brackets = maintenanceScaleOverrides(base, 1).length

/** A point without bad debt: the only one, so the recommended one. */
const point = (values: EvaluatedPoint['values'], overrides: Override[]): EvaluatedPoint => ({
  index: 0,
  values,
  overrides,
  windows: [{ risk: { badDebt: '0' } } as WindowFigures],
  parts: { marginMicros: 1n, notionalMicros: 10n, earlier: 0, population: 1, feeMicros: 0n },
})
/** The base's value at a rule-set path (as the sweep reads it). */
function valueAt(p: string): unknown {
  let node: unknown = base
  for (const key of p.replace(/\[(\d+)\]/g, '.$1').split('.'))
    node = node === undefined ? undefined : (node as Record<string, unknown>)[key]
  return node
}

describe('the recommended rule set as a rules derive command', () => {
  test('a maintenanceScale point is one --maintenance-scale; other axes stay --set; a clash falls back', () => {
    expect(brackets).toBeGreaterThan(5)
    const scaled = maintenanceScaleOverrides(base, 1.3)
    const alone = recommend(
      [point([{ path: 'maintenanceScale', value: 1.3 }], scaled)],
      '0',
      'binance-um',
      valueAt,
      base,
    )
    expect(alone.command).toBe('backstop rules derive --from binance-um --maintenance-scale 1.3')
    // the paths themselves are still listed, every one
    expect(alone.set).toHaveLength(brackets)

    const fee = { path: 'fees.liquidationFeeRate', value: 0.004 }
    const withFee = recommend(
      [point([{ path: 'maintenanceScale', value: 1.3 }, fee], [...scaled, fee])],
      '0',
      'binance-um',
      valueAt,
      base,
    )
    expect(withFee.command).toBe(
      'backstop rules derive --from binance-um --maintenance-scale 1.3 --set fees.liquidationFeeRate=0.004',
    )

    // another axis sets one bracket's mmr after the scale: the scale alone would lose it, so every path is a --set
    const clash = { path: 'margin.default.brackets[0].mmr', value: 0.0051 }
    const mixed = recommend(
      [point([{ path: 'maintenanceScale', value: 1.3 }, clash], [...scaled, clash])],
      '0',
      'binance-um',
      valueAt,
      base,
    )
    expect(mixed.command).not.toContain('--maintenance-scale')
    expect(mixed.command).toContain('--set margin.default.brackets[0].mmr=0.0051')
  })

  test('rules derive --maintenance-scale gives the point rule set; a bad factor is refused naming it', async () => {
    const dir = tempDir()
    const env = { DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'silent' }
    const out = path.join(dir, 'scaled.json')
    const ok = spawnBackstop(
      ['rules', 'derive', '--from', 'binance-um', '--maintenance-scale', '1.3', '--out', out],
      env,
    )
    expect((await ok.exited).code).toBe(0)
    const derived = JSON.parse(fs.readFileSync(out, 'utf8')) as typeof base
    const expected = deriveRuleSet(base, maintenanceScaleOverrides(base, 1.3), { derivedFrom: 'binance-um' })
    expect(derived.margin).toEqual(expected.rules.margin)
    expect(derived.margin.default.brackets[0]!.mmr).not.toBe(base.margin.default.brackets[0]!.mmr)

    const bad = spawnBackstop(['rules', 'derive', '--from', 'binance-um', '--maintenance-scale', '0'], env)
    expect((await bad.exited).code).toBe(2)
    expect(bad.output()).toMatch(/--maintenance-scale/)
    expect(bad.output()).toMatch(/a positive number/)
  }, 120_000)
})
