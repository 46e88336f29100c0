// Liquidation cascade (venue-rules §3.5, §2.1 BitMEX 2020 / 10 Oct 2025): liquidated notional per minute against
// its trailing baseline, bursts of minutes far above it (judged against the baseline before them, with a Poisson
// test of their count at its rate), and an exponential-kernel Hawkes branching ratio fitted by maximum likelihood
// over each burst (n → 1: self-exciting). A warning also needs evidence of feedback — forced selling feeding the move:
// after the burst's first (shock) bucket the liquidated side keeps being liquidated at prices beyond the shock's, its
// liquidation prices trend against it, and that continued move is unusual for the market; one shock and a recovery,
// or a drift ordinary volatility explains, is a burst, not a cascade. The liquidations are a run's replayed ones when
// a run is given, else the venue's observed ones; a market without liquidation rows (kline archives) is scanned for
// cascades in its price path instead: clustered same-direction jumps and a large move over a short horizon, with the
// Hawkes fit on the jump times. The price path stands in only for venues that publish no liquidations at all; its
// scale is that of the series' updates (non-zero returns) times √(updates expected), so a push oracle's unchanged
// minutes do not shrink it to its floor.
import { z } from 'zod'
import {
  readLiquidationBuckets,
  readLiquidationEvents,
  venueHasLiquidations,
  type LiquidationEvent,
  type LiquidationSource,
} from '../store/detect/liquidations.ts'
import { readOpenInterest, type OiBuckets } from '../store/detect/openInterest.ts'
import { listPriceSeries, readBucketSeries, readReturnSeries } from '../store/detect/priceSeries.ts'
import { choosePriceSeries, HOUR_US, iso, round, SECOND_US } from './common.ts'
import { defineDetector, gap, type DetectionDraft, type DetectStores, type DetectTarget } from './detector.ts'
import { mergeEpisodes } from './episodes.ts'
import { severityOf, type Level } from './severity.ts'
import { fitHawkesInSlices, type HawkesFit } from './stats/hawkes.ts'
import { poissonUpperTail } from './stats/poisson.ts'
import { MAD_TO_SIGMA, updateScale, zFrom } from './stats/robust.ts'
import { spearmanTrend } from './stats/trend.ts'

