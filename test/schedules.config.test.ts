// Backtest schedules seeded from configuration (REPORT_SCHEDULES_FILE): the file's schedules are read with every
// problem listed (unreadable, not a list, bad names, bad crons), checked against the job's parameters at start (a bad
// one stops the start and nothing is stored), written as JobSchedule rows of origin config, and removed from the
// table when they leave the file. No backtest runs: about a second.
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { configSchedules } from '../jobs/configSchedules.ts'
import { jobRegistry } from '../jobs/registry.ts'
import { missedScheduleRuns } from '../jobs/report/catchUp.ts'
import { readScheduleFile } from '../jobs/report/schedules.ts'
import { startScheduler } from '../jobs/scheduler.ts'
import { InvalidInputError } from '../src/errors.ts'
import { testRuntime } from './support/runtime.ts'
import { tempDir } from './support/tmp.ts'

const dir = tempDir()
const file = path.join(dir, 'schedules.json')
const runtime = await testRuntime({ REPORT_SCHEDULES_FILE: file, SCHEDULE_CATCH_UP: 'false' })
const params = {
  ruleSets: ['binance-um'],
  venue: 'binance-um',
  markets: ['BTCUSDT'],
  window: 'last 24h',
  positions: 'synthetic',
}
const write = (document: unknown) => fs.writeFileSync(file, JSON.stringify(document))

const problems = (fn: () => unknown) => {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError)
    return (error as InvalidInputError).problems
  }
  throw new Error('expected an InvalidInputError')
}

describe('REPORT_SCHEDULES_FILE', () => {
  test('its schedules are read as backtest schedules; paused ones stay paused', () => {
    write([
      { name: 'btc-daily', cron: '0 6 * * *', params },
      { name: 'btc-weekly', cron: '0 7 * * 1', params, enabled: false },
    ])
    expect(readScheduleFile(file)).toEqual([
      { name: 'btc-daily', job: 'backtest.scheduled', cron: '0 6 * * *', params, enabled: true },
      { name: 'btc-weekly', job: 'backtest.scheduled', cron: '0 7 * * 1', params, enabled: false },
    ])
  })

  test('an unreadable file, a document that is not a list, bad names and crons: every problem listed', () => {
    expect(problems(() => readScheduleFile(path.join(dir, 'missing.json')))).toEqual([
      expect.objectContaining({ path: 'REPORT_SCHEDULES_FILE', expected: 'a readable JSON file' }),
    ])
    write({ name: 'x' })
    expect(problems(() => readScheduleFile(file))).toEqual([
      expect.objectContaining({ path: '(file)', expected: 'a JSON array of {name, cron, params}' }),
    ])
    write([
      { name: 'has space', cron: '0 6 * * *', params },
      { name: 'ok', cron: '61 * * * *', params },
      { name: 'no-cron', params },
    ])
    expect(problems(() => readScheduleFile(file)).map((p) => [p.path, p.received])).toEqual([
      ['[0].name', 'has space'],
      ['[1].cron', '61 * * * *'],
      ['[2].cron', undefined],
    ])
  })

  test('seeded at start as origin config rows, removed when they leave the file; bad parameters stop the start', async () => {
    write([{ name: 'btc-daily', cron: '0 6 * * *', params }])
    const first = await startScheduler(runtime, jobRegistry, configSchedules(runtime.config))
    expect(first.schedules).toContain('btc-daily')
    await first.stop(5_000)
    expect(await runtime.meta.jobSchedule.findUnique({ where: { name: 'btc-daily' } })).toMatchObject({
      job: 'backtest.scheduled',
      cron: '0 6 * * *',
      origin: 'config',
      enabled: true,
    })
    // parameters the job refuses (an unknown window): the start fails naming it, and the table is unchanged
    write([
      { name: 'btc-daily', cron: '0 6 * * *', params },
      { name: 'btc-bad', cron: '0 8 * * *', params: { ...params, window: 'last fortnight' } },
    ])
    const refused = await startScheduler(runtime, jobRegistry, configSchedules(runtime.config)).then(
      () => null,
      (error: unknown) => error,
    )
    expect(refused).toBeInstanceOf(InvalidInputError)
    expect(JSON.stringify((refused as InvalidInputError).problems)).toContain('schedules.btc-bad.params.window')
    expect(await runtime.meta.jobSchedule.findUnique({ where: { name: 'btc-bad' } })).toBeNull()
    // gone from the file: gone from the table at the next start
    write([])
    const second = await startScheduler(runtime, jobRegistry, configSchedules(runtime.config))
    expect(second.schedules).not.toContain('btc-daily')
    await second.stop(5_000)
    expect(await runtime.meta.jobSchedule.findUnique({ where: { name: 'btc-daily' } })).toBeNull()
  })

  test('SCHEDULE_CATCH_UP=false: a fire time missed while the server was down is not run at start', async () => {
    const owed = await runtime.meta.jobSchedule.create({
      data: { name: 'owed', job: 'backtest.scheduled', cron: '0 6 * * *', timezone: 'UTC', params },
    })
    await runtime.meta.jobSchedule.update({
      where: { id: owed.id },
      data: { createdAt: new Date(Date.now() - 7 * 86_400_000) },
    })
    expect(runtime.config.scheduleCatchUp).toBe(false)
    expect(await missedScheduleRuns(runtime, new Date())).toEqual([])
    // the same schedule is owed with catch-up on
    const on = { ...runtime, config: { ...runtime.config, scheduleCatchUp: true } }
    expect((await missedScheduleRuns(on, new Date())).map((s) => s.name)).toEqual(['owed'])
    await runtime.meta.jobSchedule.delete({ where: { id: owed.id } })
  })
})
