// Delivery of a stored report: a webhook (Backstop JSON or Slack) and e-mail over SMTP (HTML body, Markdown text
// part) received by local servers, read from the report's row and files (delivery.json), every attempt recorded per
// target; a target that is down is retried with backoff and recorded; a server stopped between render and delivery
// (or during the retries) delivers at its next start, once, and never again to a target that already has it.
import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { reportsOwedDelivery } from '../jobs/report/catchUp.ts'
import { jobRegistry } from '../jobs/registry.ts'
import { startScheduler } from '../jobs/scheduler.ts'
import { deliverStoredReport, pendingDeliveries, retryDelay } from '../src/report/delivery/deliver.ts'
import { configuredTargets, missingTargets, type DeliveryTarget } from '../src/report/delivery/targets.ts'
import { generateReport, reportDependencies } from '../src/report/generate.ts'
import { getReport, storedDeliveries } from '../src/store/meta/reports.ts'
import { REPORT_MARKET, REPORT_VENUE, reportPopulation, seedReportDay } from './support/reportData.ts'
import { runBacktestToEnd } from './support/reportRuns.ts'
import { testRuntime } from './support/runtime.ts'
import { closedPort, httpSink, smtpSink } from './support/sinks.ts'

// the server's own webhook: what a restart delivers to
const serverHook = await httpSink()
const runtime = await testRuntime({
  REPORT_WEBHOOK_URL: serverHook.url,
  REPORT_BASE_URL: 'https://backstop.example',
  REPORT_DELIVERY_RETRY_BASE_MS: '10',
})
const DAY = Date.UTC(2025, 9, 10)
let runId: string
const deps = { meta: runtime.meta, dataDir: runtime.config.dataDir }
const settings = { reportWebhookFormat: 'backstop' as const, reportEmailFrom: 'backstop@risk.example' }
const options = (sleeps: number[] = []) => ({
  retries: 3,
  baseMs: 250,
  baseUrl: 'https://backstop.example/',
  sleep: async (ms: number) => void sleeps.push(ms),
})

/** A report rendered with `targets` pending, as a report run leaves it: what a stop right after rendering leaves. */
const pendingReport = (targets: DeliveryTarget[]) =>
  generateReport(reportDependencies(runtime), { runId, deliveries: pendingDeliveries(targets) })

beforeAll(async () => {
  await seedReportDay(runtime.duck, DAY, 4 * 3_600)
  runId = await runBacktestToEnd(runtime, {
    ruleSet: 'binance-um',
    venue: REPORT_VENUE,
    markets: [REPORT_MARKET],
    from: new Date(DAY).toISOString(),
    to: new Date(DAY + 4 * 3_600_000).toISOString(),
    positions: 'synthetic',
    seed: 5,
    population: reportPopulation,
  })
}, 180_000)

