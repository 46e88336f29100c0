// Deficits per incident: each incident's shortfall split by what covered it (fund, fee pool, ADL, socialized, none).
import type { TopLevelSpec } from 'vega-lite'
import { renderSvg, type RenderedChart } from './render.ts'
import { CHART_WIDTH, COLOURS } from './theme.ts'

export const COVER_PARTS = ['insurance fund', 'fee pool', 'ADL', 'socialized', 'uncovered'] as const
export type CoverPart = (typeof COVER_PARTS)[number]

export interface IncidentDeficitPart {
  /** Short label of the incident, e.g. "#1 BTCUSDT 21:15". */
  incident: string
  part: CoverPart
  /** Amount in quote units. */
  amount: number
}

export function deficitsByIncidentSpec(rows: IncidentDeficitPart[], unit: string): TopLevelSpec {
  const incidents = [...new Set(rows.map((r) => r.incident))]
  return {
    width: CHART_WIDTH,
    height: Math.max(60, incidents.length * 26),
    title: {
      text: 'Deficits per incident',
      subtitle: 'Shortfall of each incident, by what covered it',
    },
    data: { values: rows.filter((r) => r.amount > 0) },
    mark: { type: 'bar' },
    encoding: {
      y: { field: 'incident', type: 'nominal', title: null, sort: incidents, axis: { labelLimit: 240 } },
      x: { field: 'amount', type: 'quantitative', aggregate: 'sum', title: `Shortfall (${unit})` },
      color: {
        field: 'part',
        type: 'nominal',
        title: 'Covered by',
        scale: {
          domain: [...COVER_PARTS],
          range: [COLOURS.fund_cover, COLOURS.feePool, COLOURS.adl, COLOURS.socialized, COLOURS.uncovered],
        },
      },
      order: { field: 'order', type: 'quantitative' },
    },
    transform: [
      {
        calculate: `indexof(${JSON.stringify([...COVER_PARTS])}, datum.part)`,
        as: 'order',
      },
    ],
  } as TopLevelSpec
}

export async function deficitsByIncidentChart(rows: IncidentDeficitPart[], unit: string): Promise<RenderedChart> {
  return {
    name: 'deficits-by-incident',
    title: 'Deficits per incident',
    svg: await renderSvg(deficitsByIncidentSpec(rows, unit)),
  }
}
