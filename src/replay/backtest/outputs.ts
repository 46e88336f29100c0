// Hands the kernel's numeric output buffers to the result writer as columns (no copy), with text columns named
// from the codes, then clears the buffers.
import type { Hash } from 'node:crypto'
import type { ResultBatch, ResultColumns } from '../../store/results/backtestResults.ts'
import type { ReplayKernel } from '../kernel/engine.ts'
import {
  DEFICIT_KINDS,
  FUND_REASONS,
  GUARDRAIL_ACTIONS,
  GUARDRAIL_KINDS,
  LIQUIDATION_KINDS,
  type RowBuffer,
} from '../kernel/outputs.ts'

const side = (s: number) => (s > 0 ? 'long' : 'short')

/**
 * The buffers as result columns. `hash` (when given) is fed every buffer's bytes first, in a fixed order: the rows
 * are a deterministic function of those bytes and the run's inputs, so equal hashes mean identical outputs. The
 * caller writes the batch before the buffers are cleared (`kernel.outputs.clear()`).
 */
export function outputColumns(kernel: ReplayKernel, hash?: Hash): ResultBatch {
  const o = kernel.outputs
  if (hash) {
    for (const buffer of [o.liquidations, o.deficits, o.fund, o.adl, o.social, o.guardrails]) {
      for (const name of buffer.names) {
        const col = (buffer.cols as Record<string, Float64Array>)[name]!
        hash.update(new Uint8Array(col.buffer, col.byteOffset, buffer.length * 8))
      }
    }
  }
  const market = (m: number) => kernel.markets[m]!.symbol
  const table = <K extends string>(
    buffer: RowBuffer<K>,
    text: (c: Record<K, Float64Array>) => ResultColumns['text'],
  ): ResultColumns => ({
    length: buffer.length,
    num: buffer.cols as Record<string, Float64Array>,
    text: text(buffer.cols),
  })
  const account = (c: { account: Float64Array; serial: Float64Array }) => (i: number) =>
    kernel.accountName(c.account[i]!, c.serial[i]!)
  return {
    liquidations: table(o.liquidations, (c) => ({
      account: account(c),
      market: (i) => market(c.market[i]!),
      side: (i) => side(c.side[i]!),
      kind: (i) => LIQUIDATION_KINDS[c.kind[i]!]!,
    })),
    deficits: table(o.deficits, (c) => ({
      account: account(c),
      market: (i) => market(c.market[i]!),
      kind: (i) => DEFICIT_KINDS[c.kind[i]!]!,
    })),
    fund: table(o.fund, (c) => ({
      fund: (i) => kernel.funds.names[c.fund[i]!]!,
      market: (i) => (c.market[i]! >= 0 ? market(c.market[i]!) : null),
      reason: (i) => FUND_REASONS[c.reason[i]!]!,
    })),
    adl: table(o.adl, (c) => ({
      market: (i) => market(c.market[i]!),
      account: account(c),
      side: (i) => side(c.side[i]!),
    })),
    social: table(o.social, (c) => ({ market: (i) => market(c.market[i]!) })),
    guardrails: table(o.guardrails, (c) => ({
      market: (i) => (GUARDRAIL_KINDS[c.kind[i]!] === 'withdrawalGating' ? null : market(c.market[i]!)),
      kind: (i) => GUARDRAIL_KINDS[c.kind[i]!]!,
      action: (i) => GUARDRAIL_ACTIONS[c.action[i]!]!,
      account: (i) =>
        c.account[i]! >= 0 || c.serial[i]! >= 0 ? kernel.accountName(c.account[i]!, c.serial[i]!) : null,
    })),
  }
}