export const liquidationCascadeParams = z.strictObject({
  /** Bucket of the liquidation series (venue-rules: notional per minute). */
  bucketSeconds: z.number().int().min(1).max(3600).default(60),
  /** Trailing baseline window (BitMEX 2020 signal: a 30-day high; shorter windows work on shorter data). */
  baselineHours: z
    .number()
    .gt(0)
    .max(24 * 30)
    .default(24),
  /** Buckets of baseline needed before anything is compared with it (counted from the source's first liquidation). */
  minBaselineBuckets: z.number().int().min(5).default(360),
  /** Robust z of a bucket's notional against its baseline (scale floored at the baseline's mean per bucket). */
  zThreshold: z.number().gt(0).default(10),
  /** A burst (flagged buckets and the gaps between them) holds at least this many liquidations, else nothing. */
  minEvents: z.number().int().min(1).default(3),
  /** … and at least this many for a warning (a few large liquidations are not a cascade). */
  minBurstEvents: z.number().int().min(1).default(20),
  /**
   * Its count must be unlikely at the rate before it: P(N ≥ count) under Poisson(rate × its length), rate = (baseline
   * liquidations + 1) / baseline length — a quiet market's cascade is judged against its few liquidations, not
   * dismissed for having few (the + 1 keeps an empty baseline from making every burst infinitely unlikely).
   */
  maxRateP: z.number().gt(0).lt(1).default(1e-6),
  /**
   * Observed liquidations: a burst under this share of the market's open interest before it (when the store has
   * some) is info — a squeeze that moves a hundred-thousandth of a market's positions has every mark of a cascade but
   * its size (cascade-crash 2401 / 2502: 0.008 % the day before crashes that liquidated 2–17 %; dYdX YFI: $38M against
   * $67M of open interest, venue-rules §2). Replayed ones are judged without it: a run's population need not be the
   * market's size.
   */
  minOpenInterestShare: z.number().min(0).max(1).default(0.001),
  /** A cascade is one-sided (forced selling feeding itself): the dominant side's share of the burst's notional. */
  minSideShare: z.number().gt(0.5).max(1).default(0.75),
  /** Peak bucket above the largest bucket of the baseline before the burst, and this multiple of its mean, for a warning. */
  warningMultiple: z.number().gt(1).default(20),
  /**
   * A warning burst with at least `minHawkesEvents` liquidations is critical when it reaches this multiple of the
   * baseline mean (10 Oct 2025: $3.21B in 60 s) or its branching ratio reaches `criticalBranching` (self-exciting).
   */
  criticalMultiple: z.number().gt(1).default(100),
  criticalBranching: z.number().gt(0).lt(1).default(0.8),
  minHawkesEvents: z.number().int().min(3).default(30),
  /**
   * Feedback, needed for a warning: after the shock (the burst's first bucket with a liquidation of its dominant side)
   * at least this many of that side's liquidations happen at prices beyond the shock's extreme (the move went on) …
   */
  minFeedbackLiquidations: z.number().int().min(1).default(3),
  /** … and that side's liquidation prices trend against it over the burst: one-sided Spearman p at most this … */
  feedbackP: z.number().gt(0).lt(1).default(0.01),
  /**
   * … and the move beyond the shock is unusual for the market: at least this many of its robust σ (of 1-bucket
   * returns over the baseline before the burst, on the updates' clock, scaled to the move's duration). Skipped, and
   * said so, when the market has no price series before the burst.
   */
  feedbackMoveZ: z.number().gt(0).default(3),
  /**
   * Flagged buckets at most this many buckets apart are one burst; in a market whose liquidations are rarer, up to its
   * median wait between them before the burst, at most horizonBuckets.
   */
  mergeGapBuckets: z.number().int().min(0).default(5),
  /** Price-path mode (no liquidation rows): bucket returns of baseline needed (60 returns give a usable MAD). */
  minPriceBaselineBuckets: z.number().int().min(5).default(60),
  /**
   * Price-path mode: horizon of the cumulative move, in buckets. With liquidations: the longest pause a thin market's
   * burst may hold (see mergeGapBuckets).
   */
  horizonBuckets: z.number().int().min(2).default(15),
  /** A jump: a bucket return this many robust σ from the baseline median. */
  jumpSigma: z.number().gt(0).default(4),
  /** Same-direction jumps within the horizon needed by the relative test. */
  minJumps: z.number().int().min(1).default(3),
  /**
   * Relative test: |move| ≥ minMove and its robust z (σ·√horizon) ≥ moveZ. 5 % takes out every position above 20×
   * (maintenance 0.5–1 %), the leverage retail crowds at.
   */
  minMove: z.number().gt(0).default(0.05),
  moveZ: z.number().gt(0).default(6),
  /** Absolute test: a move this large in the horizon liquidates every position above 1/move leverage. */
  absoluteMove: z.number().gt(0).default(0.1),
  /** Price-path moves at least this large that also pass the relative test are critical. */
  criticalMove: z.number().gt(0).default(0.1),
  /** Floor of the robust σ of a series' updates (its non-zero bucket returns; 1 bp). */
  returnScaleFloor: z.number().gt(0).default(1e-4),
})
export type LiquidationCascadeParams = z.output<typeof liquidationCascadeParams>

