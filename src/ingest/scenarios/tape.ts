// A market's trade tape: taker orders arriving as a Poisson process whose rate follows intraday seasonality and
// volatility, sides with order-flow persistence and a little information about the next seconds, heavy-tailed sizes,
// and each order walking the book level by level (one trade per level, same microsecond), so large orders print
// several trades at worse prices. Scenarios inject their own orders (sweeps, self-trades, liquidations) on top.
import type { PricePath } from './pricePath.ts'
import type { Rng } from './random.ts'
import { activityAt, type SeasonalityOptions } from './seasonality.ts'
import { ceilTo, decimalsOf, floorTo, orderNotional, roundTo, type SizeSpec } from './tradeSizes.ts'

export interface MarketSpec {
  market: string
  /** Price tick and quantity lot. */
  tick: number
  lot: number
  /** Mean taker orders per day at average activity (one order may print several trades). */
  ordersPerDay: number
  /** Typical half spread in basis points. */
  halfSpreadBps: number
  /** Quote resting per price level near the touch (deeper levels hold more). */
  levelDepthQuote: number
  sizes: SizeSpec
  /** Probability-weight of repeating the previous order's side (order flow is autocorrelated); default 0.64. */
  persistence?: number
  /** How strongly takers lean towards the next seconds' move; default 0.28. */
  informed?: number
  /** Levels an order may walk before the rest fills at the last level (a refilled book); default 40. */
  maxLevels?: number
  seasonality?: SeasonalityOptions
}

/** Per-second modifiers of the background flow (all default to 1, bias to 0). */
export interface Conditions {
  rate?: (second: number) => number
  spread?: (second: number) => number
  depth?: (second: number) => number
  /** Added to the probability that a background order buys. */
  buyBias?: (second: number) => number
}

/** Flags on a trade: which side's fill is a liquidation. */
export const TAKER_LIQUIDATED = 1
export const MAKER_LIQUIDATED = 2

/** No account known for this side of the trade (an account-level scenario may assign one later). */
export const NO_ACCOUNT = -1

export interface OrderSpec {
  ms: number
  side: 'buy' | 'sell'
  /** Either a quote notional or a base quantity. */
  notional?: number
  qty?: number
  taker?: number
  maker?: number
  flags?: number
  /** Depth multiplier for this order only (a swept, thin book < 1). */
  depthFactor?: number
  maxLevels?: number
}

export interface OrderResult {
  qty: number
  notional: number
  avgPrice: number
  lastPrice: number
  /** Insertion indexes of the trades it printed (map through FinalTape.order to find them after sorting). */
  trades: number[]
}

/** The tape in time order with trade ids: what the trades file and the fills are written from. */
export interface FinalTape {
  market: string
  spec: MarketSpec
  n: number
  ts: Float64Array // µs since the epoch
  price: Float64Array
  qty: Float64Array
  buy: Uint8Array
  maker: Int32Array
  taker: Int32Array
  flags: Uint8Array
  /** The taker order each trade belongs to (a walked order prints several trades). */
  orderNo: Int32Array
  id: Float64Array
  /** Insertion index → position in time order. */
  order: Uint32Array
  priceDecimals: number
  qtyDecimals: number
}

export class Tape {
  private n = 0
  private ts = new Float64Array(1 << 14)
  private price = new Float64Array(1 << 14)
  private qty = new Float64Array(1 << 14)
  private buy = new Uint8Array(1 << 14)
  private maker = new Int32Array(1 << 14)
  private taker = new Int32Array(1 << 14)
  private flags = new Uint8Array(1 << 14)
  private ord = new Int32Array(1 << 14)
  private orders = 0
  readonly priceDecimals: number
  readonly qtyDecimals: number
  constructor(
    readonly spec: MarketSpec,
    readonly path: PricePath,
    private readonly rng: Rng,
    /** Applies to the background flow and to injected orders alike (spreads, depth). */
    readonly conditions: Conditions = {},
  ) {
    this.priceDecimals = decimalsOf(spec.tick)
    this.qtyDecimals = decimalsOf(spec.lot)
    // Fills and liquidations carry prices and sizes as DECIMAL(18,6) text.
    if (this.priceDecimals > 6 || this.qtyDecimals > 6) {
      throw new Error(`${spec.market}: tick ${spec.tick} and lot ${spec.lot} must have at most 6 decimals`)
    }
  }

