// The run summary stored on BacktestRun: counts, exact totals as decimal strings, fund path, first deficit.
import type { ReplayKernel } from '../kernel/engine.ts'
import { EVENT_KIND_NAMES } from '../kernel/events.ts'
import { GUARDRAIL_KINDS } from '../kernel/outputs.ts'
import { venueNearMiss } from '../kernel/inverse.ts'
import { formatMicros, toMicros } from '../money.ts'
import { settlementUnitOf } from '../rules/contract.ts'
import type { MarketPlan } from './plan.ts'
import type { AccountsSummary } from './accountReplay.ts'
import {
  distanceText,
  dominantAssumptions,
  nearMissRows,
  type DistanceToFailure,
  type StressToFirstDeficit,
} from './distanceToFailure.ts'

/** How the run was replayed: a fidelity replay, or stress mode with its feedback and shocks. */
export interface StressLabel {
  mode: 'fidelity' | 'stress'
  feedback: boolean
  shockReturns: number
  shockLiquidity: number
  /** "fidelity replay" or e.g. "stress: feedback on, returns ×1.5, liquidity ×0.5". */
  label: string
}

export interface BacktestSummary {
  eventsReplayed: number
  eventsByKind: Record<string, number>
  positionsOpened: number
  positionsExpired: number
  maxOpenPositions: number
  openPositionsAtEnd: number
  liquidations: number
  partialLiquidations: number
  takeovers: number
  backstops: number
  deleveraged: number
  liquidatedNotional: string
  bankruptcies: number
  totalShortfall: string
  coveredByFund: string
  coveredByFeePool: string
  coveredByAdl: string
  socializedLoss: string
  totalBadDebt: string
  feesToFund: string
  feesToOthers: string
  surplusToFund: string
  adlFills: number
  fund: {
    initial: string
    final: string
    low: string
    maxDrawdown: string
    maxDrawdownFraction: number
    funds: Array<{ name: string; initial: string; final: string; maxDrawdown: string }>
  }
  firstDeficitAt: string | null
  timeToFirstDeficitSeconds: number | null
  negativeEquityRecords: number
  guardrailTriggers: Record<string, number>
  fundingPaidByPositions: string
  fillsSkippedAfterDivergence: number
  observedLiquidationFills: number
  refusedByOiCap: number
  refusedWithdrawals: number
  /**
   * Per market: the mark method replayed, the bars and the reference streams (`kind:source@interval`, or for a
   * proxy `kind:venue/market stored:source@interval`); `proxies` only when a stream came from another venue.
   */
  prices: Array<{
    market: string
    markMethod: string
    bars: string | null
    streams: string[]
    proxies?: Array<{
      kind: string
      venue: string
      market: string
      stored: string
      source: string
      intervalS: number | null
    }>
  }>
  /** Fidelity replay or stress mode (feedback, shocks): every summary says which. */
  stress: StressLabel
  /** How close the run came to a deficit, and how much stress the first one would take. */
  distanceToFailure: DistanceToFailure
  /** sha256 over every output column the engine produced (each hashed whole, whatever the flushes): equal hashes, identical outputs. */
  outputHash: string
  warnings: string[]
  /** Account replays only: how the accounts were reconstructed (sources, opening balances, divergence). */
  accounts?: AccountsSummary
  /** Inverse (coin-margined) runs only: the unit every amount is in, and the fund valued in quote. */
  settlement?: SettlementSummary
}

/** What an inverse run's amounts are counted in. Linear runs settle in quote and carry no such block. */
export interface SettlementSummary {
  contract: 'inverse'
  /** The settlement coin (rule set `contract.settlementAsset`, else "base coin"). */
  unit: string
  /** Quote value of one contract per market. */
  contractValues: Record<string, number>
  /**
   * The fund's final balance in quote, for comparison with linear runs: the coin balance × the last mark of
   * `market`, rounded once to micro-units (a valuation, not a settled amount). Null without a mark.
   */
  fundFinalQuote: { amount: string; mark: number; market: string } | null
  text: string
}

