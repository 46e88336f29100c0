// A backtest request (CLI, API): validated with every problem reported, times as UTC instants.
import { z } from 'zod'
import { populationSchema } from '../kernel/population.ts'
import { parseRequest } from '../rules/validate.ts'

const instant = z.union([z.date(), z.string()]).transform((v, ctx) => {
  const d = v instanceof Date ? v : new Date(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v)
  if (Number.isNaN(d.getTime())) {
    ctx.addIssue({
      code: 'custom',
      message: 'a UTC date or date-time such as 2025-10-10 or 2025-10-10T21:00:00Z',
      input: v,
    })
    return z.NEVER
  }
  return d
})

const name = z.string().min(1).max(100)

/**
 * A price proxy: another stored venue's prices replayed as a market's mark or oracle (src/replay/backtest/priceProxy.ts).
 * `market` names the proxy market of a single replayed market; `markets` maps replayed markets to proxy markets (only
 * those get the proxy); with neither, every replayed market takes the proxy venue's market of the same name. A market
 * whose own stream exists in the window takes the proxy only with `force`.
 */
export const priceProxySchema = z.strictObject({
  venue: name,
  market: name.nullish(),
  markets: z.record(name, name).nullish(),
  force: z.boolean().nullish(),
})
export type PriceProxyRequest = z.output<typeof priceProxySchema>

export const backtestRequestSchema = z
  .strictObject({
    /** Preset ("binance-um", "binance-um@2021-03-18"), stored rule set (id or name), or a JSON file (CLI). */
    ruleSet: z.string().min(1).max(4096),
    // names are bounded so a megabyte of text never reaches the stores or the run record
    venue: z.string().min(1).max(100),
    markets: z.array(z.string().min(1).max(100)).min(1).max(64),
    from: instant,
    to: instant,
    positions: z.enum(['synthetic', 'accounts', 'explicit']),
    /** The explicit positions document (positions = explicit). */
    explicitPositions: z.unknown().optional(),
    /** Synthetic population parameters (positions = synthetic). */
    population: populationSchema.optional(),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(1),
    /** Bar resolution to replay: 1 s or 60 s (falls back to what the store has). */
    resolutionSeconds: z.union([z.literal(1), z.literal(60)]).default(1),
    /** Margin mode of explicit / account positions (default: the rule set's). */
    mode: z.enum(['isolated', 'cross']).optional(),
    /** Length of the time slabs read from DuckDB (memory per slab); default 24 h, less with many markets. */
    slabHours: z.number().gt(0).max(168).optional(),
    /** Account replays: per-account mode, leverage and opening balance (an overrides document). */
    accountOverrides: z.unknown().optional(),
    /**
     * Account replays: leverage of positions whose leverage the data never states (no ledger update, snapshot or
     * override), instead of the rule set's default or else the bracket's maximum; recorded as source `request`.
     */
    defaultLeverage: z.number().gt(0).max(1000).optional(),
    /** Account replays: accounts left out (venue-internal accounts of the rule set are always left out). */
    excludeAccounts: z.array(z.string().min(1).max(200)).max(10_000).optional(),
    /** Account replays: leave out accounts whose cash could not be reconciled (implied opening balance, prior positions). */
    excludeUnreconciled: z.boolean().default(false),
    /**
     * Account replays in shadow mode (reconciliation runs): an engine liquidation of an account is recorded but not
     * applied, and the account keeps following its real fills.
     */
    shadow: z.boolean().default(false),
    /**
     * Stress mode [issue 16]: the simulated liquidation flow moves the replayed mark (its impact, decaying with the
     * rule set's feedbackHalfLifeS), so the rule set's own liquidations deepen the path. Off: a fidelity replay.
     */
    stressFeedback: z.boolean().default(false),
    /** Each market's log-returns from its first price in the window times this factor (1: as observed). */
    shockReturns: z.number().gt(0).max(10).default(1),
    /** The traded volume the impact model sees times this factor (1: as observed; 0.5: half the liquidity). */
    shockLiquidity: z.number().gt(0).max(10).default(1),
    /**
     * Also search for the smallest return shock and the smallest liquidity shock that produce a deficit, by shocked
     * re-runs of the window (at most 8 each, outputs not kept).
     */
    distanceToFailure: z.boolean().default(false),
    /** Another venue's prices as the mark (its mark, else its bars' close, else its oracle or index). */
    markProxy: priceProxySchema.optional(),
    /** Another venue's or an oracle source's prices (Pyth, Chainlink: the feed as market) as the oracle. */
    oracleProxy: priceProxySchema.optional(),
  })
  .superRefine((r, ctx) => {
    if (r.to.getTime() <= r.from.getTime())
      ctx.addIssue({ code: 'custom', path: ['to'], input: r.to, message: `after from (${r.from.toISOString()})` })
    if (r.to.getTime() - r.from.getTime() > 366 * 86_400_000)
      ctx.addIssue({ code: 'custom', path: ['to'], input: r.to, message: 'at most 366 days after from' })
    if (r.positions === 'explicit' && r.explicitPositions === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['explicitPositions'],
        input: undefined,
        message: 'the positions document when positions is explicit',
      })
    }
    if (new Set(r.markets).size !== r.markets.length)
      ctx.addIssue({ code: 'custom', path: ['markets'], input: r.markets, message: 'distinct markets' })
    const accountsOnly = ['accountOverrides', 'excludeAccounts', 'defaultLeverage'] as const
    for (const key of accountsOnly) {
      if (r[key] !== undefined && r.positions !== 'accounts')
        ctx.addIssue({ code: 'custom', path: [key], input: r[key], message: 'only with positions = accounts' })
    }
    for (const key of ['markProxy', 'oracleProxy'] as const) checkProxyTargets(r[key], r.markets, key, ctx)
    if ((r.shadow || r.excludeUnreconciled) && r.positions !== 'accounts')
      ctx.addIssue({
        code: 'custom',
        path: [r.shadow ? 'shadow' : 'excludeUnreconciled'],
        input: true,
        message: 'only with positions = accounts',
      })
  })

/** A proxy's market choice fits the replayed markets: one market for one, or a mapping from replayed markets. */
function checkProxyTargets(
  proxy: PriceProxyRequest | undefined,
  markets: readonly string[],
  key: string,
  ctx: z.RefinementCtx,
): void {
  if (!proxy) return
  if (proxy.market != null && proxy.markets != null)
    ctx.addIssue({
      code: 'custom',
      path: [key, 'market'],
      input: proxy.market,
      message: 'either market (one replayed market) or markets (a mapping), not both',
    })
  else if (proxy.market != null && markets.length !== 1)
    ctx.addIssue({
      code: 'custom',
      path: [key, 'market'],
      input: proxy.market,
      message: `a mapping (markets: {replayed: proxy}) when replaying ${markets.length} markets (${markets.join(', ')})`,
    })
  for (const m of Object.keys(proxy.markets ?? {}))
    if (!markets.includes(m))
      ctx.addIssue({
        code: 'custom',
        path: [key, 'markets', m],
        input: m,
        message: `a replayed market as the key (one of ${markets.join(', ')})`,
      })
  if (proxy.markets != null && Object.keys(proxy.markets).length === 0)
    ctx.addIssue({ code: 'custom', path: [key, 'markets'], input: {}, message: 'at least one replayed market' })
}

export type BacktestRequest = z.output<typeof backtestRequestSchema>
export type BacktestRequestInput = z.input<typeof backtestRequestSchema>

export function parseBacktestRequest(input: unknown): BacktestRequest {
  return parseRequest(backtestRequestSchema, input, 'invalid backtest request')
}
