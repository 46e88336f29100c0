// Reports from real runs: the model's figures equal the run's, the three formats and the charts are written, the row
// comes only after the files, deltas between two reports of a schedule, comparisons, and bad input changes nothing.
import fs from 'node:fs'
import path from 'node:path'
import { Decimal } from 'decimal.js'
import { beforeAll, describe, expect, test } from 'vitest'
import { deriveStoredRuleSet } from '../src/replay/rules/catalog.ts'
import { findPreset } from '../src/replay/rules/presets/index.ts'
import { generateReport, type ReportDependencies } from '../src/report/generate.ts'
import { deficitClusterSource } from '../src/report/incidents.ts'
import type { ReportModel } from '../src/report/model.ts'
import { getBacktestRun } from '../src/store/meta/backtestRuns.ts'
import { getReport } from '../src/store/meta/reports.ts'
import { REPORT_MARKET, REPORT_VENUE, reportPopulation, seedReportDay } from './support/reportData.ts'
import { runBacktestToEnd } from './support/reportRuns.ts'
import { testRuntime } from './support/runtime.ts'

const runtime = await testRuntime()
const DAY = Date.UTC(2025, 9, 10)
const request = (ruleSet: string, extra: Record<string, unknown> = {}) => ({
  ruleSet,
  venue: REPORT_VENUE,
  markets: [REPORT_MARKET],
  from: new Date(DAY).toISOString(),
  to: new Date(DAY + 86_400_000).toISOString(),
  positions: 'synthetic',
  seed: 7,
  population: reportPopulation,
  ...extra,
})
const deps = (extra: Partial<ReportDependencies> = {}): ReportDependencies => ({
  duck: runtime.duck,
  meta: runtime.meta,
  dataDir: runtime.config.dataDir,
  incidents: deficitClusterSource(runtime.duck),
  ...extra,
})
const reportsDir = () => path.join(runtime.config.dataDir, 'reports')
const readJson = (id: string) =>
  JSON.parse(fs.readFileSync(path.join(reportsDir(), id, 'report.json'), 'utf8')) as ReportModel & { charts: string[] }

let thinRun: string
let presetRun: string
beforeAll(async () => {
  await seedReportDay(runtime.duck, DAY)
  await deriveStoredRuleSet(runtime.meta, {
    from: 'binance-um',
    name: 'thin-fund',
    set: [{ path: 'insuranceFund.initialBalance', value: '150000' }],
  })
  thinRun = await runBacktestToEnd(runtime, request('thin-fund'))
  presetRun = await runBacktestToEnd(runtime, request('binance-um'))
}, 240_000)

