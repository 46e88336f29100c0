// Chainlink rounds of one UTC day → prices (kind oracle) and oracle_rounds rows, plus heartbeat overruns as gaps:
// wherever the next update came later than the heartbeat (plus a grace for block inclusion) after the previous one.
import type { SourceColumn, SourceGap, TableLoad } from '../../domain/loadSpec.ts'
import { scaleInteger } from '../decimal.ts'
import { aggregatorRoundOf, phaseOf } from './abi.ts'

export const VENUE = 'chainlink'

export interface Round {
  roundId: bigint
  answer: bigint
  /** Epoch seconds. */
  startedAt: number
  updatedAt: number
  answeredInRound: bigint
}

/** A round whose answer and times are all zero: what getRoundData returns for round 0 of a phase. */
export const isZeroRound = (r: Round): boolean => r.updatedAt === 0 && r.answer === 0n && r.startedAt === 0

const c = (name: string, type: SourceColumn['type']): SourceColumn => ({ name, type })

export const ROUND_COLUMNS: SourceColumn[] = [
  c('updated_at', 'BIGINT'),
  c('started_at', 'BIGINT'),
  c('round_id', 'HUGEINT'),
  c('phase', 'INTEGER'),
  c('aggregator_round', 'HUGEINT'),
  c('answer', 'HUGEINT'),
  c('decimals', 'INTEGER'),
  c('price', 'DOUBLE'),
  c('price_exact', 'DECIMAL(38,18)'),
  c('answered_in_round', 'HUGEINT'),
]

/** The loads of one feed's rounds (the detail table is not filled with the partition's market by the loader). */
export const roundLoads = (feed: string): TableLoad[] => [
  {
    kind: 'rows',
    table: 'prices',
    values: {
      ts: { epoch: 'updated_at', unit: 's' },
      kind: { literal: 'oracle' },
      source: { literal: VENUE },
      price: { column: 'price' },
    },
  },
  {
    kind: 'rows',
    table: 'oracle_rounds',
    values: {
      market: { literal: feed },
      ts: { epoch: 'updated_at', unit: 's' },
      round_id: { column: 'round_id' },
      phase: { column: 'phase' },
      aggregator_round: { column: 'aggregator_round' },
      answer: { column: 'answer' },
      decimals: { column: 'decimals' },
      price: { column: 'price_exact' },
      started_at: { epoch: 'started_at', unit: 's' },
      answered_in_round: { column: 'answered_in_round' },
    },
  },
]

export function roundRow(r: Round, decimals: number): Record<string, string | number> {
  const price = scaleInteger(r.answer.toString(), -decimals)
  return {
    updated_at: r.updatedAt,
    started_at: r.startedAt,
    round_id: r.roundId.toString(),
    phase: phaseOf(r.roundId),
    aggregator_round: aggregatorRoundOf(r.roundId).toString(),
    answer: r.answer.toString(),
    decimals,
    price,
    price_exact: price,
    answered_in_round: r.answeredInRound.toString(),
  }
}

export interface Heartbeat {
  /** Longest time between updates the feed promises, seconds. */
  seconds: number
  /** Lateness tolerated before an update counts as missed (updates land in the next block or few). */
  graceSeconds: number
}

/**
 * Overruns whose first missed deadline falls in [dayStart, dayEnd): for consecutive updates a → b with
 * b − a > heartbeat + grace, a gap from a + heartbeat to b, counting the deadlines a + k·heartbeat (+ grace) that
 * passed without an update. `rounds` are the day's rounds in time order; `prev` / `next` the rounds around them.
 * With no next round, `asOf` (when the source was read) closes an overrun still going on.
 */
export function heartbeatGaps(
  rounds: readonly Round[],
  prev: Round | null,
  next: Round | null,
  day: { startS: number; endS: number },
  heartbeat: Heartbeat,
  asOf: number | null,
): SourceGap[] {
  const times = [prev, ...rounds, next].filter((r): r is Round => r !== null).map((r) => r.updatedAt)
  if (!next && asOf !== null) times.push(Math.max(asOf, times.at(-1) ?? asOf))
  const gaps: SourceGap[] = []
  const { seconds: hb, graceSeconds: grace } = heartbeat
  for (let i = 1; i < times.length; i++) {
    const a = times[i - 1]!
    const b = times[i]!
    if (b - a <= hb + grace) continue
    const from = a + hb
    if (from < day.startS || from >= day.endS) continue
    gaps.push({
      table: 'prices',
      from: new Date(from * 1000),
      to: new Date(b * 1000),
      missing: Math.ceil((b - a - grace) / hb) - 1,
      stepSeconds: hb,
    })
  }
  return gaps
}
