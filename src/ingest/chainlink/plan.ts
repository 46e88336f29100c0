// Chainlink partitions for a run: one per feed and UTC day, from the JSON-RPC endpoint (rounds located by binary
// search over round ids, then walked forward in batches) or from a CSV round dump.
import { apiPartition } from '../apiPartition.ts'
import type { PlannedPartition } from '../connector.ts'
import { daysBetween, periodRange, toIsoDay } from '../dates.ts'
import { phaseOf } from './abi.ts'
import type { CsvDump } from './csvDump.ts'
import type { FeedReader } from './feed.ts'
import { heartbeatGaps, ROUND_COLUMNS, roundLoads, roundRow, VENUE, type Heartbeat, type Round } from './rounds.ts'

const bounds = (day: string) => {
  const { start, end } = periodRange(day)
  return { start, end, startS: start.getTime() / 1000, endS: end.getTime() / 1000 }
}

const keyOf = (feed: string, day: string) => ({
  source: VENUE,
  dataset: 'rounds',
  venue: VENUE,
  market: feed,
  period: day,
})

export interface RpcPlan {
  feed: FeedReader
  from: string
  to: string
  heartbeat: Heartbeat
}

export function planChainlinkRpc(plan: RpcPlan): PlannedPartition[] {
  const { feed } = plan
  return daysBetween(plan.from, plan.to).map((day) => {
    const b = bounds(day)
    return apiPartition({
      key: keyOf(feed.address, day),
      table: 'prices,oracle_rounds',
      file: `chainlink getRoundData ${feed.address} ${day} via ${feed.rpc.label}`,
      columns: ROUND_COLUMNS,
      loads: roundLoads(feed.address),
      periodStart: b.start,
      periodEnd: b.end,
      async collect(ctx, out) {
        const decimals = await feed.decimals(ctx)
        // The feed's own name ("ETH / USD") puts warnings about an address in words.
        const description = await feed.description(ctx)
        const first = await feed.firstAtOrAfter(ctx, b.startS)
        let rounds: Round[] = []
        let next: Round | null = null
        let prev: Round | null
        if (first) {
          prev = await feed.before(ctx, first.phase, first.round)
          ;({ rounds, next } = await feed.walk(ctx, first, b.endS, (roundId) =>
            ctx.log.warn(
              { feed: feed.address, description, roundId: roundId.toString(), phase: phaseOf(roundId) },
              'empty round at the start of a phase (answer and times all zero): skipped',
            ),
          ))
        } else {
          // Nothing at or after the day: the latest round is the last update before it.
          prev = await feed.latest(ctx)
        }
        for (const r of rounds) out.write(roundRow(r, decimals))
        const asOf = Math.floor(Date.now() / 1000)
        return { gaps: heartbeatGaps(rounds, prev, next, b, plan.heartbeat, next ? null : asOf) }
      },
    })
  })
}

export interface CsvPlan {
  /** Proxy address, lower case. */
  feed: string
  dump: CsvDump
  /** The file as given, for the manifest. */
  path: string
  decimals: number
  heartbeat: Heartbeat
  /** Only days in [from, to] when given; otherwise every day the dump covers. */
  from?: string
  to?: string
}

/** One partition per day the dump has rounds in (or per day asked for); overruns use the dump's neighbouring rows. */
export function planChainlinkCsv(plan: CsvPlan): PlannedPartition[] {
  const { rounds } = plan.dump
  if (rounds.length === 0) return []
  const first = plan.from ?? toIsoDay(new Date(rounds[0]!.updatedAt * 1000))
  const last = plan.to ?? toIsoDay(new Date(rounds.at(-1)!.updatedAt * 1000))
  return daysBetween(first, last).map((day) => {
    const b = bounds(day)
    const inDay = rounds.filter((r) => r.updatedAt >= b.startS && r.updatedAt < b.endS)
    const before = rounds.filter((r) => r.updatedAt < b.startS).at(-1) ?? null
    const after = rounds.find((r) => r.updatedAt >= b.endS) ?? null
    return apiPartition({
      key: keyOf(plan.feed, day),
      table: 'prices,oracle_rounds',
      file: `${plan.path} ${day}`,
      columns: ROUND_COLUMNS,
      loads: roundLoads(plan.feed),
      periodStart: b.start,
      periodEnd: b.end,
      emptyIsMissing: true,
      async collect(_ctx, out) {
        for (const r of inDay) out.write(roundRow(r, plan.decimals))
        // The dump ends where its walk stopped: no overrun is asserted past its last row.
        return { gaps: heartbeatGaps(inDay, before, after, b, plan.heartbeat, null) }
      },
    })
  })
}
