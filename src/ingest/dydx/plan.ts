// dYdX v4 partitions for a run: market datasets per market and UTC day, account datasets per subaccount and day.
import type { DydxDataset } from '../../domain/sources.ts'
import type { PlannedPartition } from '../connector.ts'
import { daysBetween } from '../dates.ts'
import type { Subaccount } from './account.ts'
import { candlesPartition } from './candles.ts'
import { fillsPartition } from './fills.ts'
import { fundingPartition } from './funding.ts'
import { IndexerClient } from './indexer.ts'
import { tradesPartition } from './trades.ts'
import { transfersPartition } from './transfers.ts'

/** trades, funding, candles: per market; fills, ledger (transfers): per subaccount. */

export interface DydxPlan {
  baseUrl: string
  markets: readonly string[]
  subaccounts: readonly Subaccount[]
  datasets: readonly DydxDataset[]
  from: string
  to: string
  /** Candle resolution, e.g. 1MIN. */
  resolution: string
}

export function planDydx(plan: DydxPlan): PlannedPartition[] {
  const indexer = new IndexerClient(plan.baseUrl)
  const days = daysBetween(plan.from, plan.to)
  const want = new Set(plan.datasets)
  const out: PlannedPartition[] = []
  for (const market of plan.markets) {
    for (const day of days) {
      if (want.has('trades')) out.push(tradesPartition(indexer, market, day))
      if (want.has('funding')) out.push(fundingPartition(indexer, market, day))
      if (want.has('candles')) out.push(candlesPartition(indexer, market, plan.resolution, day))
    }
  }
  for (const subaccount of plan.subaccounts) {
    for (const day of days) {
      if (want.has('fills')) out.push(fillsPartition(indexer, subaccount, day))
      if (want.has('ledger')) out.push(transfersPartition(indexer, subaccount, day))
    }
  }
  return out
}
