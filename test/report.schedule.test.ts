// Scheduled backtests end to end: a one-minute cron schedule waits for ingestion to cover its window, backtests it,
// writes the report files then its row, and delivers it to a local webhook and a local SMTP server. Missed runs are
// caught up once; bad schedules are refused with every problem and nothing is stored.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { jobRegistry } from '../jobs/registry.ts'
import { missedScheduleRuns } from '../jobs/report/catchUp.ts'
import { backtestScheduleTasks } from '../jobs/report/scheduleTasks.ts'
import { startScheduler, type Scheduler } from '../jobs/scheduler.ts'
import type { Runtime } from '../src/app/runtime.ts'
import { previousFire } from '../src/report/schedule/cron.ts'
import { addSchedule, changeSchedule, removeSchedule, setScheduleEnabled } from '../src/report/schedule/manage.ts'
import type { ReportModel } from '../src/report/model.ts'
import { insertReportManifest, REPORT_MARKET, REPORT_VENUE, seedReportDay } from './support/reportData.ts'
import { testRuntime } from './support/runtime.ts'
import { closedPort, httpSink, smtpSink } from './support/sinks.ts'

const DAY_MS = 86_400_000
const now = Date.now()
const today = Math.floor(now / DAY_MS) * DAY_MS
const yesterday = today - DAY_MS
const todaySeconds = Math.ceil((now - today) / 1000) + 600

let runtime: Runtime
let hook: Awaited<ReturnType<typeof httpSink>>
let smtp: Awaited<ReturnType<typeof smtpSink>>
beforeAll(async () => {
  hook = await httpSink()
  smtp = await smtpSink()
  runtime = await testRuntime({
    REPORT_WEBHOOK_URL: hook.url,
    REPORT_SMTP_URL: smtp.url,
    REPORT_EMAIL_TO: 'risk@committee.example',
    REPORT_BASE_URL: 'https://backstop.example',
    SCHEDULE_COVERAGE_POLL_SECONDS: '1',
    SCHEDULE_COVERAGE_DEADLINE_MINUTES: '10',
    REPORT_DELIVERY_RETRY_BASE_MS: '10',
  })
  // yesterday is ingested; today's rows are there but not yet recorded, so the window is not covered yet
  await seedReportDay(runtime.duck, yesterday)
  await seedReportDay(runtime.duck, today, todaySeconds, { manifest: false })
}, 180_000)

const deps = () => ({ duck: runtime.duck, meta: runtime.meta, config: runtime.config, now: new Date() })
const params = (extra: Record<string, unknown> = {}) => ({
  ruleSets: ['binance-um'],
  venue: REPORT_VENUE,
  markets: [REPORT_MARKET],
  window: 'last 24h',
  positions: 'synthetic',
  population: { initialPositions: 800, leverageMax: 50, notionalMedian: 40_000 },
  seed: 3,
  delivery: ['webhook', 'email'],
  ...extra,
})

async function until<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs: number,
): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

