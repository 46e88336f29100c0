// A funding squeeze: the venue averages its premium over the last 15 minutes before each hourly settlement. One
// account holds a large short; a linked account buys aggressively inside each sampling window, lifting the perp over
// its index, and sells back right after the settlement; funding prints far above other venues' for the same asset.
import { ledgerRow } from './attack.ts'
import { DAY, HOUR, type ScenarioDefinition } from './definition.ts'
import { settlements, writeFunding } from './funding.ts'
import { addOverlay, derivePath, generatePath, midAtMs, ramp } from './pricePath.ts'
import { grid, writeMinuteBars } from './prices.ts'
import { ordinaryPopulation, ouPerSecond, publishFeeds, writePerp } from './recipes.ts'
import { hourlySettlement } from './seasonality.ts'
import { Tape, type MarketSpec } from './tape.ts'

const PERP = 'FUNDING-SQZ-PERP'
const OTHER_VENUES = [
  { source: 'ref-perp-a', intervalH: 8 as const },
  { source: 'ref-perp-b', intervalH: 1 as const },
]
/** Tuesday 14 January 2025, 00:00 UTC; three days of data. */
const ANCHOR = Date.UTC(2025, 0, 14)
/** The venue samples the premium over the last 15 minutes of each hour. */
const SAMPLE_MINUTES = 15

