// A sweep's report: `report --sweep` / generateReport(sweepId) renders a succeeded sweep run read through the store —
// the frontier chart (points, frontier line, recommended point ringed, axis titles with units), the points table
// frontier first, the recommendation as `rules derive` paths (or the statement that no point holds), the windows and
// positions, and skipped points with their problems — as HTML, Markdown and JSON with every figure. One small sweep
// (an hour of 1 s bars, 300 positions, 4 points of which one is invalid) is the fixture: ~10 s.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { jobRegistry } from '../jobs/registry.ts'
import { RunManager } from '../jobs/runManager.ts'
import { InvalidInputError, NotFoundError } from '../src/errors.ts'
import { deriveStoredRuleSet } from '../src/replay/rules/catalog.ts'
import type { SweepDocument, SweepPointResult } from '../src/replay/sweep/execute.ts'
import { renderSweepHtml } from '../src/report/render/sweepHtml.ts'
import { renderSweepMarkdown } from '../src/report/render/sweepMarkdown.ts'
import { sweepCharts } from '../src/report/sweep/generate.ts'
import { buildSweepReportModel, type SweepReportModel } from '../src/report/sweep/model.ts'
import { compactAmount } from '../src/report/render/format.ts'
import { pointsTable } from '../src/report/render/sweepTables.ts'
import { getReport } from '../src/store/meta/reports.ts'
import { readAllSweepPoints, readSweepDocument } from '../src/store/results/sweepResults.ts'
import { barsFromCloses, insertBars } from './support/marketData.ts'
import { testRuntime } from './support/runtime.ts'

const runtime = await testRuntime()
const runs = new RunManager(runtime, jobRegistry)
afterAll(() => runs.stop(5000))
const T0 = Date.UTC(2025, 9, 10)
const iso = (ms: number) => new Date(ms).toISOString()
const ARTIFACTS = path.join(import.meta.dirname, 'artifacts')

let sweepId: string
let document: Omit<SweepDocument, 'points'>
let points: SweepPointResult[]
let reportId: string
let json: SweepReportModel & { charts: string[] }
const file = (name: string) => fs.readFileSync(path.join(runtime.config.dataDir, 'reports', reportId, name), 'utf8')

beforeAll(async () => {
  // an hour of 1 s bars with a −8 % minute in the middle
  const closes: number[] = []
  let p = 60_000
  for (let i = 0; i < 3_600; i++) {
    if (i === 1_800) p *= 0.9 // a one-second gap: positions jump past their bankruptcy price
    closes.push(p)
  }
  await insertBars(runtime.duck, 'sweepr', 'BTCUSDT', 1, barsFromCloses(T0 * 1000, closes, {}, 2e6))
  // a fund that starts empty and is the only cover: a deficit is bad debt, so points differ in risk
  await deriveStoredRuleSet(runtime.meta, {
    from: 'binance-um',
    name: 'empty-fund',
    set: [
      { path: 'insuranceFund.initialBalance', value: '0' },
      { path: 'insuranceFund.takeoverNotionalCap', value: null },
      { path: 'waterfall', value: [{ kind: 'insuranceFund' }] },
    ],
  })
  const sweep = await runs.run(
    'sweep',
    {
      ruleSet: 'empty-fund',
      venue: 'sweepr',
      markets: ['BTCUSDT'],
      windows: [{ from: iso(T0), to: iso(T0 + 3_600_000) }],
      positions: 'synthetic',
      population: { initialPositions: 400, entryLookbackHours: 0, leverageMax: 50 },
      // imr 0.0045 is valid with the base's mmr 0.004 but not with it scaled up: those points are skipped
      vary: [
        'maintenanceScale=1,1.95',
        'margin.default.brackets[0].imr=0.008,0.0045',
        'insuranceFund.initialBalance="0","200000"',
      ],
      budget: '1000',
    },
    { trigger: 'api' },
  )
  expect(sweep.status).toBe('succeeded')
  sweepId = sweep.runId
  document = JSON.parse((await readSweepDocument(runtime, sweepId))!) as typeof document
  points = (await readAllSweepPoints(runtime.duck, sweepId)).map((x) => JSON.parse(x) as SweepPointResult)
  const report = await runs.run('report.generate', { sweepId }, { trigger: 'cli' })
  expect(report.error).toBeNull()
  reportId = report.runId
  json = JSON.parse(file('report.json')) as typeof json
}, 180_000)

