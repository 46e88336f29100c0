// The rule-set document: every block of venue-rules §1.0 as a zod schema, with the semantic checks that belong
// to each block, so one parse reports every problem at once (see validate.ts).
import { z } from 'zod'
import { RESERVED_KEYS } from '../../userInput.ts'

/** Settled amounts are quote-currency decimals with at most this many places (integer micro-units in the engine). */
export const AMOUNT_DECIMALS = 6

const AMOUNT_TEXT = /^-?\d+(\.\d{1,6})?$/

/** An exact amount: a decimal string (or a JSON number), normalised to a plain decimal string. */
export const amount = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const text = typeof value === 'number' ? (Number.isFinite(value) ? numberToPlain(value) : '') : value.trim()
  if (!AMOUNT_TEXT.test(text)) {
    ctx.addIssue({
      code: 'custom',
      message: `a decimal amount with at most ${AMOUNT_DECIMALS} decimal places, e.g. "1000000" or "12.5"`,
      input: value,
    })
    return z.NEVER
  }
  return normaliseDecimal(text)
})

const nonNegativeAmount = amount.refine((a) => !a.startsWith('-'), { message: 'a non-negative amount' })

/** Plain notation for a JS number (no exponent), as far as AMOUNT_DECIMALS allows. */
function numberToPlain(n: number): string {
  const fixed = n.toFixed(AMOUNT_DECIMALS)
  return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed
}

function normaliseDecimal(text: string): string {
  const negative = text.startsWith('-')
  const [intPart = '0', frac = ''] = (negative ? text.slice(1) : text).split('.')
  const int = intPart.replace(/^0+(?=\d)/, '')
  const f = frac.replace(/0+$/, '')
  const body = f ? `${int}.${f}` : int
  return negative && body !== '0' ? `-${body}` : body
}

/**
 * A map keyed by market name, parsed into a null-prototype object: a lookup by any market name (`toString`,
 * `constructor`) finds only what the document holds. Reserved names are refused (zod drops `__proto__` itself;
 * validateRuleSet refuses it before parsing).
 */
function byMarket<T extends z.ZodType>(value: T) {
  const name = z
    .string()
    .min(1)
    .refine((k) => !RESERVED_KEYS.includes(k), `a market name other than ${RESERVED_KEYS.join(', ')}`)
  return z.record(name, value).transform((r) => Object.assign(Object.create(null) as Record<string, z.output<T>>, r))
}

const fraction = z.number().min(0).max(1)
const positive = z.number().gt(0)
const seconds = z
  .number()
  .gt(0)
  .max(31 * 86_400)
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD')

/** How the margining / trigger price is formed from the price streams in the store [B7][B8][Y3][H4][O4]. */
export const MARK_METHODS = [
  'published', // the venue's own mark price rows (prices.kind = 'mark')
  'last', // trade price (bars)
  'oracle', // oracle rows (dYdX, GMX, Drift margin on the oracle) [D1][G1][R3]
  'index', // index rows
  'medianFundingBasis', // median(P1, P2, last), P1 = index·(1+F·t/8h), P2 = index + MA(basis) [B7][B8][Y3]
  'indexMovingAverageBasis', // index + MA(last − index) [O4]
  'oracleEmaBasis', // median(oracle + EMA(last − oracle), last, EMA(last)) [H4][H5]
] as const

const markPrice = z
  .strictObject({
    method: z.enum(MARK_METHODS),
    /** Moving-average window of the basis (medianFundingBasis, indexMovingAverageBasis). */
    basisWindowS: seconds.default(60),
    /** Sampling step of the basis moving average. */
    basisSampleS: seconds.default(1),
    /** EMA time constant of the basis (oracleEmaBasis: 150 s [H4]). */
    emaWindowS: seconds.default(150),
    /** EMA of the book component added when only two components exist (30 s [H4]). */
    bookEmaWindowS: seconds.default(30),
    /** When the inputs of `method` are absent in the store, fall back to these, in order. */
    fallback: z.array(z.enum(MARK_METHODS)).default(['published', 'last', 'oracle', 'index']),
  })
  .superRefine((m, ctx) => {
    if (m.basisSampleS > m.basisWindowS) {
      ctx.addIssue({
        code: 'custom',
        path: ['basisSampleS'],
        input: m.basisSampleS,
        message: `at most basisWindowS (${m.basisWindowS})`,
      })
    }
  })