describe('a one-minute schedule, end to end', () => {
  let scheduler: Scheduler | undefined
  afterAll(() => scheduler?.stop(5_000))

  test(
    'coverage wait → backtest → detectors → report files → Report row → webhook → e-mail',
    { timeout: 300_000 },
    async () => {
      const schedule = await addSchedule(deps(), {
        name: 'every-minute',
        cron: '* * * * *',
        params: params({ detectors: true }),
      })
      scheduler = await startScheduler(runtime, jobRegistry, [])
      expect(scheduler.schedules).toContain('every-minute')
      const running = await until(
        'the scheduled run to start',
        () =>
          runtime.meta.jobRun.findFirst({
            where: { scheduleId: schedule.id, job: 'backtest.scheduled', status: 'running' },
          }),
        90_000,
      )
      // it waits for ingestion: no backtest yet while today's partitions are not recorded
      await new Promise((r) => setTimeout(r, 2_500))
      expect(await runtime.meta.backtestRun.count()).toBe(0)
      expect(await runtime.meta.report.count()).toBe(0)
      await insertReportManifest(runtime.duck, today, todaySeconds)
      const finished = await until(
        'the scheduled run to finish',
        async () => {
          const run = await runtime.meta.jobRun.findUnique({ where: { id: running.id } })
          return run && run.status !== 'running' && run.status !== 'queued' ? run : null
        },
        150_000,
      )
      expect(finished.error).toBeNull()
      expect(finished.status).toBe('succeeded')
      expect(finished.kind).toBe('schedule')
      // its backtest, the detectors over it and its report are runs of their own kinds, triggered by the schedule's cron
      const children = await runtime.meta.jobRun.findMany({
        where: { scheduleId: schedule.id, id: { not: running.id } },
        orderBy: { queuedAt: 'asc' },
      })
      expect(children.map((r) => [r.kind, r.job, r.trigger, r.status])).toEqual([
        ['backtest', 'backtest', 'cron', 'succeeded'],
        ['detect', 'detect', 'cron', 'succeeded'],
        ['report', 'report.generate', 'cron', 'succeeded'],
      ])
      const [backtestRun, detectRun, reportRun] = children
      expect(detectRun!.params).toMatchObject({ runId: backtestRun!.id, venue: REPORT_VENUE })
      expect(finished.result).toMatchObject({
        detections: [{ backtestRunId: backtestRun!.id, detectRunId: detectRun!.id, status: 'succeeded', error: null }],
      })
      const report = (await runtime.meta.report.findFirst({ where: { scheduleId: schedule.id } }))!
      expect(report).toMatchObject({
        id: reportRun!.id,
        jobRunId: reportRun!.id,
        runId: backtestRun!.id,
        deliveryStatus: 'delivered',
      })
      expect(finished.result).toMatchObject({ reportId: report.id, backtestRuns: [backtestRun!.id] })
      const backtest = (await runtime.meta.backtestRun.findUnique({ where: { id: report.runId } }))!
      expect(backtest.toTs.getTime() - backtest.fromTs.getTime()).toBe(DAY_MS)
      expect(backtest.toTs.getTime() % 60_000).toBe(0)
      const dir = path.join(runtime.config.dataDir, report.path)
      for (const f of report.files as Array<{ name: string }>) expect(fs.existsSync(path.join(dir, f.name))).toBe(true)
      const model = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8')) as ReportModel
      expect(model.schedule).toEqual({ id: schedule.id, name: 'every-minute' })
      expect(model.coverage.notes).toEqual([])
      // the report reads the incidents the detect run built over the backtest
      expect(model.incidents.source).toBe('incidents')
      expect(model.incidents.detection).toMatchObject({ ran: true, runs: [{ runId: detectRun!.id }] })
      await until('the webhook', async () => hook.received.length > 0, 10_000)
      expect(hook.received[0]).toMatchObject({
        reportId: report.id,
        links: { html: `https://backstop.example/reports/${report.id}.html` },
      })
      expect(smtp.mails).toHaveLength(1)
      expect(smtp.mails[0]!.raw).toContain('every-minute: binance-um BTCUSDT')
    },
  )
})

describe('schedule changes while the server runs', () => {
  test('a schedule added, paused, resumed, changed or removed gets, loses or replaces its cron task', async () => {
    const launched: string[] = []
    const tasks = await backtestScheduleTasks(runtime, (_params, id) => launched.push(id))
    try {
      const before = tasks.names()
      const added = await addSchedule(deps(), {
        name: 'added-live',
        cron: '0 6 * * *',
        params: params({ delivery: [] }),
      })
      await tasks.refresh()
      expect([...tasks.names()].sort()).toEqual([...before, 'added-live'].sort())
      await setScheduleEnabled(runtime, 'added-live', false)
      await tasks.refresh()
      expect(tasks.names()).not.toContain('added-live')
      await setScheduleEnabled(runtime, 'added-live', true)
      await changeSchedule(deps(), 'added-live', { cron: '0 7 * * *' })
      await tasks.refresh()
      expect(tasks.names()).toContain('added-live')
      await removeSchedule(runtime, 'added-live')
      await tasks.refresh()
      expect(tasks.names()).not.toContain('added-live')
      expect(launched).not.toContain(added.id)
    } finally {
      await tasks.stop()
    }
  })
})

