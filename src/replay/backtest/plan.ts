// Chooses what to replay from what the store holds: the bar series per market, the reference price streams the
// rule set needs, the mark method (with the rule set's fallbacks when inputs are missing), funding and OI.
import { InvalidInputError } from '../../errors.ts'
import type { MarketData, ReplayData } from '../../store/market/replayData.ts'
import type { FeedSpec, PriceProxySource } from '../../store/market/replayFeed.ts'
import type { MarkMethod, RuleSet } from '../rules/schema.ts'
import type { PriceProxies, ProxyStream } from './priceProxy.ts'
import type { BacktestRequest } from './request.ts'

export interface MarketPlan {
  market: string
  markMethod: MarkMethod
  bars: { intervalS: number; source: string } | null
  prices: Array<{
    kind: 'index' | 'oracle' | 'mark'
    source: string
    intervalS: number | null
    /** Read from another venue's market (a mark or oracle proxy). */
    proxy?: PriceProxySource
  }>
}

export interface ReplayPlan {
  markets: MarketPlan[]
  feed: Omit<FeedSpec, 'fromUs' | 'toUs' | 'accountsOnly'>
  warnings: string[]
}

/** Bars at the requested resolution from trades first, then klines; otherwise the finest available. */
export function chooseBars(d: Pick<MarketData, 'bars'>, resolution: number) {
  const rank = (b: { intervalS: number; source: string }) =>
    [b.intervalS === resolution ? 0 : 1, b.intervalS, b.source === 'trades' ? 0 : 1] as const
  const sorted = [...d.bars].sort((x, y) => {
    const a = rank(x)
    const b = rank(y)
    return a[0] - b[0] || a[1] - b[1] || a[2] - b[2] || x.source.localeCompare(y.source)
  })
  return sorted[0] ? { intervalS: sorted[0].intervalS, source: sorted[0].source } : null
}

/** One series per price kind: the venue's own source first, then the most rows; ticks before bars, finer first. */
export function choosePrice(d: Pick<MarketData, 'prices'>, kind: string, venue: string) {
  const candidates = d.prices.filter((p) => p.kind === kind)
  candidates.sort(
    (x, y) =>
      (x.source === venue ? 0 : 1) - (y.source === venue ? 0 : 1) ||
      (x.intervalS ?? 0) - (y.intervalS ?? 0) ||
      y.rows - x.rows ||
      x.source.localeCompare(y.source),
  )
  const c = candidates[0]
  return c ? { source: c.source, intervalS: c.intervalS } : null
}

/** The warning of a mark method that fell back for lack of data; `markFallbackIn` reads it back (text summary). */
export function markFallbackWarning(market: string, wanted: string, method: string): string {
  return `${market}: the ${wanted} mark needs data the store does not have in the window; replayed with ${method}`
}

/** The fallback recorded for `market` among a summary's warnings (markFallbackWarning's text), or null. */
export function markFallbackIn(warnings: readonly string[], market: string): { wanted: string; method: string } | null {
  const head = `${market}: the `
  for (const w of warnings) {
    if (!w.startsWith(head)) continue
    const m = /^(\w+) mark needs data the store does not have in the window; replayed with (\w+)$/.exec(
      w.slice(head.length),
    )
    if (m) return { wanted: m[1]!, method: m[2]! }
  }
  return null
}

export const NEEDS: Record<MarkMethod, { bars?: boolean; index?: boolean; oracle?: boolean; mark?: boolean }> = {
  published: { mark: true },
  last: { bars: true },
  oracle: { oracle: true },
  index: { index: true },
  medianFundingBasis: { bars: true, index: true },
  indexMovingAverageBasis: { bars: true, index: true },
  oracleEmaBasis: { bars: true },
}

/**
 * Seconds one update of the market's mark series covers: the time axis of the path a liquidation fills along. Bars
 * give their interval; a published, oracle or index series its bar length, or 0 for ticks (no range to follow).
 */
export function pathSpanOf(m: MarketPlan): number {
  const series = (kind: 'mark' | 'oracle' | 'index') => m.prices.find((p) => p.kind === kind)?.intervalS ?? 0
  switch (m.markMethod) {
    case 'published':
      return series('mark')
    case 'oracle':
      return series('oracle')
    case 'index':
      return series('index')
    default:
      return m.bars?.intervalS ?? 0
  }
}