/** One notional bracket: the rate applies to the slice above the floor ("tax bracket" [B5][B6]). */
const bracket = z.strictObject({
  notionalFloor: z.number().min(0),
  maxLeverage: z.number().gt(0).max(1000),
  mmr: z.number().gt(0).lt(1),
  /** Initial margin rate; defaults to 1 / maxLeverage. */
  imr: z.number().gt(0).max(1).optional(),
})

export const bracketList = z
  .array(bracket)
  .min(1)
  .superRefine((list, ctx) => {
    if (list[0] && list[0].notionalFloor !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: [0, 'notionalFloor'],
        input: list[0].notionalFloor,
        message: '0 (the first bracket starts at zero notional)',
      })
    }
    list.forEach((b, i) => {
      const imr = b.imr ?? 1 / b.maxLeverage
      if (b.mmr >= imr) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'mmr'],
          input: b.mmr,
          message: `less than the bracket's initial margin rate ${imr} (MMR ≥ IMR would liquidate at entry)`,
        })
      }
      const prev = list[i - 1]
      if (!prev) return
      if (b.notionalFloor <= prev.notionalFloor) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'notionalFloor'],
          input: b.notionalFloor,
          message: `greater than the previous floor ${prev.notionalFloor} (brackets must increase)`,
        })
      }
      if (b.mmr < prev.mmr) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'mmr'],
          input: b.mmr,
          message: `at least the previous bracket's MMR ${prev.mmr} (rates must not decrease with notional)`,
        })
      }
      if (b.maxLeverage > prev.maxLeverage) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'maxLeverage'],
          input: b.maxLeverage,
          message: `at most the previous bracket's ${prev.maxLeverage} (leverage must not increase with notional)`,
        })
      }
    })
  })

/** dYdX open-interest-scaled initial margin fraction [D1]. */
const oiScaling = z
  .strictObject({ lowerCapNotional: z.number().min(0), upperCapNotional: z.number().min(0) })
  .superRefine((o, ctx) => {
    if (o.upperCapNotional !== 0 && o.upperCapNotional <= o.lowerCapNotional) {
      ctx.addIssue({
        code: 'custom',
        path: ['upperCapNotional'],
        input: o.upperCapNotional,
        message: `greater than lowerCapNotional ${o.lowerCapNotional}, or 0 to disable`,
      })
    }
  })

/** Drift size premium: ratio = max(base, 0.8·base + √(10·size + 1)·imfFactor / scale) [R3]. */
const sizePremium = z.strictObject({ imfFactor: z.number().min(0), scale: positive.default(1) })

const tier = z.strictObject({
  brackets: bracketList,
  oiScaledInitial: oiScaling.nullable().default(null),
  sizePremium: sizePremium.nullable().default(null),
})
export type TierInput = z.input<typeof tier>

const margin = z.strictObject({
  mode: z.enum(['isolated', 'cross']).default('isolated'),
  /** Maintenance on the mark value (Binance, HL, dYdX) or the entry value (Bybit isolated [Y1], GMX sizeInUsd [G1]). */
  maintenanceBase: z.enum(['mark', 'entry']).default('mark'),
  default: tier,
  markets: byMarket(tier).default({}),
})

export const TRIGGER_KINDS = [
  'equityBelowMaintenance', // Binance, Bybit, BitMEX, Hyperliquid [B1][Y1][X1][H1]
  'marginRatioInclFee', // OKX: margin ratio ≤ 100% including the liquidation fee [O1]
  'netCollateralBelowMaintenance', // dYdX: TNC < TMMR [D4]
  'collateralBelowMaintenance', // Drift: total collateral < maintenance requirement [R6]
  'minCollateralFactor', // GMX v2: remaining < size·minCollateralFactor [G1]
] as const

