// The sweep's Pareto frontier: every evaluated point by cost (initial margin locked per unit of notional) and risk
// (bad debt over every window), the frontier as a line from the cheapest point, and the recommended point marked.
import type { TopLevelSpec } from 'vega-lite'
import { renderSvg, type RenderedChart } from './render.ts'
import { CHART_HEIGHT, CHART_WIDTH, COLOURS, PALETTE } from './theme.ts'

export interface FrontierPoint {
  index: number
  /** Initial margin per unit of notional (a fraction). */
  cost: number
  /** Bad debt over every window, in quote units. */
  badDebt: number
  onFrontier: boolean
  recommended: boolean
  /** Position along the frontier (0 = cheapest), null off it. */
  frontierOrder: number | null
}

export const FRONTIER_GROUPS = ['on the frontier', 'off the frontier'] as const

/** `budget`: the per-window bad-debt budget, drawn when the sweep has one window (then it bounds the y value). */
export function sweepFrontierSpec(points: FrontierPoint[], unit: string, budget: number | null): TopLevelSpec {
  const rows = points.map((p) => ({
    ...p,
    group: p.onFrontier ? FRONTIER_GROUPS[0] : FRONTIER_GROUPS[1],
    label: `point ${p.index}`,
  }))
  const x = {
    field: 'cost',
    type: 'quantitative',
    title: 'Initial margin per unit of notional (cost to traders)',
    scale: { zero: false, nice: true },
    axis: { format: '.2%' },
  } as const
  const y = { field: 'badDebt', type: 'quantitative', title: `Bad debt over all windows (${unit})` } as const
  return {
    width: CHART_WIDTH,
    height: CHART_HEIGHT + 60,
    title: {
      text: 'Risk vs cost: the Pareto frontier',
      subtitle: [
        'Each dot is a point of the sweep; the line joins the frontier (points no other point beats on both);',
        `the ring marks the recommended point${budget === null ? '' : `; the dashed rule is the budget (${budget} ${unit})`}`,
      ],
    },
    data: { values: rows },
    layer: [
      {
        mark: { type: 'line', color: COLOURS.fund, strokeWidth: 2, interpolate: 'step-after' },
        transform: [{ filter: 'datum.onFrontier' }],
        encoding: { x, y, order: { field: 'frontierOrder', type: 'quantitative' } },
      },
      {
        mark: { type: 'point', filled: true, size: 60, opacity: 0.9 },
        encoding: {
          x,
          y,
          color: {
            field: 'group',
            type: 'nominal',
            title: 'Point',
            scale: { domain: [...FRONTIER_GROUPS], range: [COLOURS.fund, PALETTE[7]!] },
          },
          tooltip: [
            { field: 'label', type: 'nominal' },
            { field: 'cost', type: 'quantitative', format: '.4%' },
            { field: 'badDebt', type: 'quantitative' },
          ],
        },
      },
      {
        mark: { type: 'point', shape: 'circle', size: 360, strokeWidth: 2.5, color: COLOURS.short, filled: false },
        transform: [{ filter: 'datum.recommended' }],
        encoding: { x, y },
      },
      {
        mark: { type: 'text', align: 'left', dx: 12, dy: -10, fontSize: 11, fontWeight: 'bold', color: COLOURS.short },
        transform: [{ filter: 'datum.recommended' }, { calculate: "'recommended: ' + datum.label", as: 'text' }],
        encoding: { x, y, text: { field: 'text', type: 'nominal' } },
      },
      ...(budget === null
        ? []
        : [
            {
              mark: { type: 'rule', strokeDash: [4, 4], color: COLOURS.deficit },
              data: { values: [{ budget }] },
              encoding: { y: { field: 'budget', type: 'quantitative' } },
            },
          ]),
    ],
  } as TopLevelSpec
}

export async function sweepFrontierChart(
  points: FrontierPoint[],
  unit: string,
  budget: number | null,
): Promise<RenderedChart> {
  return {
    name: 'sweep-frontier',
    title: 'Risk vs cost: the Pareto frontier',
    svg: await renderSvg(sweepFrontierSpec(points, unit, budget)),
  }
}
