// Building blocks most scenarios share: the ordinary population of a market (accounts, starting positions, funding
// sources), the venue's price feeds around a path (reference venues, index, oracle, mark, premium), funding and
// open-interest rows. Scenario files compose these and add their attack.
import { Population, type Accounts, type PopulationSpec } from './accounts.ts'
import type { ScenarioContext } from './definition.ts'
import { initialPositions, writeFills, type FillResult } from './fills.ts'
import { settlements, writeFunding, type FundingSpec, type Settlement } from './funding.ts'
import { writeOrdinaryLedger, type LedgerResult } from './ledger.ts'
import type { LiquidationLog } from './liquidations.ts'
import {
  ema,
  grid,
  median,
  reference,
  valueAt,
  writeMinuteBars,
  writeTicks,
  type ReferenceSpec,
  type Series,
} from './prices.ts'
import type { PricePath } from './pricePath.ts'
import type { Rng } from './random.ts'
import { activityAt } from './seasonality.ts'
import type { FinalTape, MarketSpec, Tape } from './tape.ts'
import { orderNotional, type SizeSpec } from './tradeSizes.ts'

/** A mean-reverting (Ornstein–Uhlenbeck) series per second, in fractions: premiums, bases. */
export function ouPerSecond(
  rng: Rng,
  seconds: number,
  o: { meanBps: number; sdBps: number; halfLifeS: number },
): Float64Array {
  const out = new Float64Array(seconds)
  const keep = Math.pow(0.5, 1 / o.halfLifeS)
  const shock = o.sdBps * 1e-4 * Math.sqrt(1 - keep * keep)
  let x = o.sdBps * 1e-4 * rng.normal()
  for (let s = 0; s < seconds; s++) {
    x = x * keep + shock * rng.normal()
    out[s] = o.meanBps * 1e-4 + x
  }
  return out
}

export interface OrdinaryPopulation {
  spec: PopulationSpec
  population: Population
  initial: Map<number, number>
}

/** Market makers and traders of one market, with positions at the start summing to `openInterest` (base units). */
export function ordinaryPopulation(
  ctx: ScenarioContext,
  label: string,
  o: {
    traders: number
    makers: number
    traderScale: number
    makerScale: number
    makerShare?: number
    openInterest: number
    lot: number
    /** Reuse these traders instead of creating new ones (several markets, one population). */
    traderIds?: number[]
    makerIds?: number[]
  },
): OrdinaryPopulation {
  const rng = ctx.rng(`${label}/population`)
  const traders = o.traderIds ?? ctx.accounts.addresses(rng, o.traders)
  const makers = o.makerIds ?? ctx.accounts.addresses(rng, o.makers)
  const spec: PopulationSpec = {
    traders,
    makers,
    makerShare: o.makerShare ?? 0.8,
    traderScale: o.traderScale,
    makerScale: o.makerScale,
  }
  return {
    spec,
    population: new Population(spec, rng),
    initial: initialPositions(rng, spec, o.openInterest, o.lot),
  }
}

/** Fills of a tape (every trade, accounts from the population) and open interest every 5 minutes from positions. */
export function fillsAndOpenInterest(
  ctx: ScenarioContext,
  tape: FinalTape,
  pop: OrdinaryPopulation | null,
  window: { fromMs: number; toMs: number },
  midAtMs: (ms: number) => number,
  oiEveryMs = 300_000,
  record?: (account: number) => boolean,
): FillResult {
  const result = writeFills(tape, ctx.tables.of('fills', tape.market), {
    accounts: ctx.accounts,
    ...(record ? { record } : {}),
    ...(pop ? { population: pop.population, initial: pop.initial } : {}),
    oiEveryMs,
    oiFromMs: window.fromMs,
    oiToMs: window.toMs,
  })
  if (pop) {
    const rows = ctx.tables.of('open_interest', tape.market)
    result.oi.ms.forEach((ms, i) => {
      const base = result.oi.base[i]!
      rows.add(ms * 1000, base, Number((base * midAtMs(ms)).toFixed(2)))
    })
  }
  return result
}

/** How the population is funded (see fundPopulation). */
export interface PopulationFunding {
  market: string
  fromMs: number
  toMs: number
  price: number
  hotWallets: readonly string[]
  transfersPerDay?: number
  /** Extra accounts (decoys, attackers funded the ordinary way) with their equity. */
  extra?: ReadonlyArray<{ id: number; equity: number }>
  /** Traders funded for high leverage: equity = usual position notional / leverage drawn in [lo, hi]. */
  leveraged?: { ids: ReadonlySet<number>; leverage: readonly [number, number] }
}

