// Fixed chart inputs for the golden SVG test (and its child process run under another time zone).
import type { TopLevelSpec } from 'vega-lite'
import { comparisonFundChart, comparisonFundSpec } from '../../src/report/charts/comparisonFund.ts'
import {
  deficitsByIncidentChart,
  deficitsByIncidentSpec,
  type IncidentDeficitPart,
} from '../../src/report/charts/deficitsByIncident.ts'
import { fundBalanceChart, fundBalanceSpec } from '../../src/report/charts/fundBalance.ts'
import {
  incidentTimelineChart,
  incidentTimelineSpec,
  type IncidentTimelineInput,
} from '../../src/report/charts/incidentTimeline.ts'
import { liquidationsByHourChart, liquidationsByHourSpec } from '../../src/report/charts/liquidationsByHour.ts'
import type { RenderedChart } from '../../src/report/charts/render.ts'

const T = Date.UTC(2025, 9, 10, 9, 0, 0)
const MIN = 60_000

function inputs() {
  const fund = Array.from({ length: 48 }, (_, i) => {
    const close = 1_000_000 - (i > 20 && i < 30 ? (i - 20) * 40_000 : 0) + i * 1_000
    return { tsMs: T + i * 30 * MIN, fund: 'insurance', close, low: close - 5_000, high: close + 2_000 }
  })
  const hourly = Array.from({ length: 24 }, (_, h) => [
    { hourMs: T + h * 60 * MIN, kind: 'full', count: h, notional: h * 100_000 },
    { hourMs: T + h * 60 * MIN, kind: 'partial', count: h % 3, notional: (h % 3) * 50_000 },
  ]).flat()
  const prices = Array.from({ length: 60 }, (_, i) => {
    const p = 60_000 * (1 - (i > 20 && i < 30 ? (i - 20) * 0.01 : i >= 30 ? 0.1 : 0))
    return [
      { tsMs: T + i * MIN, series: 'venue price' as const, price: p },
      { tsMs: T + i * MIN, series: 'mark' as const, price: p * 1.001 },
      { tsMs: T + i * MIN, series: 'oracle' as const, price: p * 0.999 },
      { tsMs: T + i * MIN, series: 'reference' as const, price: p * 1.0005 },
    ]
  }).flat()
  const deficits = [
    { incident: '#1 BTCUSDT 10-10 09:21', part: 'insurance fund', amount: 300_000 },
    { incident: '#1 BTCUSDT 10-10 09:21', part: 'ADL', amount: 120_000 },
    { incident: '#1 BTCUSDT 10-10 09:21', part: 'uncovered', amount: 40_000 },
    { incident: '#2 ETHUSDT 10-10 13:02', part: 'insurance fund', amount: 90_000 },
  ] as IncidentDeficitPart[]
  const timeline: IncidentTimelineInput = {
    name: 'incident-1',
    title: 'Incident #1: BTCUSDT prices and liquidations',
    subtitle: '2025-10-10 09:00–10:00 UTC',
    unit: 'USDT',
    prices,
    liquidations: [
      { tsMs: T + 22 * MIN, price: 58_700, side: 'long', notional: 250_000 },
      { tsMs: T + 25 * MIN, price: 57_000, side: 'long', notional: 900_000 },
      { tsMs: T + 40 * MIN, price: 54_200, side: 'short', notional: 80_000 },
    ],
  }
  const comparison = fund.flatMap((p) => [
    { tsMs: p.tsMs, ruleSet: 'binance-um@2025-09-18', balance: p.close },
    { tsMs: p.tsMs, ruleSet: 'thin-fund#1', balance: p.close / 4 },
  ])
  return { fund, hourly, deficits, timeline, comparison, ruleSets: ['binance-um@2025-09-18', 'thin-fund#1'] }
}

export async function fixtureCharts(): Promise<RenderedChart[]> {
  const i = inputs()
  return [
    await fundBalanceChart({ points: i.fund, bucketSeconds: 1_800, unit: 'USDT' }),
    await liquidationsByHourChart(i.hourly, 'USDT'),
    await deficitsByIncidentChart(i.deficits, 'USDT'),
    await incidentTimelineChart(i.timeline),
    await comparisonFundChart(i.comparison, i.ruleSets, 'USDT'),
  ]
}

export async function fixtureSpecs(): Promise<TopLevelSpec[]> {
  const i = inputs()
  return [
    fundBalanceSpec({ points: i.fund, bucketSeconds: 1_800, unit: 'USDT' }),
    liquidationsByHourSpec(i.hourly, 'USDT'),
    deficitsByIncidentSpec(i.deficits, 'USDT'),
    incidentTimelineSpec(i.timeline),
    comparisonFundSpec(i.comparison, i.ruleSets, 'USDT'),
  ]
}
