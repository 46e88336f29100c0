// Backtest against reality: a run's liquidations matched with those the venue made to the same accounts in the same
// window — matched, missed and extra events with the time offset and both notionals, recall, precision, the offset
// distribution, and for each miss or extra the likely causes the engine can see.
import { InvalidInputError, NotFoundError } from '../../errors.ts'
import type { DuckStore } from '../../store/duck/open.ts'
import type { MetaClient } from '../../store/meta/client.ts'
import { getBacktestRun } from '../../store/meta/backtestRuns.ts'
import {
  accountsWithSnapshots,
  observedLiquidations,
  pricesInHourBefore,
  runLiquidations,
} from '../../store/results/reconcileData.ts'
import type { AccountsSummary } from './accountReplay.ts'
import { groupEvents, matchEvents, quantile, type LiquidationEvent } from './matchEvents.ts'
import type { BacktestSummary } from './summary.ts'

export type ReconcileCause =
  | 'no price in the hour before'
  | 'cash not reconciled against a margin snapshot'
  | 'implied opening balance'
  | 'position held before the history in the store'
  | 'mode unknown'
  | 'diverged'
  | 'account left out of the run'

export interface ReconciledEvent {
  status: 'matched' | 'missed' | 'extra'
  account: string
  market: string
  side: 'long' | 'short'
  observedAt: string | null
  engineAt: string | null
  /** Engine time − observed time, seconds (matched only). */
  offsetSeconds: number | null
  observedNotional: number | null
  engineNotional: number | null
  causes: ReconcileCause[]
}

export interface ReconcileReport {
  runId: string
  venue: string
  markets: string[]
  from: string
  to: string
  windowSeconds: number
  shadowMode: boolean
  accounts: number
  observed: number
  engine: number
  matched: number
  missed: number
  extra: number
  /** matched / observed (null without observed liquidations). */
  recall: number | null
  /** matched / engine events (null without engine liquidations). */
  precision: number | null
  offsets: {
    median: number | null
    p10: number | null
    p90: number | null
    meanAbs: number | null
    min: number | null
    max: number | null
  }
  causes: Record<string, number>
  events: ReconciledEvent[]
}

export interface ReconcileOptions {
  runId: string
  /** Matching window in seconds (default 3600). */
  windowSeconds?: number
}