export const liquidationCascade = defineDetector<LiquidationCascadeParams>({
  id: 'liquidation-cascade',
  version: '1.5.0',
  label: 'Liquidation cascade',
  params: liquidationCascadeParams,
  usesRunOutputs: true,
  requirements(data, target) {
    if (target.runId) {
      return data.run && data.run.liquidations > 0
        ? []
        : [gap(target, 'backtest_liquidations', `liquidations of run ${target.runId} on this market`)]
    }
    return data.market.liquidations > 0 || data.market.bars > 0 || Object.keys(data.market.prices).length > 0
      ? []
      : [gap(target, 'liquidations', 'observed liquidations, or bars / prices for the price-path test')]
  },
  async detect(stores, target, p) {
    const source: LiquidationSource = target.runId
      ? { kind: 'run', runId: target.runId, market: target.market }
      : { kind: 'observed', venue: target.venue, market: target.market }
    const bucketUs = p.bucketSeconds * SECOND_US
    const baselineUs = Math.round(p.baselineHours * HOUR_US)
    const buckets = await readLiquidationBuckets(
      stores.duck,
      source,
      target.fromUs - baselineUs,
      target.toUs,
      bucketUs,
      baselineUs,
    )
    let any = false
    for (let i = 0; i < buckets.count.length; i++) if (buckets.count[i]! > 0) any = true
    if (any) return fromLiquidations(stores, target, p, source, buckets)
    if (target.runId) return []
    // the price path stands in for liquidations only where the venue publishes none at all; a market of a venue that
    // does (a spot market beside its perps) has no liquidations because it has no leverage
    if (await venueHasLiquidations(stores.duck, target.venue, target.fromUs - baselineUs, target.toUs)) return []
    return fromPricePath(stores, target, p)
  },
})

/** Σ xs[from, to). */
function sumOf(xs: Float64Array, from: number, to: number): number {
  let sum = 0
  for (let i = from; i < to; i++) sum += xs[i]!
  return sum
}

/** The largest sum of `length` consecutive xs within [from, to) (all of them when fewer; 0 when none). */
function largestRun(xs: Float64Array, from: number, to: number, length: number): number {
  if (to - from <= length) return sumOf(xs, from, to)
  let run = sumOf(xs, from, from + length)
  let best = run
  for (let i = from + length; i < to; i++) {
    run += xs[i]! - xs[i - length]!
    if (run > best) best = run
  }
  return best
}

