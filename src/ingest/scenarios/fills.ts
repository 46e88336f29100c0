// Account fills from a finished tape: both sides of every trade whose accounts are known (the same trade id on each),
// ordinary trades given accounts from the population, positions tracked so start_position, dir and closed_pnl are
// what a venue would report, and open interest sampled from those positions.
import type { Accounts, Population, PopulationSpec } from './accounts.ts'
import type { TableRows } from './output.ts'
import type { Rng } from './random.ts'
import { MAKER_LIQUIDATED, NO_ACCOUNT, TAKER_LIQUIDATED, type FinalTape } from './tape.ts'
import { roundTo } from './tradeSizes.ts'

/** Default fees (fraction of notional): what fills are charged unless a scenario says otherwise. */
export const TAKER_FEE = 0.00045
export const MAKER_FEE = 0.00015

export interface FillOptions {
  accounts: Accounts
  /** Gives ordinary trades their accounts; without it only trades with known accounts produce fills. */
  population?: Population
  /** Positions (base units) at the start of the tape, by account id; they should net to zero. */
  initial?: ReadonlyMap<number, number>
  takerFee?: number
  makerFee?: number
  feeAsset?: string
  /** Sample open interest (sum of long positions) every this many ms from `oiFromMs`. */
  oiEveryMs?: number
  oiFromMs?: number
  oiToMs?: number
  /** Write fill rows only for these accounts (positions are still tracked for everyone): a venue's per-account feed. */
  record?: (account: number) => boolean
}

export interface FillResult {
  positions: Float64Array
  entry: Float64Array
  oi: { ms: number[]; base: number[] }
  fills: number
}

const dirOf = (start: number, delta: number, liquidated: boolean): string => {
  if (liquidated) return start > 0 ? 'Liquidated Long' : 'Liquidated Short'
  const end = start + delta
  if (start >= 0 && end >= 0) return delta > 0 ? 'Open Long' : 'Close Long'
  if (start <= 0 && end <= 0) return delta < 0 ? 'Open Short' : 'Close Short'
  return start > 0 ? 'Long > Short' : 'Short > Long'
}