export function summarize(
  kernel: ReplayKernel,
  fromUs: number,
  plan: MarketPlan[],
  outputHash: string,
  warnings: string[],
): BacktestSummary {
  const t = kernel.totals
  const f = kernel.funds
  const st = kernel.stress
  const stressed = st.feedback || st.shockReturns !== 1 || st.shockLiquidity !== 1
  const labelParts = [
    st.feedback ? 'feedback on' : null,
    st.shockReturns !== 1 ? `returns ×${st.shockReturns}` : null,
    st.shockLiquidity !== 1 ? `liquidity ×${st.shockLiquidity}` : null,
  ].filter(Boolean)
  const nearest = nearMissRows(
    kernel.inverse ? t.nearest.map(venueNearMiss).sort((a, b) => a.margin - b.margin) : t.nearest,
    (a, serial) => kernel.accountName(a, serial),
    kernel.markets.map((m) => m.symbol),
  )
  const notSearched: StressToFirstDeficit = {
    searched: false,
    deficitWithoutShock: t.shortfall.value > 0n,
    returns: null,
    liquidity: null,
  }
  const spans = kernel.markets.map((m) => m.spanUs / 1e6)
  const distance = {
    closestMargin: nearest[0]?.margin ?? null,
    nearest,
    fillsWithin1Percent: t.within1Percent,
    stressToFirstDeficit: notSearched,
    dominant: dominantAssumptions(kernel.rules, nearest, notSearched, spans),
  }
  const sum = (a: Float64Array) => a.reduce((s, x) => s + BigInt(x), 0n)
  let worst = 0
  for (let i = 1; i < f.names.length; i++) if (f.maxDrawdown[i]! > f.maxDrawdown[worst]!) worst = i
  return {
    eventsReplayed: t.events,
    eventsByKind: Object.fromEntries(EVENT_KIND_NAMES.map((k, i) => [k, t.eventsByKind[i]!])),
    positionsOpened: t.positionsOpened,
    positionsExpired: t.positionsExpired,
    maxOpenPositions: t.maxOpenPositions,
    openPositionsAtEnd: kernel.openPositions(),
    liquidations: t.liquidations,
    partialLiquidations: t.partialLiquidations,
    takeovers: t.takeovers,
    backstops: t.backstops,
    deleveraged: t.deleveraged,
    liquidatedNotional: formatMicros(t.liquidatedNotional.value),
    bankruptcies: t.bankruptcies,
    totalShortfall: formatMicros(t.shortfall.value),
    coveredByFund: formatMicros(t.coveredByFund.value),
    coveredByFeePool: formatMicros(t.coveredByFeePool.value),
    coveredByAdl: formatMicros(t.coveredByAdl.value),
    socializedLoss: formatMicros(t.socialized.value),
    totalBadDebt: formatMicros(t.badDebt.value),
    feesToFund: formatMicros(t.feesToFund.value),
    feesToOthers: formatMicros(t.feesToOthers.value),
    surplusToFund: formatMicros(t.surplusToFund.value),
    adlFills: t.adlFills,
    fund: {
      initial: formatMicros(sum(f.initial)),
      final: formatMicros(sum(f.balance)),
      low: formatMicros(sum(f.low)),
      maxDrawdown: formatMicros(f.names.length ? f.maxDrawdown[worst]! : 0),
      maxDrawdownFraction: f.names.length ? Math.max(...f.maxDrawdownFraction) : 0,
      funds: f.names.map((name, i) => ({
        name,
        initial: formatMicros(f.initial[i]!),
        final: formatMicros(f.balance[i]!),
        maxDrawdown: formatMicros(f.maxDrawdown[i]!),
      })),
    },
    firstDeficitAt: Number.isNaN(t.firstDeficitTs) ? null : new Date(t.firstDeficitTs / 1000).toISOString(),
    timeToFirstDeficitSeconds: Number.isNaN(t.firstDeficitTs) ? null : (t.firstDeficitTs - fromUs) / 1e6,
    negativeEquityRecords: t.negativeEquityRecords,
    guardrailTriggers: Object.fromEntries(
      GUARDRAIL_KINDS.map((k, i) => [k, t.guardrailTriggers[i]!]).filter(([, n]) => n),
    ),
    fundingPaidByPositions: formatMicros(t.fundingPaidByPositions.value),
    fillsSkippedAfterDivergence: t.fillsSkippedDiverged,
    observedLiquidationFills: t.observedLiquidationFills,
    refusedByOiCap: t.refusedByOiCap,
    refusedWithdrawals: t.refusedWithdrawals,
    prices: plan.map((m) => {
      const proxies = m.prices.flatMap((p) =>
        p.proxy ? [{ kind: p.kind, ...p.proxy, source: p.source, intervalS: p.intervalS }] : [],
      )
      return {
        market: m.market,
        markMethod: m.markMethod,
        bars: m.bars ? `${m.bars.intervalS}s ${m.bars.source}` : null,
        streams: m.prices.map(
          (p) =>
            `${p.kind}:${p.proxy ? `${p.proxy.venue}/${p.proxy.market} ${p.proxy.stored}:` : ''}${p.source}${p.intervalS ? `@${p.intervalS}s` : ''}`,
        ),
        // only when proxied: the summaries of other runs stay as they were
        ...(proxies.length ? { proxies } : {}),
      }
    }),
    stress: {
      mode: stressed ? 'stress' : 'fidelity',
      feedback: st.feedback,
      shockReturns: st.shockReturns,
      shockLiquidity: st.shockLiquidity,
      label: stressed ? `stress: ${labelParts.join(', ')}` : 'fidelity replay',
    },
    distanceToFailure: { ...distance, text: distanceText(distance, notSearched.deficitWithoutShock) },
    outputHash,
    warnings: [...warnings, ...kernel.warningList()],
    ...(kernel.inverse ? { settlement: settlementOf(kernel, sum(f.balance)) } : {}),
  }
}