describe('report delivery', () => {
  test('webhook and e-mail both received from the stored report; the row says delivered per target', async () => {
    const hook = await httpSink()
    const smtp = await smtpSink()
    const targets = configuredTargets(
      { ...settings, reportWebhookUrl: hook.url, reportSmtpUrl: smtp.url, reportEmailTo: ['risk@committee.example'] },
      ['webhook', 'email'],
    )
    expect(targets.map((t) => t.kind)).toEqual(['webhook', 'email'])
    const report = await pendingReport(targets)
    expect(report.deliveryStatus).toBe('pending')
    expect((report.files as Array<{ name: string }>).map((f) => f.name)).toContain('delivery.json')
    const record = await deliverStoredReport(deps, report.id, targets, options())
    expect(record).toMatchObject({ deliveryStatus: 'delivered', deliveryAttempts: 2, deliveryErrors: [] })
    const body = hook.received[0] as Record<string, unknown>
    expect(body).toMatchObject({
      type: 'backstop.report',
      reportId: report.id,
      headline: report.model.headline,
      ruleSet: { label: report.model.ruleSet.label, hash: report.model.ruleSet.hash },
      incidents: report.model.incidents.total,
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
    expect(row.deliveredAt).not.toBeNull()
    expect(storedDeliveries(row)).toEqual([
      expect.objectContaining({
        target: expect.stringMatching(/^webhook 127\.0\.0\.1:\d+$/),
        kind: 'webhook',
        status: 'delivered',
        attempts: 1,
        lastError: null,
      }),
      expect.objectContaining({
        target: expect.stringMatching(/^email via 127\.0\.0\.1:\d+$/),
        kind: 'email',
        status: 'delivered',
        attempts: 1,
      }),
    ])
    // delivering again sends nothing: every target has it
    await deliverStoredReport(deps, report.id, targets, options())
    expect(hook.received).toHaveLength(1)
    expect(smtp.mails).toHaveLength(1)
  })

  test('a webhook answering 503 twice is retried with doubling delays and delivered on the third attempt', async () => {
    const hook = await httpSink()
    hook.failNext(2)
    const sleeps: number[] = []
    const targets = configuredTargets({ ...settings, reportWebhookUrl: hook.url }, ['webhook'])
    const report = await pendingReport(targets)
    const record = await deliverStoredReport(deps, report.id, targets, options(sleeps))
    expect(record.deliveryStatus).toBe('delivered')
    expect(record.deliveryAttempts).toBe(3)
    expect(sleeps).toEqual([250, 500])
    expect(record.deliveryErrors.map((e) => e.error)).toEqual([
      expect.stringMatching(/answered HTTP 503$/),
      expect.stringMatching(/answered HTTP 503$/),
    ])
    expect(record.deliveries[0]).toMatchObject({ status: 'delivered', attempts: 3, lastError: null })
    expect(hook.received).toHaveLength(3)
  })

  test('targets that are down: every attempt recorded, each target failed with its last error, the report kept', async () => {
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
    const report = await pendingReport(targets)
    const record = await deliverStoredReport(deps, report.id, targets, options())
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
    expect(storedDeliveries(row).map((d) => [d.kind, d.status, d.attempts])).toEqual([
      ['webhook', 'failed', 4],
      ['email', 'failed', 4],
    ])
    expect(storedDeliveries(row)[0]!.lastError).toMatch(/unreachable: ECONNREFUSED/)
    expect(fs.existsSync(path.join(runtime.config.dataDir, row.path, 'report.html'))).toBe(true)
    // a failed target is final: the next start does not owe it
    expect(await reportsOwedDelivery(runtime)).not.toContain(report.id)
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
    const report = await pendingReport(targets)
    const record = await deliverStoredReport(deps, report.id, targets, { ...options(), retries: 0 })
    expect(record.deliveryStatus).toBe('partial')
    const slack = hook.received[0] as { text: string; blocks: Array<{ type: string }> }
    expect(slack.text).toContain('open the report')
    expect(slack.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'section'])
  })

  test('stopped during the retries: the target stays pending with its attempts, and attempts count across starts', async () => {
    const hook = await httpSink()
    hook.failNext(5)
    const targets = configuredTargets({ ...settings, reportWebhookUrl: hook.url }, ['webhook'])
    const report = await pendingReport(targets)
    const stop = new AbortController()
    // the stop comes while the delivery waits to retry
    const stopped = await deliverStoredReport(deps, report.id, targets, {
      ...options(),
      sleep: async () => stop.abort(),
      signal: stop.signal,
    })
    expect(stopped.deliveryStatus).toBe('pending')
    expect(stopped.deliveries[0]).toMatchObject({ status: 'pending', attempts: 1 })
    expect((await getReport(runtime.meta, report.id))!.deliveryStatus).toBe('pending')
    expect(await reportsOwedDelivery(runtime)).toContain(report.id)
    // resumed: 3 more attempts make 1 + retries = 4 in all, then it fails
    const resumed = await deliverStoredReport(deps, report.id, targets, options())
    expect(resumed.deliveries[0]).toMatchObject({ status: 'failed', attempts: 4 })
    expect(hook.received).toHaveLength(4)
  })

  test('a server stopped between render and delivery delivers at its next start, once; a delivered target is not sent again', async () => {
    const smtp = await smtpSink()
    const serverTargets = configuredTargets(runtime.config, ['webhook'])
    const email = configuredTargets({ ...settings, reportSmtpUrl: smtp.url, reportEmailTo: ['a@b.example'] }, ['email'])
    // one report with its webhook pending; one whose e-mail went out and whose webhook is still pending
    const stopped = await pendingReport(serverTargets)
    const half = await pendingReport([...serverTargets, ...email])
    await deliverStoredReport(deps, half.id, email, options()) // only e-mail configured here: the webhook fails…
    const halfRow = (await getReport(runtime.meta, half.id))!
    expect(storedDeliveries(halfRow).map((d) => d.status)).toEqual(['failed', 'delivered'])
    // …so put the webhook back to pending, as a stop before its first attempt leaves it
    const entries = storedDeliveries(halfRow).map((d) =>
      d.kind === 'webhook' ? { ...d, status: 'pending', attempts: 0, lastError: null } : d,
    )
    await runtime.meta.report.update({
      where: { id: half.id },
      data: { deliveryStatus: 'pending', deliveries: entries as never },
    })
    expect(smtp.mails).toHaveLength(1)
    const before = serverHook.received.length
    expect(await reportsOwedDelivery(runtime)).toEqual(expect.arrayContaining([stopped.id, half.id]))

    for (let start = 0; start < 2; start++) {
      const scheduler = await startScheduler(runtime, jobRegistry, [])
      await until(async () => (await getReport(runtime.meta, half.id))!.deliveryStatus !== 'pending')
      await until(async () => (await getReport(runtime.meta, stopped.id))!.deliveryStatus !== 'pending')
      await scheduler.stop(5_000)
    }
    expect((await getReport(runtime.meta, stopped.id))!.deliveryStatus).toBe('delivered')
    expect((await getReport(runtime.meta, half.id))!.deliveryStatus).toBe('delivered')
    const sent = serverHook.received.slice(before) as Array<{ reportId: string }>
    expect(sent.map((b) => b.reportId).sort()).toEqual([stopped.id, half.id].sort())
    expect(smtp.mails).toHaveLength(1) // the e-mail that went out before the stop is not sent again
    const runs = await runtime.meta.jobRun.findMany({ where: { job: 'report.deliver' } })
    expect(runs.map((r) => r.status)).toEqual(['succeeded']) // the second start owed nothing
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

async function until(probe: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await probe())) {
    if (Date.now() > end) throw new Error('timed out waiting for the delivery')
    await new Promise((r) => setTimeout(r, 100))
  }
}
