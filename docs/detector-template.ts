// Template of a detector (docs/ADDING_A_DETECTOR.md): a one-minute price jump of the market's marked price. Copy it
// to src/detect/<yourDetector>.ts, add its id to DETECTOR_IDS (src/domain/detection.ts) and drop the cast, register
// it in src/detect/registry.ts, and document it in the README's detector catalogue. test/detect.template.test.ts
// runs this file as it is, so the template always compiles and works.
import { z } from 'zod'
import type { DetectorId } from '../src/domain/detection.ts'
import { choosePriceSeries, iso, MINUTE_US, round } from '../src/detect/common.ts'
import { defineDetector, gap, type DetectionDraft } from '../src/detect/detector.ts'
import { severityOf, type Level } from '../src/detect/severity.ts'
import { listPriceSeries, readBucketSeries } from '../src/store/detect/priceSeries.ts'

/** Parameters: every one has a documented default (the registry refuses a schema that does not parse {}). */
export const priceJumpParams = z.strictObject({
  /** A minute whose |log return| is at least this is a warning … */
  warningMove: z.number().gt(0).default(0.05),
  /** … and at least this, critical. */
  criticalMove: z.number().gt(0).default(0.15),
})
export type PriceJumpParams = z.output<typeof priceJumpParams>

export const priceJump = defineDetector<PriceJumpParams>({
  // a new id goes into DETECTOR_IDS first; the cast only lets this template compile without it
  id: 'price-jump' as DetectorId,
  // bump whenever the statistic or a default changes: stored rows say which logic produced them
  version: '1.0.0',
  label: 'Price jump',
  params: priceJumpParams,
  usesRunOutputs: false,
  // pure: what the target lacks, from the counts the runner read once (each gap names the table and what it is for)
  requirements(data, target) {
    const prices = (data.market.prices.oracle ?? 0) + (data.market.prices.mark ?? 0)
    return data.market.bars + prices > 0 ? [] : [gap(target, 'bars', 'bars or oracle / mark prices (the price path)')]
  },
  // window statistics come from src/store/detect (SQL); the path scan is JS over the typed arrays they return
  async detect(stores, target, p) {
    const series = await listPriceSeries(stores.duck, target.venue, target.market, target.fromUs, target.toUs)
    const chosen = choosePriceSeries(series, target.venue, ['oracle', 'mark', 'bars'])
    if (!chosen) return []
    const s = await readBucketSeries(
      stores.duck,
      target.venue,
      target.market,
      chosen.key,
      target.fromUs,
      target.toUs,
      MINUTE_US,
    )
    const drafts: DetectionDraft[] = []
    for (let i = 1; i < s.ts.length; i++) {
      const r = Math.log(s.close[i]! / s.close[i - 1]!)
      const level: Level = Math.abs(r) >= p.criticalMove ? 3 : Math.abs(r) >= p.warningMove ? 2 : 0
      if (!level) continue
      drafts.push({
        windowFromUs: s.ts[i - 1]!,
        windowToUs: s.ts[i]! + MINUTE_US,
        accounts: [],
        score: Math.abs(r),
        severity: severityOf(level),
        // the statistic, its thresholds and the contributing rows (by time), JSON-serialisable
        evidence: {
          statistic: 'log return of the marked price over one minute',
          series: chosen.label,
          thresholds: { warningMove: p.warningMove, criticalMove: p.criticalMove },
          from: { ts: iso(s.ts[i - 1]!), close: round(s.close[i - 1]!) },
          to: { ts: iso(s.ts[i]!), close: round(s.close[i]!) },
          logReturn: round(r, 5),
        },
      })
    }
    return drafts
  },
})