function settlementOf(kernel: ReplayKernel, fundFinal: bigint): SettlementSummary {
  const markets = kernel.markets.map((m) => m.symbol)
  const unit = settlementUnitOf(kernel.rules, markets)
  // the kernel's mark is 1/P (kernel/inverse.ts)
  const valued = kernel.markets.find((m) => m.mark > 0)
  const mark = valued ? 1 / valued.mark : Number.NaN
  const fundFinalQuote = valued
    ? { amount: formatMicros(toMicros((Number(fundFinal) / 1e6) * mark, 'fund value')), mark, market: valued.symbol }
    : null
  return {
    contract: 'inverse',
    unit,
    contractValues: Object.fromEntries(markets.map((m, i) => [m, kernel.contractValue[i]!])),
    fundFinalQuote,
    text:
      `settled in ${unit}: collateral, PnL, fees, funding, the insurance fund, shortfalls and notionals are ${unit} ` +
      `amounts; quantities are contracts × contract value (quote); prices are quote per ${unit}` +
      (fundFinalQuote
        ? `; the fund's final ${formatMicros(fundFinal)} ${unit} is ${fundFinalQuote.amount} quote at the last mark of ${fundFinalQuote.market} (${mark})`
        : ''),
  }
}

/** The summary with the result of a shock search folded into its distance to failure (text and dominant rebuilt). */
export function withStressSearch(
  summary: BacktestSummary,
  rules: Parameters<typeof dominantAssumptions>[0],
  search: StressToFirstDeficit,
  pathSpans: readonly number[],
): BacktestSummary {
  const d = summary.distanceToFailure
  const distance = {
    closestMargin: d.closestMargin,
    nearest: d.nearest,
    fillsWithin1Percent: d.fillsWithin1Percent,
    stressToFirstDeficit: search,
    dominant: dominantAssumptions(rules, d.nearest, search, pathSpans),
  }
  return {
    ...summary,
    distanceToFailure: { ...distance, text: distanceText(distance, search.deficitWithoutShock) },
  }
}
