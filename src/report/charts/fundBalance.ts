// Insurance-fund balance over time: per fund, the balance at the end of each bucket and the band it moved in.
import type { TopLevelSpec } from 'vega-lite'
import { renderSvg, type RenderedChart } from './render.ts'
import { CHART_HEIGHT, CHART_WIDTH, COLOURS, PALETTE, spanOf, utcTimeX } from './theme.ts'

export interface FundPoint {
  /** Start of the bucket, ms since the epoch (UTC). */
  tsMs: number
  fund: string
  /** Balance after the bucket's last movement, and the lowest and highest balance inside it (quote units). */
  close: number
  low: number
  high: number
}

export interface FundBalanceInput {
  points: FundPoint[]
  bucketSeconds: number
  /** Quote currency shown in the axis title, e.g. "USDT". */
  unit: string
}

export function fundBalanceSpec(input: FundBalanceInput): TopLevelSpec {
  const funds = [...new Set(input.points.map((p) => p.fund))].sort()
  const colours = funds.length === 1 ? [COLOURS.fund] : PALETTE.slice(0, funds.length)
  const x = utcTimeX('tsMs', spanOf(input.points.map((p) => p.tsMs)))
  return {
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    title: {
      text: 'Insurance fund balance',
      subtitle: `Line: balance at the end of each ${bucketLabel(input.bucketSeconds)}; band: its low and high inside it`,
    },
    data: { values: input.points },
    encoding: {
      x,
      color: { field: 'fund', type: 'nominal', title: 'Fund', scale: { domain: funds, range: colours } },
    },
    layer: [
      {
        mark: { type: 'area', opacity: 0.3, interpolate: 'step-after' },
        encoding: {
          y: { field: 'low', type: 'quantitative', title: `Balance (${input.unit})`, scale: { zero: false } },
          y2: { field: 'high' },
        },
      },
      {
        mark: { type: 'line', strokeWidth: 1.5, interpolate: 'step-after' },
        encoding: { y: { field: 'close', type: 'quantitative' } },
      },
    ],
  } as TopLevelSpec
}

export async function fundBalanceChart(input: FundBalanceInput): Promise<RenderedChart> {
  return { name: 'fund-balance', title: 'Insurance fund balance', svg: await renderSvg(fundBalanceSpec(input)) }
}

/** "minute", "5 minutes", "hour", "day" … for subtitles. */
export function bucketLabel(seconds: number): string {
  const units: Array<[number, string]> = [
    [86_400, 'day'],
    [3_600, 'hour'],
    [60, 'minute'],
    [1, 'second'],
  ]
  for (const [size, name] of units) {
    if (seconds % size === 0) {
      const n = seconds / size
      return n === 1 ? name : `${n} ${name}s`
    }
  }
  return `${seconds} seconds`
}
