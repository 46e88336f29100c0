// Insurance funds (pooled, per market, or separate for named markets [B12]), the fee pool, and the drawdown
// windows ADL triggers read [O2][Y5]. Balances are exact micro-units.
import { addMicros, parseMicros } from '../money.ts'
import type { RuleSet } from '../rules/schema.ts'

export class Funds {
  readonly names: string[]
  readonly balance: Float64Array
  /** Fund index per market index. */
  readonly marketFund: Int32Array
  readonly initial: Float64Array
  /** Recent (ts, balance) per fund, oldest first, for drawdown over a window. */
  private history: Array<{ ts: number[]; balance: number[] }>
  private readonly windowUs: number
  feePool: number
  readonly minReserve: number
  readonly perClaimCap: number
  /** Cumulative claim cap per market in micro-units (−1 = none) [R2][R4]. */
  readonly marketClaimCap: Float64Array
  readonly takeoverNotionalCap: number | null
  /** Most the fund may lose per block, micro-units (−1 = no cap) [D5]. */
  readonly blockLossCap: number
  private readonly blockUs: number
  /** Per fund: the block its `blockLoss` counts, and what it has paid in that block. */
  private readonly lossBlock: Float64Array
  private readonly blockLoss: Float64Array
  peak: Float64Array
  maxDrawdown: Float64Array
  /** Largest (peak − balance) / peak seen per fund. */
  maxDrawdownFraction: Float64Array
  /** Lowest balance seen per fund. */
  low: Float64Array

  /** Keep the (ts, balance) history: only an ADL drawdown trigger reads it. */
  private readonly keepHistory: boolean

  constructor(rules: RuleSet, markets: readonly string[], drawdownWindowS: number) {
    this.keepHistory = rules.waterfall.some((s) => s.kind === 'adl' && s.trigger.kind === 'fundDrawdown')
    const f = rules.insuranceFund
    const names: string[] = []
    const initial: number[] = []
    const marketFund = new Int32Array(markets.length)
    const fundFor = (name: string, balance: string) => {
      let i = names.indexOf(name)
      if (i < 0) {
        i = names.length
        names.push(name)
        initial.push(parseMicros(balance, `insuranceFund ${name}`))
      }
      return i
    }
    markets.forEach((m, mi) => {
      const separate = f.scope === 'perMarket' || f.separateMarkets.includes(m)
      const name = separate ? m : 'pooled'
      marketFund[mi] = fundFor(name, f.marketInitialBalances[m] ?? f.initialBalance)
    })
    this.names = names
    this.initial = Float64Array.from(initial)
    this.balance = Float64Array.from(initial)
    this.peak = Float64Array.from(initial)
    this.maxDrawdown = new Float64Array(names.length)
    this.maxDrawdownFraction = new Float64Array(names.length)
    this.low = Float64Array.from(initial)
    this.marketFund = marketFund
    this.history = names.map((_, i) => ({ ts: [Number.NEGATIVE_INFINITY], balance: [initial[i]!] }))
    this.windowUs = drawdownWindowS * 1e6
    this.feePool = parseMicros(rules.feePool.initialBalance, 'feePool.initialBalance')
    this.minReserve = parseMicros(f.minReserve, 'insuranceFund.minReserve')
    this.perClaimCap = f.perClaimCap === null ? -1 : parseMicros(f.perClaimCap, 'insuranceFund.perClaimCap')
    this.marketClaimCap = Float64Array.from(markets, (m) => {
      const cap = f.marketCumulativeClaimCaps[m] ?? f.cumulativeClaimCap
      return cap === null ? -1 : parseMicros(cap, 'insuranceFund.cumulativeClaimCap')
    })
    this.takeoverNotionalCap = f.takeoverNotionalCap
    this.blockLossCap = f.blockLossCap ? parseMicros(f.blockLossCap.amount, 'insuranceFund.blockLossCap.amount') : -1
    this.blockUs = (f.blockLossCap?.blockS ?? 1) * 1e6
    this.lossBlock = new Float64Array(names.length).fill(Number.NaN)
    this.blockLoss = new Float64Array(names.length)
  }

  /** Moves the balance of fund `i` by `delta` micro-units at `ts`. */
  move(i: number, delta: number, ts: number): number {
    const b = addMicros(this.balance[i]!, delta, `insurance fund ${this.names[i]}`)
    this.balance[i] = b
    if (b > this.peak[i]!) this.peak[i] = b
    const dd = this.peak[i]! - b
    if (dd > this.maxDrawdown[i]!) this.maxDrawdown[i] = dd
    if (this.peak[i]! > 0 && dd / this.peak[i]! > this.maxDrawdownFraction[i]!)
      this.maxDrawdownFraction[i] = dd / this.peak[i]!
    if (b < this.low[i]!) this.low[i] = b
    if (!this.keepHistory) return b
    const h = this.history[i]!
    h.ts.push(ts)
    h.balance.push(b)
    // keep only what a drawdown window can still see (plus the last point before it)
    if (h.ts.length > 64 && h.ts[1]! < ts - this.windowUs) {
      let cut = 0
      while (cut + 1 < h.ts.length && h.ts[cut + 1]! < ts - this.windowUs) cut++
      h.ts.splice(0, cut)
      h.balance.splice(0, cut)
    }
    return b
  }

  /** (peak − balance) / peak over the trailing window, where the peak is the highest balance within it. */
  drawdown(i: number, ts: number, windowS: number): number {
    const h = this.history[i]!
    const from = ts - windowS * 1e6
    let peak = 0
    for (let k = h.ts.length - 1; k >= 0; k--) {
      peak = Math.max(peak, h.balance[k]!)
      // the balance in force at the window start counts too
      if (h.ts[k]! < from) break
    }
    return peak > 0 ? (peak - this.balance[i]!) / peak : 0
  }

  /** What fund `i` can pay at `ts` for a claim in market `m` (reserve, per-claim, cumulative and per-block caps). */
  available(i: number, m: number, claimsPaid: number, ts: number): number {
    let avail = Math.max(0, this.balance[i]! - this.minReserve)
    if (this.perClaimCap >= 0) avail = Math.min(avail, this.perClaimCap)
    const cap = this.marketClaimCap[m]!
    if (cap >= 0) avail = Math.min(avail, Math.max(0, cap - claimsPaid))
    if (this.blockLossCap >= 0) avail = Math.min(avail, this.blockAllowance(i, ts))
    return avail
  }

  /** What fund `i` may still lose in the block containing `ts` (Infinity without a per-block cap). */
  blockAllowance(i: number, ts: number): number {
    if (this.blockLossCap < 0) return Number.POSITIVE_INFINITY
    const paid = this.lossBlock[i] === Math.floor(ts / this.blockUs) ? this.blockLoss[i]! : 0
    return Math.max(0, this.blockLossCap - paid)
  }

  /** Counts a claim payment of fund `i` at `ts` against its block's cap. */
  notePaid(i: number, amount: number, ts: number): void {
    if (this.blockLossCap < 0) return
    const block = Math.floor(ts / this.blockUs)
    if (this.lossBlock[i] !== block) {
      this.lossBlock[i] = block
      this.blockLoss[i] = 0
    }
    this.blockLoss[i] = this.blockLoss[i]! + amount
  }
}