/** A proxy stream as the plan's price series: its source and bar length, and where it is read from. */
const proxied = (p: ProxyStream) => ({
  source: p.source,
  intervalS: p.intervalS,
  proxy: { venue: p.venue, market: p.market, stored: p.stored },
})

/**
 * The plan of a replay. With `proxies` (priceProxy.ts), a market's mark proxy replaces its mark method by the
 * proxy's published prices, and its oracle proxy is its oracle stream.
 */
export function planReplay(
  rules: RuleSet,
  request: BacktestRequest,
  data: ReplayData,
  proxies: PriceProxies | null = null,
): ReplayPlan {
  const warnings: string[] = [...(proxies?.warnings ?? [])]
  const missing: string[] = []
  const markets = data.markets.map((d, i): MarketPlan => {
    const bars = chooseBars(d, request.resolutionSeconds)
    const markProxy = proxies?.mark[i] ?? null
    const oracleProxy = proxies?.oracle[i] ?? null
    const avail = {
      bars: bars !== null,
      index: choosePrice(d, 'index', request.venue),
      oracle: oracleProxy ? proxied(oracleProxy) : choosePrice(d, 'oracle', request.venue),
      mark: markProxy ? proxied(markProxy) : choosePrice(d, 'mark', request.venue),
    }
    const has = (m: MarkMethod) => {
      const n = NEEDS[m]
      return (
        (!n.bars || avail.bars) && (!n.index || avail.index) && (!n.oracle || avail.oracle) && (!n.mark || avail.mark)
      )
    }
    // a mark proxy is the mark: the proxy's prices published as this market's
    const wanted = markProxy ? 'published' : rules.price.mark.method
    const method = [wanted, ...(markProxy ? [] : rules.price.mark.fallback)].find(has)
    if (!method) {
      missing.push(d.market)
      return { market: d.market, markMethod: wanted, bars, prices: [] }
    }
    if (method !== wanted) {
      warnings.push(markFallbackWarning(d.market, wanted, method))
    }
    if (bars && bars.intervalS !== request.resolutionSeconds) {
      warnings.push(
        `${d.market}: no ${request.resolutionSeconds} s bars; replayed ${bars.intervalS} s ${bars.source} bars`,
      )
    }
    const needs = NEEDS[method]
    const wantOracle =
      needs.oracle ||
      method === 'oracleEmaBasis' ||
      rules.guardrails.priceBand !== null ||
      rules.funding.paymentPrice === 'oracle' ||
      rules.waterfall.some((s) => s.kind === 'adl' && s.fillPrice === 'oracle')
    const wantIndex = needs.index || (wantOracle && !avail.oracle)
    const prices: MarketPlan['prices'] = []
    if (wantIndex && avail.index) prices.push({ kind: 'index', ...avail.index })
    if (wantOracle && avail.oracle) prices.push({ kind: 'oracle', ...avail.oracle })
    if (needs.mark && avail.mark) prices.push({ kind: 'mark', ...avail.mark })
    if (!bars)
      warnings.push(`${d.market}: no bars in the window, so no traded volume (slippage 0, population arrivals by time)`)
    if (d.funding === 0) warnings.push(`${d.market}: no funding rows in the window; no funding is charged`)
    return { market: d.market, markMethod: method, bars, prices }
  })
  if (missing.length) {
    throw new InvalidInputError('no price data to replay', [
      {
        path: 'markets',
        received: missing,
        expected: `markets with bars or ${rules.price.mark.method} prices for ${request.venue} between ${request.from.toISOString()} and ${request.to.toISOString()}`,
      },
    ])
  }
  const premium =
    rules.funding.source === 'premium' && data.markets.some((d) => d.prices.some((p) => p.kind === 'premium'))
  if (rules.funding.source === 'premium' && !premium)
    warnings.push('the rule set computes funding from the premium index, but the store has none: observed rates used')
  return {
    markets,
    warnings,
    feed: {
      venue: request.venue,
      markets: request.markets,
      bars: markets.map((m) => m.bars),
      prices: markets.flatMap((m, i) => m.prices.map((p) => ({ market: i, ...p }))),
      funding: true,
      premiumFundingIntervalH: premium ? rules.funding.intervalH : null,
      openInterest: request.positions === 'synthetic' && data.markets.some((d) => d.openInterest > 0),
      accounts: request.positions === 'accounts',
      // one UTC day per slab, like the daily partitions; fewer hours when many markets share the memory
      slabSeconds: (request.slabHours ?? Math.max(1, Math.min(24, Math.floor(96 / request.markets.length)))) * 3600,
    },
  }
}
