// The replay kernel's state: configuration, the position and account books, markets, funds, outputs, totals.
import { compileTier } from '../margin/brackets.ts'
import { type FundingFormula } from '../margin/funding.ts'
import { liquidationFeeRate, tierFor } from '../margin/positionRisk.ts'
import { triggerParams } from '../margin/requirement.ts'
import { InvalidInputError } from '../../errors.ts'
import { ExactTotal } from '../exactTotal.ts'
import { contractOf, replayContractProblems } from '../rules/contract.ts'
import type { AdlStep, MarkMethod, RuleSet } from '../rules/schema.ts'
import { AccountingLanes } from './accountingLanes.ts'
import { AccountBook, PositionBook } from './book.ts'
import { ExpiryWheel } from './expiryWheel.ts'
import { Funds } from './funds.ts'
import { reciprocalPopulation } from './inverse.ts'
import { MarketState } from './markets.ts'
import { EngineOutputs } from './outputs.ts'
import { matchedCount, type PopulationRuntime } from './population.ts'
import { Prng } from './prng.ts'

export const MICRO = 1e6
export const PAUSE_BAND = 1
export const PAUSE_BREAKER = 2

/**
 * Stress mode [issue 16]: `feedback` lets the simulated liquidation flow move the replayed mark (off for fidelity
 * replays); `shockReturns` scales each market's log-returns around its first price in the window
 * (p' = p₀·(p/p₀)^k); `shockLiquidity` scales the traded volume the impact model sees.
 */
export interface StressConfig {
  feedback: boolean
  shockReturns: number
  shockLiquidity: number
}

export const NO_STRESS: StressConfig = { feedback: false, shockReturns: 1, shockLiquidity: 1 }

export interface KernelConfig {
  rules: RuleSet
  markets: readonly string[]
  /** Mark method per market after the runner's data-availability fallback; default: the rule set's. */
  markMethods?: readonly MarkMethod[]
  /** Seconds one update of each market's mark series covers (its bar interval, 0 for ticks); default 1. */
  pathSpanS?: readonly number[]
  /** Stress mode: feedback and shocks (default none). */
  stress?: StressConfig
  seed: number
  population?: PopulationRuntime | null
  /** Funding payments come from ledger rows (account replays) instead of rates × positions. */
  ledgerFunding?: boolean
  /** Initial rows per output buffer (the runner's flush threshold). */
  outputCapacity?: number
  /**
   * Take runs of quiet bars in the engine's tight loop (default). Off, every event goes through the general path:
   * the outputs are the same, which the tests check.
   */
  quietRuns?: boolean
  /**
   * Rule sets replayed as accounting lanes of this kernel (sweeps: they differ from `rules` only in what a
   * liquidation pays and where it goes; kernel/accountingLanes.ts). None by default.
   */
  lanes?: readonly RuleSet[]
  /**
   * Park positions whose trigger is far from their heap's top outside it (default). Off, every position sits in its
   * heap: the outputs are the same, which the tests check.
   */
  parkFarTriggers?: boolean
}

/** Exact totals of a run (micro-units) and counts. */
export interface KernelTotals {
  events: number
  eventsByKind: number[]
  positionsOpened: number
  positionsExpired: number
  maxOpenPositions: number
  liquidations: number
  partialLiquidations: number
  takeovers: number
  backstops: number
  deleveraged: number
  bankruptcies: number
  liquidatedNotional: ExactTotal
  shortfall: ExactTotal
  coveredByFund: ExactTotal
  coveredByFeePool: ExactTotal
  coveredByAdl: ExactTotal
  socialized: ExactTotal
  badDebt: ExactTotal
  feesToFund: ExactTotal
  feesToOthers: ExactTotal
  surplusToFund: ExactTotal
  adlFills: number
  fundingPaidByPositions: ExactTotal
  negativeEquityRecords: number
  firstDeficitTs: number
  fillsSkippedDiverged: number
  observedLiquidationFills: number
  refusedByOiCap: number
  refusedWithdrawals: number
  guardrailTriggers: number[]
  /** Liquidations that filled, with the smallest margin between fill and bankruptcy price (distance to failure). */
  nearest: NearMiss[]
  /** Liquidations whose fill was within 1% of their bankruptcy price (or past it). */
  within1Percent: number
}

/** A liquidation fill and how far it stayed from its bankruptcy price (negative: past it, a deficit). */
export interface NearMiss {
  ts: number
  account: number
  serial: number
  market: number
  side: number
  kind: number
  notional: number
  triggerPrice: number
  /** Where the path of the update was when the engine could act (the trigger price when filling at the trigger). */
  pathPrice: number
  marketPrice: number
  bankruptcy: number
  /** side·(market price − bankruptcy) / bankruptcy. */
  margin: number
}

/** How many near misses a run keeps. */
export const NEAREST_KEPT = 5

