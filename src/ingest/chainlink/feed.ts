// One Chainlink feed read through its proxy over JSON-RPC: decimals, the latest round, rounds by id, and where each
// phase ends (the proxy only says the current phase; earlier ones are found by searching round ids), memoised for a
// run so the day partitions of one feed share the lookups.
import type { FetchContext } from '../connector.ts'
import {
  SELECTORS,
  aggregatorRoundOf,
  decodeRoundData,
  decodeString,
  decodeUint,
  encodeGetRoundData,
  phaseOf,
  roundIdOf,
} from './abi.ts'
import { isZeroRound, type Round } from './rounds.ts'
import type { EthRpc } from './rpc.ts'

/** Rounds per batch request while walking forward. */
const BATCH = 25

export type Lookup = Round | 'missing' | 'zero'

export class FeedReader {
  private readonly memo = new Map<string, Promise<unknown>>()

  constructor(
    readonly rpc: EthRpc,
    /** Proxy address, lower case. */
    readonly address: string,
  ) {}

  private once<T>(key: string, make: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined
    if (!p) {
      p = make()
      this.memo.set(key, p)
      p.catch(() => this.memo.delete(key))
    }
    return p
  }

  private describe = () => `chainlink feed ${this.address} via ${this.rpc.label}`

  decimals(ctx: FetchContext): Promise<number> {
    return this.once('decimals', async () => {
      const r = await this.rpc.call(ctx, this.address, SELECTORS.decimals)
      if (!r.ok) throw new Error(`${this.describe()}: decimals() failed (${r.error}): is ${this.address} a feed proxy?`)
      return Number(decodeUint(r.data))
    })
  }

  /** The feed's own name (e.g. "ETH / USD"), or null when the contract has none. */
  description(ctx: FetchContext): Promise<string | null> {
    return this.once('description', async () => {
      const r = await this.rpc.call(ctx, this.address, SELECTORS.description)
      return r.ok ? decodeString(r.data) : null
    })
  }

  latest(ctx: FetchContext): Promise<Round> {
    return this.once('latest', async () => {
      const r = await this.rpc.call(ctx, this.address, SELECTORS.latestRoundData)
      if (!r.ok) throw new Error(`${this.describe()}: latestRoundData() failed (${r.error})`)
      return toRound(decodeRoundData(r.data))
    })
  }

  /** Rounds `first … first+count-1` of a phase, in one batch. */
  async rounds(ctx: FetchContext, phase: number, first: bigint, count: number): Promise<Lookup[]> {
    const ids = Array.from({ length: count }, (_, i) => roundIdOf(phase, first + BigInt(i)))
    const results = await this.rpc.calls(
      ctx,
      this.address,
      ids.map((id) => encodeGetRoundData(id)),
    )
    return results.map((r, i) => {
      if (!r.ok) return 'missing'
      const round = toRound(decodeRoundData(r.data))
      if (round.roundId !== ids[i])
        throw new Error(`${this.describe()}: asked for round ${ids[i]}, got ${round.roundId}`)
      if (isZeroRound(round)) return aggregatorRoundOf(round.roundId) === 0n ? 'zero' : 'missing'
      return round
    })
  }

  async round(ctx: FetchContext, phase: number, round: bigint): Promise<Lookup> {
    const key = `round:${phase}:${round}`
    return this.once(key, async () => (await this.rounds(ctx, phase, round, 1))[0]!)
  }

  /** The last round of a phase (0 when the phase has none through this proxy). */
  lastRound(ctx: FetchContext, phase: number): Promise<bigint> {
    return this.once(`last:${phase}`, async () => {
      const latest = await this.latest(ctx)
      if (phase === phaseOf(latest.roundId)) return aggregatorRoundOf(latest.roundId)
      const exists = async (r: bigint) => typeof (await this.round(ctx, phase, r)) === 'object'
      if (!(await exists(1n))) return 0n
      // Exponential probe for an upper bound, then binary search between the last round seen and it.
      let lo = 1n
      let hi = 2n
      while (await exists(hi)) {
        lo = hi
        hi *= 2n
      }
      while (hi - lo > 1n) {
        const mid = (lo + hi) / 2n
        if (await exists(mid)) lo = mid
        else hi = mid
      }
      return lo
    })
  }