describe('generateReport', () => {
  test('writes HTML, Markdown with its charts, and JSON whose figures are the run’s; then the row', async () => {
    const report = await generateReport(deps(), { runId: thinRun })
    const dir = path.join(reportsDir(), report.id)
    const names = fs.readdirSync(dir).sort()
    expect(names).toEqual(
      [
        'deficits-by-incident.svg',
        'fund-balance.svg',
        'incident-1.svg',
        'incident-2.svg',
        'incident-3.svg',
        'liquidations-by-hour.svg',
        'report.html',
        'report.json',
        'report.md',
      ].sort(),
    )
    expect((report.files as Array<{ name: string }>).map((f) => f.name).sort()).toEqual(names)
    expect(report).toMatchObject({
      kind: 'backtest',
      runId: thinRun,
      path: `reports/${report.id}`,
      deliveryStatus: 'none',
    })

    const run = (await getBacktestRun(runtime.meta, thinRun))!
    const summary = run.summary as {
      liquidations: number
      liquidatedNotional: string
      bankruptcies: number
      totalBadDebt: string
      totalShortfall: string
      adlFills: number
      timeToFirstDeficitSeconds: number | null
      fund: { low: string; maxDrawdown: string; maxDrawdownFraction: number }
    }
    const model = readJson(report.id)
    expect(model.headline).toEqual({
      liquidations: summary.liquidations,
      liquidatedNotional: new Decimal(summary.liquidatedNotional).toFixed(6),
      bankruptcies: summary.bankruptcies,
      totalBadDebt: new Decimal(summary.totalBadDebt).toFixed(6),
      fundLow: new Decimal(summary.fund.low).toFixed(6),
      maxFundDrawdown: new Decimal(summary.fund.maxDrawdown).toFixed(6),
      maxFundDrawdownFraction: summary.fund.maxDrawdownFraction,
      adlFills: summary.adlFills,
      timeToFirstDeficitSeconds: summary.timeToFirstDeficitSeconds,
    })
    expect(report.headline).toEqual(model.headline)
    expect(model.headline.liquidations).toBeGreaterThan(100)
    expect(model.headline.bankruptcies).toBeGreaterThan(0)
    // liquidations by hour add up to the run's count and notional, exactly
    expect(model.liquidationsByHour.reduce((n, h) => n + h.count, 0)).toBe(model.headline.liquidations)
    const hourly = model.liquidationsByHour.reduce((s, h) => s.plus(h.notional), new Decimal(0))
    expect(hourly.toFixed(6)).toBe(model.headline.liquidatedNotional)
    // the largest deficit cluster is the 09:00 crash or the 17:30 dip, and incidents sum to at most the run's shortfall
    expect(model.incidents.source).toBe('deficit-clusters')
    const first = model.incidents.items[0]!
    expect(['09', '17']).toContain(first.from.slice(11, 13))
    const shortfall = model.incidents.items.reduce((s, i) => s.plus(i.shortfall), new Decimal(0))
    expect(shortfall.lte(new Decimal(summary.totalShortfall))).toBe(true)
    expect(first.timeline!.prices.map((p) => p.series)).toEqual(
      expect.arrayContaining(['venue price', 'mark', 'oracle', 'reference']),
    )
    expect(first.timeline!.liquidations.length).toBeGreaterThan(0)
    // the fund's lowest point in the chart series is the run's low
    const lows = model.fund.points.map((p) => new Decimal(p.low))
    expect(Decimal.min(...lows).toFixed(6)).toBe(model.fund.low)
    // coverage: premium klines missing at source, a 20-minute hole in the marks
    expect(model.coverage.caveats).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ dataset: 'premiumIndexKlines', reason: 'missing-at-source' }),
        expect.objectContaining({ dataset: 'markPriceKlines', reason: 'hole', from: '2025-10-10T14:00:00.000Z' }),
      ]),
    )
    // the rule set: derived from the preset, one figure changed (and its name and provenance)
    expect(model.ruleSet).toMatchObject({ label: 'thin-fund#1', preset: 'binance-um@2025-09-18', note: null })
    expect(model.ruleSet.differences).toContainEqual({
      path: 'insuranceFund.initialBalance',
      preset: findPreset('binance-um@2025-09-18').rules.insuranceFund.initialBalance,
      used: '150000',
    })
    const md = fs.readFileSync(path.join(dir, 'report.md'), 'utf8')
    for (const chart of model.charts) expect(md).toContain(`](${chart})`)
    const html = fs.readFileSync(path.join(dir, 'report.html'), 'utf8')
    expect(html.match(/<svg /g)?.length).toBe(6)
    expect(html).not.toMatch(/<script|<link|src="http|href="http|url\(/)
  })

  test('a preset run has no differences; only the formats asked for are written', async () => {
    const report = await generateReport(deps(), { runId: presetRun, formats: ['json'] })
    expect(fs.readdirSync(path.join(reportsDir(), report.id))).toEqual(['report.json'])
    const model = readJson(report.id)
    expect(model.ruleSet).toMatchObject({ preset: findPreset('binance-um').id, differences: [] })
    expect(model.charts).toEqual([])
  })

  test('two reports of one schedule: the second shows the change of every figure since the first', async () => {
    const schedule = await runtime.meta.jobSchedule.create({
      data: { name: 'daily-report', job: 'backtest.scheduled', cron: '0 6 * * *', params: {} },
    })
    let clock = Date.UTC(2026, 0, 1, 6)
    const timed = deps({ now: () => new Date((clock += 60_000)) })
    const s = { id: schedule.id, name: schedule.name }
    const one = await generateReport(timed, { runId: presetRun, schedule: s, formats: ['json', 'html'] })
    const two = await generateReport(timed, { runId: thinRun, schedule: s, formats: ['json', 'html'] })
    const a = readJson(one.id)
    const b = readJson(two.id)
    expect(a.previous).toBeNull()
    expect(a.deltas).toBeNull()
    expect(b.previous).toMatchObject({ reportId: one.id, runId: presetRun })
    expect(b.deltas!.liquidatedNotional).toBe(
      new Decimal(b.headline.liquidatedNotional).minus(a.headline.liquidatedNotional).toFixed(6),
    )
    expect(b.deltas!.fundLow).toBe(new Decimal(b.headline.fundLow).minus(a.headline.fundLow).toFixed(6))
    expect(b.deltas!.bankruptcies).toBe(b.headline.bankruptcies - a.headline.bankruptcies)
    // a thin fund starts 9.85 M lower
    expect(new Decimal(b.deltas!.fundLow).lt(-9_000_000)).toBe(true)
    const html = fs.readFileSync(path.join(reportsDir(), two.id, 'report.html'), 'utf8')
    expect(html).toContain('since previous report')
  })

  test('comparing rule sets: a row per run, changes against the reported run, a chart per rule set', async () => {
    const report = await generateReport(deps(), { runId: presetRun, compare: [thinRun], formats: ['json', 'md'] })
    expect(report.kind).toBe('comparison')
    expect(report.runIds).toEqual([presetRun, thinRun])
    const model = readJson(report.id)
    expect(model.comparison!.map((r) => r.runId)).toEqual([presetRun, thinRun])
    expect(model.comparison![0]!.againstBaseline).toBeNull()
    const [base, other] = model.comparison!
    expect(other!.againstBaseline!.fundLow).toBe(
      new Decimal(other!.headline.fundLow).minus(base!.headline.fundLow).toFixed(6),
    )
    expect(model.charts).toContain('comparison-fund.svg')
  })

  test('a failure while the files are written leaves no row and no file', async () => {
    const before = await runtime.meta.report.count()
    const folders = fs.readdirSync(reportsDir()).sort()
    await expect(
      generateReport(
        deps({
          afterFile: (written) => {
            if (written === 3) throw new Error('disk full (injected)')
          },
        }),
        { runId: thinRun },
      ),
    ).rejects.toThrow('disk full (injected)')
    expect(await runtime.meta.report.count()).toBe(before)
    expect(fs.readdirSync(reportsDir()).sort()).toEqual(folders)
    expect(fs.readdirSync(path.join(reportsDir(), '.partial'))).toEqual([])
  })

  test('bad input: an unknown run, a run to compare over another window, bad formats — nothing is written', async () => {
    const before = fs.readdirSync(reportsDir()).length
    const rows = await runtime.meta.report.count()
    await expect(generateReport(deps(), { runId: 'no-such-run' })).rejects.toMatchObject({ code: 'NOT_FOUND' })
    const shorter = await runBacktestToEnd(
      runtime,
      request('binance-um', { to: new Date(DAY + 3_600_000).toISOString(), population: { initialPositions: 10 } }),
    )
    await expect(generateReport(deps(), { runId: thinRun, compare: [shorter] })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      message: expect.stringMatching(/compare\[0\].*same venue, markets and window/s),
    })
    await expect(generateReport(deps(), { runId: thinRun, formats: ['pdf' as never] })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      message: expect.stringContaining('one or more of html, md, json'),
    })
    // a failed backtest: its run says so (one lifecycle), its BacktestRun has no summary
    const failed = await runtime.meta.jobRun.create({
      data: {
        kind: 'backtest',
        job: 'backtest',
        trigger: 'api',
        status: 'failed',
        error: 'boom',
        host: 'test',
        pid: process.pid,
        backtest: {
          create: {
            ruleSetHash: 'x',
            ruleSetRef: 'binance-um',
            venue: REPORT_VENUE,
            markets: [REPORT_MARKET],
            fromTs: new Date(DAY),
            toTs: new Date(DAY + 1),
            positionsSource: 'synthetic',
          },
        },
      },
    })
    await expect(generateReport(deps(), { runId: failed.id })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      message: expect.stringContaining('(failed)'),
    })
    expect(fs.readdirSync(reportsDir()).length).toBe(before)
    expect(await runtime.meta.report.count()).toBe(rows)
    expect(await getReport(runtime.meta, 'no-such-report')).toBeNull()
  })
})
