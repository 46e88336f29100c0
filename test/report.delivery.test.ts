// Delivery of a stored report: a webhook (Backstop JSON or Slack) and e-mail over SMTP (HTML body, Markdown text
// part) received by local servers; a target that is down is retried with backoff and recorded; the report stays.
import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { deliverReport, retryDelay } from '../src/report/delivery/deliver.ts'
import { configuredTargets, missingTargets } from '../src/report/delivery/targets.ts'
import { generateReport, reportDependencies, type GeneratedReport } from '../src/report/generate.ts'
import { getReport } from '../src/store/meta/reports.ts'
import { REPORT_MARKET, REPORT_VENUE, reportPopulation, seedReportDay } from './support/reportData.ts'
import { runBacktestToEnd } from './support/reportRuns.ts'
import { testRuntime } from './support/runtime.ts'
import { closedPort, httpSink, smtpSink } from './support/sinks.ts'

const runtime = await testRuntime()
const DAY = Date.UTC(2025, 9, 10)
let report: GeneratedReport
const deps = { meta: runtime.meta, dataDir: runtime.config.dataDir }
const settings = { reportWebhookFormat: 'backstop' as const, reportEmailFrom: 'backstop@risk.example' }
const options = (sleeps: number[] = []) => ({
  retries: 3,
  baseMs: 250,
  baseUrl: 'https://backstop.example/',
  sleep: async (ms: number) => void sleeps.push(ms),
})

beforeAll(async () => {
  await seedReportDay(runtime.duck, DAY, 4 * 3_600)
  const runId = await runBacktestToEnd(runtime, {
    ruleSet: 'binance-um',
    venue: REPORT_VENUE,
    markets: [REPORT_MARKET],
    from: new Date(DAY).toISOString(),
    to: new Date(DAY + 4 * 3_600_000).toISOString(),
    positions: 'synthetic',
    seed: 5,
    population: reportPopulation,
  })
  report = await generateReport(reportDependencies(runtime), { runId, deliveryPending: true })
}, 180_000)

describe('report delivery', () => {
  test('webhook and e-mail both received; the row says delivered with one attempt each', async () => {
    const hook = await httpSink()
    const smtp = await smtpSink()
    const targets = configuredTargets(
      { ...settings, reportWebhookUrl: hook.url, reportSmtpUrl: smtp.url, reportEmailTo: ['risk@committee.example'] },
      ['webhook', 'email'],
    )
    expect(targets.map((t) => t.kind)).toEqual(['webhook', 'email'])
    const record = await deliverReport(deps, report, report.model, targets, options())
    expect(record).toMatchObject({ deliveryStatus: 'delivered', deliveryAttempts: 2, deliveryErrors: [] })
    const body = hook.received[0] as Record<string, unknown>
    expect(body).toMatchObject({
      type: 'backstop.report',
      reportId: report.id,
      headline: report.model.headline,
      links: {
        html: `https://backstop.example/reports/${report.id}.html`,
        markdown: `https://backstop.example/reports/${report.id}.md`,
      },
    })
    expect(smtp.mails).toHaveLength(1)
    const mail = smtp.mails[0]!
    expect(mail).toMatchObject({ from: 'backstop@risk.example', to: ['risk@committee.example'] })
    expect(mail.raw).toMatch(/^Subject: \[Backstop\] Backtest binance-um BTCUSDT: bad debt/m)
    expect(mail.raw).toContain('Content-Type: text/html')
    expect(mail.raw).toContain('Content-Type: text/plain')
    expect(mail.raw).toContain('## Headline') // the Markdown is the text part
    const row = (await getReport(runtime.meta, report.id))!
    expect(row.deliveryStatus).toBe('delivered')
    expect(row.deliveries).toEqual([
      expect.objectContaining({
        target: expect.stringMatching(/^webhook 127\.0\.0\.1:\d+$/),
        status: 'delivered',
        attempts: 1,
      }),
      expect.objectContaining({
        target: expect.stringMatching(/^email via 127\.0\.0\.1:\d+$/),
        status: 'delivered',
        attempts: 1,
      }),
    ])
  })

  test('a webhook answering 503 twice is retried with doubling delays and delivered on the third attempt', async () => {
    const hook = await httpSink()
    hook.failNext(2)
    const sleeps: number[] = []
    const targets = configuredTargets({ ...settings, reportWebhookUrl: hook.url }, ['webhook'])
    const record = await deliverReport(deps, report, report.model, targets, options(sleeps))
    expect(record.deliveryStatus).toBe('delivered')
    expect(record.deliveryAttempts).toBe(3)
    expect(sleeps).toEqual([250, 500])
    expect(record.deliveryErrors.map((e) => e.error)).toEqual([
      expect.stringMatching(/answered HTTP 503$/),
      expect.stringMatching(/answered HTTP 503$/),
    ])
    expect(hook.received).toHaveLength(3)
  })

  test('targets that are down: every attempt recorded, status failed, the report and its files kept', async () => {
    const port = await closedPort()
    const targets = configuredTargets(
      {
        ...settings,
        reportWebhookUrl: `http://127.0.0.1:${port}/secret-path`,
        reportSmtpUrl: `smtp://user:hunter2@127.0.0.1:${port}`,
        reportEmailTo: ['risk@committee.example'],
      },
      ['webhook', 'email'],
    )
    const record = await deliverReport(deps, report, report.model, targets, options())
    expect(record.deliveryStatus).toBe('failed')
    expect(record.deliveryAttempts).toBe(8)
    expect(record.deliveryErrors).toHaveLength(8)
    const text = JSON.stringify(record)
    expect(text).toMatch(new RegExp(`webhook 127\\.0\\.0\\.1:${port} unreachable: ECONNREFUSED`))
    expect(text).toMatch(new RegExp(`email via 127\\.0\\.0\\.1:${port} failed: (ECONNECTION|ESOCKET)`))
    expect(text).not.toContain('hunter2')
    expect(text).not.toContain('secret-path')
    const row = (await getReport(runtime.meta, report.id))!
    expect(row).toMatchObject({ deliveryStatus: 'failed', deliveryAttempts: 8 })
    expect(fs.existsSync(path.join(runtime.config.dataDir, row.path, 'report.html'))).toBe(true)
  })

  test('one target up and one down is partial; Slack format sends a message with blocks', async () => {
    const hook = await httpSink()
    const port = await closedPort()
    const targets = configuredTargets(
      {
        ...settings,
        reportWebhookFormat: 'slack',
        reportWebhookUrl: hook.url,
        reportSmtpUrl: `smtp://127.0.0.1:${port}`,
        reportEmailTo: ['a@b.example'],
      },
      ['webhook', 'email'],
    )
    const record = await deliverReport(deps, report, report.model, targets, { ...options(), retries: 0 })
    expect(record.deliveryStatus).toBe('partial')
    const slack = hook.received[0] as { text: string; blocks: Array<{ type: string }> }
    expect(slack.text).toContain('open the report')
    expect(slack.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'section'])
  })

  test('targets named without their settings are reported; backoff is capped at ten minutes', () => {
    expect(missingTargets(settings, ['webhook', 'email'])).toEqual([
      'webhook needs REPORT_WEBHOOK_URL',
      'email needs REPORT_SMTP_URL and REPORT_EMAIL_TO',
    ])
    expect([1, 2, 3].map((n) => retryDelay(5_000, n))).toEqual([5_000, 10_000, 20_000])
    expect(retryDelay(5_000, 30)).toBe(600_000)
  })
})
