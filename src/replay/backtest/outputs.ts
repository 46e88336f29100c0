// Hands the kernel's numeric output buffers to the result writer as columns (no copy), text columns as codes into
// name lists (markets, kinds, accounts), so no string is made per row.
import type { CodedText, ResultBatch, ResultColumns } from '../../store/results/backtestResults.ts'
import type { ReplayKernel } from '../kernel/engine.ts'
import {
  DEFICIT_KINDS,
  FUND_REASONS,
  GUARDRAIL_ACTIONS,
  GUARDRAIL_KINDS,
  LIQUIDATION_KINDS,
  type RowBuffer,
} from '../kernel/outputs.ts'

const SIDES = ['long', 'short'] as const

/** Receives each output column's bytes as it is written (the run's OutputHash; the golden check's plain sha256). */
export interface OutputBytesSink {
  update(table: string, column: string, bytes: Uint8Array): void
}

/**
 * The buffers as result columns. `hash` (when given) is fed every column's bytes first: the rows are a
 * deterministic function of those bytes and the run's inputs, so equal hashes mean identical outputs. The caller
 * writes the batch before the buffers are cleared (`kernel.outputs.clear()`).
 */
export function outputColumns(kernel: ReplayKernel, hash?: OutputBytesSink): ResultBatch {
  // inverse runs: rows in venue prices and sides before they are hashed and written
  kernel.presentOutputs()
  const o = kernel.outputs
  if (hash) {
    const { liquidations, deficits, fund, adl, social, guardrails } = o
    for (const [table, buffer] of Object.entries({ liquidations, deficits, fund, adl, social, guardrails })) {
      for (const name of buffer.names) {
        const col = (buffer.cols as Record<string, Float64Array>)[name]!
        hash.update(table, name, new Uint8Array(col.buffer, col.byteOffset, buffer.length * 8))
      }
    }
  }
  const markets = kernel.markets.map((s) => s.symbol)
  const table = <K extends string>(
    buffer: RowBuffer<K>,
    text: (c: Record<K, Float64Array>) => ResultColumns['text'],
  ): ResultColumns => ({
    length: buffer.length,
    num: buffer.cols as Record<string, Float64Array>,
    text: text(buffer.cols),
  })
  // text goes to the store as codes into small name lists (one typed column each, no string per row)
  const coded = (codes: Float64Array, names: readonly string[]): CodedText => ({ codes, names })
  const mapped = (length: number, f: (i: number) => number): Float64Array => {
    const codes = new Float64Array(length)
    for (let i = 0; i < length; i++) codes[i] = f(i)
    return codes
  }
  // account names: an account index, or syn-<serial> for a synthetic position (NULL when neither)
  const account = (c: { account: Float64Array; serial: Float64Array }): CodedText => ({
    codes: c.account,
    names: kernel.accounts.names,
    serials: c.serial,
  })
  const side = (length: number, c: { side: Float64Array }) =>
    coded(
      mapped(length, (i) => (c.side[i]! > 0 ? 0 : 1)),
      SIDES,
    )
  const withdrawalGating = GUARDRAIL_KINDS.indexOf('withdrawalGating')
  return {
    liquidations: table(o.liquidations, (c) => ({
      account: account(c),
      market: coded(c.market, markets),
      side: side(o.liquidations.length, c),
      kind: coded(c.kind, LIQUIDATION_KINDS),
    })),
    deficits: table(o.deficits, (c) => ({
      account: account(c),
      market: coded(c.market, markets),
      kind: coded(c.kind, DEFICIT_KINDS),
    })),
    fund: table(o.fund, (c) => ({
      fund: coded(c.fund, kernel.funds.names),
      // a negative market (the initial balances) is NULL
      market: coded(c.market, markets),
      reason: coded(c.reason, FUND_REASONS),
    })),
    adl: table(o.adl, (c) => ({
      market: coded(c.market, markets),
      account: account(c),
      side: side(o.adl.length, c),
    })),
    social: table(o.social, (c) => ({ market: coded(c.market, markets) })),
    guardrails: table(o.guardrails, (c) => ({
      // withdrawal gating concerns an account, not a market
      market: coded(
        mapped(o.guardrails.length, (i) => (c.kind[i] === withdrawalGating ? -1 : c.market[i]!)),
        markets,
      ),
      kind: coded(c.kind, GUARDRAIL_KINDS),
      action: coded(c.action, GUARDRAIL_ACTIONS),
      account: account(c),
    })),
  }
}