/** Liquidation being settled, carried through the waterfall. */
export interface Claim {
  seq: number
  ts: number
  pos: number
  account: number
  serial: number
  market: number
  side: number
  qty: number
  triggerPrice: number
  marketPrice: number
  bankruptcy: number
  equity: number
  takeover: boolean
  /** dYdX fill rejected with TNC < 0: deleverage only [D3]. */
  deleverageOnly: boolean
  notional: number
}

export abstract class KernelState {
  readonly rules: RuleSet

  readonly book: PositionBook

  readonly accounts = new AccountBook()

  readonly markets: MarketState[]

  readonly funds: Funds

  readonly outputs: EngineOutputs

  readonly prng: Prng

  readonly totals: KernelTotals

  /** Accounting lanes replayed alongside (sweeps), or null. */
  readonly lanes: AccountingLanes | null

  /** Liquidations are checked (false during an account replay's warm-up before the window). */
  checking = true

  now = 0

  protected readonly population: PopulationRuntime | null

  protected readonly expiries: ExpiryWheel | null

  protected readonly fundingFormula: FundingFormula

  protected readonly ledgerFunding: boolean

  protected readonly adlStep: AdlStep | null

  protected readonly maxDrawdownWindowS: number

  protected cands = new Int32Array(1024)

  protected serialNext = 0

  /** Markets whose keys all changed inside a sweep (socialized loss): swept again at the current mark. */
  protected dirty: number[] = []

  /** Shadow (historical) position per account·market for account replays, and whether the replay diverged. */
  protected shadow = new Map<number, number>()

  protected diverged = new Set<number>()

  protected openDeficits = 0

  protected readonly quietRuns: boolean

  /** Any guardrail that watches every mark move (mark cap, price band, circuit breaker). */
  protected readonly hasGuardrails: boolean

  /** Open positions of named accounts: they pay funding when it falls due, the synthetic ones when touched. */
  protected accountPositionsOpen = 0

  protected oiCapBinding: Uint8Array

  protected warnings = new Set<string>()

  protected marksSeen: Uint8Array

  readonly stress: StressConfig

  /**
   * Inverse (coin-margined) markets: the kernel holds them as linear contracts in 1/price (kernel/inverse.ts), with
   * every amount in coin micro-units. A run's markets are all inverse or all linear (replayContractProblems).
   */
  readonly inverse: boolean

  /** Quote value of one contract per market (1 for linear markets). */
  readonly contractValue: Float64Array

  /** Returns are shocked: price events are transformed (in a copy) before they reach the markets. */
  protected readonly shocked: boolean

