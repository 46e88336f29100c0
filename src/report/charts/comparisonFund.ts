// Several rule sets over the same window: the insurance-fund balance of each run, one line per rule set.
import type { TopLevelSpec } from 'vega-lite'
import { renderSvg, type RenderedChart } from './render.ts'
import { CHART_HEIGHT, CHART_WIDTH, PALETTE, spanOf, utcTimeX } from './theme.ts'

export interface ComparisonPoint {
  tsMs: number
  /** The rule set's label, e.g. "binance-um@2021-03-18". */
  ruleSet: string
  /** Total fund balance at the end of the bucket (quote units). */
  balance: number
}

export function comparisonFundSpec(points: ComparisonPoint[], ruleSets: string[], unit: string): TopLevelSpec {
  return {
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    title: { text: 'Insurance fund by rule set', subtitle: 'Total fund balance at the end of each bucket' },
    data: { values: points },
    mark: { type: 'line', strokeWidth: 1.5, interpolate: 'step-after' },
    encoding: {
      x: utcTimeX('tsMs', spanOf(points.map((p) => p.tsMs))),
      y: { field: 'balance', type: 'quantitative', title: `Balance (${unit})`, scale: { zero: false } },
      color: {
        field: 'ruleSet',
        type: 'nominal',
        title: 'Rule set',
        scale: { domain: ruleSets, range: PALETTE.slice(0, ruleSets.length) },
      },
    },
  } as TopLevelSpec
}

export async function comparisonFundChart(
  points: ComparisonPoint[],
  ruleSets: string[],
  unit: string,
): Promise<RenderedChart> {
  return {
    name: 'comparison-fund',
    title: 'Insurance fund by rule set',
    svg: await renderSvg(comparisonFundSpec(points, ruleSets, unit)),
  }
}