async function fromLiquidations(
  stores: DetectStores,
  target: DetectTarget,
  p: LiquidationCascadeParams,
  source: LiquidationSource,
  b: Awaited<ReturnType<typeof readLiquidationBuckets>>,
): Promise<DetectionDraft[]> {
  const bucketUs = p.bucketSeconds * SECOND_US
  const n = b.ts.length
  // a bucket is hot when its notional is far above its trailing baseline; how many liquidations it holds is judged
  // over the burst, not per bucket (a cascade of large positions can liquidate one or two a minute for an hour)
  const hot = new Uint8Array(n)
  const zs = new Float64Array(n).fill(Number.NaN)
  for (let i = 0; i < n; i++) {
    if (b.ts[i]! < target.fromUs || b.baselineCount[i]! < p.minBaselineBuckets || b.count[i]! === 0) continue
    // a zero-inflated series has MAD 0: the trailing mean per bucket is the floor of the scale
    const z = zFrom(b.notional[i]!, b.median[i]!, b.mad[i]!, Math.max(b.mean[i]!, 1e-6))
    zs[i] = z
    if (z >= p.zThreshold) hot[i] = 1
  }
  const drafts: DetectionDraft[] = []
  // the market's open interest over the window and the day before, read once (observed liquidations only)
  const openInterest =
    source.kind === 'observed'
      ? await readOpenInterest(
          stores.duck,
          target.venue,
          target.market,
          target.fromUs - 24 * HOUR_US,
          target.toUs,
          bucketUs,
        )
      : null
  // A pause shorter than the market's median wait between liquidations before the burst (ln 2 over its baseline rate)
  // does not end it, up to the horizon a cascade's move is judged over: a thin market's cascade of large positions
  // pauses longer than five minutes between them (yfi-oi-growth 2302: $24M of longs liquidated in 80 minutes, split
  // by pauses of 7 and 9 minutes into bursts of 19 and fewer, where the market's baseline saw one liquidation an hour).
  // A busy market keeps mergeGapBuckets.
  const pauseAt = (first: number) => {
    const wait = Math.floor(Math.LN2 / ((b.baselineEvents[first]! + 1) / b.baselineCount[first]!))
    return Math.max(p.mergeGapBuckets, Math.min(wait, p.horizonBuckets))
  }
  for (const e of mergeEpisodes(hot, b.notional, pauseAt)) {
    const fromUs = b.ts[e.first]!
    const toUs = b.ts[e.last]! + bucketUs
    const events = await readLiquidationEvents(stores.duck, source, fromUs, toUs)
    if (events.length < p.minEvents) continue
    const hawkes = await hawkesOver(events, fromUs, toUs, source.kind === 'run' ? 1e-6 : 1e-3)
    let notional = 0
    let longs = 0
    for (const ev of events) {
      notional += ev.notional
      if (ev.side === 'long') longs += ev.notional
    }
    const k = e.peak
    // the burst is judged against the baseline before it started: its own first minutes must not raise the bar
    const f = e.first
    const mean = b.mean[f]!
    const peakMultiple = mean > 0 ? b.notional[k]! / mean : Number.POSITIVE_INFINITY
    const ratePerBucket = (b.baselineEvents[f]! + 1) / b.baselineCount[f]!
    const expected = ratePerBucket * (e.last - e.first + 1)
    const rateP = poissonUpperTail(events.length, expected)
    const sideShare = notional > 0 ? Math.max(longs, notional - longs) / notional : 0
    const feedback = feedbackOf(events, longs >= notional - longs ? 'long' : 'short', bucketUs, p)
    // a new high at the burst's own scale: its peak bucket above every bucket of the baseline, or its whole notional
    // above every run of as many buckets in the baseline — a cascade of mid-sized positions over forty minutes is a
    // high even when one whale's lone liquidation the day before filled a bigger minute
    const length = e.last - e.first + 1
    const windowMax = largestRun(
      b.notional,
      Math.max(0, f - Math.round((p.baselineHours * HOUR_US) / bucketUs)),
      f,
      length,
    )
    const newHigh = b.notional[k]! > b.max[f]! ? 'peak bucket' : notional > windowMax ? 'burst total' : null
    // the market's positions before the burst, where the store has its open interest (observed liquidations only)
    const positionsBefore = openInterest ? openInterestBefore(openInterest, fromUs, events[0]!.mark) : Number.NaN
    const openInterestShare = positionsBefore > 0 ? notional / positionsBefore : Number.NaN
    // two-sided churn is volatility, not a cascade; a handful of liquidations is not a burst; nor is a sliver of the
    // market's positions
    const burst =
      !(openInterestShare < p.minOpenInterestShare) &&
      events.length >= p.minBurstEvents &&
      sideShare >= p.minSideShare &&
      rateP <= p.maxRateP &&
      newHigh !== null &&
      peakMultiple >= p.warningMultiple
    // the continued move is scaled by the market's own volatility only for a candidate (one read per such burst)
    if (burst && feedback.found) await scaleContinuedMove(stores, target, p, feedback)
    let level: Level = 1
    // … and a burst without feedback is one shock, not a cascade
    if (burst && feedback.found) level = 2
    if (
      level === 2 &&
      events.length >= p.minHawkesEvents &&
      (peakMultiple >= p.criticalMultiple || (hawkes !== null && hawkes.branchingRatio >= p.criticalBranching))
    )
      level = 3
    const top = [...events].sort((x, y) => y.notional - x.notional || x.tsUs - y.tsUs).slice(0, 10)
    drafts.push({
      windowFromUs: fromUs,
      windowToUs: toUs,
      accounts: [],
      score: Number.isFinite(peakMultiple) ? peakMultiple : b.notional[k]!,
      severity: severityOf(level),
      evidence: {
        mode: source.kind === 'run' ? 'replayed liquidations' : 'observed liquidations',
        statistic:
          'liquidated notional per bucket against its trailing baseline (robust z); the burst against the baseline before it (multiple of the mean, new high of its peak bucket or of its total over as many buckets, Poisson count)',
        bucketSeconds: p.bucketSeconds,
        baselineHours: p.baselineHours,
        thresholds: {
          zThreshold: p.zThreshold,
          minEvents: p.minEvents,
          minBurstEvents: p.minBurstEvents,
          minOpenInterestShare: p.minOpenInterestShare,
          maxRateP: p.maxRateP,
          minSideShare: p.minSideShare,
          warningMultiple: p.warningMultiple,
          criticalMultiple: p.criticalMultiple,
          criticalBranching: p.criticalBranching,
          minFeedbackLiquidations: p.minFeedbackLiquidations,
          feedbackP: p.feedbackP,
          feedbackMoveZ: p.feedbackMoveZ,
        },
        verdict: !burst
          ? 'below the burst thresholds'
          : feedback.found
            ? 'burst with feedback: a cascade'
            : 'a burst without feedback (the move did not go on with the liquidations beyond the shock, or by no more than the market’s ordinary moves): info',
        feedback: feedback.evidence,
        peak: {
          ts: iso(b.ts[k]!),
          notional: round(b.notional[k]!),
          liquidations: b.count[k],
          z: round(zs[k]!, 4),
          baselineMedian: round(b.median[k]!),
          baselineScale: round(MAD_TO_SIGMA * b.mad[k]!),
          baselineMean: round(b.mean[k]!),
          baselineMax: round(b.max[k]!),
        },
        before: {
          ts: iso(b.ts[f]!),
          baselineMean: round(mean),
          baselineMax: round(b.max[f]!),
          baselineLargestRunOfBurstLength: round(windowMax),
          newHigh,
          baselineBuckets: b.baselineCount[f],
          baselineLiquidations: b.baselineEvents[f],
          peakMultiple: Number.isFinite(peakMultiple) ? round(peakMultiple, 4) : null,
          expectedLiquidations: round(expected, 6),
          countP: rateP,
        },
        burst: {
          buckets: e.count,
          length,
          liquidations: events.length,
          notional: round(notional),
          longShare: notional > 0 ? round(longs / notional, 4) : null,
          dominantSideShare: round(sideShare, 4),
          openInterestBefore: Number.isFinite(positionsBefore) ? round(positionsBefore) : null,
          shareOfOpenInterest: Number.isFinite(openInterestShare) ? round(openInterestShare, 6) : null,
        },
        hawkes: hawkesEvidence(hawkes),
        topLiquidations: top.map((ev) => ({
          ts: iso(ev.tsUs),
          side: ev.side,
          kind: ev.kind,
          qty: round(ev.qty),
          price: round(ev.price),
          notional: round(ev.notional),
          account: ev.account,
          ref: ev.ref,
        })),
      },
    })
  }
  return drafts
}