/** Funds the population's accounts before the window (equity ≈ `leverage`⁻¹ of their usual position notional). */
export function fundPopulation(ctx: ScenarioContext, pop: OrdinaryPopulation, o: PopulationFunding): LedgerResult {
  const rng = ctx.rng(`${o.market}/ledger`)
  const usual = pop.spec.traderScale * o.price
  const funded = [
    ...pop.spec.traders.map((id) => ({
      id,
      equity: o.leveraged?.ids.has(id)
        ? usual / rng.uniform(o.leveraged.leverage[0], o.leveraged.leverage[1])
        : usual * rng.uniform(0.5, 2.5),
    })),
    ...pop.spec.makers.map((id) => ({ id, equity: pop.spec.makerScale * o.price * rng.uniform(2, 4) })),
    ...(o.extra ?? []),
  ]
  return writeOrdinaryLedger(rng, ctx.tables.of('ledger', o.market), {
    accounts: ctx.accounts,
    funded,
    fromMs: o.fromMs,
    toMs: o.toMs,
    hotWallets: o.hotWallets,
    transfersPerDay: o.transfersPerDay ?? 2,
  })
}

/**
 * The last steps every generator takes for its perp: the tape finalized (trade ids from `idBase`), its trades, fills
 * and open interest written, its liquidation log written when it keeps one, and the population funded from `wallets`
 * hot wallets (drawn from the stream `walletStream`, default 'wallets'). Returns the final tape.
 */
export function writePerp(
  ctx: ScenarioContext,
  tape: Tape,
  o: {
    idBase: number
    pop: OrdinaryPopulation
    window: { fromMs: number; toMs: number }
    /** The mid at a time, for the open interest's quote value. */
    mid: (ms: number) => number
    /** The open-interest step and which fills are recorded with their accounts, as fillsAndOpenInterest. */
    oiEveryMs?: number
    record?: (account: number) => boolean
    /** The liquidation log, and the accounts its rows name (null: anonymous, as a public feed). */
    liquidations?: { log: LiquidationLog; accounts: Accounts | null }
    funding: Omit<PopulationFunding, 'market' | 'fromMs' | 'toMs' | 'hotWallets'> & {
      wallets: number
      walletStream?: string
    }
  },
): FinalTape {
  const final = tape.finalize(o.idBase)
  writeTrades(ctx, final)
  fillsAndOpenInterest(ctx, final, o.pop, o.window, o.mid, o.oiEveryMs, o.record)
  o.liquidations?.log.write(ctx.tables.of('liquidations', final.market), final, o.liquidations.accounts)
  const { wallets, walletStream, ...funding } = o.funding
  fundPopulation(ctx, o.pop, {
    market: final.market,
    ...o.window,
    ...funding,
    hotWallets: hotWallets(ctx.rng(walletStream ?? 'wallets'), wallets),
  })
  return final
}

/** A handful of exchange hot wallets / bridges: shared, ordinary funding sources. */
export const hotWallets = (rng: Rng, count: number): string[] => Array.from({ length: count }, () => rng.address())

export interface FeedOptions {
  market: string
  path: PricePath
  spec: MarketSpec
  /** Reference venues whose median is the index (and the oracle, when `oracle` is set). */
  references: ReferenceSpec[]
  /** Seconds between published prices (default 5). */
  everyS?: number
  /** Per-second premium of the perp over its index (fraction); the references follow mid × (1 − premium). */
  premium?: Float64Array
  /** Publish the index median as an oracle (kind oracle) too, under this source. */
  oracleSource?: string
  /** Publish a mark (kind mark, source synthetic). */
  mark?: boolean
  /** Publish each reference venue's own price (kind index, source = the venue). */
  perVenue?: boolean
  /** Replace the references' latent log price (e.g. an external venue the attack does not touch). */
  referenceLogPrice?: (second: number) => number
}

export interface Feeds {
  index: Series
  references: Series[]
  oracle: Series | null
  premium: Series | null
  mark: Series | null
}

/**
 * The venue's published prices: each reference venue (kind index, source = venue), the index median (kind index,
 * source `synthetic-index`), optionally the oracle (same median, kind oracle), the mark, and one-minute premium bars.
 */
