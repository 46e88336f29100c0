// Inverse (coin-margined) contracts in the kernel: held as linear contracts in the reciprocal price x = 1/P.
//
// An inverse position of Q = contracts × contract value (quote) has PnL s·Q·(1/E − 1/P) in coin, value Q/P, and
// pays funding Q/P × rate. Written in x = 1/P that is −s·Q·(x − x_E): a linear position of size Q on the opposite
// side, in a market whose price is x and whose "quote" is the coin. Requirement (mmr × Q·x, or × Q·x_E when
// entry-based), liquidation fee (rate × Q·x), liquidation and bankruptcy prices (roots of the same linear
// inequality in x), ADL scores, socialised loss and every settled amount are then the linear kernel's own
// arithmetic, rounded once to micro-units of the coin. So the kernel runs unchanged on reciprocal prices: events
// are mapped on the way in (a copy; the caller's batch is never written) and rows back to venue prices on the way out.
import { GUARDRAIL_ACTIONS, GUARDRAIL_KINDS } from '../../domain/resultCategories.ts'
import { EventKind, type EventBatch } from './events.ts'
import type { NearMiss } from './kernelState.ts'
import type { EngineOutputs } from './outputs.ts'
import type { EntryHistory, PopulationRuntime } from './population.ts'

/**
 * Copies events [start, end) of `src` into `dst` from 0 (or maps them in place when `dst` is `src` and start is 0)
 * with prices in 1/P: a range [low, high] becomes [1/high, 1/low], a close 1/close; a bar's quote volume becomes
 * coin volume (volume / close); a fill's price 1/price and its signed size −size × contract value (a buy of
 * inverse contracts is a sale of the linear contract in x). Funding rows keep their venue rate: the kernel negates
 * the rate it settles (kernel/funding.ts). Ledger rows are already coin amounts; open interest is used as a ratio.
 */
export function reciprocalEvents(
  src: EventBatch,
  start: number,
  end: number,
  dst: EventBatch,
  contractValue: Float64Array,
): void {
  const n = end - start
  if (dst !== src || start !== 0) {
    dst.length = n
    dst.ts.set(src.ts.subarray(start, end))
    dst.kind.set(src.kind.subarray(start, end))
    dst.market.set(src.market.subarray(start, end))
    dst.account.set(src.account.subarray(start, end))
    dst.a.set(src.a.subarray(start, end))
    dst.b.set(src.b.subarray(start, end))
    dst.c.set(src.c.subarray(start, end))
    dst.d.set(src.d.subarray(start, end))
  }
  const { kind, a, b, c, d } = dst
  for (let i = 0; i < n; i++) {
    const k = kind[i]!
    if (k <= EventKind.BAR) {
      const low = a[i]!
      a[i] = 1 / b[i]!
      b[i] = 1 / low
      if (k === EventKind.BAR && c[i]! > 0) d[i] = d[i]! / c[i]!
      c[i] = 1 / c[i]!
    } else if (k === EventKind.FILL) {
      a[i] = 1 / a[i]!
      b[i] = -b[i]! * contractValue[dst.market[i]!]!
    }
  }
}

/** The population in x: a long share of inverse longs is a short share in x, entry prices are reciprocal. */
export function reciprocalPopulation(pop: PopulationRuntime): PopulationRuntime {
  const flip = (h: EntryHistory | null): EntryHistory | null =>
    h === null
      ? null
      : {
          ts: h.ts,
          low: h.high.map((p) => 1 / p),
          high: h.low.map((p) => 1 / p),
          close: h.close.map((p) => 1 / p),
        }
  return {
    ...pop,
    longShare: 1 - pop.longShare,
    entryHistory: pop.entryHistory.map(flip),
    // valued in coin at each market's first mark (ReplayKernel.firstMark): a copy, the runtime may feed other kernels
    meanVolumePerS: Float64Array.from(pop.meanVolumePerS),
  }
}

const MARK_CAP = GUARDRAIL_KINDS.indexOf('markCap')
const CIRCUIT_BREAKER = GUARDRAIL_KINDS.indexOf('circuitBreaker')
const FILL_REJECTED = GUARDRAIL_KINDS.indexOf('fillRejected')
const RESUME = GUARDRAIL_ACTIONS.indexOf('resumeLiquidations')

/**
 * Rows [from, length) of every output buffer back in venue terms: sides flipped, prices 1/x (NaN stays NaN).
 * Quantities stay Q (contracts × contract value, quote) and amounts coin micro-units, as the kernel wrote them.
 * Guardrail rows whose value and threshold are prices (mark cap, breaker resume at a mark, rejected fill) are
 * mapped too; ratios (price band, breaker move) are left as the kernel measured them, in x.
 */
export function presentInverseRows(o: EngineOutputs, from: { liquidations: number; adl: number; guardrails: number }) {
  const inv = (col: Float64Array, i: number) => {
    col[i] = 1 / col[i]!
  }
  const l = o.liquidations.cols
  for (let i = from.liquidations; i < o.liquidations.length; i++) {
    l.side[i] = -l.side[i]!
    inv(l.triggerMark, i)
    inv(l.liquidationPrice, i)
    inv(l.bankruptcyPrice, i)
    inv(l.fillPrice, i)
    inv(l.marketPrice, i)
  }
  const a = o.adl.cols
  for (let i = from.adl; i < o.adl.length; i++) {
    a.side[i] = -a.side[i]!
    inv(a.fillPrice, i)
    inv(a.mark, i)
  }
  const g = o.guardrails.cols
  for (let i = from.guardrails; i < o.guardrails.length; i++) {
    const k = g.kind[i]!
    const prices = k === MARK_CAP || k === FILL_REJECTED || (k === CIRCUIT_BREAKER && g.action[i] === RESUME)
    if (!prices) continue
    inv(g.value, i)
    inv(g.threshold, i)
  }
}

/** A near miss in venue terms: side flipped, prices 1/x, margin side·(market − bankruptcy)/bankruptcy again. */
export function venueNearMiss(n: NearMiss): NearMiss {
  const side = -n.side
  const marketPrice = 1 / n.marketPrice
  const bankruptcy = 1 / n.bankruptcy
  return {
    ...n,
    side,
    triggerPrice: 1 / n.triggerPrice,
    pathPrice: 1 / n.pathPrice,
    marketPrice,
    bankruptcy,
    margin: (side * (marketPrice - bankruptcy)) / bankruptcy,
  }
}
