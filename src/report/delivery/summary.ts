// What a delivery says of a report, stored beside its files (delivery.json) when it has targets: a delivery reads
// it from disk, so a report rendered by one process is delivered by another (after a stop) exactly as it was meant.
import type { ReportModel } from '../model.ts'

/** File name of the summary inside the report's folder. */
export const DELIVERY_FILE = 'delivery.json'

/** The report's identity and headline as its model has them; the rule set, incidents and caveats only named or counted. */
export interface DeliverySummary extends Pick<
  ReportModel,
  'id' | 'title' | 'generatedAt' | 'schedule' | 'venue' | 'markets' | 'window' | 'unit' | 'headline' | 'deltas'
> {
  ruleSet: { label: string; hash: string }
  incidents: number
  coverageCaveats: number
}

export function deliverySummary(model: ReportModel): DeliverySummary {
  return {
    id: model.id,
    title: model.title,
    generatedAt: model.generatedAt,
    schedule: model.schedule,
    venue: model.venue,
    markets: model.markets,
    window: model.window,
    unit: model.unit,
    ruleSet: { label: model.ruleSet.label, hash: model.ruleSet.hash },
    headline: model.headline,
    deltas: model.deltas,
    incidents: model.incidents.total,
    coverageCaveats: model.coverage.caveats.length,
  }
}
