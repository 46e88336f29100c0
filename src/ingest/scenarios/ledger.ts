// Ordinary money movements of a population: accounts funded before the window (many from a handful of exchange hot
// wallets and bridges that fund hundreds of unrelated accounts — a common funding source is normal), some further
// deposits and withdrawals during it, and a few transfers between unrelated accounts.
import type { Accounts } from './accounts.ts'
import type { TableRows } from './output.ts'
import type { Rng } from './random.ts'

export const txId = (rng: Rng): string => '0x' + rng.hex(64)

export const money = (x: number): string => x.toFixed(2)

export interface LedgerSpec {
  accounts: Accounts
  /** Accounts to fund, with the equity each should hold (quote). */
  funded: ReadonlyArray<{ id: number; equity: number }>
  fromMs: number
  toMs: number
  /** Initial deposits happen in [fromMs - fundedWithinMs, fromMs). */
  fundedWithinMs?: number
  /** Shared sources: exchange hot wallets and bridges (address-like), each funding many accounts. */
  hotWallets: readonly string[]
  /** Share of accounts funded from a hot wallet (the rest from a wallet of their own). */
  hotShare?: number
  /** Deposits or withdrawals per account per day during the window. */
  movesPerDay?: number
  /** Transfers between unrelated accounts per day. */
  transfersPerDay?: number
  asset?: string
}

export interface LedgerResult {
  /** The wallet each account was first funded from. */
  fundedFrom: Map<number, string>
}

export function writeOrdinaryLedger(rng: Rng, rows: TableRows, spec: LedgerSpec): LedgerResult {
  const asset = spec.asset ?? 'USDC'
  const within = spec.fundedWithinMs ?? 36 * 3_600_000
  const hotShare = spec.hotShare ?? 0.6
  const fundedFrom = new Map<number, string>()
  const own = new Map<number, string>()
  const events: Array<{ ms: number; cells: Array<string | number | null> }> = []
  const hotWeights = spec.hotWallets.map((_, i) => 1 / (i + 1))
  const hotTotal = hotWeights.reduce((a, b) => a + b, 0)
  const pickHot = () => {
    let x = rng.next() * hotTotal
    for (let i = 0; i < hotWeights.length; i++) {
      x -= hotWeights[i]!
      if (x < 0) return spec.hotWallets[i]!
    }
    return spec.hotWallets[spec.hotWallets.length - 1]!
  }
  for (const { id, equity } of spec.funded) {
    const wallet = rng.address()
    own.set(id, wallet)
    const source = spec.hotWallets.length && rng.chance(hotShare) ? pickHot() : wallet
    fundedFrom.set(id, source)
    // One to three deposits before the window, adding up to the account's equity.
    const parts = rng.intBetween(1, 3)
    for (let k = 0; k < parts; k++) {
      const ms = spec.fromMs - rng.uniform(0.02, 1) * within
      const amount = (equity / parts) * rng.uniform(0.7, 1.3)
      events.push({ ms, cells: [spec.accounts.name(id), money(amount), 'deposit', asset, source, txId(rng)] })
    }
  }
  const days = (spec.toMs - spec.fromMs) / 86_400_000
  const perDay = spec.movesPerDay ?? 0.15
  for (const { id, equity } of spec.funded) {
    const moves = rng.poisson(perDay * days)
    for (let k = 0; k < moves; k++) {
      const ms = rng.uniform(spec.fromMs, spec.toMs)
      const out = rng.chance(0.5)
      const amount = equity * rng.uniform(0.02, out ? 0.2 : 0.5)
      const wallet = out && rng.chance(0.3) ? pickHot() : (fundedFrom.get(id) ?? own.get(id)!)
      events.push({
        ms,
        cells: [
          spec.accounts.name(id),
          money(out ? -amount : amount),
          out ? 'withdrawal' : 'deposit',
          asset,
          wallet,
          txId(rng),
        ],
      })
    }
  }
  const transfers = rng.poisson((spec.transfersPerDay ?? 0) * days)
  for (let k = 0; k < transfers && spec.funded.length > 1; k++) {
    const a = rng.pick(spec.funded)
    let b = rng.pick(spec.funded)
    while (b.id === a.id) b = rng.pick(spec.funded)
    const ms = rng.uniform(spec.fromMs, spec.toMs)
    const amount = Math.min(a.equity, b.equity) * rng.uniform(0.01, 0.1)
    const tx = txId(rng)
    const an = spec.accounts.name(a.id)
    const bn = spec.accounts.name(b.id)
    events.push({ ms, cells: [an, money(-amount), 'transfer', asset, bn, tx] })
    events.push({ ms, cells: [bn, money(amount), 'transfer', asset, an, tx] })
  }
  events.sort((x, y) => x.ms - y.ms)
  for (const e of events) rows.add(Math.round(e.ms * 1000), ...e.cells)
  return { fundedFrom }
}
