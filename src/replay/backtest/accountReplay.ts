// Account replays in the runner: check the store has account events, set every account up from the data (mode,
// leverage, exclusions, funding), find implied opening balances with a pass over the account events, describe the
// accounts for the kernel (on its host's thread), and summarize how they were reconstructed.
import { InvalidInputError } from '../../errors.ts'
import type { DuckStore } from '../../store/duck/open.ts'
import { describeAccountData, type AccountData } from '../../store/market/accountData.ts'
import type { ReplayData } from '../../store/market/replayData.ts'
import { readReplayFeed, type FeedSpec } from '../../store/market/replayFeed.ts'
import { buildAccountSetup, type AccountSetup, type AccountSetupReport } from '../accounts/setup.ts'
import { ImpliedBalanceFloor } from '../accounts/impliedBalance.ts'
import { parseAccountOverrides, type AccountOverrides } from '../accounts/overrides.ts'
import type { KernelAccounts, KernelAccountStats } from '../host/session.ts'
import { formatMicros, parseMicros } from '../money.ts'
import type { RuleSet } from '../rules/schema.ts'
import type { BacktestRequest } from './request.ts'

/** Accounts kept in a run's summary in full; the counts cover all of them. */
const DETAIL_LIMIT = 5_000

export interface AccountPlan {
  data: AccountData
  setup: AccountSetup
  overrides: AccountOverrides | null
}

export interface AccountOutcome {
  name: string
  openingBalance: string
  openingSource: 'ledger' | 'implied' | 'override'
  openingPositions: number
  unreconciled: string[]
  excluded: AccountSetupReport['excluded']
}

/**
 * Validates what an account replay needs before a run is recorded: account events in the window, sizes that stay
 * exact, and the overrides document.
 */
export async function planAccountReplay(
  duck: DuckStore,
  rules: RuleSet,
  request: BacktestRequest,
  data: ReplayData,
): Promise<AccountPlan> {
  const fillsInWindow = data.markets.reduce((n, m) => n + m.fills, 0)
  if (fillsInWindow === 0 && data.ledger === 0) {
    throw new InvalidInputError('no account data to replay', [
      {
        path: 'positions',
        received: `accounts: 0 fills for ${request.markets.join(', ')} and 0 ledger rows for ${request.venue} between ${request.from.toISOString()} and ${request.to.toISOString()}`,
        expected:
          'fills or ledger rows of that venue in the window (backstop ingest hyperliquid --datasets fills,ledger, ingest hyperliquid-node-fills, ingest dydx, or ingest file --table fills / ledger)',
      },
    ])
  }
  const overrides = request.accountOverrides === undefined ? null : parseAccountOverrides(request.accountOverrides)
  const toUs = request.to.getTime() * 1000
  const accountData = await describeAccountData(duck, request.venue, request.markets, toUs)
  const problems = accountData.sizeDecimals.flatMap((decimals, i) =>
    accountData.maxQty[i]! * 10 ** decimals * 4096 >= Number.MAX_SAFE_INTEGER
      ? [
          {
            path: `markets[${i}]`,
            received: `${request.markets[i]}: fill sizes up to ${accountData.maxQty[i]} on a step of 1e-${decimals}`,
            expected: 'sizes whose step units stay below 2^53 / 4096 (exact position sums)',
          },
        ]
      : [],
  )
  if (problems.length) throw new InvalidInputError('fill sizes too fine to sum exactly', problems)
  const setup = buildAccountSetup(rules, request.markets, accountData, {
    mode: request.mode,
    defaultLeverage: request.defaultLeverage,
    overrides,
    excludeAccounts: request.excludeAccounts,
  })
  return { data: accountData, setup, overrides }
}

/**
 * The feed of the warm-up: the accounts' events from their first one up to the window, followed without liquidating.
 * Its account indices are the kernel's (the dictionary as of the window's end, `accountsToUs`): as of the window's
 * start, an account first seen inside the window would be missing and shift every later account's index, handing one
 * account's deposits and fills to another.
 */
