// The price streams a backtest actually used, per market, in words (the CLI's text summary): where the mark came
// from (the venue's own published mark, a proxy, or computed from index / oracle / trades), the oracle and the index,
// and plainly when a mark method fell back for lack of data. Read from the stored summary alone, so a run replayed
// in another process (the server) reads the same.
import { markFallbackIn, NEEDS } from './plan.ts'
import { describeProxyStream } from './priceProxy.ts'
import type { BacktestSummary } from './summary.ts'

type MarketPrices = BacktestSummary['prices'][number]
type Kind = 'index' | 'oracle' | 'mark'

/** A stream of the market in words: a proxy's origin, or the venue's own source and cadence. */
function streamText(m: MarketPrices, kind: Kind): string | null {
  const proxy = m.proxies?.find((p) => p.kind === kind)
  if (proxy) return `proxy ${describeProxyStream(proxy)}`
  const entry = m.streams.find((s) => s.startsWith(`${kind}:`))
  if (!entry) return null
  const rest = entry.slice(kind.length + 1)
  const at = rest.lastIndexOf('@')
  return at < 0 ? `${rest} (ticks)` : `${rest.slice(0, at)} (${rest.slice(at + 1).replace(/s$/, ' s')})`
}

const barsText = (m: MarketPrices) => (m.bars ? `${m.bars.replace(/^(\d+)s /, '$1 s ')} bars` : 'no bars')

/** What the mark was, given the method replayed and the streams it had. */
function markText(m: MarketPrices): string {
  const s = (kind: Kind) => streamText(m, kind) ?? `no ${kind} stream`
  switch (m.markMethod) {
    case 'published':
      return `published mark, ${s('mark')}`
    case 'last':
      return `last trade price (${barsText(m)})`
    case 'oracle':
      return `the oracle, ${s('oracle')}`
    case 'index':
      return `the index, ${s('index')}`
    case 'medianFundingBasis':
    case 'indexMovingAverageBasis':
      return `computed (${m.markMethod}) from the index, ${s('index')}, and the last trade price (${barsText(m)})`
    case 'oracleEmaBasis':
      return streamText(m, 'oracle')
        ? `computed (oracleEmaBasis) from the oracle, ${s('oracle')}, and the last trade price (${barsText(m)})`
        : `computed (oracleEmaBasis) from the last trade price alone (${barsText(m)})`
    default:
      return m.markMethod
  }
}

/** The inputs a mark method needs that the market did not have, in words ("index prices"); all it needs if none. */
function missingText(m: MarketPrices, method: string): string {
  const n = NEEDS[method as keyof typeof NEEDS]
  if (!n) return 'inputs'
  const needs = [
    { need: n.mark, has: streamText(m, 'mark') !== null, text: 'a published mark' },
    { need: n.oracle, has: streamText(m, 'oracle') !== null, text: 'an oracle stream' },
    { need: n.index, has: streamText(m, 'index') !== null, text: 'index prices' },
    { need: n.bars, has: m.bars !== null, text: 'bars' },
  ].filter((x) => x.need)
  const missing = needs.filter((x) => !x.has)
  return (missing.length ? missing : needs).map((x) => x.text).join(' and ')
}

/** Plainly, how the mark fell back for lack of data, or null when it did not. */
export function markFallbackText(m: MarketPrices, warnings: readonly string[]): string | null {
  const fell = markFallbackIn(warnings, m.market)
  if (fell) {
    return `the rule set's ${fell.wanted} mark needs ${missingText(m, fell.wanted)}, which the store does not have in the window: the mark was ${fell.method} instead`
  }
  if (m.markMethod === 'oracleEmaBasis' && !streamText(m, 'oracle')) {
    // kernel/markets.ts: with no oracle the reference is the last trade price and the basis EMA stays 0
    return 'oracleEmaBasis had no oracle stream: its oracle reference fell back to the last trade price, so the mark was the last trade price'
  }
  return null
}

/** Label / text pairs, per market: the streams used, then the fallback when there was one. */
export function priceStreamLines(summary: Pick<BacktestSummary, 'prices' | 'warnings'>): Array<[string, string]> {
  const lines: Array<[string, string]> = []
  for (const m of summary.prices) {
    lines.push([`prices ${m.market}`, `mark: ${markText(m)}`])
    lines.push([
      '',
      `oracle: ${streamText(m, 'oracle') ?? 'none used'}; index: ${streamText(m, 'index') ?? 'none used'}`,
    ])
    const fallback = markFallbackText(m, summary.warnings)
    if (fallback) lines.push(['', `fallback: ${fallback}`])
  }
  return lines
}
