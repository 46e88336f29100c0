// One sweep point's kernel: a KernelSession whose outputs are hashed (as in a backtest) and then only read for what
// the point's cost figures need — when each position was first liquidated — instead of being written; it also sums
// the initial margin and notional of every position the population opens.
import { OutputHash } from '../backtest/outputHash.ts'
import { ExactTotal } from '../exactTotal.ts'
import { toMicros } from '../money.ts'
import { KernelSession, type KernelResult, type KernelSpec } from '../host/session.ts'
import type { SpawnTape } from '../kernel/spawnTape.ts'
import type { ResultBatch } from '../../store/results/backtestResults.ts'
import { FirstTimes } from './firstTimes.ts'
import { hashLaneOutputs, laneFees, laneSummary } from './laneOutputs.ts'

/** Margin and notional of the positions opened (synthetic population and explicit positions alike). */
export interface Openings {
  count: number
  /** Exact micro-units, as decimal integer text (they may exceed 2^53 over a long window). */
  marginMicros: string
  notionalMicros: string
}

/**
 * The first liquidation time (µs) of each position that was liquidated, keyed by position: a synthetic position by
 * its serial (the order it opened), a named account's position by −(1 + account·4096 + market).
 */
export interface FirstLiquidations {
  keys: Float64Array
  ts: Float64Array
}

export interface SweepKernelResult {
  summary: KernelResult['summary']
  openings: Openings
  firstLiquidations: FirstLiquidations
  /** Notional deleveraged by ADL (qty × fill price of each ADL fill), exact micro-units as integer text. */
  adlNotionalMicros: string
  /** Liquidation fees charged to the liquidated positions, exact micro-units as integer text. */
  liquidationFeeMicros: string
  /** Time inside the kernel (on its thread, ms): where a sweep's time goes; no figure depends on it. */
  kernelMs: number
  /**
   * The kernel's accounting lanes (spec.config.lanes), in order: each one's figures as its own kernel would give them,
   * or why it diverged (its point must be replayed by a kernel of its own).
   */
  lanes: SweepLaneResult[]
}

export type SweepLaneResult = { result: SweepKernelResult; diverged: null } | { result: null; diverged: string }

export class SweepSession extends KernelSession {
  private readonly first = new FirstTimes()
  private readonly margin = new ExactTotal()
  private readonly notional = new ExactTotal()
  private readonly adlNotional = new ExactTotal()
  private readonly liquidationFees = new ExactTotal()
  private opened = 0
  /** Per accounting lane: its output hash and the fees its liquidations charged. */
  private readonly laneHashes: OutputHash[]
  private readonly laneFeeTotals: ExactTotal[]

  constructor(private readonly sweepSpec: KernelSpec) {
    const spec = sweepSpec
    let record: (batch: ResultBatch) => void = () => undefined
    super(spec, (batch) => {
      record(batch)
      return Promise.resolve()
    })
    record = (batch) => this.record(batch)
    const lanes = this.kernel.lanes?.lanes ?? []
    this.laneHashes = lanes.map(() => new OutputHash())
    this.laneFeeTotals = lanes.map(() => new ExactTotal())
    // observe every opening without changing it (the outputs, and so the hash, stay those of a backtest)
    const kernel = this.kernel
    const open = kernel.openPosition.bind(kernel)
    kernel.openPosition = (account, market, side, qty, entry, marginMicros, ts, cross) => {
      this.opened++
      this.margin.add(marginMicros)
      this.notional.add(toMicros(qty * entry, 'opened notional'))
      return cross === undefined
        ? open(account, market, side, qty, entry, marginMicros, ts)
        : open(account, market, side, qty, entry, marginMicros, ts, cross)
    }
  }

  /**
   * Shares the synthetic positions' draws with the thread's other kernels (the first to join records them): false
   * when this kernel has no population, or another one.
   */
  shareSpawnDraws(tape: SpawnTape): boolean {
    return this.kernel.attachSpawnTape(tape)
  }

  private record(batch: ResultBatch): void {
    const liq = batch.liquidations
    const { ts, account, serial, market, fee } = liq.num as Record<
      'ts' | 'account' | 'serial' | 'market' | 'fee',
      Float64Array
    >
    for (let i = 0; i < liq.length; i++) {
      const code = account[i]!
      const key = code < 0 ? serial[i]! : -(1 + code * 4096 + market[i]!)
      this.first.add(key, ts[i]!)
      this.liquidationFees.add(fee[i]!)
    }
    const adl = batch.adl
    const { qty, fillPrice } = adl.num as Record<'qty' | 'fillPrice', Float64Array>
    for (let i = 0; i < adl.length; i++) this.adlNotional.add(toMicros(qty[i]! * fillPrice[i]!, 'ADL notional'))
    const lanes = this.kernel.lanes
    if (lanes === null) return
    lanes.lanes.forEach((lane, l) => {
      if (lane.diverged !== null) return
      hashLaneOutputs(this.kernel, lane, this.laneHashes[l]!)
      for (const f of laneFees(this.kernel, lane)) this.laneFeeTotals[l]!.add(f)
    })
    lanes.clear()
  }

  async finishSweep(): Promise<SweepKernelResult> {
    const { summary, stats } = await this.finish()
    const openings: Openings = {
      count: this.opened,
      marginMicros: this.margin.value.toString(),
      notionalMicros: this.notional.value.toString(),
    }
    const firstLiquidations = this.first.entries()
    const adlNotionalMicros = this.adlNotional.value.toString()
    const names = this.kernel.accounts.names
    // each lane gets copies of what it shares: the results' buffers are transferred, once each
    const lanes = (this.kernel.lanes?.lanes ?? []).map((lane, l): SweepLaneResult => {
      if (lane.diverged !== null) return { result: null, diverged: lane.diverged }
      const hash = this.laneHashes[l]!.digest(names, this.hash)
      return {
        diverged: null,
        result: {
          summary: laneSummary(this.kernel, lane, this.sweepSpec, hash),
          openings: { ...openings },
          firstLiquidations: { keys: firstLiquidations.keys.slice(), ts: firstLiquidations.ts.slice() },
          adlNotionalMicros,
          liquidationFeeMicros: this.laneFeeTotals[l]!.value.toString(),
          kernelMs: 0,
          lanes: [],
        },
      }
    })
    return {
      summary,
      openings,
      firstLiquidations,
      adlNotionalMicros,
      liquidationFeeMicros: this.liquidationFees.value.toString(),
      kernelMs: stats.kernelMs,
      lanes,
    }
  }
}
