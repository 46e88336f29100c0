// Oracle / mark deviation (venue-rules §3.1): the venue's mark (else oracle, else last trade) against the median of
// the market's other price series, as an absolute band and as a robust z-score against the deviation's own trailing
// history; and the mark against its own 8 h EMA (the Hyperliquid hyperp cap pattern: mark ≤ 10 × EMA_8h [H22]).
import { z } from 'zod'
import { listPriceSeries, readDeviationSeries, seriesLabel, type SeriesKey } from '../store/detect/priceSeries.ts'
import { choosePriceSeries, HOUR_US, iso, round, SECOND_US, topK } from './common.ts'
import { defineDetector, gap, type DetectionDraft } from './detector.ts'
import { mergeEpisodes } from './episodes.ts'
import { severityOf, type Level } from './severity.ts'
import { MAD_TO_SIGMA, zFrom } from './stats/robust.ts'

export const oracleDeviationParams = z.strictObject({
  /** Bucket length: each series' last value per bucket is compared. */
  bucketSeconds: z.number().int().min(1).max(3600).default(60),
  /** Trailing window of the deviation's robust baseline (venue-rules: σ_dev over up to 30 d). */
  baselineHours: z
    .number()
    .gt(0)
    .max(24 * 30)
    .default(24),
  /** Fewer baseline buckets than this: no z; the band alone is info, the critical band still critical. */
  minBaselineBuckets: z.number().int().min(5).default(60),
  /** A reference carried forward at most this long (sources update at different rates). */
  staleSeconds: z.number().int().min(1).default(300),
  /** Robust-z threshold of the deviation against its own history. */
  zThreshold: z.number().gt(0).default(8),
  /** Floor of the robust scale (1.4826 × MAD), as a fraction: 1 bp, so identical series do not make every tick a z of ∞. */
  scaleFloor: z.number().gt(0).default(1e-4),
  /** Deviation that is unusual (z) and at least this large: info. */
  infoDeviation: z.number().gt(0).default(0.01),
  /**
   * Unusual (z) and at least this large, and this far beyond its usual level (the baseline's median): warning (10 Oct
   * 2025: collateral > 5 % off the cross-venue median [C2]).
   */
  warningDeviation: z.number().gt(0).default(0.05),
  /**
   * Absolute band (Drift blocks fills at 10 % off its oracle TWAP [R7]): a warning when the deviation is also at
   * least `bandZ` robust σ off its own history and at least `warningDeviation` beyond its usual level (the
   * baseline's median) — a market that always trades 9–10 % rich (a pre-launch premium) is not news at 10 %, however
   * steady its premium and so however small its σ — and info otherwise.
   */
  band: z.number().gt(0).default(0.1),
  bandZ: z.number().min(0).default(4),
  /** Absolute band for critical. */
  criticalBand: z.number().gt(0).default(0.5),
  /** Mark against its own EMA: EMA time constant in hours (Hyperliquid: 8 h). */
  emaHours: z.number().gt(0).default(8),
  /** Mark / EMA ratio (or its inverse) for a warning. */
  emaWarningRatio: z.number().gt(1).default(2),
  /** Mark / EMA ratio for critical (Hyperliquid's cap: 10 × EMA_8h [H22]). */
  emaCriticalRatio: z.number().gt(1).default(10),
  /** The EMA needs this much history before its ratio is used. */
  emaWarmupHours: z.number().min(0).default(1),
  /** Flagged buckets at most this many buckets apart are one detection. */
  mergeGapBuckets: z.number().int().min(0).default(5),
})
export type OracleDeviationParams = z.output<typeof oracleDeviationParams>

/**
 * Reference series: every other price series of the market except premiums (a premium is not a price), one per
 * source. Bars of one source at several intervals are one price stream aggregated twice: counted twice, a liquidation
 * sweep through the venue's own book outvotes an index in the median (cascade-crash 302: the 1 s and 60 s trade bars
 * closing at the sweep's low, 5.5 % under an index 0.4 % from the mark). The finest interval stands for the source,
 * and the subject's own source is no reference to itself.
 */
