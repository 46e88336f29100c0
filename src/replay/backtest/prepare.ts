// Preparing a backtest: validate the request (every problem), resolve the rule set, check the store has data to
// replay and plan it. Bad input throws here, before any run exists; nothing is written.
import { InvalidInputError } from '../../errors.ts'
import type { DuckStore } from '../../store/duck/open.ts'
import { describeReplayData, type ReplayData } from '../../store/market/replayData.ts'
import type { MetaClient } from '../../store/meta/client.ts'
import type { NewBacktestRun } from '../../store/meta/backtestRuns.ts'
import { populationSchema, type EntryHistory } from '../kernel/population.ts'
import { readEntryHistory } from './entryHistory.ts'
import { parseExplicitPositions, type ExplicitPositions } from '../positions/explicit.ts'
import { contractOf, replayContractProblems } from '../rules/contract.ts'
import { resolveRuleSet, type ResolvedRuleSet } from '../rules/resolve.ts'
import { planAccountReplay, type AccountPlan } from './accountReplay.ts'
import { planReplay, type ReplayPlan } from './plan.ts'
import { resolvePriceProxies } from './priceProxy.ts'
import { parseBacktestRequest, type BacktestRequest } from './request.ts'

export interface PrepareDeps {
  duck: DuckStore
  meta: MetaClient
}

export interface PreparedBacktest {
  request: BacktestRequest
  ruleSet: ResolvedRuleSet
  explicit: ExplicitPositions | null
  data: ReplayData
  plan: ReplayPlan
  /** Account replays: how each account is set up from the data. */
  accounts: AccountPlan | null
  /** Synthetic populations: per market, the stored prices before the window their initial positions entered at. */
  entryHistory: Array<EntryHistory | null>
  /** Time to describe the data and plan the replay. */
  planMs: number
}

/**
 * Validates the request, resolves the rule set (unless one already resolved is given: a sweep's), describes the
 * data and plans the replay.
 */
export async function prepareBacktest(
  deps: PrepareDeps,
  input: unknown,
  options: { allowFiles: boolean; ruleSet?: ResolvedRuleSet },
): Promise<PreparedBacktest> {
  const request = parseBacktestRequest(input)
  const ruleSet =
    options.ruleSet ?? (await resolveRuleSet(request.ruleSet, { meta: deps.meta, allowFiles: options.allowFiles }))
  const contractProblems = replayContractProblems(ruleSet.rules, request.markets)
  const inverse = request.markets.some((m) => contractOf(ruleSet.rules, m).type === 'inverse')
  if (inverse && request.positions === 'accounts') {
    contractProblems.push({
      path: 'positions',
      received: 'accounts',
      expected: `'synthetic' or 'explicit' for inverse markets (${request.markets.join(', ')}): account replays reconstruct balances in quote and are linear only`,
    })
  }
  if (contractProblems.length) throw new InvalidInputError('unsupported contracts', contractProblems)
  const explicit =
    request.positions === 'explicit'
      ? parseExplicitPositions(request.explicitPositions, request.markets, ruleSet.rules, request.mode)
      : null
  const t = performance.now()
  const data = await describeReplayData(
    deps.duck,
    request.venue,
    request.markets,
    request.from.getTime() * 1000,
    request.to.getTime() * 1000,
  )
  // mark / oracle proxies: other stored venues' prices (priceProxy.ts)
  const plan = planReplay(ruleSet.rules, request, data, await resolvePriceProxies(deps.duck, request, data))
  const accounts =
    request.positions === 'accounts' ? await planAccountReplay(deps.duck, ruleSet.rules, request, data) : null
  const entryHistory =
    request.positions === 'synthetic'
      ? await readEntryHistory(
          deps.duck,
          plan.feed,
          request.from.getTime() * 1000,
          populationSchema.parse(request.population ?? {}).entryLookbackHours,
        )
      : []
  const planMs = performance.now() - t
  return { request, ruleSet, explicit, data, plan, accounts, entryHistory, planMs }
}

/** The BacktestRun record of a prepared run: the exact rule-set hash, the window, the positions and the request. */
export function backtestRecord(prepared: PreparedBacktest): NewBacktestRun {
  const { request, ruleSet } = prepared
  return {
    ruleSetHash: ruleSet.hash,
    ruleSetRef: request.ruleSet,
    ruleSetVersionId: ruleSet.ruleSetVersionId,
    venue: request.venue,
    markets: request.markets,
    fromTs: request.from,
    toTs: request.to,
    positionsSource: request.positions,
    seed: request.seed,
    params: {
      ...request,
      from: request.from.toISOString(),
      to: request.to.toISOString(),
      population: request.positions === 'synthetic' ? populationSchema.parse(request.population ?? {}) : undefined,
    },
  }
}