describe('missed runs', () => {
  test('previousFire finds the last UTC minute a cron fired at', () => {
    const at = new Date('2026-03-04T10:17:30Z')
    expect(previousFire('0 6 * * *', at)!.toISOString()).toBe('2026-03-04T06:00:00.000Z')
    expect(previousFire('30 12 * * *', at)!.toISOString()).toBe('2026-03-03T12:30:00.000Z')
    expect(previousFire('*/15 * * * *', at)!.toISOString()).toBe('2026-03-04T10:15:00.000Z')
    // Mondays at 07:00: 2026-03-04 is a Wednesday
    expect(previousFire('0 7 * * 1', at)!.toISOString()).toBe('2026-03-02T07:00:00.000Z')
    expect(previousFire('0 0 1 1 *', at)!.toISOString()).toBe('2026-01-01T00:00:00.000Z')
    expect(previousFire('0 0 29 2 *', at, 30)).toBeNull()
  })

  test('a schedule whose last fire time passed without a run, or whose run a crash interrupted, is run once at start; one that ran is not', async () => {
    const owed = await addSchedule(deps(), { name: 'weekly-owed', cron: '0 7 * * 1', params: params() })
    const ran = await addSchedule(deps(), { name: 'weekly-ran', cron: '0 7 * * 1', params: params() })
    const crashed = await addSchedule(deps(), { name: 'weekly-crashed', cron: '0 7 * * 1', params: params() })
    const reported = await addSchedule(deps(), { name: 'weekly-reported', cron: '0 7 * * 1', params: params() })
    const created = new Date(now - 30 * DAY_MS)
    await runtime.meta.jobSchedule.updateMany({
      where: { id: { in: [owed.id, ran.id, crashed.id, reported.id] } },
      data: { createdAt: created },
    })
    const run = { kind: 'schedule', job: 'backtest.scheduled', trigger: 'cron', host: 'h', pid: 1 }
    await runtime.meta.jobRun.create({ data: { ...run, scheduleId: ran.id, status: 'succeeded' } })
    await runtime.meta.jobRun.create({
      data: { ...run, scheduleId: crashed.id, status: 'failed', error: 'interrupted: process 1 on h stopped' },
    })
    // interrupted after its report was recorded (during delivery): the report stands, its delivery is resumed instead
    const interrupted = await runtime.meta.jobRun.create({
      data: { ...run, scheduleId: reported.id, status: 'failed', error: 'interrupted: process 1 on h stopped' },
    })
    await runtime.meta.report.create({
      data: {
        id: 'reported-before-the-stop',
        kind: 'backtest',
        title: 't',
        params: {},
        formats: ['json'],
        path: 'reports/reported-before-the-stop',
        files: [],
        scheduleId: reported.id,
        runId: 'r',
        runIds: ['r'],
        headline: {},
        createdAt: new Date(interrupted.queuedAt.getTime() + 1000),
      },
    })
    // a backtest of the owed schedule (a child run) does not count as the schedule's run
    await runtime.meta.jobRun.create({
      data: { ...run, kind: 'backtest', job: 'backtest', scheduleId: owed.id, status: 'succeeded' },
    })
    const missed = (await missedScheduleRuns(runtime, new Date())).map((s) => s.name)
    expect(missed).toContain('weekly-owed')
    expect(missed).toContain('weekly-crashed')
    expect(missed).not.toContain('weekly-ran')
    expect(missed).not.toContain('weekly-reported')
    await runtime.meta.report.delete({ where: { id: 'reported-before-the-stop' } })
    expect((await missedScheduleRuns(runtime, new Date())).map((s) => s.name)).toContain('weekly-reported')
    await removeSchedule(runtime, 'weekly-reported')
    await removeSchedule(runtime, 'weekly-crashed')
    await setScheduleEnabled(runtime, 'weekly-owed', false)
    expect((await missedScheduleRuns(runtime, new Date())).map((s) => s.name)).not.toContain('weekly-owed')
    await removeSchedule(runtime, 'weekly-owed')
    await removeSchedule(runtime, 'weekly-ran')
  })
})