describe('a sweep report', () => {
  test('is a report run with a row of kind sweep and HTML, Markdown, the frontier SVG and JSON', async () => {
    const row = (await getReport(runtime.meta, reportId))!
    expect(row).toMatchObject({ kind: 'sweep', runId: sweepId, runIds: [sweepId], deliveryStatus: 'none' })
    expect((row.files as Array<{ name: string }>).map((f) => f.name).sort()).toEqual(
      ['report.html', 'report.json', 'report.md', 'sweep-frontier.svg'].sort(),
    )
    // the row's headline is the base rule set's figures over the windows, the fund's drawdown fraction included
    expect(typeof document.base[0]!.risk.fundMaxDrawdownFraction).toBe('number')
    expect(row.headline).toMatchObject({
      totalBadDebt: document.base[0]!.risk.badDebt,
      liquidations: document.base[0]!.liquidations,
      maxFundDrawdownFraction: document.base[0]!.risk.fundMaxDrawdownFraction,
      timeToFirstDeficitSeconds: null,
    })
  })

  test('the JSON has every figure of every point, the frontier, the recommendation, windows and skipped points', () => {
    expect(json).toMatchObject({
      kind: 'sweep',
      sweepRunId: sweepId,
      venue: 'sweepr',
      markets: ['BTCUSDT'],
      unit: 'USDT',
      windows: document.sweep.windows,
      positions: 'synthetic',
      budget: document.sweep.budget,
      frontier: document.frontier,
      recommendation: document.recommendation,
      base: { ruleSet: 'empty-fund', hash: document.sweep.ruleSetHash, windows: document.base },
      charts: ['sweep-frontier.svg'],
    })
    const evaluated = points.filter((p) => p.status === 'evaluated')
    expect(json.points).toHaveLength(evaluated.length)
    for (const p of evaluated) {
      const row = json.points.find((r) => r.index === p.index)!
      expect(row).toMatchObject({ ...p.totals, values: p.values, windows: p.windows, ruleSetHash: p.ruleSetHash })
      expect(row.onFrontier).toBe(document.frontier.includes(p.index))
      expect(row.recommended).toBe(document.recommendation.point === p.index)
    }
    // frontier first, in the frontier's order, then the rest by index
    const order = json.points.map((r) => r.index)
    expect(order.slice(0, document.frontier.length)).toEqual(document.frontier)
    const rest = order.slice(document.frontier.length)
    expect(rest).toEqual([...rest].sort((a, b) => a - b))
    // the fund axis makes the difference: the recommendation is the cheapest point with the larger fund
    expect(json.recommendation.set).toEqual(['insuranceFund.initialBalance="200000"'])
    expect(json.base.badDebt).not.toBe('0')
    // the two combinations where the scaled maintenance rate passes imr 0.0045 are skipped with their problems
    expect(json.skipped.map((s) => s.index)).toEqual([6, 7])
    for (const s of json.skipped) {
      expect(s.values).toEqual(points[s.index]!.values)
      expect(s.problems).toEqual([
        expect.objectContaining({ path: 'margin.default.brackets[0].mmr', received: 0.0078 }),
      ])
    }
  })

  test('the frontier chart has a dot per point, the frontier line, the recommended ring, titles and units', () => {
    const svg = file('sweep-frontier.svg')
    expect(svg).toContain('Risk vs cost: the Pareto frontier')
    expect(svg).toContain('Bad debt over all windows (USDT)')
    expect(svg).toContain('Initial margin per unit of notional')
    expect(svg).toContain('>on the frontier<') // the legend
    const group = (mark: string) => {
      const m = new RegExp(`<g class="mark-${mark} role-mark layer_(\\d)_marks"[^>]*>(.*?)</g>`, 's').exec(svg)
      return m ? (m[2]!.match(/<path /g) ?? []).length + (m[2]!.match(/<text /g) ?? []).length : 0
    }
    expect(group('line')).toBe(1)
    // the dots: layer 1 holds one per evaluated point; layer 2 the ring around the recommended one
    const symbols = [...svg.matchAll(/<g class="mark-symbol role-mark layer_(\d)_marks"[^>]*>(.*?)<\/g>/gs)]
    const dots = symbols.map((m) => (m[2]!.match(/<path /g) ?? []).length)
    const recommended = document.recommendation.point !== null
    expect(dots).toEqual(recommended ? [json.points.length, 1] : [json.points.length, 0])
    if (recommended) expect(svg).toContain(`recommended: point ${document.recommendation.point}`)
    expect(svg).toContain('mark-rule') // the budget (one window)
  })

  test('the HTML and Markdown show the points frontier first, the recommendation and the skipped point', () => {
    const html = file('report.html')
    expect(html).not.toMatch(/<script|src="http|href="http/)
    expect(html).toContain('<svg')
    const table = /<table data-table="points">.*?<tbody>(.*?)<\/tbody>/s.exec(html)![1]!
    const firstCells = [...table.matchAll(/<tr><td class="num">(\d+)/g)].map((m) => Number(m[1]))
    expect(firstCells).toEqual(json.points.map((p) => p.index))
    const r = document.recommendation
    if (r.point !== null) {
      expect(html).toContain(`data-recommendation="${r.point}"`)
      for (const s of r.set) expect(html).toContain(`<td>${s.slice(0, s.indexOf('='))}</td>`)
      expect(html).toContain('data-table="base-vs-recommended"')
    } else expect(html).toContain('data-recommendation="none"')
    expect(html).toContain('data-table="skipped"')
    expect(html).toContain('expected')
    expect(html).toContain('2025-10-10 00:00 UTC – 2025-10-10 01:00 UTC')
    const markdown = file('report.md')
    expect(markdown).toContain('![Risk vs cost: the Pareto frontier](sweep-frontier.svg)')
    expect(markdown).toContain('## Skipped points')
    expect(markdown).toContain('- 2025-10-10 00:00 UTC – 2025-10-10 01:00 UTC')
    // kept for a reviewer, beside the backtest report of report.browser.test.ts
    fs.mkdirSync(ARTIFACTS, { recursive: true })
    fs.writeFileSync(path.join(ARTIFACTS, 'sweep-report.html'), html)
  })

  test('a sweep where no point holds within the budget states so, with no recommendation table', async () => {
    const none: SweepReportModel = {
      ...json,
      points: json.points.map((p) => ({ ...p, recommended: false })),
      recommendation: {
        point: null,
        statement: 'no point keeps bad debt within 0 in every window',
        set: [],
        command: null,
      },
    }
    const charts = await sweepCharts(none)
    expect(charts[0]!.svg).not.toContain('recommended: point')
    const html = renderSweepHtml(none, charts)
    expect(html).toContain('data-recommendation="none"')
    expect(html).toContain('no point keeps bad debt within 0 in every window.')
    expect(html).not.toContain('data-table="recommendation"')
    expect(renderSweepMarkdown(none, charts)).toContain('no point keeps bad debt within 0 in every window.')
  })

  test('a sweep with cost-of-attack searches shows each point’s cost, or what none broke it up to', () => {
    const searched = {
      pattern: 'thin-market-push',
      market: 'BTCUSDT',
      at: iso(T0),
      window: '',
      breaks: 'deficit' as const,
    }
    const evaluated = points.filter((p) => p.status === 'evaluated')
    const cost = (p: SweepPointResult) => ({
      ...searched,
      // the first point holds up to the maximum; the others break at a capital of their own
      costOfAttack: p.index === evaluated[0]!.index ? null : `${1_000_000 + p.index * 250_000}.000000`,
      maxCapital: '1000000000.000000',
      profitAtCost: null,
      atMinimum: false,
      steps: 9,
      statement: '',
    })
    const model = buildSweepReportModel({
      id: 'r',
      sweepRunId: sweepId,
      generatedAt: new Date(0),
      document: { ...document, sweep: { ...document.sweep, attackCost: [searched] } },
      points: points.map((p) => (p.status === 'evaluated' ? { ...p, attackCost: [cost(p)] } : p)),
    })
    expect(model.attacks).toEqual([searched])
    for (const row of model.points) expect(row.attackCost).toEqual([cost(points[row.index]!)])
    const table = pointsTable(model)
    const column = table.head.indexOf('Cost of attack: thin-market-push at 2025-10-10 00:00 UTC (USDT)')
    expect(column).toBeGreaterThan(0)
    const cells = new Map(model.points.map((r, i) => [r.index, table.rows[i]![column]]))
    expect(cells.get(evaluated[0]!.index)).toBe(`none up to ${compactAmount('1000000000')}`)
    expect(cells.get(evaluated[1]!.index)).toBe(compactAmount(cost(evaluated[1]!).costOfAttack!))
    // a sweep without searches has no such column
    expect(pointsTable(json).head.some((h) => h.startsWith('Cost of attack'))).toBe(false)
  })

  test('bad requests are refused at submission and record nothing', async () => {
    const before = await runtime.meta.jobRun.count()
    await expect(runs.run('report.generate', { sweepId, runId: sweepId }, { trigger: 'cli' })).rejects.toThrow(
      InvalidInputError,
    )
    await expect(runs.run('report.generate', {}, { trigger: 'cli' })).rejects.toThrow(/exactly one of runId/)
    await expect(runs.run('report.generate', { sweepId: 'no-such-run' }, { trigger: 'cli' })).rejects.toThrow(
      NotFoundError,
    )
    // a run that is not a sweep (the report run itself succeeded, but keeps no sweep)
    await expect(runs.run('report.generate', { sweepId: reportId }, { trigger: 'cli' })).rejects.toThrow(
      /only a succeeded sweep run/,
    )
    await expect(runs.run('report.generate', { sweepId, compare: [sweepId] }, { trigger: 'cli' })).rejects.toThrow(
      /compared with nothing/,
    )
    expect(await runtime.meta.jobRun.count()).toBe(before)
  })
})