const trigger = z.strictObject({
  kind: z.enum(TRIGGER_KINDS),
  /** Count the liquidation / closing fee in the requirement (OKX [O1], GMX close costs [G1]). */
  includeLiquidationFee: z.boolean().default(false),
  /** Liquidate at equality too (OKX "margin ratio ≤ 100%"). */
  inclusive: z.boolean().default(false),
  /** A floor on the requirement in quote (GMX MIN_COLLATERAL_USD [G1]). */
  minCollateral: nonNegativeAmount.default('0'),
})

const slippage = z.discriminatedUnion('model', [
  z.strictObject({ model: z.literal('none') }),
  z.strictObject({ model: z.literal('fixed'), fraction: z.number().min(0).max(0.5) }),
  z.strictObject({
    model: z.literal('sqrtVolume'),
    /** slip = coefficient·√(notional / quote volume traded over volumeWindowS), capped at maxFraction. */
    coefficient: z.number().min(0),
    maxFraction: z.number().min(0).max(0.5),
    volumeWindowS: seconds.default(60),
  }),
])

const partial = z
  .strictObject({
    /** Positions at or above this notional are liquidated in steps (HL: $100k [H7]); 0 = always. */
    thresholdNotional: z.number().min(0).default(0),
    /**
     * How much a step closes. fraction: `fraction` of the position (HL, dYdX). restoreMargin: just enough that
     * equity after the step's fee and slippage covers maintenance plus `marginBuffer` of notional (Drift: base =
     * shortage / (P·(mr − fees)) [R1], buffer 2% [R4]), at most `fraction` of the position.
     */
    sizing: z.enum(['fraction', 'restoreMargin']).default('fraction'),
    /** Share of the position closed per step (HL 20% [H7]; dYdX 10% [D5]); with restoreMargin, the most a step closes. */
    fraction: z.number().gt(0).max(1),
    /** restoreMargin: the share of notional above maintenance a step restores (Drift 2% [R4]). */
    marginBuffer: z.number().min(0).max(0.5).default(0),
    /** Each step closes at least this notional (dYdX $1,000 [D5]). */
    minNotional: z.number().min(0).default(0),
    /** Each step closes at most this notional (dYdX $100k per block [D5]); null = no cap. */
    maxNotional: z.number().gt(0).nullable().default(null),
    /** Wait between steps (HL 30 s [H7]; dYdX one block ≈ 1 s). */
    cooldownS: z.number().min(0).default(0),
  })
  .superRefine((p, ctx) => {
    if (p.marginBuffer > 0 && p.sizing !== 'restoreMargin') {
      ctx.addIssue({
        code: 'custom',
        path: ['marginBuffer'],
        input: p.marginBuffer,
        message: `0 unless sizing is restoreMargin (sizing is ${p.sizing})`,
      })
    }
    if (p.maxNotional !== null && p.maxNotional < p.minNotional) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxNotional'],
        input: p.maxNotional,
        message: `at least minNotional ${p.minNotional}`,
      })
    }
  })

/**
 * Where inside an update a liquidation fills [issue 16]. ohlc: the update's path is open → nearer extreme → farther
 * extreme → close (the open is the previous mark, clamped to the range), covered at constant speed over the update;
 * the fill is the worst price of that path from the crossing until `reactionS` later (at most to the close), never a
 * price the path did not reach after the trigger. trigger: at the trigger price (the engine before issue 16).
 */
export const INTRABAR_PATHS = ['ohlc', 'trigger'] as const

const intrabar = z.strictObject({
  path: z.enum(INTRABAR_PATHS).default('ohlc'),
  /** Seconds from the crossing until the liquidation order reaches the book (a mark update, a block, a keeper). */
  reactionS: z.number().min(0).max(3600).default(1),
})

