// Report generation as a run of kind report: the report's id is its run's id; a run cancelled while it writes leaves
// no row, folder or partial folder; a run a crash interrupted is ended by recovery, which deletes what it had
// written (partial folder, moved folder, row) — a report that exists is whole.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { recoverRuns } from '../jobs/recovery.ts'
import { jobRegistry } from '../jobs/registry.ts'
import { RunManager } from '../jobs/runManager.ts'
import { useScheduledRunClock } from '../jobs/report/scheduledBacktest.ts'
import type { ReportModel } from '../src/report/model.ts'
import { REPORT_JOB } from '../src/report/reportRun.ts'
import { SCHEDULED_BACKTEST_JOB } from '../src/report/schedule/params.ts'
import { getReport } from '../src/store/meta/reports.ts'
import { REPORT_MARKET, REPORT_VENUE, reportPopulation, seedReportDay } from './support/reportData.ts'
import { runBacktestToEnd } from './support/reportRuns.ts'
import { testRuntime } from './support/runtime.ts'

const runtime = await testRuntime()
const runs = new RunManager(runtime, jobRegistry)
const DAY = Date.UTC(2025, 9, 10)
const reportsDir = () => path.join(runtime.config.dataDir, 'reports')
const partialDir = () => path.join(reportsDir(), '.partial')
const listing = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [])