  /** A round known to exist. */
  async existing(ctx: FetchContext, phase: number, round: bigint): Promise<Round> {
    const r = await this.round(ctx, phase, round)
    if (typeof r !== 'object') throw new Error(`${this.describe()}: round ${round} of phase ${phase} vanished`)
    return r
  }

  /** The first round updated at or after `t` (epoch s), searching phases from the latest down; null when none. */
  async firstAtOrAfter(ctx: FetchContext, t: number): Promise<{ phase: number; round: bigint } | null> {
    const latest = await this.latest(ctx)
    let found: { phase: number; round: bigint } | null = null
    for (let phase = phaseOf(latest.roundId); phase >= 1; phase--) {
      const last = await this.lastRound(ctx, phase)
      if (last === 0n) continue
      if ((await this.existing(ctx, phase, 1n)).updatedAt >= t) {
        found = { phase, round: 1n }
        continue
      }
      if ((await this.existing(ctx, phase, last)).updatedAt < t) break
      let lo = 1n // updatedAt < t
      let hi = last // updatedAt ≥ t
      while (hi - lo > 1n) {
        const mid = (lo + hi) / 2n
        if ((await this.existing(ctx, phase, mid)).updatedAt >= t) hi = mid
        else lo = mid
      }
      return { phase, round: hi }
    }
    return found
  }

  /** The round before (phase, round): the previous round of the phase, or the last of an earlier phase. */
  async before(ctx: FetchContext, phase: number, round: bigint): Promise<Round | null> {
    if (round > 1n) return this.existing(ctx, phase, round - 1n)
    for (let p = phase - 1; p >= 1; p--) {
      const last = await this.lastRound(ctx, p)
      if (last > 0n) return this.existing(ctx, p, last)
    }
    return null
  }

  /**
   * Walks forward from (phase, round) and returns the rounds updated before `endS`, plus the first one at or after
   * it (null when the feed has none yet). Entering a later phase starts at its round 0, which is empty: `onZero`
   * hears about it and it is skipped.
   */
  async walk(
    ctx: FetchContext,
    start: { phase: number; round: bigint },
    endS: number,
    onZero: (roundId: bigint) => void,
  ): Promise<{ rounds: Round[]; next: Round | null }> {
    const latest = await this.latest(ctx)
    const lastPhase = phaseOf(latest.roundId)
    const rounds: Round[] = []
    let { phase, round } = start
    while (phase <= lastPhase) {
      const stop = phase === lastPhase ? aggregatorRoundOf(latest.roundId) : await this.lastRound(ctx, phase)
      while (round <= stop) {
        const count = Number(stop - round + 1n < BigInt(BATCH) ? stop - round + 1n : BigInt(BATCH))
        const batch = await this.rounds(ctx, phase, round, count)
        for (const [i, r] of batch.entries()) {
          const at = round + BigInt(i)
          if (r === 'zero') onZero(roundIdOf(phase, at))
          else if (r === 'missing') {
            // Round 0 of a phase holds nothing: some aggregators return zeros for it, others revert.
            if (at !== 0n) throw new Error(`${this.describe()}: round ${at} of phase ${phase} is missing`)
          } else if (r.updatedAt >= endS) return { rounds, next: r }
          else rounds.push(r)
        }
        round += BigInt(count)
      }
      phase++
      round = 0n
    }
    return { rounds, next: null }
  }
}

function toRound(d: ReturnType<typeof decodeRoundData>): Round {
  return {
    roundId: d.roundId,
    answer: d.answer,
    startedAt: Number(d.startedAt),
    updatedAt: Number(d.updatedAt),
    answeredInRound: d.answeredInRound,
  }
}