/**
 * Market impact of liquidation flow (square-root law): after cumulative liquidation notional Q on one side of the
 * book, the price has moved k·σ·√(Q/V), σ and V the volatility and quote volume per second (smoothed over
 * `volumeWindowS`); a fill of q after Q pays the average over [Q, Q + q], so all flow of an interval draws on the same
 * liquidity. Q decays with `replenishHalfLifeS` (the book refills). In stress mode (feedback) the level moves the
 * replayed mark too, decaying with `feedbackHalfLifeS`.
 */
const impact = z.strictObject({
  model: z.literal('squareRoot'),
  coefficient: z.number().min(0).max(100),
  /** Cap on the average impact of one fill. */
  maxFraction: z.number().min(0).max(0.9),
  volumeWindowS: seconds.default(60),
  replenishHalfLifeS: seconds.default(60),
  feedbackHalfLifeS: seconds.default(300),
})

export const EXECUTION_KINDS = [
  'market', // close against the book at the trigger price less slippage (HL, OKX, Drift, GMX) [H1][O3][R1][G1]
  'bankruptcyTakeover', // the account is closed at its bankruptcy price and the fund takes the position [B9][X1][Y4]
  'fillablePrice', // a limit order at the fillable price; no fill when the book is worse (dYdX) [D2]
] as const

const execution = z
  .strictObject({
    kind: z.enum(EXECUTION_KINDS),
    partial: partial.nullable().default(null),
    /** The backstop (fund / vault) takes position and margin when equity < fraction·MM (HL ⅔ [H1]). */
    backstop: z
      .strictObject({ belowMaintenanceFraction: z.number().gt(0).lt(1) })
      .nullable()
      .default(null),
    /** dYdX fillable price: BA (bankruptcy adjustment) and SMMR (spread to maintenance ratio) [D2][D5]. */
    fillable: z
      .strictObject({
        bankruptcyAdjustment: z.number().min(0).max(1),
        spreadToMaintenanceMultiplier: z.number().min(0),
      })
      .nullable()
      .default(null),
    slippage: slippage.default({ model: 'none' }),
    intrabar: intrabar.default({ path: 'ohlc', reactionS: 1 }),
    impact: impact.nullable().default(null),
  })
  .superRefine((e, ctx) => {
    if (e.impact !== null && e.slippage.model !== 'none') {
      ctx.addIssue({
        code: 'custom',
        path: ['slippage'],
        input: e.slippage,
        message: '{"model": "none"} when execution.impact is set (the impact model replaces slippage)',
      })
    }
    if (e.kind === 'fillablePrice' && !e.fillable) {
      ctx.addIssue({
        code: 'custom',
        path: ['fillable'],
        input: e.fillable,
        message: 'an object {bankruptcyAdjustment, spreadToMaintenanceMultiplier} when kind is fillablePrice',
      })
    }
  })

const fees = z.strictObject({
  /** Liquidation / clearance fee as a share of the liquidated notional [B9][G4][D7]. */
  liquidationFeeRate: z.number().min(0).max(0.5),
  /** Per-market rates (Binance: 0.3% BTCUSDT, 0.5% others [B9]). */
  marketRates: byMarket(z.number().min(0).max(0.5)).default({}),
  /** remainingEquity: the fee never exceeds what the account has left (dYdX min(delta, ·) [D2], Drift [R10]). */
  cap: z.enum(['none', 'remainingEquity']).default('remainingEquity'),
  /** Share of the fee that goes to the insurance fund; the rest goes to `otherRecipient`. */
  insuranceShare: fraction.default(1),
  otherRecipient: z.enum(['liquidator', 'feePool', 'venue']).default('liquidator'),
  /** Taker fee, charged on synthetic and replayed closes. */
  takerFeeRate: z.number().min(0).max(0.1).default(0),
})

