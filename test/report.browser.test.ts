// The HTML report in Debian's headless Chromium: it opens with no request leaving the page, every chart is there with
// its marks, it prints to PDF, and a screenshot is kept in test/artifacts/ for a reviewer to look at.
import fs from 'node:fs'
import path from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { deriveStoredRuleSet } from '../src/replay/rules/catalog.ts'
import { generateReport, reportDependencies, type GeneratedReport } from '../src/report/generate.ts'
import { CHROMIUM_ARGS, chromiumPath } from './support/chromium.ts'
import { REPORT_MARKET, REPORT_VENUE, reportPopulation, seedReportDay } from './support/reportData.ts'
import { runBacktestToEnd } from './support/reportRuns.ts'
import { testRuntime } from './support/runtime.ts'

const ARTIFACTS = path.join(import.meta.dirname, 'artifacts')

if (!chromiumPath)
  console.warn('skipping the report browser test: Chromium not found (apt-get install chromium, or set CHROMIUM_PATH)')

describe.skipIf(!chromiumPath)('the HTML report in Chromium', () => {
  let browser: Browser
  let report: GeneratedReport
  let file: string
  beforeAll(async () => {
    const runtime = await testRuntime()
    const day = Date.UTC(2025, 9, 10)
    await seedReportDay(runtime.duck, day)
    await deriveStoredRuleSet(runtime.meta, {
      from: 'binance-um',
      name: 'thin-fund',
      set: [{ path: 'insuranceFund.initialBalance', value: '150000' }],
    })
    const request = (ruleSet: string) => ({
      ruleSet,
      venue: REPORT_VENUE,
      markets: [REPORT_MARKET],
      from: new Date(day).toISOString(),
      to: new Date(day + 86_400_000).toISOString(),
      positions: 'synthetic',
      seed: 7,
      population: reportPopulation,
    })
    const thin = await runBacktestToEnd(runtime, request('thin-fund'))
    const preset = await runBacktestToEnd(runtime, request('binance-um'))
    report = await generateReport(reportDependencies(runtime), { runId: thin, compare: [preset], formats: ['html'] })
    file = path.join(runtime.config.dataDir, report.path, 'report.html')
    browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS })
  }, 240_000)
  afterAll(() => browser?.close())

  test(
    'opens offline with every chart and its marks; a screenshot and a PDF are kept',
    { timeout: 90_000 },
    async () => {
      const page = await browser.newPage({ viewport: { width: 1100, height: 1400 } })
      const requests: string[] = []
      await page.route('**/*', (route) => {
        const url = route.request().url()
        if (url.startsWith('file://') && url.endsWith('/report.html')) return route.continue()
        requests.push(url)
        return route.abort()
      })
      await page.goto(`file://${file}`, { waitUntil: 'load' })
      expect(requests).toEqual([])
      const charts = await page.$$eval('figure.chart svg', (svgs) =>
        svgs.map((svg) => ({
          label: svg.closest('figure')!.getAttribute('aria-label'),
          marks: svg.querySelectorAll('.role-mark path, .role-mark line, .role-mark rect').length,
          width: svg.getBoundingClientRect().width,
        })),
      )
      expect(charts.map((c) => c.label)).toEqual([
        'Insurance fund balance',
        'Liquidations by hour',
        'Deficits per incident',
        'Incident #1: BTCUSDT prices and liquidations',
        'Incident #2: BTCUSDT prices and liquidations',
        'Incident #3: BTCUSDT prices and liquidations',
        'Insurance fund by rule set',
      ])
      for (const c of charts) {
        expect(c.marks, c.label!).toBeGreaterThan(0)
        expect(c.width, c.label!).toBeGreaterThan(600)
      }
      // one bar per hour and kind with liquidations
      const hourly = report.model.liquidationsByHour.length
      expect(charts[1]!.marks).toBe(hourly)
      // the headline cards show the run's figures
      const cards = await page.$$eval('.card', (els) => els.map((e) => e.getAttribute('data-figure')))
      expect(cards).toHaveLength(9)
      expect(await page.textContent('.summary')).toContain(
        `${report.model.headline.liquidations.toLocaleString('en-US')} liquidations`,
      )
      fs.mkdirSync(ARTIFACTS, { recursive: true })
      fs.copyFileSync(file, path.join(ARTIFACTS, 'report.html'))
      await page.screenshot({ path: path.join(ARTIFACTS, 'report.png'), fullPage: true })
      await page.emulateMedia({ media: 'print' })
      const pdf = await page.pdf({ format: 'A4', printBackground: true })
      fs.writeFileSync(path.join(ARTIFACTS, 'report.pdf'), pdf)
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-')
      expect(requests).toEqual([])
    },
  )
})
