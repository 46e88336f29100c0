// Which sweep kernels can run as accounting lanes of one kernel (kernel/accountingLanes.ts): those whose specs are
// equal but for what a liquidation pays and where it goes — the fee rates and the fee's split, the insurance fund's and
// fee pool's opening balances. A lane that would diverge at run time is replayed again by a kernel of its own.
import crypto from 'node:crypto'
import type { KernelSpec } from '../host/session.ts'
import { liquidationFeeRate } from '../margin/positionRisk.ts'
import { canonicalJson } from '../rules/canonical.ts'
import { contractOf } from '../rules/contract.ts'

/**
 * The key kernels that may share one kernel as lanes have in common, or null when this one cannot be a lane or host
 * any: an account replay (fees go to wallets the replay reads), an inverse run (its rows are rewritten in place
 * before they are read), a fund with a per-block loss cap (a cap that binds writes a guardrail row, which is the
 * kernel's), profit ADL (it deleverages when traders' PnL outgrows the pool, read at every mark). A takeover cap that binds in the kernel or a lane ends the lanes at run time (kernel/accountingLanes.ts).
 * Where the trigger counts the fee, or a partial clip is sized to restore margin (both read the fee rate), the rates
 * stay in the key.
 */
export function laneKey(spec: KernelSpec, accountReplay: boolean, feed: string): string | null {
  const rules = spec.config.rules
  const markets = spec.config.markets
  const fund = rules.insuranceFund
  if (accountReplay || fund.blockLossCap || rules.profitAdl) return null
  if (markets.some((m) => contractOf(rules, m).type === 'inverse')) return null
  const feeRatesDecide = rules.trigger.includeLiquidationFee || rules.execution.partial?.sizing === 'restoreMargin'
  const accountingBlank = {
    ...rules,
    name: '',
    description: '',
    effective: null,
    notes: [],
    sources: [],
    fees: {
      ...rules.fees,
      liquidationFeeRate: 0,
      marketRates: {},
      cap: 'none',
      insuranceShare: 0,
      otherRecipient: 'venue',
    },
    insuranceFund: { ...fund, initialBalance: '0', marketInitialBalances: {} },
    feePool: { initialBalance: '0' },
  }
  return canonicalJson(
    plain({
      ...spec,
      feed,
      config: { ...spec.config, rules: accountingBlank },
      feeRates: feeRatesDecide ? markets.map((m) => liquidationFeeRate(rules, m)) : null,
    }),
  )
}

/** The spec as plain JSON: a typed array by the digest of its bytes, a non-finite number as text. */
function plain(value: unknown): unknown {
  if (ArrayBuffer.isView(value)) {
    const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
    return { bytes: crypto.createHash('sha256').update(bytes).digest('hex') }
  }
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value)
  if (Array.isArray(value)) return value.map(plain)
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]))
  return value
}