describe('bad schedules change nothing', () => {
  test('bad cron, unknown rule set, unknown market, undelivered target: every problem, no row', async () => {
    const before = await runtime.meta.jobSchedule.count()
    const refused = addSchedule(
      { ...deps(), config: { ...runtime.config, reportWebhookUrl: undefined } },
      {
        name: 'bad one',
        cron: '61 * * * *',
        params: params({ ruleSets: ['binance-um', 'no-such-rules'], markets: ['BTCUSDT', 'DOGEUSDT'] }),
      },
    )
    await expect(refused).rejects.toMatchObject({ code: 'BAD_USER_INPUT' })
    const message = ((await refused.catch((e: Error) => e)) as Error).message
    expect(message).toMatch(/name: received "bad one"/)
    expect(message).toMatch(/cron: received "61 \* \* \* \*"; expected a cron expression in UTC/)
    expect(message).toMatch(/params\.ruleSets\[1\]: received "no-such-rules"; expected a preset/)
    expect(message).toMatch(
      /params\.markets\[1\]: received "DOGEUSDT"; expected a market of binance-um with data \(BTCUSDT\)/,
    )
    expect(message).toMatch(/params\.delivery: .*webhook needs REPORT_WEBHOOK_URL/)
    expect(await runtime.meta.jobSchedule.count()).toBe(before)
  })

  test('a fixed window with no data, and an SMTP host that does not answer', async () => {
    const port = await closedPort()
    const refused = addSchedule(
      { ...deps(), config: { ...runtime.config, reportSmtpUrl: `smtp://127.0.0.1:${port}` } },
      {
        name: 'old-window',
        cron: '0 6 * * *',
        params: params({ window: { from: '2020-01-01', to: '2020-01-02' }, delivery: ['email'] }),
      },
    )
    const message = ((await refused.catch((e: Error) => e)) as Error).message
    expect(message).toMatch(
      /params\.window: received "2020-01-01T00:00:00\.000Z–2020-01-02T00:00:00\.000Z"; expected a window with data for BTCUSDT/,
    )
    expect(message).toMatch(
      new RegExp(
        `params\\.delivery: received "email"; expected an SMTP server that answers \\(REPORT_SMTP_URL 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED.*\\)`,
      ),
    )
    expect(await runtime.meta.jobSchedule.findUnique({ where: { name: 'old-window' } })).toBeNull()
  })

  test('an update that breaks the schedule is refused and the stored one is unchanged; a duplicate name conflicts', async () => {
    const s = await addSchedule(deps(), { name: 'daily', cron: '0 6 * * *', params: params({ delivery: [] }) })
    await expect(changeSchedule(deps(), 'daily', { cron: 'every day' })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
    })
    await expect(changeSchedule(deps(), 'daily', { params: { window: 'last 2h' } })).rejects.toThrow(/params\.window/)
    expect(await runtime.meta.jobSchedule.findUnique({ where: { id: s.id } })).toMatchObject({
      cron: '0 6 * * *',
      params: s.params,
    })
    await expect(
      addSchedule(deps(), { name: 'daily', cron: '0 7 * * *', params: params({ delivery: [] }) }),
    ).rejects.toMatchObject({ code: 'CONFLICT' })
    const changed = await changeSchedule(deps(), 'daily', { cron: '0 7 * * *', params: { window: 'last 7d' } })
    expect(changed).toMatchObject({ cron: '0 7 * * *', params: expect.objectContaining({ window: 'last 7d' }) })
  })
})
