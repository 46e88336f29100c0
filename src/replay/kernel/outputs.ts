// The engine's output rows, buffered as numeric columns and drained in batches by the runner (bounded memory).
import {
  DEFICIT_KINDS,
  FUND_REASONS,
  GUARDRAIL_ACTIONS,
  GUARDRAIL_KINDS,
  LIQUIDATION_KINDS,
} from '../../domain/resultCategories.ts'

export class RowBuffer<K extends string> {
  length = 0
  /** Rows ever written (row sequence numbers continue across drains). */
  total = 0
  cols: Record<K, Float64Array>

  constructor(
    readonly names: readonly K[],
    private capacity = 256,
  ) {
    this.cols = Object.fromEntries(names.map((n) => [n, new Float64Array(capacity)])) as Record<K, Float64Array>
  }

  /** Index of a new row (its `seq` column is set to the running row number). */
  add(): number {
    if (this.length === this.capacity) {
      this.capacity *= 2
      for (const n of this.names) {
        const grown = new Float64Array(this.capacity)
        grown.set(this.cols[n])
        this.cols[n] = grown
      }
    }
    const i = this.length++
    ;(this.cols as Record<string, Float64Array>).seq![i] = this.total++
    return i
  }

  clear(): void {
    this.length = 0
  }
}

export const LIQUIDATION_COLUMNS = [
  'seq',
  'ts',
  'account',
  'serial',
  'market',
  'side',
  'qty',
  'notional',
  'triggerMark',
  'liquidationPrice',
  'bankruptcyPrice',
  'fillPrice',
  'marketPrice',
  'fee',
  'feeToFund',
  'equity',
  'slippage',
  'surplus',
  'returned',
  'shortfall',
  'kind',
] as const
export const DEFICIT_COLUMNS = [
  'seq',
  'ts',
  'account',
  'serial',
  'market',
  'liquidationSeq',
  'kind',
  'shortfall',
  'fund',
  'feePool',
  'adl',
  'socialized',
  'uncovered',
] as const
export const FUND_COLUMNS = ['seq', 'ts', 'fund', 'market', 'delta', 'balance', 'reason', 'liquidationSeq'] as const
export const ADL_COLUMNS = [
  'seq',
  'ts',
  'market',
  'liquidationSeq',
  'account',
  'serial',
  'side',
  'qty',
  'fillPrice',
  'mark',
  'rank',
  'score',
  'realizedPnl',
  'haircut',
  'covered',
] as const
export const SOCIAL_COLUMNS = [
  'seq',
  'ts',
  'market',
  'liquidationSeq',
  'amount',
  'perBase',
  'totalBase',
  'positions',
] as const
export const GUARDRAIL_COLUMNS = [
  'seq',
  'ts',
  'market',
  'kind',
  'value',
  'threshold',
  'action',
  'account',
  'serial',
] as const

/** Appends a fund movement row (the kernel's fund series and each accounting lane's). */
export function addFundRow(
  o: RowBuffer<(typeof FUND_COLUMNS)[number]>,
  ts: number,
  fund: number,
  market: number,
  delta: number,
  balance: number,
  reason: number,
  liquidationSeq: number,
): void {
  const i = o.add()
  const col = o.cols
  col.ts[i] = ts
  col.fund[i] = fund
  col.market[i] = market
  col.delta[i] = delta
  col.balance[i] = balance
  col.reason[i] = reason
  col.liquidationSeq[i] = liquidationSeq
}

/**
 * Appends a deficit row: a liquidation's shortfall (kind 0) and what each waterfall step covered, or a negative equity
 * recorded while liquidations were held (kind 1, liquidation −1, all of it uncovered).
 */
export function addDeficitRow(
  o: RowBuffer<(typeof DEFICIT_COLUMNS)[number]>,
  ts: number,
  account: number,
  serial: number,
  market: number,
  liquidationSeq: number,
  kind: number,
  shortfall: number,
  covered: { fund: number; feePool: number; adl: number; socialized: number },
  uncovered: number,
): void {
  const i = o.add()
  const col = o.cols
  col.ts[i] = ts
  col.account[i] = account
  col.serial[i] = serial
  col.market[i] = market
  col.liquidationSeq[i] = liquidationSeq
  col.kind[i] = kind
  col.shortfall[i] = shortfall
  col.fund[i] = covered.fund
  col.feePool[i] = covered.feePool
  col.adl[i] = covered.adl
  col.socialized[i] = covered.socialized
  col.uncovered[i] = uncovered
}

/** Codes stored in the numeric columns, named when written (the lists live in src/domain, shared with the store). */
export { DEFICIT_KINDS, FUND_REASONS, GUARDRAIL_ACTIONS, GUARDRAIL_KINDS, LIQUIDATION_KINDS }

export const Liq = Object.fromEntries(LIQUIDATION_KINDS.map((k, i) => [k, i])) as Record<
  (typeof LIQUIDATION_KINDS)[number],
  number
>
export const Guard = Object.fromEntries(GUARDRAIL_KINDS.map((k, i) => [k, i])) as Record<
  (typeof GUARDRAIL_KINDS)[number],
  number
>
export const GuardAction = Object.fromEntries(GUARDRAIL_ACTIONS.map((k, i) => [k, i])) as Record<
  (typeof GUARDRAIL_ACTIONS)[number],
  number
>

export class EngineOutputs {
  readonly liquidations: RowBuffer<(typeof LIQUIDATION_COLUMNS)[number]>
  readonly deficits: RowBuffer<(typeof DEFICIT_COLUMNS)[number]>
  readonly fund: RowBuffer<(typeof FUND_COLUMNS)[number]>
  readonly adl: RowBuffer<(typeof ADL_COLUMNS)[number]>
  readonly social: RowBuffer<(typeof SOCIAL_COLUMNS)[number]>
  readonly guardrails: RowBuffer<(typeof GUARDRAIL_COLUMNS)[number]>
  /** Inverse runs: rows already mapped to venue prices (kernel/inverse.ts), per buffer; reset by clear(). */
  readonly presented = { liquidations: 0, adl: 0, guardrails: 0 }

  /**
   * @param capacity rows per buffer before it doubles. The runner sizes it to its flush threshold, so no buffer is
   * copied mid-run (doubling 22 columns at once held one event for ~100 ms); untouched pages cost no memory.
   */
  constructor(capacity = 256) {
    this.liquidations = new RowBuffer(LIQUIDATION_COLUMNS, capacity)
    this.deficits = new RowBuffer(DEFICIT_COLUMNS, capacity)
    this.fund = new RowBuffer(FUND_COLUMNS, capacity)
    this.adl = new RowBuffer(ADL_COLUMNS, capacity)
    this.social = new RowBuffer(SOCIAL_COLUMNS, capacity)
    this.guardrails = new RowBuffer(GUARDRAIL_COLUMNS, capacity)
  }

  get pending(): number {
    return (
      this.liquidations.length +
      this.deficits.length +
      this.fund.length +
      this.adl.length +
      this.social.length +
      this.guardrails.length
    )
  }

  clear(): void {
    this.liquidations.clear()
    this.deficits.clear()
    this.fund.clear()
    this.adl.clear()
    this.social.clear()
    this.guardrails.clear()
    this.presented.liquidations = this.presented.adl = this.presented.guardrails = 0
  }
}
