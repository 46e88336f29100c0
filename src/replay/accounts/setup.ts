// How each account of an account replay is set up, and from what: margin mode and leverage per account·market
// (override file → leverage-update ledger row → margin snapshot → fill directions → request → rule set), which
// accounts are left out (venue-internal, excluded by the request), and how funding reaches them.
import type { AccountData } from '../../store/market/accountData.ts'
import type { PositionSetup } from '../kernel/accountReplay.ts'
import { accountKey } from '../kernel/accountReplay.ts'
import type { RuleSet } from '../rules/schema.ts'
import type { AccountOverrides } from './overrides.ts'

export type ModeSource = 'override' | 'ledger' | 'snapshot' | 'fills' | 'request' | 'ruleSet'
export type LeverageSource = 'override' | 'ledger' | 'snapshot' | 'request' | 'ruleSet' | 'bracketMax'

export interface MarketSetupReport {
  market: string
  mode: 'cross' | 'isolated'
  modeSource: ModeSource
  /** null: the bracket's maximum leverage. */
  leverage: number | null
  leverageSource: LeverageSource
}

export interface AccountSetupReport {
  account: string
  /** Why the account is left out of the replay, or null. */
  excluded: 'system' | 'requested' | 'unreconciled' | null
  /** The rule set's label for a venue-internal account. */
  system: string | null
  funding: 'ledger' | 'rates'
  markets: MarketSetupReport[]
}

export interface AccountSetup {
  positions: Map<number, PositionSetup>
  /** The account's default mode (markets without a position setup). */
  cross: boolean[]
  excluded: boolean[]
  fundingFromLedger: boolean[]
  reports: AccountSetupReport[]
}

export interface AccountSetupOptions {
  mode?: 'cross' | 'isolated'
  /** Leverage of positions the data and overrides do not state (before the rule set's default). */
  defaultLeverage?: number | undefined
  overrides?: AccountOverrides | null
  excludeAccounts?: readonly string[]
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase()

export function buildAccountSetup(
  rules: RuleSet,
  markets: readonly string[],
  data: AccountData,
  options: AccountSetupOptions,
): AccountSetup {
  const evidence = new Map(data.markets.map((e) => [`${e.account}\u0000${e.market}`, e]))
  const systems = rules.accounts?.systemAccounts ?? []
  const requestMode = options.mode
  const positions = new Map<number, PositionSetup>()
  const setup: AccountSetup = { positions, cross: [], excluded: [], fundingFromLedger: [], reports: [] }
  data.accounts.forEach((a, acc) => {
    const system = systems.find((s) => same(s.id, a.account)) ?? null
    const requested = options.excludeAccounts?.some((x) => same(x, a.account)) ?? false
    const override = options.overrides?.accounts[a.account] ?? null
    const accountMode = override?.mode ?? requestMode ?? rules.margin.mode
    const reports: MarketSetupReport[] = markets.map((market, m) => {
      const e = evidence.get(`${a.account}\u0000${market}`)
      const o = override?.markets[market]
      let mode: 'cross' | 'isolated'
      let modeSource: ModeSource
      if (o?.mode) [mode, modeSource] = [o.mode, 'override']
      else if (override?.mode) [mode, modeSource] = [override.mode, 'override']
      else if (e?.ledgerMode) [mode, modeSource] = [e.ledgerMode, 'ledger']
      else if (e?.snapshotMode) [mode, modeSource] = [e.snapshotMode, 'snapshot']
      else if (e && e.isolatedFills + e.crossFills > 0)
        [mode, modeSource] = [e.isolatedFills > e.crossFills ? 'isolated' : 'cross', 'fills']
      else if (requestMode) [mode, modeSource] = [requestMode, 'request']
      else [mode, modeSource] = [rules.margin.mode, 'ruleSet']
      let leverage: number | null
      let leverageSource: LeverageSource
      if (o?.leverage) [leverage, leverageSource] = [o.leverage, 'override']
      else if (override?.leverage) [leverage, leverageSource] = [override.leverage, 'override']
      else if (e?.ledgerLeverage) [leverage, leverageSource] = [e.ledgerLeverage, 'ledger']
      else if (e?.snapshotLeverage) [leverage, leverageSource] = [e.snapshotLeverage, 'snapshot']
      else if (options.defaultLeverage) [leverage, leverageSource] = [options.defaultLeverage, 'request']
      else if (rules.accounts?.defaultLeverage) [leverage, leverageSource] = [rules.accounts.defaultLeverage, 'ruleSet']
      else [leverage, leverageSource] = [null, 'bracketMax']
      positions.set(accountKey(acc, m), { cross: mode === 'cross', leverage })
      return { market, mode, modeSource, leverage, leverageSource }
    })
    setup.cross.push(accountMode === 'cross')
    setup.excluded.push(system !== null || requested)
    setup.fundingFromLedger.push(a.fundingRows > 0)
    setup.reports.push({
      account: a.account,
      excluded: system ? 'system' : requested ? 'requested' : null,
      system: system?.label ?? null,
      funding: a.fundingRows > 0 ? 'ledger' : 'rates',
      markets: reports,
    })
  })
  return setup
}