  constructor(config: KernelConfig) {
    const rules = config.rules
    const contractProblems = replayContractProblems(rules, config.markets)
    if (contractProblems.length)
      throw new InvalidInputError('the replay engine cannot settle these markets', contractProblems)
    this.inverse = config.markets.some((m) => contractOf(rules, m).type === 'inverse')
    this.contractValue = Float64Array.from(config.markets, (m) => contractOf(rules, m).contractValue)
    this.rules = rules
    this.quietRuns = config.quietRuns ?? true
    this.stress = config.stress ?? NO_STRESS
    this.shocked = this.stress.shockReturns !== 1
    const g = rules.guardrails
    this.hasGuardrails = Boolean(g.markCap || g.priceBand || g.circuitBreaker)
    this.outputs = new EngineOutputs(config.outputCapacity ?? 256)
    // a synthetic book is sized for its population up front: growing it mid-run would stall one event
    const pop = config.population
    const matched = pop ? config.markets.map((_, m) => matchedCount(pop, m, Number.NaN).count || 0) : []
    const expected = pop ? Math.min(pop.maxOpen, Math.ceil(Math.max(pop.initialPositions, ...matched) * 1.5)) : 0
    this.book = new PositionBook(Math.max(1024, 2 ** Math.ceil(Math.log2(Math.max(1, expected)))))
    this.prng = new Prng(config.seed)
    this.population = config.population
      ? this.inverse
        ? reciprocalPopulation(config.population)
        : config.population
      : null
    this.ledgerFunding = config.ledgerFunding ?? false
    const windows = rules.waterfall.flatMap((s) =>
      s.kind === 'adl' && s.trigger.kind === 'fundDrawdown' ? [s.trigger.windowS] : [],
    )
    this.maxDrawdownWindowS = Math.max(3600, ...windows)
    this.funds = new Funds(rules, config.markets, this.maxDrawdownWindowS)
    this.lanes = config.lanes?.length
      ? new AccountingLanes(config.lanes, config.markets, this.maxDrawdownWindowS)
      : null
    this.adlStep = (rules.waterfall.find((s) => s.kind === 'adl') as AdlStep | undefined) ?? null
    const f = rules.funding
    this.fundingFormula = {
      interestRate8h: f.interestRate8h,
      premiumClamp8h: f.premiumClamp8h,
      intervalH: f.intervalH,
      capPerHour: f.capPerHour,
      marginClamp: null,
    }
    this.markets = config.markets.map((symbol, i) => {
      const tierRules = tierFor(rules, symbol)
      const tier = compileTier(tierRules)
      const feeRate = liquidationFeeRate(rules, symbol)
      const mark = rules.price.mark
      const s = new MarketState(
        {
          symbol,
          tier,
          params: triggerParams(rules, feeRate),
          liquidationFeeRate: feeRate,
          method: config.markMethods?.[i] ?? mark.method,
          basisWindowS: mark.basisWindowS,
          basisSampleS: mark.basisSampleS,
          emaWindowS: mark.emaWindowS,
          bookEmaWindowS: mark.bookEmaWindowS,
          fundingIntervalH: f.intervalH,
          fund: this.funds.marketFund[i]!,
          heapCapacity: Math.max(1024, this.book.capacity),
          pathSpanS: config.pathSpanS?.[i] ?? 1,
          parkFarTriggers: config.parkFarTriggers ?? true,
        },
        this.book.key,
        this.book.slot,
      )
      const slip = rules.execution.slippage
      const impact = rules.execution.impact
      if (impact) {
        s.setVolumeWindow(impact.volumeWindowS)
        s.displacementHalfLifeUs = impact.feedbackHalfLifeS * MICRO
      } else if (slip.model === 'sqrtVolume') s.setVolumeWindow(slip.volumeWindowS)
      return s
    })
    // bucket width: 1/4096 of the mean holding time (at least 1 s), so the wheel's horizon is 16 mean holds; sized
    // like the book, so it does not grow by doublings through the first hours
    this.expiries = this.population
      ? new ExpiryWheel(Math.max(1e6, Math.round(this.population.meanHoldingUs / 4096)), 16, this.book.capacity)
      : null
    this.book.onGrow = () => {
      for (const s of this.markets) {
        s.longs.rebind(this.book.key, this.book.slot)
        s.shorts.rebind(this.book.key, this.book.slot)
      }
    }
    this.oiCapBinding = new Uint8Array(config.markets.length)
    this.marksSeen = new Uint8Array(config.markets.length)
    this.totals = {
      events: 0,
      eventsByKind: [0, 0, 0, 0, 0, 0, 0, 0],
      positionsOpened: 0,
      positionsExpired: 0,
      maxOpenPositions: 0,
      liquidations: 0,
      partialLiquidations: 0,
      takeovers: 0,
      backstops: 0,
      deleveraged: 0,
      bankruptcies: 0,
      liquidatedNotional: new ExactTotal(),
      shortfall: new ExactTotal(),
      coveredByFund: new ExactTotal(),
      coveredByFeePool: new ExactTotal(),
      coveredByAdl: new ExactTotal(),
      socialized: new ExactTotal(),
      badDebt: new ExactTotal(),
      feesToFund: new ExactTotal(),
      feesToOthers: new ExactTotal(),
      surplusToFund: new ExactTotal(),
      adlFills: 0,
      fundingPaidByPositions: new ExactTotal(),
      negativeEquityRecords: 0,
      firstDeficitTs: Number.NaN,
      fillsSkippedDiverged: 0,
      observedLiquidationFills: 0,
      refusedByOiCap: 0,
      refusedWithdrawals: 0,
      guardrailTriggers: [0, 0, 0, 0, 0, 0, 0, 0],
      nearest: [],
      within1Percent: 0,
    }
  }

  /** Records the initial balance of every fund at `ts` (the first rows of the fund series). */
  start(ts: number): void {
    this.now = ts
    for (let i = 0; i < this.funds.names.length; i++) this.fundRow(i, -1, 0, 0, -1)
    this.lanes?.start(ts)
  }

  warningList(): string[] {
    return [...this.warnings]
  }

  /** Initial positions not opened yet, per market and in all. */
  protected spawnBacklog: number[] = []

  protected backlog = 0

  /** Positions without an entry price open at their market's first mark. */
  protected deferred: Array<{
    account: number
    market: number
    side: number
    qty: number
    margin: number
    leverage: number
  }> = []

  protected flushing = false

  // Defined by later layers of the chain (see engine.ts) and called by earlier ones.
  protected abstract markDirty(m: number): void
  protected abstract pushCand(nc: number, p: number): number
  protected abstract liquidate(p: number, s: MarketState, m: number, t: number, pt: number): void
  protected abstract checkMultiAccounts(s: MarketState, m: number, t: number): void
  protected abstract recheck(s: MarketState, m: number, t: number): void
  protected abstract markDiverged(acc: number, m: number): void
  protected abstract fundRow(fund: number, market: number, delta: number, reason: number, liqSeq: number): void
}
