// One incident's timeline: the venue's trade price against its mark, the oracle and a reference price, with the
// replay's liquidations marked where they filled.
import type { TopLevelSpec } from 'vega-lite'
import { renderSvg, type RenderedChart } from './render.ts'
import { CHART_HEIGHT, CHART_WIDTH, COLOURS, spanOf, utcTimeX } from './theme.ts'

export const PRICE_SERIES = ['venue price', 'mark', 'oracle', 'reference'] as const
export type PriceSeries = (typeof PRICE_SERIES)[number]

export interface PricePoint {
  tsMs: number
  series: PriceSeries
  price: number
}

export interface LiquidationMark {
  tsMs: number
  /** Fill price of the liquidation. */
  price: number
  side: 'long' | 'short'
  /** Notional in quote units. */
  notional: number
}

export interface IncidentTimelineInput {
  /** Chart file stem, e.g. "incident-1". */
  name: string
  title: string
  subtitle: string
  prices: PricePoint[]
  liquidations: LiquidationMark[]
  /** Quote currency for the axis title. */
  unit: string
}

export function incidentTimelineSpec(input: IncidentTimelineInput): TopLevelSpec {
  const present = PRICE_SERIES.filter((s) => input.prices.some((p) => p.series === s))
  const colour = {
    'venue price': COLOURS.venue,
    mark: COLOURS.mark,
    oracle: COLOURS.oracle,
    reference: COLOURS.reference,
  }
  const x = utcTimeX('tsMs', spanOf(input.prices.map((p) => p.tsMs)))
  const layers: unknown[] = [
    {
      data: { values: input.prices },
      mark: { type: 'line', strokeWidth: 1.4, interpolate: 'step-after' },
      encoding: {
        x,
        y: { field: 'price', type: 'quantitative', title: `Price (${input.unit})`, scale: { zero: false } },
        color: {
          field: 'series',
          type: 'nominal',
          title: 'Price',
          scale: { domain: present, range: present.map((s) => colour[s]) },
        },
      },
    },
  ]
  if (input.liquidations.length) {
    layers.push({
      data: { values: input.liquidations },
      mark: { type: 'point', filled: true, opacity: 0.75, color: COLOURS.deficit },
      encoding: {
        x,
        y: { field: 'price', type: 'quantitative' },
        shape: {
          field: 'side',
          type: 'nominal',
          title: 'Liquidated',
          scale: { domain: ['long', 'short'], range: ['triangle-down', 'triangle-up'] },
        },
        size: { field: 'notional', type: 'quantitative', title: `Notional (${input.unit})`, legend: null },
      },
    })
  }
  return {
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    title: { text: input.title, subtitle: input.subtitle },
    layer: layers,
  } as TopLevelSpec
}

export async function incidentTimelineChart(input: IncidentTimelineInput): Promise<RenderedChart> {
  return { name: input.name, title: input.title, svg: await renderSvg(incidentTimelineSpec(input)) }
}
