// Generated accounts whose liquidations are known by construction: the generator is the venue. It draws a price path
// (1 s trades and an oracle equal to them, so a Hyperliquid-style mark follows the path exactly), opens positions for
// accounts of several kinds, liquidates each one at the first second its equity falls below maintenance under the
// venue's true state, and exports what a venue's public history would show — with the imperfections real data has
// (deposits missing from the ledger, positions opened before the history, isolated margin at the user's leverage
// with or without a snapshot, fills without fees, size dust, a system account on the other side of liquidations).
import { Rng } from '../scenarios/random.ts'

export const TRUTH_MARKETS = ['BTC', 'ETH'] as const
/** Maintenance rate per market (Hyperliquid: ½ × 1/max leverage, BTC 40x, ETH 25x [H1][H13]) and size decimals. */
const MARKET = {
  BTC: { mmr: 0.5 / 40, maxLev: 40, start: 100_000, tick: 0.1, decimals: 5 },
  ETH: { mmr: 0.5 / 25, maxLev: 25, start: 4_000, tick: 0.01, decimals: 4 },
} as const
type Market = (typeof TRUTH_MARKETS)[number]

const TAKER = 0.00045
/** The venue's system account: the counterparty of every liquidation (Hyperliquid's HLP address). */
export const TRUTH_SYSTEM_ACCOUNT = '0xdfc24b077bc1425ad1dea75bcb6f8158e10df303'

export const ACCOUNT_KINDS = [
  'cross', // deposit in the ledger, cross margin at the user's leverage
  'isolatedSnapshot', // isolated at the user's leverage, a margin snapshot says so
  'isolatedUnknown', // isolated at the user's leverage, nothing in the data says so before a liquidation
  'depositMissing', // the deposit predates the exported ledger
  'dust', // opens and closes in tenths (binary64 dust), then withdraws everything
  'beforeHistory', // the position was opened before the exported history starts
  'topUpMissing', // a top-up deposit is missing from the ledger; the account keeps trading
  'feeMissing', // fills exported without their fee
] as const
export type AccountKind = (typeof ACCOUNT_KINDS)[number]

export type Row = Record<string, string | number | boolean | null>

export interface TruthLiquidation {
  account: string
  market: Market
  side: 'long' | 'short'
  /** µs since the epoch. */
  ts: number
  price: number
  qty: number
}

export interface GeneratedAccounts {
  venue: string
  markets: readonly Market[]
  /** The replay window [fromUs, toUs). */
  fromUs: number
  toUs: number
  trades: Row[]
  prices: Row[]
  fills: Row[]
  ledger: Row[]
  liquidations: Row[]
  accountStates: Row[]
  accountPositions: Row[]
  truth: TruthLiquidation[]
  accounts: Array<{ account: string; kind: AccountKind; market: Market; mode: 'cross' | 'isolated'; leverage: number }>
}

export interface TruthOptions {
  seed?: number
  accounts?: number
  hours?: number
  venue?: string
  /** Window start (UTC). */
  start?: string
}

const SEC = 1_000_000
const fixed = (x: number, decimals: number) => x.toFixed(decimals)
const money = (x: number) => x.toFixed(6)