/**
 * Feedback of a burst: the shock is the bucket of the dominant side's first liquidation; the move went on when, after
 * that bucket, at least `minFeedbackLiquidations` of the side's liquidations printed beyond the shock's extreme price
 * (below its lowest for longs), and the side's liquidation prices over the whole burst trend against it (Spearman,
 * one-sided p ≤ feedbackP). A shock that liquidates many at once and then recovers fails both. For a burst that passes
 * the other warning tests, scaleContinuedMove then judges the size of the move against the market's volatility.
 */
function feedbackOf(
  events: LiquidationEvent[],
  side: 'long' | 'short',
  bucketUs: number,
  p: LiquidationCascadeParams,
): Feedback {
  const mine = events.filter((ev) => ev.side === side && Number.isFinite(ev.mark))
  // against a long is down: compare prices signed so that larger is always further against the side
  const against = side === 'long' ? -1 : 1
  if (!mine.length) return { found: false, move: null, evidence: { side, liquidations: 0 } }
  const shockFromUs = Math.floor(mine[0]!.tsUs / bucketUs) * bucketUs
  const shockToUs = shockFromUs + bucketUs
  let shockExtreme = Number.NEGATIVE_INFINITY
  let shockExtremeUs = shockFromUs
  let furthest = Number.NEGATIVE_INFINITY
  let furthestUs = shockToUs
  let after = 0
  let beyond = 0
  for (const ev of mine) {
    const x = against * ev.mark
    if (ev.tsUs < shockToUs) {
      if (x > shockExtreme) [shockExtreme, shockExtremeUs] = [x, ev.tsUs]
      continue
    }
    after++
    if (x > furthest) [furthest, furthestUs] = [x, ev.tsUs]
    if (x > shockExtreme) beyond++
  }
  const trend = spearmanTrend(
    mine.map((ev) => ev.tsUs),
    mine.map((ev) => ev.mark),
  )
  const trendP = side === 'long' ? trend.pFalling : trend.pRising
  const found = beyond >= p.minFeedbackLiquidations && trendP <= p.feedbackP
  // log move of the market beyond the shock's extreme, positive when against the side
  const continuedMove = after ? against * Math.log((against * furthest) / (against * shockExtreme)) : 0
  return {
    found,
    move: { fromUs: shockExtremeUs, toUs: furthestUs, logMove: continuedMove },
    evidence: {
      side,
      priceOf: 'each liquidation’s market price (observed: its fill; replayed: its trigger mark)',
      shock: { from: iso(shockFromUs), to: iso(shockToUs), liquidations: mine.length - after },
      shockExtremePrice: round(against * shockExtreme),
      liquidationsAfterShock: after,
      beyondShockExtreme: beyond,
      furthestPriceAfterShock: after ? round(against * furthest) : null,
      continuedMoveAgainstSide: after ? round(continuedMove, 6) : null,
      trend: { spearmanRho: round(trend.rho, 4), z: round(trend.z, 4), pAgainstSide: trendP, liquidations: trend.n },
    },
  }
}