const insuranceFund = z
  .strictObject({
    /** Name shown in outputs: "insurance fund", "liquidator vault", "GM pool"… */
    label: z.string().min(1).default('insurance fund'),
    initialBalance: nonNegativeAmount,
    /** pooled: one fund; perMarket: one fund per market. `separateMarkets` get their own fund either way [B12]. */
    scope: z.enum(['pooled', 'perMarket']).default('pooled'),
    separateMarkets: z.array(z.string().min(1)).default([]),
    /** Initial balances of separate / per-market funds; others start at initialBalance. */
    marketInitialBalances: byMarket(nonNegativeAmount).default({}),
    /** The fund takes over at most this multiple of its balance in notional; the excess is deleveraged [B11]. */
    takeoverNotionalCap: z.number().gt(0).nullable().default(null),
    /** At most this much per claim (one liquidation). */
    perClaimCap: nonNegativeAmount.nullable().default(null),
    /** At most this much over the run per market (Drift quote_max_insurance by contract tier [R2][R4]). */
    cumulativeClaimCap: nonNegativeAmount.nullable().default(null),
    marketCumulativeClaimCaps: byMarket(nonNegativeAmount).default({}),
    /** The fund never pays below this balance (Drift keeps 1 quantum: IF_balance − 1 [R2]). */
    minReserve: nonNegativeAmount.default('0'),
    /**
     * The fund loses at most `amount` per block of `blockS` seconds, all claims together (dYdX
     * max_quantums_insurance_lost: $1M per block [D5]); what it may not pay passes to the next waterfall step.
     */
    blockLossCap: z
      .strictObject({ amount: nonNegativeAmount, blockS: seconds.default(1) })
      .nullable()
      .default(null),
  })
  .superRefine((f, ctx) => {
    const dup = f.separateMarkets.find((m, i) => f.separateMarkets.indexOf(m) !== i)
    if (dup)
      ctx.addIssue({
        code: 'custom',
        path: ['separateMarkets'],
        input: f.separateMarkets,
        message: `distinct market names (${dup} is repeated)`,
      })
  })

export const ADL_RANKINGS = [
  'pnlPercentTimesLeverage', // PnL% × effective leverage (BitMEX [X3], Binance [B13], Bybit [Y4])
  'markOverEntryTimesNotionalOverEquity', // (mark/entry)·(notional/account value) (Hyperliquid [H2])
  'randomStart', // pseudo-random start, iterate in order (dYdX v4 code [D3][D6])
  'leverage', // most leveraged first (older dYdX docs [D12])
  'unrealizedPnl', // most profitable first (GMX keepers [G2])
] as const

export const ADL_FILL_PRICES = ['bankruptcy', 'mark', 'previousMark', 'oracle'] as const

const adlTrigger = z.discriminatedUnion('kind', [
  /** Whatever the previous steps left uncovered. */
  z.strictObject({ kind: z.literal('whenReached') }),
  /** Only when the account's equity at the trigger mark is negative (HL [H2]; dYdX TNC < 0 [D3]). */
  z.strictObject({ kind: z.literal('negativeEquity') }),
  /** Only while the fund is down ≥ fraction from its peak within the window (OKX 30%/8 h [O2]; Bybit 100%/8 h [Y5]). */
  z.strictObject({ kind: z.literal('fundDrawdown'), fraction: z.number().gt(0).max(1), windowS: seconds }),
])

const waterfallStep = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('insuranceFund') }),
  z.strictObject({ kind: z.literal('feePool') }),
  z.strictObject({
    kind: z.literal('adl'),
    trigger: adlTrigger.default({ kind: 'whenReached' }),
    ranking: z.enum(ADL_RANKINGS),
    fillPrice: z.enum(ADL_FILL_PRICES),
    /** Counterparties looked at per deleveraging (dYdX MaxDeleveragingSubaccountsToIterate = 500 [D6]). */
    maxCounterparties: z.number().int().positive().default(1_000_000),
  }),
  /** Socialized through cumulative funding: Δ = loss / (|base_long| + |base_short|) [R2]. */
  z.strictObject({ kind: z.literal('socializeLoss') }),
])

