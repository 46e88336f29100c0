// Liquidated notional per UTC hour, stacked by liquidation kind (full, partial, takeover, backstop, deleveraged).
import type { TopLevelSpec } from 'vega-lite'
import { renderSvg, type RenderedChart } from './render.ts'
import { CHART_HEIGHT, CHART_WIDTH, PALETTE, spanOf } from './theme.ts'

export interface HourlyLiquidations {
  /** Start of the hour, ms since the epoch (UTC). */
  hourMs: number
  kind: string
  count: number
  /** Liquidated notional in quote units. */
  notional: number
}

/** Kinds in the order the engine documents them, so colours are stable across reports. */
export const LIQUIDATION_KINDS = ['full', 'partial', 'takeover', 'backstop', 'deleveraged'] as const

export function liquidationsByHourSpec(rows: HourlyLiquidations[], unit: string): TopLevelSpec {
  const known = LIQUIDATION_KINDS as readonly string[]
  const kinds = [...known, ...[...new Set(rows.map((r) => r.kind))].filter((k) => !known.includes(k)).sort()]
  const count = rows.reduce((n, r) => n + r.count, 0)
  return {
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    title: {
      text: 'Liquidations by hour',
      subtitle: `${count.toLocaleString('en-US')} liquidations; bars: liquidated notional per UTC hour by kind`,
    },
    data: { values: rows },
    mark: { type: 'bar' },
    encoding: {
      x: {
        field: 'hourMs',
        type: 'temporal',
        timeUnit: 'utcyearmonthdatehours',
        title: 'Hour (UTC)',
        axis: { format: spanOf(rows.map((r) => r.hourMs)) > 86_400_000 ? '%d %b %H:%M' : '%H:%M' },
      },
      y: { field: 'notional', type: 'quantitative', aggregate: 'sum', title: `Liquidated notional (${unit})` },
      color: {
        field: 'kind',
        type: 'nominal',
        title: 'Kind',
        scale: { domain: kinds, range: PALETTE.slice(0, kinds.length) },
      },
      order: { field: 'order', type: 'quantitative' },
    },
    transform: [{ calculate: `indexof(${JSON.stringify(kinds)}, datum.kind)`, as: 'order' }],
  } as TopLevelSpec
}

export async function liquidationsByHourChart(rows: HourlyLiquidations[], unit: string): Promise<RenderedChart> {
  return {
    name: 'liquidations-by-hour',
    title: 'Liquidations by hour',
    svg: await renderSvg(liquidationsByHourSpec(rows, unit)),
  }
}