  get size(): number {
    return this.n
  }

  /** The mid at `ms`, interpolated between the path's seconds. */
  midAt(ms: number): number {
    const x = (ms - this.path.fromMs) / 1000
    const s = Math.min(Math.max(0, Math.floor(x)), this.path.seconds - 1)
    const s1 = Math.min(s + 1, this.path.seconds - 1)
    const f = Math.min(Math.max(0, x - s), 1)
    return Math.exp(this.path.logMid[s]! * (1 - f) + this.path.logMid[s1]! * f)
  }

  private secondOf(ms: number): number {
    return Math.min(Math.max(0, Math.floor((ms - this.path.fromMs) / 1000)), this.path.seconds - 1)
  }

  /** Half spread (fraction of price) at second s: wider when volatile and when conditions say so. */
  halfSpread(s: number): number {
    const vol = this.path.sigma[s]! / this.path.baseSigma
    return this.spec.halfSpreadBps * 1e-4 * Math.pow(vol, 0.6) * (this.conditions.spread?.(s) ?? 1)
  }

  private push(ts: number, price: number, qty: number, buy: boolean, maker: number, taker: number, flags: number) {
    if (this.n === this.ts.length) this.grow()
    const i = this.n++
    this.ord[i] = this.orders
    this.ts[i] = ts
    this.price[i] = price
    this.qty[i] = qty
    this.buy[i] = buy ? 1 : 0
    this.maker[i] = maker
    this.taker[i] = taker
    this.flags[i] = flags
    return i
  }

  private grow() {
    const size = this.ts.length * 2
    const f64 = (a: Float64Array) => {
      const b = new Float64Array(size)
      b.set(a)
      return b
    }
    this.ts = f64(this.ts)
    this.price = f64(this.price)
    this.qty = f64(this.qty)
    const u8 = (a: Uint8Array) => {
      const b = new Uint8Array(size)
      b.set(a)
      return b
    }
    this.buy = u8(this.buy)
    this.flags = u8(this.flags)
    const i32 = (a: Int32Array) => {
      const b = new Int32Array(size)
      b.set(a)
      return b
    }
    this.maker = i32(this.maker)
    this.taker = i32(this.taker)
    this.ord = i32(this.ord)
  }

  /** A taker order walking the book from the touch; returns what it filled. */
  order(o: OrderSpec): OrderResult {
    const { tick, lot } = this.spec
    const s = this.secondOf(o.ms)
    const mid = this.midAt(o.ms)
    const hs = this.halfSpread(s)
    const buy = o.side === 'buy'
    const step = Math.max(tick, roundTo(mid * hs * 1.1, tick, this.priceDecimals))
    const best = buy
      ? ceilTo(mid * (1 + hs), tick, this.priceDecimals)
      : floorTo(mid * (1 - hs), tick, this.priceDecimals)
    let remaining = o.qty ?? Math.max(lot, roundTo((o.notional ?? 0) / mid, lot, this.qtyDecimals))
    remaining = roundTo(remaining, lot, this.qtyDecimals)
    if (!(remaining > 0)) remaining = lot
    const depth = this.spec.levelDepthQuote * (this.conditions.depth?.(s) ?? 1) * (o.depthFactor ?? 1)
    const maxLevels = o.maxLevels ?? this.spec.maxLevels ?? 40
    const ts = Math.round(o.ms * 1000)
    const out: OrderResult = { qty: 0, notional: 0, avgPrice: 0, lastPrice: best, trades: [] }
    this.orders++
    for (let k = 0; remaining > 0; k++) {
      let price = roundTo(best + (buy ? k : -k) * step, tick, this.priceDecimals)
      if (price < tick) price = tick
      const levelQty = (depth * (1 + 0.35 * k) * Math.exp(0.35 * this.rng.normal())) / price
      let take = k >= maxLevels - 1 ? remaining : Math.min(remaining, roundTo(levelQty, lot, this.qtyDecimals))
      if (take < lot) take = Math.min(remaining, lot)
      take = roundTo(take, lot, this.qtyDecimals)
      out.trades.push(this.push(ts, price, take, buy, o.maker ?? NO_ACCOUNT, o.taker ?? NO_ACCOUNT, o.flags ?? 0))
      out.qty += take
      out.notional += take * price
      out.lastPrice = price
      remaining = roundTo(remaining - take, lot, this.qtyDecimals)
    }
    out.qty = roundTo(out.qty, lot, this.qtyDecimals)
    out.avgPrice = out.notional / out.qty
    return out
  }

