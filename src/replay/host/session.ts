// One replay kernel and what it produces, driven step by step (accounts, warm-up, start, batches, finish) by a host on
// whatever thread it runs: no store, no I/O. Its outputs leave through `flush`, hashed column by column first.
import { outputColumns } from '../backtest/outputs.ts'
import { OutputHash } from '../backtest/outputHash.ts'
import type { MarketPlan } from '../backtest/plan.ts'
import { summarize, type BacktestSummary } from '../backtest/summary.ts'
import type { AccountReplaySetup } from '../kernel/accountReplay.ts'
import { ReplayKernel, type KernelConfig } from '../kernel/engine.ts'
import type { EventBatch } from '../kernel/events.ts'
import { openExplicitPositions, type ExplicitPositions } from '../positions/explicit.ts'
import { formatMicros } from '../money.ts'
import type { ResultBatch } from '../../store/results/backtestResults.ts'

/** Everything a kernel needs, as plain data (it crosses to a worker thread by structured clone). */
export interface KernelSpec {
  config: KernelConfig
  /** Output rows buffered before a flush. */
  flushRows: number
  /** Explicit positions opened at the start of the window, in the given default margin mode. */
  explicit: { positions: ExplicitPositions; mode: 'isolated' | 'cross' } | null
  /** The window start (µs): the kernel starts there after any warm-up. */
  fromUs: number
  plan: MarketPlan[]
  warnings: string[]
}

/** The kernel's own figures: they describe where the time went, not the outputs. */
export interface KernelStats {
  events: number
  /** Time inside the kernel. */
  kernelMs: number
  /** Longest single kernel call (a slice of at most SLICE events). */
  maxSliceMs: number
}

/** The named accounts of an account replay, set up before any event (plain data: it crosses threads). */
export interface KernelAccounts {
  /** In the order the feed indexes them; wallet = opening balance in micro-units. */
  accounts: Array<{ name: string; cross: boolean; wallet: number }>
  setup: AccountReplaySetup
  /** Record engine liquidations without applying them; keep following the real fills. */
  shadow: boolean
}

/** An account replay's own counts (kept apart from the kernel totals, which the golden hashes cover). */
export interface KernelAccountStats {
  fillsOfExcludedAccounts: number
  ledgerOfExcludedAccounts: number
  estimatedFees: number
  /** Decimal text of the estimated fees' total. */
  estimatedFeeAmount: string
  venueLiquidationFills: number
  shadowLiquidations: number
  /** Engine liquidations the account's next real fill contradicted (account by name, market by index). */
  divergences: Array<{ account: string; market: number; engineTs: number; confirmedTs: number }>
}

export interface KernelResult {
  summary: BacktestSummary
  stats: KernelStats
  /** Account replays only. */
  accountStats: KernelAccountStats | null
}

/** Events per kernel call; while the initial population opens (thousands of positions per event), one. */
const SLICE = 1024

export class KernelSession {
  protected readonly kernel: ReplayKernel
  /** The outputs' hash, column by column (a sweep's accounting lanes take the columns they share from it). */
  protected readonly hash = new OutputHash()
  private readonly stats: KernelStats = { events: 0, kernelMs: 0, maxSliceMs: 0 }

  /**
   * `flush` gets the pending outputs as columns over the kernel's own buffers, which are cleared once it resolves:
   * it must copy them, or be done with them, by then.
   */
  constructor(
    private readonly spec: KernelSpec,
    private readonly flush: (batch: ResultBatch) => Promise<void>,
  ) {
    this.kernel = new ReplayKernel(spec.config)
  }

  private hasAccounts = false

  /** Named accounts (account replays) with their opening balances, modes and setup, before any event. */
  addAccounts(accounts: KernelAccounts): void {
    for (const a of accounts.accounts) this.kernel.addAccount(a.name, a.cross, a.wallet)
    this.kernel.configureAccounts(accounts.setup)
    this.kernel.shadowMode = accounts.shadow
    this.hasAccounts = true
  }

  /** Off while the accounts' history before the window is followed (no liquidations), on again after. */
  setChecking(on: boolean): void {
    this.kernel.checking = on
  }

  /** The window starts: explicit positions open at the first mark. */
  start(): void {
    this.kernel.start(this.spec.fromUs)
    const explicit = this.spec.explicit
    if (explicit) {
      openExplicitPositions(this.kernel, explicit.positions, this.spec.config.markets, explicit.mode, this.spec.fromUs)
    }
  }

  /**
   * Replays one batch in slices, flushing whenever enough outputs are pending (after a slice, so a batch that
   * liquidates a whole book still writes in bounded pieces; where flushes cut the rows changes no output).
   * `between` runs after each slice with its duration (a host on the event loop yields there, and stops a cancelled
   * run by throwing).
   */
  async process(batch: EventBatch, between?: (sliceMs: number) => Promise<void> | void): Promise<void> {
    const kernel = this.kernel
    for (let from = 0, to = 0; from < batch.length; from = to) {
      to = Math.min(batch.length, from + (kernel.openingBacklog > 0 ? 1 : SLICE))
      const t = performance.now()
      kernel.process(batch, from, to)
      const ms = performance.now() - t
      this.stats.kernelMs += ms
      if (ms > this.stats.maxSliceMs) this.stats.maxSliceMs = ms
      if (kernel.outputs.pending >= this.spec.flushRows) await this.flushOutputs()
      if (between) await between(ms)
    }
    this.stats.events += batch.length
  }

  /** Ends the replay: funding still owed by open positions, the last outputs, the hash and the summary. */
  async finish(): Promise<KernelResult> {
    // synthetic positions still open pay the funding they have not settled yet, so the run's totals are complete
    this.kernel.settleOpenFunding()
    await this.flushOutputs()
    const outputHash = this.hash.digest(this.kernel.accounts.names)
    const summary = summarize(this.kernel, this.spec.fromUs, this.spec.plan, outputHash, this.spec.warnings)
    return { summary, stats: { ...this.stats }, accountStats: this.hasAccounts ? this.accountStats() : null }
  }

  private accountStats(): KernelAccountStats {
    const s = this.kernel.accountStats
    return {
      fillsOfExcludedAccounts: s.fillsOfExcludedAccounts,
      ledgerOfExcludedAccounts: s.ledgerOfExcludedAccounts,
      estimatedFees: s.estimatedFees,
      estimatedFeeAmount: formatMicros(s.estimatedFeeMicros.value),
      venueLiquidationFills: s.venueLiquidationFills,
      shadowLiquidations: s.shadowLiquidations,
      divergences: s.divergences.map((d) => ({ ...d, account: this.kernel.accounts.names[d.account]! })),
    }
  }

  private async flushOutputs(): Promise<void> {
    await this.flush(outputColumns(this.kernel, this.hash))
    this.kernel.outputs.clear()
  }
}