interface Feedback {
  found: boolean
  /** The move beyond the shock: from the shock's extreme print to the furthest after it, log, positive = against. */
  move: { fromUs: number; toUs: number; logMove: number } | null
  evidence: Record<string, unknown>
}

/**
 * The continued move against the market's own volatility: robust σ of its bucket returns over the baseline before the
 * burst (on the updates' clock), over the move's duration. A slow drift that ordinary volatility explains is no
 * evidence that liquidations fed the move; without a price series the test is skipped and the evidence says so.
 */
async function scaleContinuedMove(
  stores: DetectStores,
  target: DetectTarget,
  p: LiquidationCascadeParams,
  feedback: Feedback,
): Promise<void> {
  const move = feedback.move!
  const bucketUs = p.bucketSeconds * SECOND_US
  const toUs = Math.floor(move.fromUs / bucketUs) * bucketUs
  const fromUs = toUs - Math.round(p.baselineHours * HOUR_US)
  const series = await listPriceSeries(stores.duck, target.venue, target.market, fromUs, toUs)
  const chosen = choosePriceSeries(series, target.venue, ['mark', 'bars', 'oracle', 'index'])
  const bars = chosen
    ? await readBucketSeries(stores.duck, target.venue, target.market, chosen.key, fromUs, toUs, bucketUs)
    : null
  const returns = new Float64Array(Math.max((bars?.close.length ?? 0) - 1, 0))
  for (let i = 1; bars && i < bars.close.length; i++) returns[i - 1] = Math.log(bars.close[i]! / bars.close[i - 1]!)
  const scale = updateScale(returns, p.returnScaleFloor)
  if (!chosen || scale.n < p.minPriceBaselineBuckets) {
    feedback.evidence.moveScale = {
      note: `no price series with ${p.minPriceBaselineBuckets} bucket returns before the burst: the continued move is not scaled`,
    }
    return
  }
  const buckets = Math.max((move.toUs - move.fromUs) / bucketUs, 1)
  const sigma = scale.sigma * Math.sqrt(Math.max(scale.share * buckets, 1))
  const z = move.logMove / sigma
  feedback.evidence.moveScale = {
    series: chosen.label,
    sigmaPerUpdate: round(scale.sigma, 4),
    updateShare: round(scale.share, 4),
    buckets: round(buckets, 4),
    sigma: round(sigma, 4),
    z: round(z, 4),
    threshold: p.feedbackMoveZ,
  }
  if (z < p.feedbackMoveZ) feedback.found = false
}

/** The burst's Hawkes fit, in slices that leave the server's event loop free (a replayed burst can take seconds). */
function hawkesOver(
  events: LiquidationEvent[],
  fromUs: number,
  toUs: number,
  resolution: number,
): Promise<HawkesFit | null> {
  const times = events.map((ev) => (ev.tsUs - fromUs) / SECOND_US)
  return fitHawkesInSlices(times, { start: 0, end: (toUs - fromUs) / SECOND_US }, resolution)
}

