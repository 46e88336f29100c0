// The look every report chart shares: fixed sizes, fonts and colours, so the same series always give the same SVG.
import type { Config } from 'vega-lite'

/** Width and height of the plotting area in px (the SVG adds axes, titles and legends around it). */
export const CHART_WIDTH = 760
export const CHART_HEIGHT = 220

/** One font stack for every chart (DejaVu ships with Debian's Chromium; the others cover other readers). */
export const CHART_FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif'

/** Series colours by meaning, so a colour means the same thing in every chart of a report. */
export const COLOURS = {
  fund: '#1f5fa8',
  fundBand: '#9dbde6',
  venue: '#222222',
  mark: '#d9730d',
  oracle: '#6b3fa0',
  reference: '#2e8b57',
  long: '#c0392b',
  short: '#1f7a4d',
  deficit: '#b03a2e',
  fund_cover: '#1f5fa8',
  feePool: '#5dade2',
  adl: '#e67e22',
  socialized: '#8e44ad',
  uncovered: '#b03a2e',
} as const

/** Categorical palette for kinds and runs (colour-blind friendly, Tableau 10 order). */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7']

export const chartConfig: Config = {
  font: CHART_FONT,
  background: 'white',
  padding: 8,
  view: { stroke: '#dddddd' },
  title: { fontSize: 14, fontWeight: 'bold', anchor: 'start', subtitleFontSize: 11, subtitleColor: '#555555' },
  axis: {
    labelFontSize: 11,
    titleFontSize: 11,
    titleFontWeight: 'normal',
    gridColor: '#eeeeee',
    domainColor: '#888888',
    tickColor: '#888888',
  },
  legend: { labelFontSize: 11, titleFontSize: 11, orient: 'top', direction: 'horizontal', labelLimit: 320 },
  range: { category: PALETTE },
}

/**
 * The x encoding of a time chart: a UTC scale (its labels are formatted in UTC) with 24-hour labels, the date added
 * when the data spans more than a day (vega's default labels are in 12-hour time).
 */
export function utcTimeX(field: string, spanMs: number, title = 'Time (UTC)') {
  const format = spanMs > 86_400_000 ? '%d %b %H:%M' : spanMs > 600_000 ? '%H:%M' : '%H:%M:%S'
  return {
    field,
    type: 'temporal',
    title,
    scale: { type: 'utc' },
    axis: { format, labelOverlap: true },
  } as const
}

/** The span of the times of `points` in ms (0 for fewer than two). */
export const spanOf = (times: number[]) => (times.length > 1 ? Math.max(...times) - Math.min(...times) : 0)