export function warmupFeed(
  feed: Omit<FeedSpec, 'fromUs' | 'toUs' | 'accountsOnly'>,
  window: { firstAccountTs: number; fromUs: number; toUs: number },
): FeedSpec {
  return {
    ...feed,
    accountsOnly: true,
    fromUs: window.firstAccountTs,
    toUs: window.fromUs,
    accountsToUs: window.toUs,
    slabSeconds: 30 * 86_400,
  }
}

/**
 * The plan's accounts as the kernel opens them, with their opening balances: an override's, else the implied balance
 * found by a pass over every account event up to the window end (0 when the ledger funds every fill).
 */
export async function openAccounts(
  duck: DuckStore,
  rules: RuleSet,
  request: BacktestRequest,
  plan: AccountPlan,
  feed: Omit<FeedSpec, 'fromUs' | 'toUs' | 'accountsOnly'>,
  firstAccountTs: number | null,
): Promise<{ outcomes: AccountOutcome[]; kernel: KernelAccounts }> {
  const [opened] = await openAccountsFor(duck, [{ rules, plan }], request, feed, firstAccountTs)
  return opened!
}

/**
 * openAccounts for several rule sets over the same accounts (a sweep's points, each with its own setup): one pass
 * over the account events feeds every rule set's implied-balance floor.
 */
export async function openAccountsFor(
  duck: DuckStore,
  runs: Array<{ rules: RuleSet; plan: AccountPlan }>,
  request: BacktestRequest,
  feed: Omit<FeedSpec, 'fromUs' | 'toUs' | 'accountsOnly'>,
  firstAccountTs: number | null,
): Promise<Array<{ outcomes: AccountOutcome[]; kernel: KernelAccounts }>> {
  const floors = runs.map(
    ({ rules, plan: { data, setup } }) =>
      new ImpliedBalanceFloor(
        rules,
        request.markets,
        data.accounts.length,
        data.sizeDecimals,
        setup,
        rules.accounts?.fillFees ?? null,
      ),
  )
  const toUs = request.to.getTime() * 1000
  if (firstAccountTs !== null && runs.length) {
    const spec: FeedSpec = {
      ...feed,
      accountsOnly: true,
      fromUs: firstAccountTs,
      toUs,
      slabSeconds: 30 * 86_400,
      sizeDecimals: runs[0]!.plan.data.sizeDecimals,
    }
    for await (const batch of readReplayFeed(duck, spec)) for (const floor of floors) floor.process(batch)
  }
  return runs.map(({ rules, plan }, i) => accountsOpened(rules, request, plan, floors[i]!.result()))
}

function accountsOpened(
  rules: RuleSet,
  request: BacktestRequest,
  plan: AccountPlan,
  found: ReturnType<ImpliedBalanceFloor['result']>,
): { outcomes: AccountOutcome[]; kernel: KernelAccounts } {
  const { data, setup, overrides } = plan
  const feeRates = rules.accounts?.fillFees ?? null
  const outcomes = data.accounts.map((a, acc): AccountOutcome => {
    const override = overrides?.accounts[a.account]?.openingBalance
    const implied = found.implied[acc]!
    const unreconciled: string[] = []
    if (override === undefined && implied > 0) unreconciled.push('implied opening balance')
    if (found.openingPositions[acc]! > 0) unreconciled.push('position before its first fill in the store')
    const report = setup.reports[acc]!
    let excluded = report.excluded
    if (excluded === null && request.excludeUnreconciled && unreconciled.length) excluded = 'unreconciled'
    return {
      name: a.account,
      openingBalance: override ?? formatMicros(implied),
      openingSource: override !== undefined ? 'override' : implied > 0 ? 'implied' : 'ledger',
      openingPositions: found.openingPositions[acc]!,
      unreconciled,
      excluded,
    }
  })
  const kernel: KernelAccounts = {
    accounts: outcomes.map((o, acc) => ({
      name: o.name,
      cross: setup.cross[acc]!,
      wallet: parseMicros(o.openingBalance),
    })),
    setup: {
      sizeDecimals: data.sizeDecimals,
      excluded: outcomes.map((o) => o.excluded !== null),
      fundingFromLedger: setup.fundingFromLedger,
      positions: setup.positions,
      feeRates,
    },
    shadow: request.shadow,
  }
  return { outcomes, kernel }
}