  /** One trade at a fixed price (a negotiated or self-matched fill, an oracle-priced venue's fill). */
  cross(o: {
    ms: number
    price: number
    qty: number
    side: 'buy' | 'sell'
    taker?: number
    maker?: number
    flags?: number
  }) {
    const price = roundTo(o.price, this.spec.tick, this.priceDecimals)
    const qty = roundTo(o.qty, this.spec.lot, this.qtyDecimals)
    this.orders++
    return this.push(
      Math.round(o.ms * 1000),
      price,
      qty,
      o.side === 'buy',
      o.maker ?? NO_ACCOUNT,
      o.taker ?? NO_ACCOUNT,
      o.flags ?? 0,
    )
  }

  /** The ordinary flow over [fromS, toS) seconds of the path, under the tape's conditions. */
  background(fromS = 0, toS = this.path.seconds): void {
    const { rng, path, spec, conditions } = this
    const perSecond = spec.ordersPerDay / 86_400
    const persistence = (spec.persistence ?? 0.64) - 0.5
    const informed = spec.informed ?? 0.28
    let prevBuy = rng.chance(0.5)
    let minute = -1
    let activity = 1
    const offsets: number[] = []
    for (let s = fromS; s < toS; s++) {
      const ms0 = path.fromMs + s * 1000
      if (Math.floor(s / 60) !== minute) {
        minute = Math.floor(s / 60)
        activity = activityAt(ms0, spec.seasonality)
      }
      const vol = path.sigma[s]! / path.baseSigma
      const lambda = perSecond * activity * Math.pow(vol, 0.8) * (conditions.rate?.(s) ?? 1)
      const count = rng.poisson(lambda)
      if (count === 0) continue
      offsets.length = 0
      for (let k = 0; k < count; k++) offsets.push(rng.next())
      offsets.sort((a, b) => a - b)
      const ahead = Math.min(s + 10, path.seconds - 1)
      const move = (path.logMid[ahead]! - path.logMid[s]!) / (path.sigma[s]! * Math.sqrt(10) + 1e-12)
      for (const u of offsets) {
        let pBuy = 0.5 + informed * Math.tanh(0.5 * move) + (prevBuy ? persistence : -persistence)
        pBuy += conditions.buyBias?.(s) ?? 0
        const buy = rng.chance(Math.min(0.97, Math.max(0.03, pBuy)))
        const notional = orderNotional(rng, spec.sizes) * (1 + 0.25 * Math.min(Math.abs(move), 3))
        this.order({ ms: ms0 + u * 1000, side: buy ? 'buy' : 'sell', notional })
        prevBuy = buy
      }
    }
  }

  /** Sorts by time (insertion order breaks ties, so a walked order keeps its levels in order) and numbers trades. */
  finalize(idBase: number): FinalTape {
    const n = this.n
    const idx = Array.from({ length: n }, (_, i) => i)
    const ts = this.ts
    idx.sort((a, b) => ts[a]! - ts[b]! || a - b)
    const order = new Uint32Array(n)
    const pick64 = (a: Float64Array) => Float64Array.from(idx, (i) => a[i]!)
    idx.forEach((from, to) => (order[from] = to))
    return {
      market: this.spec.market,
      spec: this.spec,
      n,
      ts: pick64(this.ts),
      price: pick64(this.price),
      qty: pick64(this.qty),
      buy: Uint8Array.from(idx, (i) => this.buy[i]!),
      maker: Int32Array.from(idx, (i) => this.maker[i]!),
      taker: Int32Array.from(idx, (i) => this.taker[i]!),
      flags: Uint8Array.from(idx, (i) => this.flags[i]!),
      orderNo: Int32Array.from(idx, (i) => this.ord[i]!),
      id: Float64Array.from({ length: n }, (_, i) => idBase + i),
      order,
      priceDecimals: this.priceDecimals,
      qtyDecimals: this.qtyDecimals,
    }
  }
}