export function writeFills(tape: FinalTape, out: TableRows, options: FillOptions): FillResult {
  const n = options.accounts.size
  const positions = new Float64Array(n)
  const entry = new Float64Array(n)
  let longOi = 0
  for (const [id, q] of options.initial ?? []) {
    positions[id] = q
    entry[id] = tape.price[0] ?? 0
    if (q > 0) longOi += q
  }
  const takerFee = options.takerFee ?? TAKER_FEE
  const makerFee = options.makerFee ?? MAKER_FEE
  const feeAsset = options.feeAsset ?? 'USDC'
  const pd = tape.priceDecimals
  const qd = tape.qtyDecimals
  const lot = tape.spec.lot
  const oi = { ms: [] as number[], base: [] as number[] }
  const every = options.oiEveryMs ?? 0
  let nextOi = every > 0 ? (options.oiFromMs ?? Math.floor(tape.ts[0]! / 1000)) : Infinity
  const oiEnd = options.oiToMs ?? Infinity
  let fills = 0

  const apply = (
    id: number,
    delta: number,
    price: number,
    tsUs: number,
    liquidity: 'maker' | 'taker',
    liquidated: boolean,
    tradeId: string,
    orderId: string | null,
  ) => {
    const start = positions[id]!
    // Positions stay on the lot grid: add in whole lots, so no binary residue accumulates.
    const end = (Math.round(start / lot) + Math.round(delta / lot)) * lot
    let closed = 0
    if (start !== 0 && Math.sign(delta) !== Math.sign(start)) {
      const closing = Math.min(Math.abs(delta), Math.abs(start))
      closed = (price - entry[id]!) * closing * Math.sign(start)
    }
    if (end === 0) entry[id] = 0
    else if (Math.sign(end) !== Math.sign(start)) entry[id] = price
    else if (Math.abs(end) > Math.abs(start))
      entry[id] = (entry[id]! * Math.abs(start) + price * Math.abs(delta)) / Math.abs(end)
    positions[id] = end
    longOi += Math.max(end, 0) - Math.max(start, 0)
    if (options.record && !options.record(id)) return
    const qty = Math.abs(delta)
    const fee = qty * price * (liquidity === 'maker' ? makerFee : takerFee)
    out.add(
      tsUs,
      options.accounts.name(id),
      delta > 0 ? 'buy' : 'sell',
      price.toFixed(pd),
      qty.toFixed(qd),
      fee.toFixed(6),
      feeAsset,
      liquidated,
      liquidity,
      closed.toFixed(6),
      start.toFixed(qd),
      dirOf(start, delta, liquidated),
      tradeId,
      orderId,
    )
    fills++
  }

  for (let i = 0; i < tape.n; i++) {
    const tsUs = tape.ts[i]!
    while (tsUs / 1000 >= nextOi && nextOi < oiEnd) {
      oi.ms.push(nextOi)
      oi.base.push(roundTo(longOi, lot, qd))
      nextOi += every
    }
    const buy = tape.buy[i] === 1
    const qty = tape.qty[i]!
    let taker = tape.taker[i]!
    let maker = tape.maker[i]!
    if (options.population) {
      if (taker === NO_ACCOUNT) taker = options.population.taker(buy, qty, positions, maker)
      if (maker === NO_ACCOUNT) maker = options.population.maker(buy, qty, positions, taker)
    }
    const tradeId = String(tape.id[i])
    const price = tape.price[i]!
    const flags = tape.flags[i]!
    if (taker !== NO_ACCOUNT) {
      const orderId = String(tape.id[0]! * 10 + tape.orderNo[i]!)
      apply(taker, buy ? qty : -qty, price, tsUs, 'taker', (flags & TAKER_LIQUIDATED) !== 0, tradeId, orderId)
    }
    if (maker !== NO_ACCOUNT) {
      apply(maker, buy ? -qty : qty, price, tsUs, 'maker', (flags & MAKER_LIQUIDATED) !== 0, tradeId, null)
    }
  }
  while (nextOi < oiEnd && every > 0) {
    oi.ms.push(nextOi)
    oi.base.push(roundTo(longOi, lot, qd))
    nextOi += every
  }
  return { positions, entry, oi, fills }
}

/**
 * Positions held at the window's start: longs and shorts spread over traders and makers (log-normal sizes around
 * their scales), scaled so longs and shorts each sum to `openInterest` (base units) and net to zero on the lot grid.
 */
export function initialPositions(
  rng: Rng,
  spec: PopulationSpec,
  openInterest: number,
  lot: number,
): Map<number, number> {
  const out = new Map<number, number>()
  const holders = [...spec.traders.filter(() => rng.chance(0.7)), ...spec.makers]
  const raw = holders.map((id) => {
    const scale = spec.makers.includes(id) ? spec.makerScale : spec.traderScale
    return { id, size: rng.logNormal(scale * 0.4, 0.9), long: rng.chance(0.5) }
  })
  const longs = raw.filter((r) => r.long).reduce((s, r) => s + r.size, 0)
  const shorts = raw.filter((r) => !r.long).reduce((s, r) => s + r.size, 0)
  let net = 0
  for (const r of raw) {
    const q = roundTo((r.size * openInterest) / (r.long ? longs : shorts), lot)
    if (q === 0) continue
    const signed = r.long ? q : -q
    out.set(r.id, signed)
    net += signed
  }
  // The rounding residue goes to the first market maker (or holder), so positions net to exactly zero.
  const sink = spec.makers[0] ?? holders[0]
  if (sink !== undefined) out.set(sink, roundTo((out.get(sink) ?? 0) - net, lot))
  return out
}
