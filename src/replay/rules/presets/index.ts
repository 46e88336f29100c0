// The preset registry: every venue preset validated at load, looked up by name or by name@date (the preset in force).
import { InvalidInputError } from '../../../errors.ts'
import type { RuleSetInput } from '../schema.ts'
import { validateRuleSet, type ValidatedRuleSet } from '../validate.ts'
import { binancePresets } from './binance.ts'
import { bitmexPresets } from './bitmex.ts'
import { bybitPresets } from './bybit.ts'
import { driftPresets } from './drift.ts'
import { dydxPresets } from './dydx.ts'
import { gmxPresets } from './gmx.ts'
import { hyperliquidPresets } from './hyperliquid.ts'
import { hyperliquid2023Presets } from './hyperliquid2023.ts'
import { okxPresets } from './okx.ts'

export interface Preset extends ValidatedRuleSet {
  /** "binance-um@2025-09-18": name and effective date, unique. */
  id: string
  input: RuleSetInput
}

const inputs: RuleSetInput[] = [
  ...binancePresets,
  ...bybitPresets,
  ...okxPresets,
  ...bitmexPresets,
  ...dydxPresets,
  ...hyperliquid2023Presets,
  ...hyperliquidPresets,
  ...driftPresets,
  ...gmxPresets,
]

/** Every preset, by name then effective date. A preset that fails validation is a bug: fail at load. */
export const presets: readonly Preset[] = inputs
  .map((input) => {
    const validated = validateRuleSet(input, `preset ${input.name}@${input.effective.from} is invalid`)
    return { ...validated, input, id: `${validated.rules.name}@${validated.rules.effective.from}` }
  })
  .sort(
    (a, b) => a.rules.name.localeCompare(b.rules.name) || a.rules.effective.from.localeCompare(b.rules.effective.from),
  )

export const presetNames = [...new Set(presets.map((p) => p.rules.name))]

/** True when `ref` names a preset ("hyperliquid", "binance-um@2021-03-18", "binance-um@2024-01-01"). */
export function isPresetRef(ref: string): boolean {
  return presetNames.includes(ref.split('@')[0]!)
}

/** The preset named `ref`: the latest, or the one in force on the date after "@". */
export function findPreset(ref: string): Preset {
  const [name, date] = ref.split('@') as [string, string | undefined]
  const versions = presets.filter((p) => p.rules.name === name)
  if (!versions.length) {
    throw new InvalidInputError('unknown preset', [
      { path: 'preset', received: ref, expected: `one of ${presetNames.join(', ')}` },
    ])
  }
  if (date === undefined) return versions[versions.length - 1]!
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) {
    throw new InvalidInputError('invalid preset date', [
      { path: 'preset', received: ref, expected: `${name}@YYYY-MM-DD` },
    ])
  }
  const inForce = versions.filter((p) => p.rules.effective.from <= date)
  if (!inForce.length) {
    throw new InvalidInputError('no preset in force on that date', [
      { path: 'preset', received: ref, expected: `a date on or after ${versions[0]!.rules.effective.from}` },
    ])
  }
  return inForce[inForce.length - 1]!
}
