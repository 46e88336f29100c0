// Cron tasks of backtest schedules, kept in step with the JobSchedule table while the server runs: a schedule added,
// changed, paused, resumed or removed (CLI, GraphQL) takes effect within REFRESH_MS, without a restart.
import cron, { type ScheduledTask } from 'node-cron'
import type { Runtime } from '../../src/app/runtime.ts'
import { SCHEDULED_BACKTEST_JOB } from '../../src/report/schedule/params.ts'
import { listEnabledSchedules } from '../../src/store/meta/jobRuns.ts'

export const REFRESH_MS = 30_000

type Launch = (params: unknown, scheduleId: string) => unknown

export interface ScheduleTasks {
  /** Names of the schedules with a task now. */
  names(): string[]
  refresh(): Promise<void>
  stop(): Promise<void>
}

export async function backtestScheduleTasks(runtime: Runtime, launch: Launch): Promise<ScheduleTasks> {
  const tasks = new Map<string, { task: ScheduledTask; name: string; version: string }>()
  const refused = new Set<string>() // versions already logged as bad, so the log says it once
  let stopped = false
  const sync = async () => {
    if (stopped) return
    const wanted = (await listEnabledSchedules(runtime.meta)).filter((s) => s.job === SCHEDULED_BACKTEST_JOB)
    const seen = new Set<string>()
    for (const s of wanted) {
      seen.add(s.id)
      const version = `${s.cron}|${s.updatedAt.getTime()}`
      const current = tasks.get(s.id)
      if (current?.version === version) continue
      if (current) await current.task.destroy()
      tasks.delete(s.id)
      if (stopped) return
      if (!cron.validate(s.cron)) {
        if (!refused.has(version)) runtime.log.error({ schedule: s.name, cron: s.cron }, 'schedule skipped: bad cron')
        refused.add(version)
        continue
      }
      const params = s.params
      const task = cron.createTask(s.cron, () => launch(params, s.id), {
        timezone: 'UTC',
        noOverlap: true,
        name: s.name,
      })
      await task.start()
      tasks.set(s.id, { task, name: s.name, version })
    }
    for (const [id, entry] of tasks) {
      if (seen.has(id)) continue
      await entry.task.destroy()
      tasks.delete(id)
    }
  }
  // One sync at a time: the timer and a caller must not both create a task for the same schedule.
  let chain: Promise<void> = Promise.resolve()
  const refresh = () => {
    const next = chain.then(sync)
    chain = next.catch(() => undefined)
    return next
  }
  await refresh()
  const timer = setInterval(() => {
    refresh().catch((error: unknown) => runtime.log.warn({ err: error }, 'could not refresh backtest schedules'))
  }, REFRESH_MS)
  timer.unref()
  return {
    names: () => [...tasks.values()].map((t) => t.name),
    refresh,
    async stop() {
      stopped = true
      clearInterval(timer)
      await chain
      for (const entry of tasks.values()) await entry.task.destroy()
      tasks.clear()
    },
  }
}
