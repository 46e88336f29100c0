// Scaling a rule set's maintenance rates: every bracket's mmr of every tier (margin.default and each margin.markets
// tier) multiplied by one factor, exactly in decimal — as the overrides `rules derive` applies (its
// --maintenance-scale) and a sweep's maintenanceScale axis stands for.
import { Decimal } from 'decimal.js'
import type { Override } from './derive.ts'
import type { RuleSet } from './schema.ts'

/** The mmr path of every bracket of every tier, scaled exactly and read back as a number. */
export function maintenanceScaleOverrides(base: RuleSet, scale: number): Override[] {
  const out: Override[] = []
  const tier = (prefix: string, brackets: RuleSet['margin']['default']['brackets']) =>
    brackets.forEach((b, i) =>
      out.push({ path: `${prefix}.brackets[${i}].mmr`, value: new Decimal(b.mmr).times(scale).toNumber() }),
    )
  tier('margin.default', base.margin.default.brackets)
  for (const market of Object.keys(base.margin.markets).sort())
    tier(`margin.markets.${market}`, base.margin.markets[market]!.brackets)
  return out
}