export async function reconcileRun(
  deps: { duck: DuckStore; meta: MetaClient },
  options: ReconcileOptions,
): Promise<ReconcileReport> {
  const windowSeconds = options.windowSeconds ?? 3600
  if (!(windowSeconds > 0) || windowSeconds > 7 * 86_400)
    throw new InvalidInputError('invalid reconcile window', [
      { path: 'window', received: windowSeconds, expected: 'a number of seconds above 0 and at most 7 days' },
    ])
  const run = await getBacktestRun(deps.meta, options.runId)
  if (!run) throw new NotFoundError(`no backtest run ${options.runId}`, { runId: options.runId })
  if (run.positionsSource !== 'accounts' || run.run.status !== 'succeeded') {
    throw new InvalidInputError('run cannot be reconciled', [
      {
        path: 'runId',
        received: `${run.id}: positions ${run.positionsSource}, status ${run.run.status}`,
        expected: 'a succeeded run with positions = accounts (only real accounts have observed liquidations)',
      },
    ])
  }
  const summary = run.summary as unknown as BacktestSummary | null
  const accountsSummary: AccountsSummary | undefined = summary?.accounts
  const markets = run.markets as string[]
  const fromUs = run.fromTs.getTime() * 1000
  const toUs = run.toTs.getTime() * 1000
  const detail = new Map((accountsSummary?.detail ?? []).map((d) => [d.name, d]))
  const accountNames = [...detail.keys()]
  const engineRows = await runLiquidations(deps.duck, run.id)
  const observedRows = await observedLiquidations(deps.duck, run.venue, markets, accountNames, fromUs, toUs)
  const observed = groupEvents(observedRows)
  const engine = groupEvents(engineRows)
  const pairs = matchEvents(observed, engine, windowSeconds * 1e6)

  // a run replays its own venue's prices (no mark proxy yet): the hour before an event is looked up there
  const priceVenues = [run.venue]
  const unmatched = pairs.filter((p) => !p.observed || !p.engine)
  const counts = await pricesInHourBefore(
    deps.duck,
    priceVenues,
    unmatched.map((p) => ({ market: (p.observed ?? p.engine)!.market, ts: (p.observed ?? p.engine)!.ts })),
  )
  const snapshots = await accountsWithSnapshots(deps.duck, run.venue, accountNames, toUs)
  const divergences = new Set((accountsSummary?.divergenceList ?? []).map((d) => `${d.account}\u0000${d.market}`))
  const causesOf = (e: LiquidationEvent, priceRows: number): ReconcileCause[] => {
    const causes: ReconcileCause[] = []
    const d = detail.get(e.account)
    if (priceRows === 0) causes.push('no price in the hour before')
    if (d?.excluded) causes.push('account left out of the run')
    if (d?.unreconciled.includes('implied opening balance')) causes.push('implied opening balance')
    if (d && d.openingPositions > 0) causes.push('position held before the history in the store')
    if (!snapshots.has(e.account)) causes.push('cash not reconciled against a margin snapshot')
    const m = d?.markets.find((x) => x.market === e.market)
    if (!m || m.modeSource === 'request' || m.modeSource === 'ruleSet') causes.push('mode unknown')
    if (divergences.has(`${e.account}\u0000${e.market}`)) causes.push('diverged')
    return causes
  }
  let u = 0
  const iso = (us: number) => new Date(us / 1000).toISOString()
  const events: ReconciledEvent[] = pairs.map((p) => {
    const o = p.observed
    const e = p.engine
    const base = (o ?? e)!
    const status = o && e ? 'matched' : o ? 'missed' : 'extra'
    return {
      status,
      account: base.account,
      market: base.market,
      side: base.side,
      observedAt: o ? iso(o.ts) : null,
      engineAt: e ? iso(e.ts) : null,
      offsetSeconds: o && e ? (e.ts - o.ts) / 1e6 : null,
      observedNotional: o ? o.notional : null,
      engineNotional: e ? e.notional : null,
      causes: o && e ? [] : causesOf(base, counts[u++]!),
    }
  })
  events.sort(
    (a, b) =>
      (a.observedAt ?? a.engineAt)!.localeCompare((b.observedAt ?? b.engineAt)!) ||
      a.account.localeCompare(b.account) ||
      a.market.localeCompare(b.market),
  )
  const matched = events.filter((e) => e.status === 'matched')
  const offsets = matched.map((e) => e.offsetSeconds!).sort((a, b) => a - b)
  const causes: Record<string, number> = {}
  for (const e of events) for (const c of e.causes) causes[c] = (causes[c] ?? 0) + 1
  return {
    runId: run.id,
    venue: run.venue,
    markets,
    from: run.fromTs.toISOString(),
    to: run.toTs.toISOString(),
    windowSeconds,
    shadowMode: accountsSummary?.shadowMode ?? false,
    accounts: accountNames.length,
    observed: observed.length,
    engine: engine.length,
    matched: matched.length,
    missed: events.filter((e) => e.status === 'missed').length,
    extra: events.filter((e) => e.status === 'extra').length,
    recall: observed.length ? matched.length / observed.length : null,
    precision: engine.length ? matched.length / engine.length : null,
    offsets: {
      median: quantile(offsets, 0.5),
      p10: quantile(offsets, 0.1),
      p90: quantile(offsets, 0.9),
      meanAbs: offsets.length ? offsets.reduce((s, x) => s + Math.abs(x), 0) / offsets.length : null,
      min: offsets.length ? offsets[0]! : null,
      max: offsets.length ? offsets[offsets.length - 1]! : null,
    },
    causes,
    events,
  }
}