export interface AccountsSummary {
  accounts: number
  replayed: number
  excluded: { system: number; requested: number; unreconciled: number }
  unreconciled: number
  impliedOpeningBalance: string
  openingPositions: number
  modeSources: Record<string, number>
  leverageSources: Record<string, number>
  isolatedPositions: number
  funding: { fromLedger: number; fromRates: number }
  estimatedFees: { fills: number; amount: string }
  shadowMode: boolean
  shadowLiquidations: number
  venueLiquidationFills: number
  divergedAccounts: number
  divergences: number
  liquidations: { reconciled: number; unreconciled: number }
  /** Per account (first 5,000): opening balance and its source, why unreconciled, exclusion, mode per market. */
  detail: Array<AccountOutcome & { funding: string; markets: AccountSetupReport['markets'] }>
  divergenceList: Array<{ account: string; market: string; engineAt: string; confirmedAt: string }>
}

/** How the run's accounts were reconstructed; `liquidatedAccounts` are the accounts of its liquidation rows. */
export function summarizeAccounts(
  stats: KernelAccountStats,
  request: BacktestRequest,
  plan: AccountPlan,
  outcomes: AccountOutcome[],
  liquidationsByAccount: Map<string, number>,
): AccountsSummary {
  const count = <T>(items: T[], key: (t: T) => string) => {
    const out: Record<string, number> = {}
    for (const t of items) out[key(t)] = (out[key(t)] ?? 0) + 1
    return out
  }
  const replayed = outcomes.filter((o) => o.excluded === null)
  const markets = plan.setup.reports.filter((_r, i) => outcomes[i]!.excluded === null).flatMap((r) => r.markets)
  let implied = 0n
  for (const o of outcomes) if (o.openingSource === 'implied') implied += BigInt(parseMicros(o.openingBalance))
  const unreconciled = new Set(outcomes.filter((o) => o.unreconciled.length).map((o) => o.name))
  let liqReconciled = 0
  let liqUnreconciled = 0
  for (const [account, n] of liquidationsByAccount) {
    if (unreconciled.has(account)) liqUnreconciled += n
    else liqReconciled += n
  }
  const at = (us: number) => new Date(us / 1000).toISOString()
  return {
    accounts: outcomes.length,
    replayed: replayed.length,
    excluded: {
      system: outcomes.filter((o) => o.excluded === 'system').length,
      requested: outcomes.filter((o) => o.excluded === 'requested').length,
      unreconciled: outcomes.filter((o) => o.excluded === 'unreconciled').length,
    },
    unreconciled: replayed.filter((o) => o.unreconciled.length).length,
    impliedOpeningBalance: formatMicros(implied),
    openingPositions: replayed.reduce((n, o) => n + o.openingPositions, 0),
    modeSources: count(markets, (m) => m.modeSource),
    leverageSources: count(markets, (m) => m.leverageSource),
    isolatedPositions: markets.filter((m) => m.mode === 'isolated').length,
    funding: {
      fromLedger: plan.setup.reports.filter((r, i) => outcomes[i]!.excluded === null && r.funding === 'ledger').length,
      fromRates: plan.setup.reports.filter((r, i) => outcomes[i]!.excluded === null && r.funding === 'rates').length,
    },
    estimatedFees: { fills: stats.estimatedFees, amount: stats.estimatedFeeAmount },
    shadowMode: request.shadow,
    shadowLiquidations: stats.shadowLiquidations,
    venueLiquidationFills: stats.venueLiquidationFills,
    divergedAccounts: new Set(stats.divergences.map((d) => d.account)).size,
    divergences: stats.divergences.length,
    liquidations: { reconciled: liqReconciled, unreconciled: liqUnreconciled },
    detail: outcomes.slice(0, DETAIL_LIMIT).map((o, i) => ({
      ...o,
      funding: plan.setup.reports[i]!.funding,
      markets: plan.setup.reports[i]!.markets,
    })),
    divergenceList: stats.divergences.slice(0, DETAIL_LIMIT).map((d) => ({
      account: d.account,
      market: request.markets[d.market]!,
      engineAt: at(d.engineTs),
      confirmedAt: at(d.confirmedTs),
    })),
  }
}
