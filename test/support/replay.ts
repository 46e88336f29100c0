// Builds kernels and hand-made price paths for scenario and property tests, and reads outputs back as rows.
import { ReplayKernel, type KernelConfig } from '../../src/replay/kernel/engine.ts'
import { allocBatch, EventKind, pushEvent, type EventBatch } from '../../src/replay/kernel/events.ts'
import type { RowBuffer } from '../../src/replay/kernel/outputs.ts'
import {
  openExplicitPositions,
  parseExplicitPositions,
  type ExplicitPositionsInput,
} from '../../src/replay/positions/explicit.ts'
import { deriveRuleSet, type Override } from '../../src/replay/rules/derive.ts'
import { findPreset } from '../../src/replay/rules/presets/index.ts'
import type { MarkMethod, RuleSet } from '../../src/replay/rules/schema.ts'

/** A market each preset has a tier for. */
export const PRESET_MARKET: Record<string, string> = {
  'binance-um': 'BTCUSDT',
  bybit: 'BTCUSDT',
  okx: 'BTC-USDT-SWAP',
  bitmex: 'XBTUSDT',
  'dydx-v4': 'BTC-USD',
  hyperliquid: 'BTC',
  drift: 'SOL-PERP',
  'gmx-v2': 'ETH/USD',
}

export const T0 = Date.UTC(2025, 9, 10, 0, 0, 0) * 1000
export const SEC = 1_000_000

/**
 * Overrides that fill a liquidation at its trigger price with no market impact (the engine before issue 16), for
 * scenarios whose expected values come from the trigger price; add a slippage model after them.
 */
export const AT_TRIGGER = { 'execution.impact': null, 'execution.intrabar.path': 'trigger' } as const

/** A preset with overrides applied (validated like any derived rule set). */
export function rulesFrom(preset: string, overrides: Record<string, unknown> = {}): RuleSet {
  const set: Override[] = Object.entries(overrides).map(([path, value]) => ({ path, value }))
  return deriveRuleSet(findPreset(preset).rules, set, { derivedFrom: preset }).rules
}

export function kernelWith(
  rules: RuleSet,
  markets: string[],
  positions: ExplicitPositionsInput | null,
  options: Partial<KernelConfig> & { method?: MarkMethod } = {},
): ReplayKernel {
  const kernel = new ReplayKernel({
    rules,
    markets,
    seed: options.seed ?? 1,
    markMethods: options.markMethods ?? markets.map(() => options.method ?? 'last'),
    population: options.population ?? null,
    ledgerFunding: options.ledgerFunding ?? false,
    quietRuns: options.quietRuns ?? true,
    ...(options.pathSpanS ? { pathSpanS: options.pathSpanS } : {}),
    ...(options.stress ? { stress: options.stress } : {}),
    ...(options.parkFarTriggers !== undefined ? { parkFarTriggers: options.parkFarTriggers } : {}),
    ...(options.lanes ? { lanes: options.lanes } : {}),
  })
  kernel.start(T0)
  if (positions)
    openExplicitPositions(kernel, parseExplicitPositions(positions, markets), markets, rules.margin.mode, T0)
  return kernel
}

/**
 * Four named accounts on `market` around a 100 entry: a0/a2 isolated with 300 of margin, a1/a3 cross with a 400
 * wallet; a0/a1 long, a2/a3 short, 30–33 units (the kernel fixtures' accounts beside a synthetic population).
 */
export function namedAccounts(market: string): ExplicitPositionsInput {
  return {
    accounts: [0, 1, 2, 3].map((i) => ({
      id: `a${i}`,
      mode: i % 2 ? ('cross' as const) : ('isolated' as const),
      ...(i % 2 ? { wallet: '400' } : {}),
      positions: [
        {
          market,
          side: i < 2 ? ('long' as const) : ('short' as const),
          qty: 30 + i,
          entry: 100,
          ...(i % 2 ? {} : { margin: '300' }),
        },
      ],
    })),
  }
}

/** Bars [second, low, high, close, quoteVolume?] for one market, as a batch. */
export function barsBatch(market: number, bars: Array<[number, number, number, number, number?]>): EventBatch {
  const batch = allocBatch(bars.length)
  for (const [sec, low, high, close, vol] of bars)
    pushEvent(batch, T0 + sec * SEC, EventKind.BAR, market, low, high, close, vol ?? Number.NaN)
  return batch
}

/** A flat path at `price` for `seconds` seconds starting at `from`. */
export function flat(
  from: number,
  seconds: number,
  price: number,
  volume = 1_000_000,
): Array<[number, number, number, number, number]> {
  return Array.from(
    { length: seconds },
    (_, i) => [from + i, price, price, price, volume] as [number, number, number, number, number],
  )
}

/** Rows of a buffer as objects (numbers as stored: micro-units for amounts). */
export function rows<K extends string>(buffer: RowBuffer<K>): Array<Record<K, number>> {
  return Array.from(
    { length: buffer.length },
    (_, i) => Object.fromEntries(buffer.names.map((n) => [n, buffer.cols[n][i]!])) as Record<K, number>,
  )
}

export const micros = (quote: number) => Math.round(quote * 1e6)

/**
 * 1 s bars of a seeded walk (±0.2 % a second) with a crash and a squeeze — each at a share of the span with its return
 * — and funding every 10 minutes up to ±0.5 %: a population's whole life (liquidations, deficits, ADL) in minutes.
 */
export function crashAndSqueeze(
  seconds: number,
  seed: number,
  crash: { at: number; move: number },
  squeeze: { at: number; move: number },
): EventBatch {
  const batch = allocBatch(seconds + seconds / 600 + 8)
  let x = seed >>> 0
  const rnd = () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0
    return (x >>> 8) / 2 ** 24
  }
  let price = 100
  for (let i = 0; i < seconds; i++) {
    const t = T0 + i * SEC
    const shock =
      i === Math.floor(seconds * crash.at) ? crash.move : i === Math.floor(seconds * squeeze.at) ? squeeze.move : 0
    const close = price * (1 + (rnd() - 0.5) * 0.004 + shock)
    const low = Math.min(price, close) * (1 - rnd() * 0.002)
    const high = Math.max(price, close) * (1 + rnd() * 0.002)
    pushEvent(batch, t, EventKind.BAR, 0, low, high, close, 2e5 + rnd() * 8e5)
    if (i > 0 && i % 600 === 0) pushEvent(batch, t, EventKind.FUNDING, 0, (rnd() - 0.5) * 0.01, Number.NaN, 8)
    price = close
  }
  return batch
}