let backtest: string
beforeAll(async () => {
  await seedReportDay(runtime.duck, DAY, 4 * 3_600)
  backtest = await runBacktestToEnd(runtime, {
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
afterAll(() => runs.stop(5_000))

const scheduledParams = (ruleSets: string[]) => ({
  ruleSets,
  venue: REPORT_VENUE,
  markets: [REPORT_MARKET],
  window: { from: new Date(DAY).toISOString(), to: new Date(DAY + 4 * 3_600_000).toISOString() },
  positions: 'synthetic',
  population: reportPopulation,
})

describe('a report run', () => {
  test('succeeds with the report under its own id, its row pointing back at the run', async () => {
    const result = await runs.run(REPORT_JOB, { runId: backtest, formats: ['html', 'json'] }, { trigger: 'cli' })
    expect(result).toMatchObject({ status: 'succeeded', error: null })
    expect(result.outcome.result).toMatchObject({ reportId: result.runId, files: 2 })
    expect(await getReport(runtime.meta, result.runId)).toMatchObject({ id: result.runId, jobRunId: result.runId })
    expect(listing(path.join(reportsDir(), result.runId))).toEqual(['report.html', 'report.json'])
    const record = (await runtime.meta.jobRun.findUnique({ where: { id: result.runId } }))!
    expect(record).toMatchObject({ kind: 'report', job: REPORT_JOB, status: 'succeeded' })
    expect(record.progress).toMatchObject({ phase: 'done', done: 4, total: 4, unit: 'steps' })
  })

  test('cancelled while it writes its files: recorded cancelled, no row, no folder, no partial folder', async () => {
    const rows = await runtime.meta.report.count()
    const folders = listing(reportsDir())
    let seen = ''
    const off = runs.on((event) => {
      if (event.type !== 'progress' || event.progress.phase !== 'writing files' || seen) return
      seen = event.runId
      void runs.cancel(event.runId, 'cancelled by the test')
    })
    try {
      const result = await runs.run(REPORT_JOB, { runId: backtest }, { trigger: 'cli' })
      expect(seen).toBe(result.runId)
      expect(result).toMatchObject({ status: 'cancelled', error: 'cancelled by the test' })
      expect(await getReport(runtime.meta, result.runId)).toBeNull()
      expect(await runtime.meta.report.count()).toBe(rows)
      expect(listing(reportsDir())).toEqual(folders)
      expect(listing(partialDir())).toEqual([])
    } finally {
      off()
    }
  })

  test('interrupted by a crash: recovery marks it failed and deletes its partial folder, its moved folder and its row', async () => {
    // a process that has exited: its runs are orphans
    const dead = spawnSync(process.execPath, ['-e', '']).pid!
    const open = { kind: 'report', job: REPORT_JOB, trigger: 'api', host: os.hostname(), pid: dead }
    const midWrite = await runtime.meta.jobRun.create({
      data: { ...open, status: 'running', params: { runId: backtest } },
    })
    const partial = path.join(partialDir(), `${dead}-${midWrite.id}`)
    fs.mkdirSync(partial, { recursive: true })
    fs.writeFileSync(path.join(partial, 'report.html'), '<html>half')
    // crashed after the folder was moved into place and the row written, before the run was recorded as finished
    const afterRow = await runtime.meta.jobRun.create({
      data: { ...open, status: 'running', params: { runId: backtest } },
    })
    const moved = path.join(reportsDir(), afterRow.id)
    fs.mkdirSync(moved, { recursive: true })
    fs.writeFileSync(path.join(moved, 'report.json'), '{}')
    await runtime.meta.report.create({
      data: {
        id: afterRow.id,
        kind: 'backtest',
        title: 'crashed',
        params: {},
        formats: ['json'],
        path: `reports/${afterRow.id}`,
        files: [],
        runId: backtest,
        runIds: [backtest],
        headline: {},
        jobRunId: afterRow.id,
      },
    })
    // a partial folder of a live process (this one) for another report stays
    const live = path.join(partialDir(), `${process.pid}-someone-else`)
    fs.mkdirSync(live, { recursive: true })

    const recovered = await recoverRuns(runtime, jobRegistry)
    expect(recovered.map((r) => [r.id, r.status]).sort()).toEqual(
      [
        [midWrite.id, 'failed'],
        [afterRow.id, 'failed'],
      ].sort(),
    )
    expect(fs.existsSync(partial)).toBe(false)
    expect(fs.existsSync(moved)).toBe(false)
    expect(await getReport(runtime.meta, afterRow.id)).toBeNull()
    expect(fs.existsSync(live)).toBe(true)
    const ended = await runtime.meta.jobRun.findUnique({ where: { id: midWrite.id } })
    expect(ended!.error).toMatch(/^interrupted:/)
    fs.rmSync(live, { recursive: true })
  })

  test('a scheduled run of two rule sets, started by hand: a backtest run per rule set, then a comparison report run', async () => {
    const result = await runs.run(SCHEDULED_BACKTEST_JOB, scheduledParams(['binance-um', 'binance-um']), {
      trigger: 'cli',
    })
    expect(result).toMatchObject({ status: 'succeeded', error: null })
    const made = result.outcome.result as { backtestRuns: string[]; reportRun: string; reportId: string }
    expect(made.backtestRuns).toHaveLength(2)
    expect(made.reportId).toBe(made.reportRun)
    expect(await getReport(runtime.meta, made.reportId)).toMatchObject({
      kind: 'comparison',
      runIds: made.backtestRuns,
      scheduleId: null,
      deliveryStatus: 'none',
    })
    const children = await runtime.meta.jobRun.findMany({
      where: { id: { in: [...made.backtestRuns, made.reportRun] } },
    })
    expect(children.map((r) => `${r.kind}:${r.trigger}:${r.status}`).sort()).toEqual([
      'backtest:cron:succeeded',
      'backtest:cron:succeeded',
      'report:cron:succeeded',
    ])
  }, 120_000)

  test('a scheduled run cancelled while its backtest runs: the backtest is cancelled with it and no report is made', async () => {
    const reports = await runtime.meta.report.count()
    let parent = ''
    let child = ''
    const off = runs.on((event) => {
      if (event.type !== 'status' || event.status !== 'running' || !parent || event.runId === parent || child) return
      child = event.runId
      void runs.cancel(parent, 'stopped by the test')
    })
    try {
      const submitted = await runs.submit(SCHEDULED_BACKTEST_JOB, scheduledParams(['binance-um']), { trigger: 'cli' })
      parent = submitted.runId
      expect(await submitted.done).toMatchObject({ status: 'cancelled', error: 'stopped by the test' })
      expect(await runtime.meta.jobRun.findUnique({ where: { id: child } })).toMatchObject({
        kind: 'backtest',
        status: 'cancelled',
      })
      expect(await runtime.meta.jobRun.findUnique({ where: { id: parent } })).toMatchObject({ kind: 'schedule' })
      expect(await runtime.meta.report.count()).toBe(reports)
    } finally {
      off()
    }
  })

  test('a window ingestion has not covered by the deadline: the run goes on and the report names what was missing', async () => {
    // the next day's rows are there but no manifest records them: the window is not covered
    const next = DAY + 86_400_000
    await seedReportDay(runtime.duck, next, 3_600, { manifest: false })
    let calls = 0
    const slept: number[] = []
    // 0.6 of the deadline passes at each reading of the clock: one poll, then the deadline has passed
    const step = 0.6 * runtime.config.scheduleCoverageDeadlineMinutes * 60_000
    useScheduledRunClock({
      now: () => new Date(next + calls++ * step),
      sleep: async (ms) => void slept.push(ms),
    })
    try {
      const result = await runs.run(
        SCHEDULED_BACKTEST_JOB,
        {
          ...scheduledParams(['binance-um']),
          window: { from: new Date(next).toISOString(), to: new Date(next + 3_600_000).toISOString() },
          population: { ...reportPopulation, initialPositions: 300 },
        },
        { trigger: 'cli' },
      )
      expect(result).toMatchObject({ status: 'succeeded', error: null })
      expect(slept).toEqual([runtime.config.scheduleCoveragePollSeconds * 1000])
      const made = result.outcome.result as { reportId: string }
      const model = JSON.parse(
        fs.readFileSync(path.join(reportsDir(), made.reportId, 'report.json'), 'utf8'),
      ) as ReportModel
      expect(model.coverage.notes).toEqual([
        expect.stringMatching(
          new RegExp(
            `^The run waited ${runtime.config.scheduleCoverageDeadlineMinutes} min for ingestion to cover the window, then ran without: .*BTCUSDT`,
          ),
        ),
      ])
      expect(fs.readFileSync(path.join(reportsDir(), made.reportId, 'report.html'), 'utf8')).toContain(
        'then ran without',
      )
    } finally {
      useScheduledRunClock(null)
    }
  }, 120_000)

  test('runs of one schedule never overlap: a run whose schedule has another running fails and makes nothing', async () => {
    const schedule = await runtime.meta.jobSchedule.create({
      data: { name: 'overlap', job: SCHEDULED_BACKTEST_JOB, cron: '0 6 * * *', timezone: 'UTC', params: {} },
    })
    // a run of it still running in this (live) process
    const open = await runtime.meta.jobRun.create({
      data: {
        kind: 'schedule',
        job: SCHEDULED_BACKTEST_JOB,
        trigger: 'cron',
        scheduleId: schedule.id,
        status: 'running',
        host: os.hostname(),
        pid: process.pid,
      },
    })
    const [backtests, reports] = [await runtime.meta.backtestRun.count(), await runtime.meta.report.count()]
    try {
      const result = await runs.run(SCHEDULED_BACKTEST_JOB, scheduledParams(['binance-um']), {
        trigger: 'cron',
        scheduleId: schedule.id,
      })
      expect(result.status).toBe('failed')
      expect(result.error).toContain(`the previous run of schedule overlap (run ${open.id}) is still running`)
      expect(await runtime.meta.backtestRun.count()).toBe(backtests)
      expect(await runtime.meta.report.count()).toBe(reports)
    } finally {
      await runtime.meta.jobRun.update({ where: { id: open.id }, data: { status: 'failed', error: 'test' } })
    }
  })

  test('a bad request is refused at submission and records nothing', async () => {
    const before = await runtime.meta.jobRun.count()
    await expect(runs.submit(REPORT_JOB, { runId: 'no-such-run' }, { trigger: 'api' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    })
    await expect(
      runs.submit(REPORT_JOB, { runId: backtest, formats: ['pdf'] }, { trigger: 'api' }),
    ).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      message: expect.stringContaining('one or more of html, md, json'),
    })
    await expect(runs.submit(REPORT_JOB, { runId: backtest, extra: true }, { trigger: 'api' })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
    })
    expect(await runtime.meta.jobRun.count()).toBe(before)
  })
})