export function publishFeeds(ctx: ScenarioContext, o: FeedOptions): Feeds {
  const rng = ctx.rng(`${o.market}/feeds`)
  const rows = ctx.tables.of('prices', o.market)
  const everyS = o.everyS ?? 5
  const at = grid(0, o.path.seconds, everyS)
  const premium = o.premium
  const logPrice =
    o.referenceLogPrice ??
    ((s: number) => o.path.logMid[Math.min(s, o.path.seconds - 1)]! - (premium?.[Math.floor(s)] ?? 0))
  const references = o.references.map((r) => reference(rng, (s) => (r.follow ?? logPrice)(Math.floor(s)), r, at))
  const index = median(references)
  const tick = o.spec.tick
  const fromMs = o.path.fromMs
  if (o.perVenue ?? true) {
    o.references.forEach((r, i) =>
      writeTicks(rows, rng, fromMs, references[i]!, { kind: 'index', source: r.source, tick }),
    )
  }
  writeTicks(rows, rng, fromMs, index, { kind: 'index', source: 'synthetic-index', tick })
  let oracle: Series | null = null
  if (o.oracleSource) {
    oracle = index
    writeTicks(rows, rng, fromMs, index, { kind: 'oracle', source: o.oracleSource, tick, confidence: 0.0004 })
  }
  let mark: Series | null = null
  if (o.mark ?? true) {
    // Hyperliquid-style mark: median of (index + EMA of the perp's basis), the mid, and an EMA of the mid.
    const mid: Series = { s: at, value: Float64Array.from(at, (s) => Math.exp(o.path.logMid[s]!)) }
    const basis = ema({ s: at, value: Float64Array.from(at, (s, i) => mid.value[i]! - index.value[i]!) }, 150)
    const smooth = ema(mid, 30)
    const value = Float64Array.from(at, (_, i) => {
      const xs = [index.value[i]! + basis.value[i]!, mid.value[i]!, smooth.value[i]!].sort((a, b) => a - b)
      return xs[1]!
    })
    mark = { s: at, value }
    writeTicks(rows, rng, fromMs, mark, { kind: 'mark', source: 'synthetic', tick })
  }
  let premiumSeries: Series | null = null
  if (premium) {
    const secs = grid(0, o.path.seconds, 1)
    // Per-second premium index: (perp mid − index) / index, the index being the references' median.
    let j = 0
    const value = Float64Array.from(secs, (s) => {
      while (j + 1 < at.length && at[j + 1]! <= s) j++
      const idx = index.value[j]!
      return (Math.exp(o.path.logMid[s]!) - idx) / idx
    })
    premiumSeries = { s: secs, value }
    writeMinuteBars(rows, fromMs, premiumSeries, { kind: 'premium', source: 'synthetic', decimals: 8 })
  }
  return { index, references, oracle, premium: premiumSeries, mark }
}

/** Funding settlements from the premium series, written as rows; returns them. */
export function publishFunding(
  ctx: ScenarioContext,
  market: string,
  path: PricePath,
  premium: Series,
  spec: FundingSpec,
  priceDecimals: number,
): Settlement[] {
  const toMs = path.fromMs + path.seconds * 1000
  const list = settlements(path.fromMs, toMs - 1, premium, spec)
  writeFunding(
    ctx.tables.of('funding', market),
    list,
    spec.intervalH,
    (ms) => Math.exp(path.logMid[Math.min(path.seconds - 1, Math.floor((ms - path.fromMs) / 1000))]!),
    priceDecimals,
  )
  return list
}

/** The tape as `trades` rows. */
export function writeTrades(ctx: ScenarioContext, tape: FinalTape): void {
  const rows = ctx.tables.of('trades', tape.market)
  for (let i = 0; i < tape.n; i++) {
    rows.add(
      tape.ts[i]!,
      tape.price[i]!.toFixed(tape.priceDecimals),
      tape.qty[i]!.toFixed(tape.qtyDecimals),
      tape.buy[i] ? 'buy' : 'sell',
      tape.id[i]!,
    )
  }
}

/**
 * Ordinary flow of an oracle-priced venue (GMX, Drift-style): traders open and close at the oracle price against the
 * venue's liquidity pool, arriving as a seasonal Poisson process; the population picks who trades.
 */
export function oraclePricedFlow(
  rng: Rng,
  tape: Tape,
  oracle: Series,
  o: { ordersPerDay: number; sizes: SizeSpec; pool: number },
): void {
  const { path } = tape
  const perSecond = o.ordersPerDay / 86_400
  for (let s = 0; s < path.seconds; s++) {
    const n = rng.poisson(perSecond * activityAt(path.fromMs + s * 1000))
    for (let k = 0; k < n; k++) {
      const at = s + rng.next()
      const price = valueAt(oracle, at)
      tape.cross({
        ms: path.fromMs + at * 1000,
        price,
        qty: Math.max(tape.spec.lot, orderNotional(rng, o.sizes) / price),
        side: rng.chance(0.5) ? 'buy' : 'sell',
        maker: o.pool,
      })
    }
  }
}
