// Cron expressions of schedules (UTC): validation with the reason, and the last time one fired before an instant
// (to find a run missed while the server was down). node-cron ANDs day of month and day of week; so does this.
import cron from 'node-cron'
import type { InputProblem } from '../../errors.ts'

export function cronProblem(expression: string, path = 'cron'): InputProblem | null {
  const detail = cron.validateDetailed(expression)
  if (detail.valid) return null
  return {
    path,
    received: expression,
    expected: `a cron expression in UTC such as "0 6 * * *" (${detail.errors.map((e) => e.message).join('; ')})`,
  }
}

/** The latest minute ≤ `before` that `expression` fires at (UTC), looking back at most `days`; null if none. */
export function previousFire(expression: string, before: Date, days = 400): Date | null {
  const task = cron.createTask(expression, () => undefined, { timezone: 'UTC' })
  try {
    const fields = cron.parse(expression)
    const hours = [...fields.hour].sort((a, b) => b - a)
    const minutes = [...fields.minute].sort((a, b) => b - a)
    const second = Math.min(...fields.second)
    const startDay = Date.UTC(before.getUTCFullYear(), before.getUTCMonth(), before.getUTCDate())
    for (let d = 0; d <= days; d++) {
      const day = startDay - d * 86_400_000
      // the day fields decide for every time of the day: test the day once at its earliest time
      if (!task.match(new Date(day + Math.min(...hours) * 3_600_000 + Math.min(...minutes) * 60_000 + second * 1000)))
        continue
      for (const h of hours)
        for (const m of minutes) {
          const at = day + h * 3_600_000 + m * 60_000 + second * 1000
          if (at <= before.getTime()) return new Date(at)
        }
    }
    return null
  } finally {
    void task.destroy()
  }
}