export const fundingSqueeze: ScenarioDefinition = {
  name: 'funding-squeeze',
  description:
    'Taker buying concentrated in the 15-minute premium sampling window before each hourly settlement lifts ' +
    'funding far above other venues’ while a linked account collects it on a large short',
  incident:
    'Funding manipulation as venue-rules §3.7 describes it: premium or taker flow concentrated in the sampling window ' +
    'before settlement, funding dispersion across venues for the same asset; funding per Binance / Hyperliquid ' +
    '(premium + clamp(interest − premium, ±0.05 %), [B8][H10]). Scaled: a $2–5M short, 12–30 squeezed settlements',
  patterns: ['funding-manipulation'],
  markets: [PERP, ...OTHER_VENUES.map((v) => `${PERP}@${v.source}`)],
  generate(ctx) {
    const days = 3
    const seconds = days * 86_400
    const fromMs = ANCHOR
    const toMs = fromMs + days * DAY
    const r = ctx.rng('attack')
    const startPrice = r.uniform(1.5, 4)
    const shortNotional = r.uniform(2e6, 5e6)
    const firstHour = Math.floor(r.uniform(30, 40))
    const squeezes = r.intBetween(12, 30)
    const lift = r.uniform(0.004, 0.012)

    const latent = generatePath(ctx.rng('path'), fromMs, seconds, {
      startPrice,
      dailyVol: 0.05,
      seasonality: hourlySettlement(0.1),
    })
    const premium = ouPerSecond(ctx.rng('premium'), seconds, { meanBps: 1, sdBps: 4, halfLifeS: 1200 })
    // The squeeze windows: from 15 min before a settlement to a few minutes after it.
    const windows = Array.from({ length: squeezes }, (_, k) => {
      const settle = (firstHour + k) * 3600
      return { start: settle - SAMPLE_MINUTES * 60 - r.uniform(0, 60), settle, end: settle + r.uniform(60, 300) }
    })
    const lifts = windows.map(() => lift * r.uniform(0.7, 1.3))
    const squeezeAt = (s: number) => {
      for (let k = 0; k < windows.length; k++) {
        const w = windows[k]!
        if (s >= w.start - 60 && s < w.end + 60)
          return lifts[k]! * ramp(s, w.start, w.start + 180) * (1 - ramp(s, w.settle, w.end))
      }
      return 0
    }
    const perpPath = derivePath(latent, (s) => premium[s]!)
    addOverlay(perpPath, (s) => Math.log(1 + squeezeAt(s)))

    const spec: MarketSpec = {
      market: PERP,
      tick: 0.0001,
      lot: 0.1,
      ordersPerDay: 12_000,
      halfSpreadBps: 4,
      levelDepthQuote: 20_000,
      sizes: { medianQuote: 1_200, sigma: 1.3 },
      seasonality: hourlySettlement(0.1),
    }
    const pop = ordinaryPopulation(ctx, PERP, {
      traders: 250,
      makers: 4,
      traderScale: 15_000 / startPrice,
      makerScale: 200_000 / startPrice,
      openInterest: 6_000_000 / startPrice,
      lot: spec.lot,
    })
    const [holder, pusher] = ctx.accounts.addresses(ctx.rng('attackers'), 2) as [number, number]
    const tape = new Tape(spec, perpPath, ctx.rng('tape'))
    tape.background()
    // The short is built over an hour, well before the first squeeze.
    const build = (firstHour - r.uniform(3, 8)) * 3600
    let shortQty = 0
    for (let k = 0; k < 20; k++) {
      shortQty += tape.order({
        ms: fromMs + (build + k * r.uniform(60, 240)) * 1000,
        side: 'sell',
        notional: shortNotional / 20,
        taker: holder,
      }).qty
    }
    // Inside each window: the linked account buys every few seconds; after the settlement it sells back.
    let pushed = 0
    windows.forEach((w) => {
      let qty = 0
      for (let s = w.start; s < w.settle - 5; s += r.uniform(4, 20)) {
        const f = tape.order({ ms: fromMs + s * 1000, side: 'buy', notional: r.logNormal(8_000, 0.4), taker: pusher })
        qty += f.qty
        pushed += f.notional
      }
      const slices = 8
      for (let k = 0; k < slices; k++) {
        const s = w.settle + 5 + ((w.end - w.settle) * k) / slices
        tape.order({ ms: fromMs + s * 1000, side: 'sell', qty: Math.round((qty / slices) * 10) / 10, taker: pusher })
      }
    })
    writePerp(ctx, tape, {
      idBase: 3_300_000_000,
      pop,
      window: { fromMs, toMs },
      mid: (ms) => midAtMs(perpPath, ms),
      funding: { price: startPrice, wallets: 4 },
    })
    const lr = ctx.rng('attack/ledger')
    const own = lr.address()
    ledgerRow(ctx, lr, PERP, {
      ms: fromMs + (build - lr.uniform(1800, 7200)) * 1000,
      account: holder,
      delta: shortNotional * lr.uniform(0.25, 0.4),
      kind: 'deposit',
      counterparty: own,
    })
    ledgerRow(ctx, lr, PERP, {
      ms: fromMs + (build - lr.uniform(600, 1800)) * 1000,
      account: pusher,
      delta: 1.5e6 * lr.uniform(0.8, 1.2),
      kind: 'deposit',
      counterparty: own,
    })

    // The venue's feeds and funding (premium sampled over the last 15 minutes of each hour).
    const feeds = publishFeeds(ctx, {
      market: PERP,
      path: perpPath,
      spec,
      premium,
      referenceLogPrice: (s) => latent.logMid[s]!,
      references: [
        { source: 'ref-cex-a', basisBps: 2 },
        { source: 'ref-cex-b', basisBps: 3, lagS: 1 },
        { source: 'ref-cex-c', basisBps: 3 },
      ],
      oracleSource: 'synthetic-oracle',
    })
    const venueFunding = settlements(fromMs, toMs - 1, feeds.premium!, { intervalH: 1, sampleMinutes: SAMPLE_MINUTES })
    writeFunding(ctx.tables.of('funding', PERP), venueFunding, 1, (ms) => midAtMs(perpPath, ms), 4)
    // Other venues' perps on the same asset: their own premium (no squeeze) and funding, under `PERP@venue`.
    for (const venue of OTHER_VENUES) {
      const market = `${PERP}@${venue.source}`
      const theirs = ouPerSecond(ctx.rng(`${venue.source}/premium`), seconds, { meanBps: 1, sdBps: 4, halfLifeS: 1200 })
      const series = { s: grid(0, seconds, 1), value: theirs }
      writeMinuteBars(ctx.tables.of('prices', market), fromMs, series, {
        kind: 'premium',
        source: venue.source,
        decimals: 8,
      })
      const list = settlements(fromMs, toMs - 1, series, { intervalH: venue.intervalH })
      writeFunding(ctx.tables.of('funding', market), list, venue.intervalH, (ms) => midAtMs(latent, ms), 4)
    }
    const squeezed = venueFunding.filter((f) => windows.some((w) => Math.abs(w.settle * 1000 + fromMs - f.ms) < 1000))
    return {
      from: new Date(fromMs - 36 * HOUR),
      to: new Date(toMs),
      markets: [PERP, ...OTHER_VENUES.map((v) => `${PERP}@${v.source}`)],
      accounts: [ctx.accounts.name(holder), ctx.accounts.name(pusher)],
      attackFrom: new Date(fromMs + build * 1000),
      attackTo: new Date(fromMs + windows[windows.length - 1]!.end * 1000 + HOUR),
      details: {
        sampleMinutes: SAMPLE_MINUTES,
        squeezedSettlements: squeezes,
        firstSqueezedSettlement: new Date(fromMs + windows[0]!.settle * 1000).toISOString(),
        premiumLift: Number(lift.toFixed(4)),
        shortQty: Number(shortQty.toFixed(1)),
        pushedQuote: Math.round(pushed),
        meanSqueezedRate: Number((squeezed.reduce((a, f) => a + f.rate, 0) / Math.max(1, squeezed.length)).toFixed(6)),
      },
    }
  },
}
