// Schedules reports add from configuration: nightly report retention, and the backtest schedules of the JSON file
// named by REPORT_SCHEDULES_FILE (an array of {name, cron, params}; see README "Reports and schedules").
import fs from 'node:fs'
import type { Config } from '../../src/config/load.ts'
import { InvalidInputError } from '../../src/errors.ts'
import { cronProblem } from '../../src/report/schedule/cron.ts'
import { SCHEDULED_BACKTEST_JOB } from '../../src/report/schedule/params.ts'
import { SCHEDULE_NAME } from '../../src/report/schedule/validate.ts'
import type { ScheduleSpec } from '../../src/store/meta/jobRuns.ts'

export function reportSchedules(config: Config): ScheduleSpec[] {
  const specs: ScheduleSpec[] = [
    { name: 'prune-reports', job: 'maintenance.prune-reports', cron: '45 3 * * *', params: {} },
  ]
  if (config.reportSchedulesFile) specs.push(...readScheduleFile(config.reportSchedulesFile))
  return specs
}

/** The file's schedules; its problems (unreadable, not a list, bad names or crons) stop the start with every one. */
export function readScheduleFile(file: string): ScheduleSpec[] {
  let document: unknown
  try {
    document = JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch (error) {
    throw new InvalidInputError(`cannot read REPORT_SCHEDULES_FILE ${file}`, [
      { path: 'REPORT_SCHEDULES_FILE', received: (error as Error).message, expected: 'a readable JSON file' },
    ])
  }
  if (!Array.isArray(document))
    throw new InvalidInputError(`invalid REPORT_SCHEDULES_FILE ${file}`, [
      { path: '(file)', received: document, expected: 'a JSON array of {name, cron, params}' },
    ])
  const problems = []
  const specs: ScheduleSpec[] = []
  for (const [i, entry] of document.entries()) {
    const e = (entry ?? {}) as { name?: unknown; cron?: unknown; params?: unknown; enabled?: unknown }
    if (typeof e.name !== 'string' || !SCHEDULE_NAME.test(e.name))
      problems.push({ path: `[${i}].name`, received: e.name, expected: 'letters, digits, _ . - (1 to 64)' })
    const cron = typeof e.cron === 'string' ? cronProblem(e.cron, `[${i}].cron`) : null
    if (typeof e.cron !== 'string')
      problems.push({ path: `[${i}].cron`, received: e.cron, expected: 'a cron expression' })
    else if (cron) problems.push(cron)
    specs.push({
      name: String(e.name),
      job: SCHEDULED_BACKTEST_JOB,
      cron: String(e.cron),
      params: e.params,
      enabled: e.enabled !== false,
    })
  }
  if (problems.length) throw new InvalidInputError(`invalid REPORT_SCHEDULES_FILE ${file}`, problems)
  return specs
}
