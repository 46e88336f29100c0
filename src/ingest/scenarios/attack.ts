// Mechanics attacks share: an attacker's leveraged position (equity, maintenance, where it gets liquidated), a
// self-trade between linked accounts, the venue's backstop taking a liquidated position over, ledger rows for an attacker's money, and withdrawals sized to
// leave the margin just above maintenance.
import type { ScenarioContext } from './definition.ts'
import type { LiquidationLog } from './liquidations.ts'
import { txId, money } from './ledger.ts'
import type { PricePath } from './pricePath.ts'
import type { Rng } from './random.ts'
import { TAKER_LIQUIDATED, type Tape } from './tape.ts'

/** One account's position in one market, with the collateral behind it (isolated view, quote currency). */
export class HeldPosition {
  constructor(
    /** Signed base quantity: + long, − short. */
    public qty: number,
    public entry: number,
    public collateral: number,
    /** Maintenance margin rate of the market. */
    readonly mmr: number,
  ) {}

  equity(mark: number): number {
    return this.collateral + this.qty * (mark - this.entry)
  }

  maintenance(mark: number): number {
    return this.mmr * Math.abs(this.qty) * mark
  }

  /** Equity over maintenance: 1 is the liquidation threshold. */
  ratio(mark: number): number {
    return this.equity(mark) / this.maintenance(mark)
  }

  /** The first second in [from, to) where the path's mid puts equity below maintenance, or null. */
  liquidationSecond(path: PricePath, from: number, to = path.seconds): number | null {
    for (let s = Math.max(0, Math.floor(from)); s < Math.min(to, path.seconds); s++) {
      const mark = Math.exp(path.logMid[s]!)
      if (this.equity(mark) < this.maintenance(mark)) return s
    }
    return null
  }
}

/**
 * The venue's backstop takes a liquidated position over at the mark: one trade on the tape between the liquidated
 * account (taker, flagged as liquidated) and the backstop account, and a liquidation row for it.
 */
export function backstopTakeover(
  tape: Tape,
  log: LiquidationLog,
  o: { ms: number; account: number; backstop: number; position: number },
): { price: number; trade: number } {
  const price = tape.midAt(o.ms)
  const qty = Math.abs(o.position)
  const trade = tape.cross({
    ms: o.ms,
    price,
    qty,
    side: o.position > 0 ? 'sell' : 'buy',
    taker: o.account,
    maker: o.backstop,
    flags: TAKER_LIQUIDATED,
  })
  log.record({ ms: o.ms, side: o.position > 0 ? 'long' : 'short', qty, price, account: o.account, trade })
  return { price, trade }
}

/** One ledger row of an attacker's money movement (positive deposit, negative withdrawal). */
export function ledgerRow(
  ctx: ScenarioContext,
  rng: Rng,
  market: string,
  o: { ms: number; account: number; delta: number; kind: 'deposit' | 'withdrawal' | 'transfer'; counterparty: string },
): void {
  ctx.tables
    .of('ledger', market)
    .add(
      Math.round(o.ms * 1000),
      ctx.accounts.name(o.account),
      money(o.delta),
      o.kind,
      'USDC',
      o.counterparty,
      txId(rng),
    )
}

/** Splits `total` into `n` positive parts with random weights (e.g. a withdrawal made in several transactions). */
export function splitAmount(rng: Rng, total: number, n: number): number[] {
  const w = Array.from({ length: n }, () => rng.uniform(0.5, 1.5))
  const sum = w.reduce((a, b) => a + b, 0)
  return w.map((x) => (total * x) / sum)
}

/**
 * A self-trade between linked accounts: about `notional` of quote at the mid when it starts, split into `fills`
 * random whole-unit parts, each crossed at the prevailing mid at even steps over [startS, endS) seconds from `fromMs`,
 * fill k between `taker(k)` and `maker(k)`. Returns the quantity and quote notional crossed.
 */
export function selfTrade(
  tape: Tape,
  rng: Rng,
  o: {
    fromMs: number
    startS: number
    endS: number
    notional: number
    fills: number
    side: 'buy' | 'sell'
    taker: (k: number) => number
    maker: (k: number) => number
  },
): { qty: number; notional: number } {
  const total = Math.round(o.notional / tape.midAt(o.fromMs + o.startS * 1000))
  let notional = 0
  let qty = 0
  splitAmount(rng, total, o.fills)
    .map(Math.round)
    .forEach((part, k) => {
      const ms = o.fromMs + (o.startS + ((o.endS - o.startS) * k) / o.fills) * 1000
      const price = tape.midAt(ms)
      tape.cross({ ms, price, qty: part, side: o.side, taker: o.taker(k), maker: o.maker(k) })
      notional += part * price
      qty += part
    })
  return { qty, notional }
}