const waterfall = z
  .array(waterfallStep)
  .min(1)
  .superRefine((steps, ctx) => {
    const seen = new Set<string>()
    steps.forEach((s, i) => {
      if (seen.has(s.kind))
        ctx.addIssue({
          code: 'custom',
          path: [i, 'kind'],
          input: s.kind,
          message: `each step at most once (${s.kind} repeats)`,
        })
      seen.add(s.kind)
      if (s.kind === 'socializeLoss' && i !== steps.length - 1) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'kind'],
          input: s.kind,
          message: 'socializeLoss only as the last step (it covers everything left)',
        })
      }
    })
  })

/** GMX v2: deleverage profitable positions of a side when its PnL / pool exceeds a factor [G2]. */
const profitAdl = z.strictObject({
  maxPnlToPoolFactor: positive,
  /** Reduce until the factor is back under this (GMX MIN_PNL_FACTOR_AFTER_ADL). */
  targetPnlToPoolFactor: positive,
  ranking: z.enum(ADL_RANKINGS).default('unrealizedPnl'),
})

const guardrails = z.strictObject({
  /** Liquidations pause while |mark − oracle EMA| / EMA > maxDeviation (Drift 10% vs 5-min TWAP [R7]). */
  priceBand: z
    .strictObject({ maxDeviation: z.number().gt(0).max(10), referenceWindowS: seconds })
    .nullable()
    .default(null),
  /** New exposure refused above this open interest per market, in quote (GMX AVAX caps [G9]; HL OI caps [H17]). */
  oiCap: z
    .strictObject({ maxNotional: positive, markets: byMarket(positive).default({}) })
    .nullable()
    .default(null),
  /** Halt liquidations for haltS after a move larger than maxMove within windowS. */
  circuitBreaker: z
    .strictObject({ maxMove: z.number().gt(0).max(10), windowS: seconds, haltS: seconds })
    .nullable()
    .default(null),
  /** Withdrawals refused while any account is in deficit (dYdX [D3]) or if margin would fall below IM / a share of notional (HL [H8]). */
  withdrawalGating: z
    .strictObject({
      whileDeficit: z.boolean().default(true),
      requireInitialMargin: z.boolean().default(false),
      minNotionalFraction: z.number().min(0).max(1).default(0),
    })
    .nullable()
    .default(null),
  /** Mark capped at a multiple of its EMA (Hyperliquid hyperps: 10 × 8 h EMA [H22]). */
  markCap: z
    .strictObject({ maxMultipleOfEma: z.number().gt(1), emaWindowS: seconds })
    .nullable()
    .default(null),
})

const funding = z.strictObject({
  intervalH: z.number().gt(0).max(24),
  /** observed: the venue's rates from the store; premium: computed from premium-index rows [B8][H10]. */
  source: z.enum(['observed', 'premium']).default('observed'),
  /** Interest component per 8 h (0.01% [B8][H10]). */
  interestRate8h: z.number().min(-0.1).max(0.1).default(0.0001),
  /** clamp(I − P̄, −c, +c) per 8 h (0.05% [B8][H10]). */
  premiumClamp8h: z.number().min(0).max(1).default(0.0005),
  /** |rate| per hour cap (HL 4%/h [H10]). */
  capPerHour: z.number().gt(0).nullable().default(null),
  /** dYdX: |rate| ≤ factor × (IMF − MMF) [D1][D5] (6.0 = 600%). */
  marginClampFactor: z.number().gt(0).nullable().default(null),
  /** Payment = size × price × rate, priced on the mark (Binance) or the oracle (HL [H10]). */
  paymentPrice: z.enum(['mark', 'oracle']).default('mark'),
})

const effective = z.strictObject({
  from: date,
  /**
   * announced (dated venue announcement), codeSnapshot, incident (in force at a dated incident), attested (undated
   * page), recorded (a venue response recorded on a known date, e.g. Hyperliquid's meta of 2023-07-17).
   */
  basis: z.enum(['announced', 'codeSnapshot', 'incident', 'attested', 'recorded', 'user']),
  note: z.string().default(''),
})