export function generateAccountsWithTruth(options: TruthOptions = {}): GeneratedAccounts {
  const seed = options.seed ?? 1
  const hours = options.hours ?? 4
  const venue = options.venue ?? 'truth'
  const n = options.accounts ?? 120
  const fromUs = Date.parse(options.start ?? '2025-06-02T00:00:00Z') * 1000
  const seconds = hours * 3600
  const toUs = fromUs + seconds * SEC
  const out: GeneratedAccounts = {
    venue,
    markets: TRUTH_MARKETS,
    fromUs,
    toUs,
    trades: [],
    prices: [],
    fills: [],
    ledger: [],
    liquidations: [],
    accountStates: [],
    accountPositions: [],
    truth: [],
    accounts: [],
  }

  // the price path: a random walk per second with three shocks (down, up, down) over two minutes each
  const path: Record<Market, Float64Array> = { BTC: new Float64Array(seconds), ETH: new Float64Array(seconds) }
  for (const market of TRUTH_MARKETS) {
    const rng = Rng.stream(seed, `path:${market}`)
    const m = MARKET[market]
    let logP = Math.log(m.start)
    const shocks = [
      [0.3, market === 'BTC' ? -0.07 : -0.09],
      [0.55, 0.06],
      [0.8, -0.05],
    ] as const
    for (let s = 0; s < seconds; s++) {
      logP += 3e-4 * rng.normal()
      for (const [at, size] of shocks) {
        const start = Math.floor(at * seconds)
        if (s >= start && s < start + 120) logP += Math.log(1 + size) / 120
      }
      path[market][s] = Math.round(Math.exp(logP) / m.tick) * m.tick
    }
    // second s trades inside [s − 1, s), so its 1 s bar closes at s, when the oracle publishes the same price: the
    // mark at s is the path at s, and what the venue does at s (fills, liquidations) comes after it
    let id = 1
    for (let s = 0; s < seconds; s++) {
      const ts = fromUs + s * SEC
      const price = fixed(path[market][s]!, 2)
      out.trades.push({ market, time: ts - SEC / 2, price, qty: '1', side: s % 2 ? 'buy' : 'sell', trade_id: id++ })
      out.prices.push({ market, time: ts, kind: 'oracle', source: venue, price })
    }
  }
  const priceAt = (market: Market, s: number) => path[market][Math.max(0, Math.min(seconds - 1, s))]!

  const rng = Rng.stream(seed, 'accounts')
  let tid = 1_000_000
  let oid = 5_000_000
  const hlp = { BTC: 0, ETH: 0 }
  const fill = (
    account: string,
    market: Market,
    s: number,
    units: number,
    start: number,
    price: number,
    dir: string,
    extra: { fee?: number | null; liquidation?: boolean; maker?: boolean },
  ) => {
    const m = MARKET[market]
    const qty = Math.abs(units) / 10 ** m.decimals
    const fee = extra.fee === undefined ? qty * price * TAKER : extra.fee
    out.fills.push({
      market,
      time: fromUs + s * SEC,
      account,
      side: units > 0 ? 'buy' : 'sell',
      price: fixed(price, 2),
      qty: fixed(qty, m.decimals),
      fee: fee === null ? '0' : money(fee),
      fee_asset: fee === null ? null : 'USDC',
      liquidation: extra.liquidation ?? false,
      liquidity: extra.maker ? 'maker' : 'taker',
      start_position: fixed(start / 10 ** m.decimals, m.decimals),
      dir,
      trade_id: String(tid++),
      order_id: String(oid++),
    })
  }
  const deposit = (account: string, s: number, amount: number) =>
    out.ledger.push({ time: fromUs + s * SEC, account, delta: money(amount), kind: 'deposit', tx_id: `d${tid++}` })

  for (let i = 0; i < n; i++) {
    const kind = ACCOUNT_KINDS[i % ACCOUNT_KINDS.length]!
    const account = `0x${(seed * 1_000_003 + i).toString(16).padStart(40, '0')}`
    const market: Market = rng.chance(0.6) ? 'BTC' : 'ETH'
    const m = MARKET[market]
    const side = rng.chance(0.5) ? 1 : -1
    const leverage = Math.round(rng.uniform(5, m.maxLev))
    const isolated = kind === 'isolatedSnapshot' || kind === 'isolatedUnknown'
    out.accounts.push({ account, kind, market, mode: isolated ? 'isolated' : 'cross', leverage })
    const openS = kind === 'beforeHistory' ? -600 : rng.intBetween(60, Math.floor(seconds * 0.25))
    const notional = Math.exp(rng.uniform(Math.log(2_000), Math.log(60_000)))
    const openPrice = priceAt(market, openS)
    let units = Math.max(1, Math.round((notional / openPrice) * 10 ** m.decimals))
    if (kind === 'dust') units = 3 * Math.max(1, Math.round(units / 3))
    const qty = units / 10 ** m.decimals
    const margin = (qty * openPrice) / leverage
    // the true deposit: the margin plus a cushion (a cross account's whole wallet backs its position)
    const cushion = rng.uniform(isolated ? 1.5 : 1.02, isolated ? 3 : 1.6)
    const depositAmount = margin * cushion + qty * openPrice * TAKER * 2
    const depositS = Math.max(0, openS - 30)
    const exported = kind !== 'depositMissing' && kind !== 'beforeHistory'
    if (exported) deposit(account, depositS, depositAmount)
    // the venue's state: collateral behind the position (cross: the wallet; isolated: the posted margin)
    let wallet = depositAmount - qty * openPrice * TAKER
    let collateral = isolated ? margin : wallet
    if (isolated) wallet -= margin
    let held = side * units
    const openDir = side > 0 ? 'Open Long' : 'Open Short'
    const closeDir = side > 0 ? 'Close Long' : 'Close Short'
    // the exported history of a position opened before it starts with a close of 30% (start position: all of it)
    const partialS = kind === 'beforeHistory' ? rng.intBetween(60, Math.floor(seconds * 0.2)) : -1
    if (kind === 'dust') {
      // opened in thirds (0.1 of 0.3 say): three fills whose binary64 sum is a hair off the position
      const third = units / 3
      for (let k = 0; k < 3; k++)
        fill(account, market, openS + k, side * third, side * third * k, openPrice, openDir, {})
    } else if (kind !== 'beforeHistory')
      fill(account, market, openS, side * units, 0, openPrice, openDir, kind === 'feeMissing' ? { fee: null } : {})
    if (kind === 'isolatedSnapshot') {
      const ts = fromUs + (openS + 1) * SEC
      out.accountStates.push({ time: ts, account, account_value: money(wallet + collateral) })
      out.accountPositions.push({
        time: ts,
        account,
        market,
        size: fixed((side * units) / 10 ** m.decimals, m.decimals),
        entry_price: fixed(openPrice, 2),
        leverage_type: 'isolated',
        leverage,
        margin_used: money(margin),
      })
    }
    // top-up accounts get cash the exported ledger never shows, and keep trading
    const topUpS = kind === 'topUpMissing' ? openS + rng.intBetween(120, 900) : -1
    const addS = kind === 'topUpMissing' ? Math.floor(seconds * 0.7) : -1
    const closeS =
      kind === 'dust'
        ? openS + rng.intBetween(300, 1200)
        : rng.chance(0.3)
          ? openS + rng.intBetween(1800, 5400)
          : seconds
    let entry = openPrice
    let liquidatedAt = -1
    for (let s = Math.max(openS + 1, 0); s < Math.min(seconds, closeS); s++) {
      const price = priceAt(market, s)
      if (s === partialS) {
        const part = Math.max(1, Math.round(units * 0.3))
        fill(account, market, s, -side * part, held, price, closeDir, {})
        const q = part / 10 ** m.decimals
        collateral += side * q * (price - entry) - q * price * TAKER
        held -= side * part
      }
      if (s === topUpS) collateral += margin * 2
      if (s === addS && held !== 0) {
        const add = Math.max(1, Math.round(Math.abs(held) * 0.2))
        fill(account, market, s, side * add, held, price, openDir, {})
        const q0 = Math.abs(held)
        entry = (entry * q0 + price * add) / (q0 + add)
        held += side * add
        collateral -= (add / 10 ** m.decimals) * price * TAKER
      }
      const q = Math.abs(held) / 10 ** m.decimals
      const equity = collateral + side * q * (price - entry)
      if (equity < q * price * m.mmr) {
        liquidatedAt = s
        const liqSide = side > 0 ? 'long' : 'short'
        const tradeId = tid
        fill(
          account,
          market,
          s,
          -held,
          held,
          price,
          `Liquidated ${isolated ? 'Isolated' : 'Cross'} ${side > 0 ? 'Long' : 'Short'}`,
          {
            fee: 0,
            liquidation: true,
          },
        )
        fill(TRUTH_SYSTEM_ACCOUNT, market, s, held, hlp[market], price, held > 0 ? 'Open Long' : 'Open Short', {
          fee: 0,
          liquidation: true,
          maker: true,
        })
        hlp[market] += held
        out.liquidations.push({
          market,
          time: fromUs + s * SEC,
          account,
          side: liqSide,
          price: fixed(price, 2),
          qty: fixed(q, m.decimals),
          trade_id: String(tradeId),
          source: venue,
        })
        out.truth.push({ account, market, side: liqSide, ts: fromUs + s * SEC, price, qty: q })
        held = 0
        break
      }
    }
    if (liquidatedAt < 0 && held !== 0 && closeS < seconds) {
      const price = priceAt(market, closeS)
      if (kind === 'dust') {
        // closed in tenths: 0.1 + 0.2 of a third each, so binary64 sums of the closes leave dust
        const third = Math.abs(held) / 3
        for (let k = 0; k < 3; k++)
          fill(account, market, closeS + k, -side * third, held - side * third * k, price, closeDir, {})
      } else fill(account, market, closeS, -held, held, price, closeDir, {})
      const q = Math.abs(held) / 10 ** m.decimals
      const settled = collateral + side * q * (price - entry) - q * price * TAKER + (isolated ? wallet : 0)
      if (kind === 'dust') {
        out.ledger.push({
          time: fromUs + (closeS + 10) * SEC,
          account,
          delta: money(-Math.floor(settled * 1e6) / 1e6),
          kind: 'withdrawal',
          tx_id: `w${tid++}`,
        })
      }
    }
  }
  out.fills.sort((a, b) => Number(a.time) - Number(b.time))
  out.truth.sort((a, b) => a.ts - b.ts)
  // only liquidations inside the window are the venue's truth for a replay of the window
  out.truth = out.truth.filter((t) => t.ts >= fromUs && t.ts < toUs)
  return out
}
