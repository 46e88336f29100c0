// Observed liquidations (and ADL) as venues publish them: each liquidation is also a taker order on the tape (a
// liquidated long sells into the book), so the row carries the trade id it printed, its average fill price and the
// mark at the time. Sizes are heavy-tailed; sides follow the recent move (falling prices liquidate longs).
import type { Accounts } from './accounts.ts'
import type { TableRows } from './output.ts'
import type { PricePath } from './pricePath.ts'
import type { Rng } from './random.ts'
import { simulateHawkes } from './hawkes.ts'
import { NO_ACCOUNT, TAKER_LIQUIDATED, type FinalTape, type Tape } from './tape.ts'
import { orderNotional, type SizeSpec } from './tradeSizes.ts'

interface Planned {
  ms: number
  side: 'long' | 'short'
  kind: 'liquidation' | 'adl'
  qty: number
  avgPrice: number
  mark: number
  account: number
  /** Insertion index of the first trade it printed, or -1 (ADL prints no market trade). */
  trade: number
}

export class LiquidationLog {
  private readonly planned: Planned[] = []

  constructor(
    private readonly tape: Tape,
    private readonly source = 'synthetic',
  ) {}

  get count(): number {
    return this.planned.length
  }

  /** A liquidation executed as a market order on the tape (the liquidated account is the taker when known). */
  liquidate(o: { ms: number; side: 'long' | 'short'; notional?: number; qty?: number; account?: number }): void {
    const mark = this.tape.midAt(o.ms)
    const r = this.tape.order({
      ms: o.ms,
      side: o.side === 'long' ? 'sell' : 'buy',
      ...(o.qty !== undefined ? { qty: o.qty } : { notional: o.notional ?? 0 }),
      taker: o.account ?? NO_ACCOUNT,
      flags: TAKER_LIQUIDATED,
    })
    this.planned.push({
      ms: o.ms,
      side: o.side,
      kind: 'liquidation',
      qty: r.qty,
      avgPrice: r.avgPrice,
      mark,
      account: o.account ?? NO_ACCOUNT,
      trade: r.trades[0]!,
    })
  }

  /** A liquidation that printed elsewhere (a backstop takeover recorded by the caller), or an ADL fill. */
  record(o: {
    ms: number
    side: 'long' | 'short'
    kind?: 'liquidation' | 'adl'
    qty: number
    price: number
    account?: number
    trade?: number
  }): void {
    this.planned.push({
      ms: o.ms,
      side: o.side,
      kind: o.kind ?? 'liquidation',
      qty: o.qty,
      avgPrice: o.price,
      mark: this.tape.midAt(o.ms),
      account: o.account ?? NO_ACCOUNT,
      trade: o.trade ?? -1,
    })
  }

  /** Writes the rows once the tape is final (trade ids known). `accounts` names the liquidated accounts. */
  write(rows: TableRows, final: FinalTape, accounts: Accounts | null): void {
    const pd = Math.min(6, final.priceDecimals + 2)
    const qd = final.qtyDecimals
    const sorted = [...this.planned].sort((a, b) => a.ms - b.ms)
    for (const p of sorted) {
      const tradeId = p.trade >= 0 ? String(final.id[final.order[p.trade]!]) : null
      rows.add(
        Math.round(p.ms * 1000),
        p.side,
        p.avgPrice.toFixed(pd),
        p.qty.toFixed(qd),
        p.kind,
        p.account !== NO_ACCOUNT && accounts ? accounts.name(p.account) : null,
        tradeId,
        this.source,
        p.mark.toFixed(pd),
      )
    }
  }
}

export interface BackgroundLiquidations {
  /** Event times (seconds from the path start) from a Hawkes simulation. */
  times: Float64Array
  sizes: SizeSpec
  /** Seconds over which the recent move decides the side. */
  lookbackS?: number
}

/** Ordinary liquidations: each event's side follows the last minute's move; sizes heavy-tailed. */
export function plantLiquidations(rng: Rng, log: LiquidationLog, path: PricePath, o: BackgroundLiquidations): void {
  const look = o.lookbackS ?? 60
  for (const t of o.times) {
    const s = Math.min(Math.floor(t), path.seconds - 1)
    const back = Math.max(0, s - look)
    const z = (path.logMid[s]! - path.logMid[back]!) / (path.baseSigma * Math.sqrt(Math.max(1, s - back)) + 1e-12)
    // Falling prices liquidate longs; a flat tape splits evenly.
    const pLong = 1 / (1 + Math.exp(1.5 * z))
    const side = rng.chance(pLong) ? 'long' : 'short'
    log.liquidate({ ms: path.fromMs + t * 1000, side, notional: orderNotional(rng, o.sizes) })
  }
}

/**
 * Liquidation times as a Hawkes process whose immigrants come from a quiet baseline plus the speed of the last
 * minute's move (a fast move in either direction puts leveraged positions under water), with the branching ratio
 * the caller gives (≈0.3–0.5 on ordinary days, → 1 in a cascade).
 */
export function movementDrivenTimes(
  rng: Rng,
  path: PricePath,
  o: {
    perDay: number
    branching: (second: number) => number
    decayS: number
    sensitivity?: number
    /** Ceiling of the immigrant rate (per second): a market only holds so many positions to liquidate. */
    maxPerSecond?: number
  },
): Float64Array {
  const base = o.perDay / 86_400
  const k = o.sensitivity ?? 0.6
  const max = o.maxPerSecond ?? 1
  return simulateHawkes(rng, 0, path.seconds, {
    baseline: (s) => {
      const back = Math.max(0, s - 60)
      const z = Math.abs(path.logMid[s]! - path.logMid[back]!) / (path.baseSigma * Math.sqrt(60))
      return Math.min(max, base * (1 + k * Math.max(0, z - 2) ** 2))
    },
    branching: o.branching,
    decayS: o.decayS,
  })
}
