// Pyth partitions for a run: one per feed symbol and UTC day, every request under the run's request budget.
import type { PlannedPartition } from '../connector.ts'
import { daysBetween } from '../dates.ts'
import type { WeightBudget } from '../weightBudget.ts'
import { BenchmarksClient } from './benchmarks.ts'
import { oraclePartition } from './oracle.ts'

export interface PythPlan {
  baseUrl: string
  /** Symbols such as Crypto.BTC/USD, or feed ids (64 hex digits). */
  feeds: readonly string[]
  from: string
  to: string
  interval: string
  budget: WeightBudget
}

export function planPyth(plan: PythPlan): PlannedPartition[] {
  const client = new BenchmarksClient(plan.baseUrl, plan.budget)
  const feedIds = new Map<string, Promise<string>>()
  return plan.feeds.flatMap((feed) =>
    daysBetween(plan.from, plan.to).map((day) => oraclePartition(client, feed, plan.interval, day, feedIds)),
  )
}
