// Every chart of a report, rendered from its model alone (no store handle): the same model gives the same SVGs.
import type { ReportModel } from '../model.ts'
import { comparisonFundChart } from './comparisonFund.ts'
import { COVER_PARTS, deficitsByIncidentChart, type IncidentDeficitPart } from './deficitsByIncident.ts'
import { fundBalanceChart } from './fundBalance.ts'
import { incidentTimelineChart } from './incidentTimeline.ts'
import { liquidationsByHourChart } from './liquidationsByHour.ts'
import type { RenderedChart } from './render.ts'

const t = (iso: string) => Date.parse(iso)
const hhmm = (iso: string) => iso.slice(11, 16)

/** Charts in the order the report shows them; a chart with nothing to show is left out (the text says why). */
export async function reportCharts(model: ReportModel): Promise<RenderedChart[]> {
  const charts: RenderedChart[] = []
  const unit = model.unit
  if (model.fund.points.length) {
    charts.push(
      await fundBalanceChart({
        unit,
        bucketSeconds: model.fund.bucketSeconds,
        points: model.fund.points.map((p) => ({
          tsMs: t(p.ts),
          fund: p.fund,
          close: Number(p.close),
          low: Number(p.low),
          high: Number(p.high),
        })),
      }),
    )
  }
  if (model.liquidationsByHour.length) {
    charts.push(
      await liquidationsByHourChart(
        model.liquidationsByHour.map((h) => ({
          hourMs: t(h.hour),
          kind: h.kind,
          count: h.count,
          notional: Number(h.notional),
        })),
        unit,
      ),
    )
  }
  if (model.incidents.items.length) {
    const rows: IncidentDeficitPart[] = []
    for (const i of model.incidents.items) {
      const label = incidentLabel(i.rank, i.markets, i.from)
      const amounts = [i.coveredByFund, i.coveredByFeePool, i.coveredByAdl, i.socialized, i.uncovered]
      COVER_PARTS.forEach((part, k) => rows.push({ incident: label, part, amount: Number(amounts[k]) }))
    }
    charts.push(await deficitsByIncidentChart(rows, unit))
  }
  for (const i of model.incidents.items) {
    if (!i.timeline) continue
    const tl = i.timeline
    charts.push(
      await incidentTimelineChart({
        name: `incident-${i.rank}`,
        title: `Incident #${i.rank}: ${tl.market} prices and liquidations`,
        subtitle: `${tl.from.slice(0, 10)} ${hhmm(tl.from)}–${hhmm(tl.to)} UTC; triangles: liquidation fills (down: longs, up: shorts), sized by notional`,
        unit,
        prices: tl.prices.map((p) => ({ tsMs: t(p.ts), series: p.series, price: p.price })),
        liquidations: tl.liquidations.map((l) => ({
          tsMs: t(l.ts),
          price: l.price,
          side: l.side,
          notional: Number(l.notional),
        })),
      }),
    )
  }
  if (model.comparison && model.comparison.length > 1) {
    const labels = model.comparison.map((c, i) => `${c.ruleSetLabel} (${i === 0 ? 'reported' : `run ${i + 1}`})`)
    const points = model.comparison.flatMap((c, i) =>
      c.fundPath.map((p) => ({ tsMs: t(p.ts), ruleSet: labels[i]!, balance: Number(p.balance) })),
    )
    charts.push(await comparisonFundChart(points, labels, unit))
  }
  return charts
}

export const incidentLabel = (rank: number, markets: string[], from: string) =>
  `#${rank} ${markets.join(', ')} ${from.slice(5, 10)} ${hhmm(from)}`
