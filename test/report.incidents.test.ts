// Reports read the detectors' incidents: before any detect run over a backtest, the report says detectors were not
// run and lists deficit clusters; after one, it lists the run-scope incidents inside the run's window and markets
// with the run's deficits in each window (summing to the run's shortfall), the detectors that fired, the accounts and
// the detections' evidence, in JSON, HTML and Markdown.
import fs from 'node:fs'
import path from 'node:path'
import { Decimal } from 'decimal.js'
import { beforeAll, describe, expect, test } from 'vitest'
import { jobRegistry } from '../jobs/registry.ts'
import { RunManager } from '../jobs/runManager.ts'
import { INCIDENTS_LISTED } from '../src/report/build.ts'
import { reportCharts } from '../src/report/charts/index.ts'
import { generateReport, reportDependencies } from '../src/report/generate.ts'
import type { ReportModel } from '../src/report/model.ts'
import { renderHtml } from '../src/report/render/html.ts'
import { renderMarkdown } from '../src/report/render/markdown.ts'
import { readIncidentDetections } from '../src/store/detect/detectionLists.ts'
import { readIncidents } from '../src/store/detect/incidents.ts'
import { getBacktestRun } from '../src/store/meta/backtestRuns.ts'
import { REPORT_MARKET, REPORT_VENUE, reportPopulation, seedReportDay } from './support/reportData.ts'
import { runBacktestToEnd } from './support/reportRuns.ts'
import { testRuntime } from './support/runtime.ts'

const runtime = await testRuntime()
const DAY = Date.UTC(2025, 9, 10)
const deps = () => reportDependencies(runtime)
const files = (id: string) => {
  const dir = path.join(runtime.config.dataDir, 'reports', id)
  return {
    model: JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8')) as ReportModel,
    html: fs.readFileSync(path.join(dir, 'report.html'), 'utf8'),
    md: fs.readFileSync(path.join(dir, 'report.md'), 'utf8'),
  }
}

let runId: string
beforeAll(async () => {
  await seedReportDay(runtime.duck, DAY)
  runId = await runBacktestToEnd(runtime, {
    ruleSet: 'binance-um',
    venue: REPORT_VENUE,
    markets: [REPORT_MARKET],
    from: new Date(DAY).toISOString(),
    to: new Date(DAY + 86_400_000).toISOString(),
    positions: 'synthetic',
    seed: 7,
    population: { ...reportPopulation },
  })
}, 240_000)

describe('report incidents', () => {
  test('without a detect run over the backtest, the report says so and lists deficit clusters', async () => {
    const report = await generateReport(deps(), { runId })
    const { model, html, md } = files(report.id)
    expect(model.incidents.source).toBe('deficit-clusters')
    expect(model.incidents.detection).toMatchObject({ ran: false, runs: [] })
    expect(model.incidents.detection.note).toMatch(/not run/)
    expect(html).toContain('data-detection="not-run"')
    expect(md).toContain('Detectors were not run over this run')
    for (const i of model.incidents.items) expect(i.detections).toEqual([])
  }, 120_000)

  test('after a detect run over the backtest, the report lists its incidents with deficits, detectors and evidence', async () => {
    const runs = new RunManager(runtime, jobRegistry)
    let detectRunId: string
    try {
      const result = await runs.run('detect', { venue: REPORT_VENUE, runId }, { trigger: 'api' })
      expect(result.status).toBe('succeeded')
      detectRunId = result.runId
    } finally {
      await runs.stop(5000)
    }
    const report = await generateReport(deps(), { runId })
    const { model, html, md } = files(report.id)
    const section = model.incidents
    expect(section.source).toBe('incidents')
    expect(section.detection.ran).toBe(true)
    expect(section.detection.runs[0]).toMatchObject({ runId: detectRunId })
    expect(section.detection.runs[0]!.detectors.length).toBeGreaterThan(0)
    expect(html).toContain('data-detection="ran"')
    expect(md).toContain(`detect run ${detectRunId}`)

    // the same incidents as the store's run scope, inside the run's window and markets
    const stored = await readIncidents(runtime.duck, { runId })
    expect(section.total).toBe(stored.length)
    expect(section.items.length).toBe(Math.min(stored.length, INCIDENTS_LISTED))
    for (const i of section.items) {
      expect(i.markets).toContain(REPORT_MARKET)
      expect(i.from >= new Date(DAY).toISOString() || i.to > new Date(DAY).toISOString()).toBe(true)
      expect(i.accountIds.length).toBe(i.accounts)
    }
    // every deficit of the run is in exactly one incident: the listed shortfalls add up to the run's, exactly
    const run = (await getBacktestRun(runtime.meta, runId))!
    const totalShortfall = (run.summary as { totalShortfall: string }).totalShortfall
    expect(new Decimal(totalShortfall).gt(0)).toBe(true)
    if (stored.length <= INCIDENTS_LISTED) {
      const listed = section.items.reduce((s, i) => s.plus(i.shortfall), new Decimal(0))
      expect(listed.toFixed(6)).toBe(new Decimal(totalShortfall).toFixed(6))
    }
    // and each incident's shortfall is the store's total deficit of that incident
    for (const i of section.items) {
      const s = stored.find((x) => x.id === i.id)!
      expect(new Decimal(i.shortfall).toFixed(6)).toBe(new Decimal(s.totalDeficit).toFixed(6))
    }
    // detections: the members the store links to each incident, with their detector, summary and evidence
    const members = await readIncidentDetections(
      runtime.duck,
      section.items.map((i) => i.id),
    )
    let withDetections = 0
    for (const [k, i] of section.items.entries()) {
      expect(i.detections.map((d) => d.id)).toEqual(members[k]!.map((d) => d.id))
      expect(i.detectors).toEqual([...new Set(members[k]!.map((d) => d.detector))].sort())
      for (const d of i.detections) {
        expect(d.summary).toMatch(new RegExp(`${d.severity}`))
        const member = members[k]!.find((m) => m.id === d.id)!
        expect(d.evidence).toEqual(JSON.parse(member.evidence))
        // cost-of-attack figures as the detector stored them (thin-market-push: cost and profit of the push)
        expect([d.estimatedCost, d.estimatedProfit]).toEqual([member.estimatedCostQuote, member.estimatedProfitQuote])
      }
      if (i.detections.length) {
        withDetections++
        expect(md).toContain(`detectors: ${i.detectors.join(', ')}`)
      }
    }
    expect(withDetections).toBeGreaterThan(0)

    // a detection with cost-of-attack figures shows them in the HTML and Markdown detection tables
    const incident = section.items.find((i) => i.detections.length)!
    const costed = structuredClone(model)
    const target = costed.incidents.items.find((i) => i.id === incident.id)!
    target.detections[0] = {
      ...target.detections[0]!,
      detector: 'thin-market-push',
      estimatedCost: '123456.780000',
      estimatedProfit: '23456.000000',
    }
    const charts = await reportCharts(costed)
    const row = /<tr><td>thin-market-push<\/td>.*?<\/tr>/s.exec(renderHtml(costed, charts))![0]
    expect(row).toContain('<td class="num">123.46 k</td>')
    expect(row).toContain('<td class="num">23.46 k</td>')
    expect(renderMarkdown(costed, charts)).toMatch(/\| thin-market-push \|.*\| 123\.46 k \| 23\.46 k \|/)
  }, 240_000)
})
