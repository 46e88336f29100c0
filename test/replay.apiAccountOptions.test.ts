// The account-replay options of `runBacktest` over GraphQL (accountOverrides, excludeAccounts, excludeUnreconciled,
// shadow) reach the same request validation as the CLI's flags: a wrong one is BAD_USER_INPUT naming it.
import { afterAll, describe, expect, test } from 'vitest'
import { jobRegistry } from '../jobs/registry.ts'
import { RunManager } from '../jobs/runManager.ts'
import { gqlClient } from './support/graphql.ts'
import { testRuntime } from './support/runtime.ts'

const runtime = await testRuntime()
const runs = new RunManager(runtime, jobRegistry)
const client = await gqlClient(runtime, runs)

afterAll(async () => {
  await client.stop()
  await runs.stop(5000)
})

const base = {
  ruleSet: 'hyperliquid',
  venue: 'hyperliquid',
  markets: ['BTC'],
  from: '2025-10-10T00:00:00Z',
  to: '2025-10-10T01:00:00Z',
}

async function problems(input: Record<string, unknown>) {
  const { errors } = await client.run(`mutation($i: BacktestInput!) { runBacktest(input: $i) { id } }`, { i: input })
  expect(errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT')
  return (errors![0]!.extensions!.problems as Array<{ path: string }>).map((p) => p.path).sort()
}

describe('runBacktest account options', () => {
  test('shadow and excludeUnreconciled are for account replays only, as on the command line', async () => {
    expect(await problems({ ...base, positions: 'synthetic', shadow: true })).toEqual(['shadow'])
    expect(await problems({ ...base, positions: 'synthetic', excludeUnreconciled: true })).toEqual([
      'excludeUnreconciled',
    ])
  })

  test('excludeAccounts and accountOverrides are checked like the request the CLI builds', async () => {
    expect(await problems({ ...base, positions: 'synthetic', excludeAccounts: ['0xabc'] })).toEqual(['excludeAccounts'])
    expect(await problems({ ...base, positions: 'accounts', excludeAccounts: [''] })).toEqual(['excludeAccounts[0]'])
    expect(await problems({ ...base, positions: 'synthetic', accountOverrides: { accounts: {} } })).toEqual([
      'accountOverrides',
    ])
  })
})
