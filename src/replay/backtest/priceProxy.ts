// Mark and oracle proxies: another stored venue's prices replayed as a market's mark (Hyperliquid ETH ← Binance
// ETHUSDT: its oracle is a median of CEX prices) or an oracle source's feed (Pyth, Chainlink: stored under their own
// venue, the feed as market) as its oracle, when the venue's own history is missing (or always, with `force`). Every
// problem is reported at once, naming what was received and what is valid; the summary warns of each proxy.
import { InvalidInputError, type InputProblem } from '../../errors.ts'
import type { DuckStore } from '../../store/duck/open.ts'
import { describeProxyMarkets, priceVenues, venueMarketsInWindow } from '../../store/market/proxyData.ts'
import type { ReplayData } from '../../store/market/replayData.ts'
import type { PriceProxySource } from '../../store/market/replayFeed.ts'
import { chooseBars, choosePrice } from './plan.ts'
import type { BacktestRequest, PriceProxyRequest } from './request.ts'

/** The stream a proxy replays: its venue and market, what it is stored as, its source and bar length. */
export interface ProxyStream extends PriceProxySource {
  source: string
  intervalS: number | null
  rows: number
}

/** Per replayed market (request order): its mark proxy and oracle proxy, or null. */
export interface PriceProxies {
  mark: Array<ProxyStream | null>
  oracle: Array<ProxyStream | null>
  warnings: string[]
}

type ProxyRole = 'mark' | 'oracle'

/** What a proxy market may serve as each role, best first: a mark is the mark, else traded prices; an oracle the oracle. */
const PREFERENCE: Record<ProxyRole, ReadonlyArray<PriceProxySource['stored']>> = {
  mark: ['mark', 'bars', 'oracle', 'index'],
  oracle: ['oracle', 'index', 'mark', 'bars'],
}

const KEY: Record<ProxyRole, 'markProxy' | 'oracleProxy'> = { mark: 'markProxy', oracle: 'oracleProxy' }

/** How a proxy stream reads in warnings and summaries: "binance-um ETHUSDT mark (ticks)", "… 1 s trades bars' close". */
export function describeProxyStream(p: {
  venue: string
  market: string
  stored: string
  source: string
  intervalS: number | null
}): string {
  const at = p.intervalS ? `${p.intervalS} s` : 'ticks'
  return p.stored === 'bars'
    ? `${p.venue} ${p.market} ${at} ${p.source} bars' close`
    : `${p.venue} ${p.market} ${p.stored} (${p.source}, ${at})`
}

/**
 * Resolves the request's proxies against the store; null when it asks for none (and then reads nothing). Throws
 * InvalidInputError listing every problem: an unknown venue, a proxy market with no prices in the window, a market
 * whose own stream exists without `force`, a market as its own proxy.
 */
export async function resolvePriceProxies(
  duck: DuckStore,
  request: BacktestRequest,
  data: ReplayData,
): Promise<PriceProxies | null> {
  if (!request.markProxy && !request.oracleProxy) return null
  const problems: InputProblem[] = []
  const out: PriceProxies = {
    mark: request.markets.map(() => null),
    oracle: request.markets.map(() => null),
    warnings: [],
  }
  const fromUs = request.from.getTime() * 1000
  const toUs = request.to.getTime() * 1000
  const window = `between ${request.from.toISOString()} and ${request.to.toISOString()}`
  let venues: string[] | null = null
  for (const role of ['mark', 'oracle'] as const) {
    const proxy = request[KEY[role]]
    if (!proxy) continue
    const key = KEY[role]
    venues ??= await priceVenues(duck)
    if (!venues.includes(proxy.venue)) {
      problems.push({
        path: `${key}.venue`,
        received: proxy.venue,
        expected: `a venue with stored prices or bars (${venues.join(', ') || 'the store has none'})`,
      })
      continue
    }
    const targets = proxyTargets(proxy, request.markets)
    const described = await describeProxyMarkets(
      duck,
      proxy.venue,
      targets.map((t) => t.proxyMarket),
      fromUs,
      toUs,
    )
    let valid: string[] | null = null
    for (const [k, { market, proxyMarket, path }] of targets.entries()) {
      const i = request.markets.indexOf(market)
      if (proxy.venue === request.venue && proxyMarket === market) {
        problems.push({
          path: `${key}.${path}`,
          received: `${proxy.venue} ${proxyMarket}`,
          expected: `another venue or market than the replayed ${request.venue} ${market}`,
        })
        continue
      }
      const stream = pickStream(described[k]!, role, proxy.venue, request.resolutionSeconds)
      if (!stream) {
        valid ??= await venueMarketsInWindow(duck, proxy.venue, fromUs, toUs)
        problems.push({
          path: `${key}.${path}`,
          received: proxyMarket,
          expected: `a ${proxy.venue} market with prices or bars ${window} (${valid.join(', ') || 'it has none in the window'})`,
        })
        continue
      }
      const own = ownStream(data, i, role)
      if (own && !proxy.force) {
        problems.push({
          path: `${key}.force`,
          received: proxy.force ?? undefined,
          expected: `true to replace ${market}'s own ${role} stream (${own}) with the proxy ${describeProxyStream(stream)}, or a mapping that leaves ${market} out`,
        })
        continue
      }
      out[role][i] = stream
      out.warnings.push(
        `${market}: ${role} from a proxy, ${describeProxyStream(stream)}` +
          (own
            ? ` (replacing ${request.venue}'s own ${role} stream, forced)`
            : ` (${request.venue} has no ${role} history in the window)`),
      )
    }
  }
  if (problems.length) throw new InvalidInputError('invalid price proxy', problems)
  return out
}

/** The replayed markets a proxy applies to and the proxy market of each (the problem path of each, too). */
function proxyTargets(proxy: PriceProxyRequest, markets: readonly string[]) {
  if (proxy.market != null) return [{ market: markets[0]!, proxyMarket: proxy.market, path: 'market' }]
  if (proxy.markets != null)
    return Object.entries(proxy.markets)
      .sort(([a], [b]) => markets.indexOf(a) - markets.indexOf(b))
      .map(([market, proxyMarket]) => ({ market, proxyMarket, path: `markets.${market}` }))
  return markets.map((market) => ({ market, proxyMarket: market, path: 'venue' }))
}

/** The proxy market's best stream for the role (PREFERENCE), or null when it has none in the window. */
function pickStream(
  d: { market: string; bars: ReplayData['markets'][number]['bars']; prices: ReplayData['markets'][number]['prices'] },
  role: ProxyRole,
  venue: string,
  resolution: number,
): ProxyStream | null {
  for (const stored of PREFERENCE[role]) {
    if (stored === 'bars') {
      const bars = chooseBars(d, resolution)
      if (bars) {
        const rows = d.bars.find((b) => b.intervalS === bars.intervalS && b.source === bars.source)!.rows
        return { venue, market: d.market, stored, source: bars.source, intervalS: bars.intervalS, rows }
      }
      continue
    }
    const p = choosePrice(d, stored, venue)
    if (p) {
      const rows = d.prices.find((x) => x.kind === stored && x.source === p.source && x.intervalS === p.intervalS)!.rows
      return { venue, market: d.market, stored, source: p.source, intervalS: p.intervalS, rows }
    }
  }
  return null
}

/** The replayed market's own stream of the role in the window ("mark binance-um, 7200 rows"), or null. */
function ownStream(data: ReplayData, i: number, role: ProxyRole): string | null {
  const own = data.markets[i]!.prices.filter((p) => p.kind === role)
  if (!own.length) return null
  return own.map((p) => `${p.source}, ${p.rows} rows`).join('; ')
}
