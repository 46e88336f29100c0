// Hyperliquid partitions for a run: market datasets per coin and UTC day, account datasets per account and day, and
// one margin snapshot per account; every info request shares the run's weight budget.
import type { HyperliquidDataset } from '../../domain/sources.ts'
import type { PlannedPartition } from '../connector.ts'
import { daysBetween } from '../dates.ts'
import type { WeightBudget } from '../weightBudget.ts'
import { candlesPartition } from './candles.ts'
import { clearinghousePartition } from './clearinghouse.ts'
import { fillsPartition } from './fills.ts'
import { fundingPartition } from './funding.ts'
import { InfoClient } from './info.ts'
import { ledgerPartition } from './ledger.ts'

/** candles, funding: per coin; fills, ledger, state (clearinghouseState): per account. */

export interface HyperliquidPlan {
  baseUrl: string
  coins: readonly string[]
  /** Addresses (0x + 40 hex, lower case as the venue reports them). */
  accounts: readonly string[]
  datasets: readonly HyperliquidDataset[]
  /** Inclusive UTC days, YYYY-MM-DD. */
  from: string
  to: string
  /** Candle interval, e.g. 1m or 1h. */
  interval: string
  budget: WeightBudget
  /** The instant margin snapshots are taken (the run's start). */
  snapshotAt: Date
}

export function planHyperliquid(plan: HyperliquidPlan): PlannedPartition[] {
  const info = new InfoClient(plan.baseUrl, plan.budget)
  const days = daysBetween(plan.from, plan.to)
  const want = new Set(plan.datasets)
  const out: PlannedPartition[] = []
  for (const coin of plan.coins) {
    for (const day of days) {
      if (want.has('candles')) out.push(candlesPartition(info, coin, plan.interval, day))
      if (want.has('funding')) out.push(fundingPartition(info, coin, day))
    }
  }
  for (const account of plan.accounts) {
    if (want.has('state')) out.push(clearinghousePartition(info, account, plan.snapshotAt))
    for (const day of days) {
      if (want.has('fills')) out.push(fillsPartition(info, account, day))
      if (want.has('ledger')) out.push(ledgerPartition(info, account, day))
    }
  }
  return out
}
