// Per-account overrides of an account replay (`--account-overrides FILE.json`): margin mode, leverage and opening
// balance per account and per account·market, for what the venue's data does not say or says wrong.
import { z } from 'zod'
import { InvalidInputError } from '../../errors.ts'
import { assertSafeInput } from '../../userInput.ts'
import { amount } from '../rules/schema.ts'
import { problemsOf } from '../rules/validate.ts'

const modeAndLeverage = {
  mode: z.enum(['cross', 'isolated']).optional(),
  leverage: z.number().gt(0).max(1000).optional(),
}

const accountOverride = z.strictObject({
  ...modeAndLeverage,
  /** Cash the account holds before its first event in the store (quote); replaces the implied opening balance. */
  openingBalance: amount.optional(),
  markets: z.record(z.string().min(1).max(100), z.strictObject(modeAndLeverage)).default({}),
})

export const accountOverridesSchema = z.strictObject({
  accounts: z.record(z.string().min(1).max(200), accountOverride),
})

export type AccountOverrides = z.output<typeof accountOverridesSchema>
export type AccountOverridesInput = z.input<typeof accountOverridesSchema>

/** Validates an overrides document; every problem is reported with its path. */
export function parseAccountOverrides(document: unknown): AccountOverrides {
  assertSafeInput(document, 'accountOverrides', 'invalid account overrides')
  const parsed = accountOverridesSchema.safeParse(document, { reportInput: true })
  if (!parsed.success)
    throw new InvalidInputError('invalid account overrides', problemsOf(parsed.error, 'accountOverrides'))
  return parsed.data
}