const hawkesEvidence = (h: HawkesFit | null) =>
  h
    ? {
        model: 'λ(t) = μ + Σ n·β·e^{−β(t−tᵢ)}, maximum likelihood',
        branchingRatio: round(h.branchingRatio, 4),
        atBound: h.atBound,
        baselinePerSecond: round(h.baseline, 4),
        decaySeconds: round(1 / h.decay, 4),
        events: h.events,
        seconds: round(h.seconds, 6),
        logLikelihood: round(h.logLikelihood, 8),
        poissonLogLikelihood: round(h.poissonLogLikelihood, 8),
      }
    : { note: 'fewer than 3 events: no fit' }

/** Cascades seen in the price path alone: clustered jumps and a large move within the horizon. */
async function fromPricePath(
  stores: DetectStores,
  target: DetectTarget,
  p: LiquidationCascadeParams,
): Promise<DetectionDraft[]> {
  const bucketUs = p.bucketSeconds * SECOND_US
  const baselineUs = Math.round(p.baselineHours * HOUR_US)
  const series = await listPriceSeries(
    stores.duck,
    target.venue,
    target.market,
    target.fromUs - baselineUs,
    target.toUs,
  )
  const chosen = choosePriceSeries(series, target.venue, ['bars', 'mark', 'oracle', 'index'])
  if (!chosen) return []
  const r = await readReturnSeries(
    stores.duck,
    target.venue,
    target.market,
    chosen.key,
    target.fromUs - baselineUs,
    target.toUs,
    bucketUs,
    baselineUs,
    { updates: true },
  )
  const n = r.ts.length
  const H = p.horizonBuckets
  // Scale on an event clock: a series that updates in a share q of its buckets (a push oracle: most minutes unchanged,
  // returns exactly 0) is a sum of updates, each of robust scale s (1.4826·MAD of the non-zero returns). A jump is an
  // update far from the typical update (s); the horizon's move is a sum of about q·H updates, scale s·√max(q·H, 1) —
  // at least one update, since the move is not 0. With no zero returns (q = 1) both are the minute-clock MAD as before.
  const updMed = r.updateMedian!
  const sigma = new Float64Array(n)
  const share = new Float64Array(n)
  const horizonSigma = new Float64Array(n)
  const jump = new Int8Array(n)
  for (let i = 0; i < n; i++) {
    sigma[i] = Math.max(MAD_TO_SIGMA * (r.updateMad![i]! || 0), p.returnScaleFloor)
    share[i] = r.baselineCount[i]! > 0 ? r.updateCount![i]! / r.baselineCount[i]! : 1
    horizonSigma[i] = sigma[i]! * Math.sqrt(Math.max(share[i]! * H, 1))
    if (
      r.baselineCount[i]! >= p.minPriceBaselineBuckets &&
      r.ret[i]! !== 0 &&
      Math.abs(r.ret[i]! - updMed[i]!) >= p.jumpSigma * sigma[i]!
    )
      jump[i] = r.ret[i]! > updMed[i]! ? 1 : -1
  }
  const levels = new Uint8Array(n)
  const move = new Float64Array(n).fill(Number.NaN)
  const moveZ = new Float64Array(n).fill(Number.NaN)
  const jumps = new Int32Array(n)
  // the horizon's bucket index range is found by time (buckets may be missing)
  let lo = 0
  for (let i = 0; i < n; i++) {
    while (r.ts[lo]! < r.ts[i]! - H * bucketUs) lo++
    if (r.ts[i]! < target.fromUs || r.baselineCount[i]! < p.minPriceBaselineBuckets || lo >= i) continue
    const R = Math.log(r.close[i]! / r.close[lo]!)
    const z = R / horizonSigma[i]!
    let same = 0
    for (let j = lo + 1; j <= i; j++) if (jump[j]! !== 0 && jump[j]! === Math.sign(R)) same++
    move[i] = R
    moveZ[i] = z
    jumps[i] = same
    const relative = Math.abs(R) >= p.minMove && Math.abs(z) >= p.moveZ && same >= p.minJumps
    const absolute = Math.abs(R) >= p.absoluteMove
    // without liquidation rows, critical needs both: unusual for this market and large enough to liquidate at scale
    if (relative || absolute) levels[i] = relative && Math.abs(R) >= p.criticalMove ? 3 : 2
  }
  const absMove = move.map((m) => (Number.isFinite(m) ? Math.abs(m) : 0))
  const drafts: DetectionDraft[] = []
  for (const e of mergeEpisodes(levels, absMove, p.mergeGapBuckets)) {
    const k = e.peak
    // the burst starts where the peak's horizon starts
    let start = e.first
    while (start > 0 && r.ts[start - 1]! >= r.ts[e.first]! - H * bucketUs) start--
    const fromUs = r.ts[start]!
    const toUs = r.ts[e.last]! + bucketUs
    const jumpTimes: number[] = []
    const jumpList: Array<Record<string, unknown>> = []
    for (let j = start; j <= e.last; j++) {
      if (jump[j] === 0) continue
      jumpTimes.push((r.ts[j]! - fromUs) / SECOND_US)
      jumpList.push({
        ts: iso(r.ts[j]!),
        return: round(r.ret[j]!, 5),
        sigmas: round((r.ret[j]! - updMed[j]!) / sigma[j]!, 4),
        close: round(r.close[j]!),
        quoteVolume: round(r.quote[j]!),
      })
    }
    const hawkes = await fitHawkesInSlices(jumpTimes, { start: 0, end: (toUs - fromUs) / SECOND_US }, p.bucketSeconds)
    const volZ = (Math.log(r.quote[k]!) - r.volMedian[k]!) / Math.max(MAD_TO_SIGMA * r.volMad[k]!, 1e-6)
    drafts.push({
      windowFromUs: fromUs,
      windowToUs: toUs,
      accounts: [],
      score: Math.abs(move[k]!),
      severity: severityOf(e.level),
      evidence: {
        mode: 'price path (no liquidation rows for this market)',
        statistic:
          'cumulative log move over the horizon (z against s·√max(q·horizon, 1)) with same-direction jumps (|r − median| ≥ jumpSigma·s), s = 1.4826·MAD of the trailing non-zero bucket returns (updates), q = their share of the buckets',
        series: chosen.label,
        bucketSeconds: p.bucketSeconds,
        horizonBuckets: H,
        thresholds: {
          minMove: p.minMove,
          moveZ: p.moveZ,
          minJumps: p.minJumps,
          jumpSigma: p.jumpSigma,
          absoluteMove: p.absoluteMove,
          criticalMove: p.criticalMove,
        },
        peak: {
          ts: iso(r.ts[k]!),
          move: round(move[k]!, 5),
          moveZ: round(moveZ[k]!, 4),
          jumps: jumps[k],
          close: round(r.close[k]!),
          low: round(r.low[k]!),
          sigmaPerUpdate: round(sigma[k]!, 4),
          updateShare: round(share[k]!, 4),
          sigmaPerHorizon: round(horizonSigma[k]!, 4),
          quoteVolume: round(r.quote[k]!),
          volumeZ: Number.isFinite(volZ) ? round(volZ, 4) : null,
        },
        flaggedBuckets: e.count,
        jumps: jumpList,
        hawkes: hawkesEvidence(hawkes),
        resolutionNote: 'jump times have the bars’ resolution; the Hawkes fit spreads ties over one bucket',
      },
    })
  }
  return drafts
}

/**
 * The market's open interest in quote at its last report in the 24 h before `fromUs` (base × `price` where only base
 * is reported); NaN when there is none. `oi`'s buckets are the burst buckets, so a bucket starting before `fromUs`
 * ended by it.
 */
function openInterestBefore(oi: OiBuckets, fromUs: number, price: number): number {
  for (let i = oi.ts.length - 1; i >= 0; i--) {
    if (oi.ts[i]! >= fromUs) continue
    if (oi.ts[i]! < fromUs - 24 * HOUR_US) break
    if (oi.oiQuote[i]! > 0) return oi.oiQuote[i]!
    if (oi.oiBase[i]! > 0 && price > 0) return oi.oiBase[i]! * price
  }
  return Number.NaN
}