export function referencesOf(all: ReadonlyArray<{ key: SeriesKey }>, subject: SeriesKey): SeriesKey[] {
  const s = JSON.stringify(subject)
  const finestBars = new Map<string, number>()
  for (const { key } of all) {
    if (key.table === 'bars')
      finestBars.set(key.source, Math.min(finestBars.get(key.source) ?? Infinity, key.intervalS))
  }
  return all
    .map((x) => x.key)
    .filter((k) => {
      if (JSON.stringify(k) === s) return false
      if (k.table === 'prices') return k.kind !== 'premium'
      if (subject.table === 'bars' && subject.source === k.source) return false
      return finestBars.get(k.source) === k.intervalS
    })
}

export const oracleDeviation = defineDetector<OracleDeviationParams>({
  id: 'oracle-deviation',
  version: '1.4.0',
  label: 'Oracle/mark deviation',
  params: oracleDeviationParams,
  usesRunOutputs: false,
  requirements(data, target) {
    const prices = Object.entries(data.market.prices)
      .filter(([k]) => k !== 'premium')
      .reduce((a, [, n]) => a + n, 0)
    return prices + data.market.bars > 0
      ? []
      : [gap(target, 'prices', 'mark, oracle, index or last prices (or bars) of the market; neither prices nor bars')]
  },
  async detect(stores, target, p) {
    const bucketUs = p.bucketSeconds * SECOND_US
    const baselineUs = Math.round(p.baselineHours * HOUR_US)
    const readFrom = target.fromUs - Math.max(baselineUs, Math.round(p.emaWarmupHours * HOUR_US))
    const series = await listPriceSeries(stores.duck, target.venue, target.market, readFrom, target.toUs)
    const subject = choosePriceSeries(series, target.venue)
    if (!subject) return []
    const references = referencesOf(series, subject.key)
    const d = await readDeviationSeries(stores.duck, {
      venue: target.venue,
      market: target.market,
      subject: subject.key,
      references,
      fromUs: readFrom,
      toUs: target.toUs,
      bucketUs,
      baselineUs,
      staleUs: p.staleSeconds * SECOND_US,
    })
    const n = d.ts.length
    const levels = new Uint8Array(n)
    const score = new Float64Array(n)
    const zs = new Float64Array(n).fill(Number.NaN)
    const ratios = new Float64Array(n).fill(Number.NaN)
    const emas = new Float64Array(n).fill(Number.NaN)
    // EMA of the subject, irregular steps: α = 1 − e^{−Δt/τ}; the ratio compares a bucket with the EMA before it.
    // A bucket the EMA test flags does not move the EMA: a baseline that learned the pump calls the price's return to
    // its level before the pump a deviation of its own (mango-self-trade-pump 2001: warnings for four hours after a
    // 75-minute pump to 17×, the price back where it was, at half an EMA the pump had tripled). A move that holds for
    // τ is the market's new level, as the venue's own EMA would have it: from then on the EMA follows it again.
    const tau = p.emaHours * HOUR_US
    let ema = Number.NaN
    let emaSince = Number.NaN
    let prevTs = Number.NaN
    /** Start of the current run of buckets the EMA test flags (NaN: the last bucket was not flagged). */
    let flaggedSince = Number.NaN
    for (let i = 0; i < n; i++) {
      const price = d.subject[i]!
      if (!Number.isFinite(price) || price <= 0) continue
      if (Number.isFinite(ema) && d.ts[i]! - emaSince >= p.emaWarmupHours * HOUR_US) {
        ratios[i] = price / ema
        emas[i] = ema
      }
      // how far the price is off its EMA, either way (NaN until the EMA is warm)
      const emaOff = Math.max(ratios[i]!, 1 / ratios[i]!)
      if (emaOff >= p.emaWarningRatio) {
        if (Number.isNaN(flaggedSince)) flaggedSince = d.ts[i]!
      } else flaggedSince = Number.NaN
      const moves = Number.isNaN(flaggedSince) || d.ts[i]! - flaggedSince >= tau
      if (!Number.isFinite(ema)) {
        ema = price
        emaSince = d.ts[i]!
      } else if (moves) ema += (1 - Math.exp(-(d.ts[i]! - prevTs) / tau)) * (price - ema)
      prevTs = d.ts[i]!
      if (d.ts[i]! < target.fromUs) continue
      const dev = d.deviation[i]!
      const z =
        d.baselineCount[i]! >= p.minBaselineBuckets
          ? zFrom(dev, d.baselineMedian[i]!, d.baselineMad[i]!, p.scaleFloor)
          : Number.NaN
      zs[i] = z
      let level: Level = 0
      // without enough history z is NaN and whether the deviation is unusual for this market cannot be told: a listing
      // that trades at a steady premium would raise a warning every minute of its first hour. The band alone is then
      // info; the critical band and the EMA test (once warm) still decide on their own.
      // how far beyond its usual level: a market at a steady premium has a tiny σ, so z alone calls a small step news
      const beyondUsual = dev - d.baselineMedian[i]! >= p.warningDeviation
      const unusual = z >= p.bandZ && beyondUsual
      if (dev >= p.criticalBand || emaOff >= p.emaCriticalRatio) level = 3
      else if (
        (dev >= p.band && unusual) ||
        (dev >= p.warningDeviation && z >= p.zThreshold && beyondUsual) ||
        emaOff >= p.emaWarningRatio
      )
        level = 2
      else if (dev >= p.band || (dev >= p.infoDeviation && z >= p.zThreshold)) level = 1
      levels[i] = level
      score[i] = Math.max(Number.isFinite(dev) ? dev : 0, Number.isFinite(emaOff) ? emaOff - 1 : 0)
    }
    const drafts: DetectionDraft[] = []
    for (const e of mergeEpisodes(levels, score, p.mergeGapBuckets)) {
      const k = e.peak
      const points = topK(score, 10, e.first, e.last + 1).map((i) => ({
        ts: iso(d.ts[i]!),
        subject: round(d.subject[i]!),
        reference: round(d.reference[i]!),
        deviation: round(d.deviation[i]!),
        z: round(zs[i]!, 4),
        emaRatio: round(ratios[i]!, 4),
      }))
      drafts.push({
        windowFromUs: d.ts[e.first]!,
        windowToUs: d.ts[e.last]! + bucketUs,
        accounts: [],
        score: score[k]!,
        severity: severityOf(e.level),
        evidence: {
          statistic:
            'max(|subject − median(references)| / median(references), subject / EMA − 1 (or EMA / subject − 1)) per bucket; the EMA leaves out the buckets its test flags until a move has held for its time constant',
          subject: subject.label,
          references: references.map(seriesLabel),
          referenceNote: references.length ? undefined : 'no other price series for this market: EMA test only',
          bucketSeconds: p.bucketSeconds,
          thresholds: {
            criticalBand: p.criticalBand,
            band: p.band,
            bandZ: p.bandZ,
            warningDeviation: p.warningDeviation,
            infoDeviation: p.infoDeviation,
            zThreshold: p.zThreshold,
            emaWarningRatio: p.emaWarningRatio,
            emaCriticalRatio: p.emaCriticalRatio,
          },
          peak: {
            ts: iso(d.ts[k]!),
            subject: round(d.subject[k]!),
            reference: round(d.reference[k]!),
            references: d.references[k],
            deviation: round(d.deviation[k]!),
            z: round(zs[k]!, 4),
            baselineMedian: round(d.baselineMedian[k]!),
            baselineScale: round(MAD_TO_SIGMA * d.baselineMad[k]!),
            baselineBuckets: d.baselineCount[k],
            ema: round(emas[k]!),
            emaRatio: round(ratios[k]!, 4),
          },
          flaggedBuckets: e.count,
          prices: points,
        },
      })
    }
    return drafts
  },
})