/** A venue-internal account: it trades as the counterparty of liquidations and is never liquidated as a user. */
const systemAccount = z.strictObject({
  id: z.string().min(1).max(200),
  label: z.string().min(1).max(100),
  /** Where the id comes from (a venue-rules key or a named public source). */
  source: z.string().max(300).default(''),
})

/**
 * Account replays (optional, so rule sets without it keep their hash): the venue's system accounts, the fee schedule
 * charged on fills that carry no fee, and the leverage account positions take when the data says none.
 */
const accountRules = z.strictObject({
  systemAccounts: z.array(systemAccount).default([]),
  fillFees: z
    .strictObject({ maker: z.number().min(-0.01).max(0.1), taker: z.number().min(0).max(0.1) })
    .nullable()
    .default(null),
  /** Leverage of account positions without a venue record, a snapshot or an override; null: the bracket's maximum. */
  defaultLeverage: z.number().gt(0).max(1000).nullable().default(null),
})

const contractType = z.enum(['linear', 'inverse'])
/** Quote value of one inverse contract (1 USD for BitMEX XBTUSD, Bybit BTCUSD). */
const contractValue = z.number().gt(0).max(1e9)

/**
 * Linear (quote-margined) or inverse (coin-margined: value in quote per contract, collateral and PnL in the base
 * coin). The optional fields carry no default, so rule sets that omit them keep their hash. For an inverse market
 * every amount of the rule set (fund balances, caps, partial-liquidation thresholds) is in its settlement coin.
 */
const contract = z
  .strictObject({
    type: contractType.default('linear'),
    contractValue: contractValue.optional(),
    /** Name of the settlement coin of inverse markets (e.g. "XBT"), for summaries. */
    settlementAsset: z
      .string()
      .regex(/^[A-Z0-9]{1,12}$/, 'an upper-case asset code such as "XBT"')
      .optional(),
    /** Per-market contract type and value, overriding `type` and `contractValue`. */
    markets: byMarket(z.strictObject({ type: contractType, contractValue: contractValue.optional() })).optional(),
  })
  .default({ type: 'linear' })

export const ruleSetSchema = z.strictObject({
  schemaVersion: z.literal(1).default(1),
  name: z
    .string()
    .max(100)
    .regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, ".", "_" or "-"'),
  venue: z.string().min(1),
  description: z.string().default(''),
  effective,
  /** venue-rules keys the numbers come from, e.g. ["B2", "B4"]. */
  sources: z.array(z.string().regex(/^[A-Z]{1,2}\d+$/, 'a venue-rules source key such as "B4"')).default([]),
  /** Where a value is an assumption rather than a published number, say so here. */
  notes: z.array(z.string()).default([]),
  contract,
  price: z.strictObject({ mark: markPrice }),
  margin,
  trigger,
  execution,
  fees,
  insuranceFund,
  feePool: z.strictObject({ initialBalance: nonNegativeAmount.default('0') }).default({ initialBalance: '0' }),
  waterfall,
  profitAdl: profitAdl.nullable().default(null),
  guardrails: guardrails.default({
    priceBand: null,
    oiCap: null,
    circuitBreaker: null,
    withdrawalGating: null,
    markCap: null,
  }),
  funding,
  accounts: accountRules.optional(),
})

/** A validated rule set with every default filled in. */
export type RuleSet = z.output<typeof ruleSetSchema>
/** What a user may write (defaults optional). */
export type RuleSetInput = z.input<typeof ruleSetSchema>
export type Bracket = z.output<typeof bracket>
export type Tier = RuleSet['margin']['default']
export type WaterfallStep = RuleSet['waterfall'][number]
export type AdlStep = Extract<WaterfallStep, { kind: 'adl' }>
export type AdlRanking = (typeof ADL_RANKINGS)[number]
export type MarkMethod = (typeof MARK_METHODS)[number]
export type ImpactRules = NonNullable<RuleSet['execution']['impact']>
