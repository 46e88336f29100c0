// Account-replay options of `backstop backtest` (overrides, excluded accounts, unreconciled accounts, shadow mode)
// become the request the API takes; malformed ones are refused naming the option.
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { backtestInput } from '../src/cli/commands/backtest.ts'
import { InvalidInputError } from '../src/errors.ts'
import { parseBacktestRequest } from '../src/replay/backtest/request.ts'
import { tempDir } from './support/tmp.ts'

const base = {
  rules: 'hyperliquid',
  venue: 'hyperliquid',
  markets: 'ETH,BTC',
  from: '2025-10-10',
  to: '2025-10-11',
  positions: 'accounts',
}

describe('backtest account-replay options', () => {
  test('every option reaches the request, which validates', () => {
    const file = path.join(tempDir(), 'overrides.json')
    const overrides = { accounts: {} }
    fs.writeFileSync(file, JSON.stringify(overrides))
    const input = backtestInput({
      ...base,
      accountOverrides: file,
      excludeAccounts: '0xabc, 0xdef',
      excludeUnreconciled: true,
      shadow: true,
    })
    expect(input).toMatchObject({
      accountOverrides: overrides,
      excludeAccounts: ['0xabc', '0xdef'],
      excludeUnreconciled: true,
      shadow: true,
    })
    expect(parseBacktestRequest(input)).toMatchObject({ shadow: true, excludeAccounts: ['0xabc', '0xdef'] })
    // without the options, none of them is set
    const plain = backtestInput(base)
    for (const k of ['accountOverrides', 'excludeAccounts', 'excludeUnreconciled', 'shadow'])
      expect(plain).not.toHaveProperty(k)
  })

  test('a malformed overrides document is refused naming the option and what is valid', () => {
    for (const [option, value] of [['accountOverrides', '{not json']] as const) {
      let error: unknown
      try {
        backtestInput({ ...base, [option]: value })
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(InvalidInputError)
      const flag = `--${option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`
      expect((error as InvalidInputError).problems).toEqual([expect.objectContaining({ path: flag, received: value })])
    }
  })
})
