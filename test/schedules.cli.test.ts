// `backstop schedules` as a user runs it: a bad schedule exits 2 naming every problem and stores nothing; add, pause
// and list --json show it; remove deletes it. Five CLI processes over one small data directory: ~20 s.
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { closeRuntime, openRuntime } from '../src/app/runtime.ts'
import { loadConfig } from '../src/config/load.ts'
import { createLogger } from '../src/obs/logger.ts'
import { REPORT_MARKET, REPORT_VENUE, seedReportDay } from './support/reportData.ts'
import { spawnBackstop } from './support/process.ts'
import { tempDir } from './support/tmp.ts'

const DAY = Date.UTC(2025, 9, 10)

describe('backstop schedules', () => {
  test('a bad schedule exits 2 with every problem; add, pause, list --json, remove', { timeout: 180_000 }, async () => {
    const env = { DATA_DIR: path.join(tempDir(), 'data'), LOG_LEVEL: 'silent' }
    const config = loadConfig(env)
    const { runtime } = await openRuntime(config, { migrate: true, log: createLogger('silent') })
    try {
      await seedReportDay(runtime.duck, DAY, 3_600)
    } finally {
      await closeRuntime(runtime)
    }
    const flags = (market: string) => [
      ...['--rules', 'binance-um', '--venue', REPORT_VENUE, '--markets', market],
      ...['--window', 'last 7d', '--positions', 'synthetic'],
    ]
    const run = async (args: string[]) => {
      const p = spawnBackstop(['schedules', ...args], env)
      return { code: (await p.exited).code, output: p.output() }
    }
    // a bad cron and an unknown market, both named; nothing stored
    const bad = await run(['add', 'weekly', '--cron', '0 7 * * 8', ...flags('NOPEUSDT')])
    expect(bad.code, bad.output).toBe(2)
    expect(bad.output).toContain('cron: received "0 7 * * 8"')
    expect(bad.output).toContain('NOPEUSDT')
    const added = await run(['add', 'weekly', '--cron', '0 7 * * 1', ...flags(REPORT_MARKET)])
    expect(added.code, added.output).toBe(0)
    expect(added.output).toContain('added weekly')
    const paused = await run(['pause', 'weekly'])
    expect(paused.code, paused.output).toBe(0)
    const listed = await run(['list', '--json'])
    expect(listed.code, listed.output).toBe(0)
    const schedules = JSON.parse(listed.output) as Array<Record<string, unknown>>
    expect(schedules).toEqual([
      expect.objectContaining({
        name: 'weekly',
        cron: '0 7 * * 1',
        enabled: false,
        params: expect.objectContaining({ ruleSets: ['binance-um'], markets: [REPORT_MARKET], window: 'last 7d' }),
      }),
    ])
    const removed = await run(['remove', 'weekly'])
    expect(removed.code, removed.output).toBe(0)
    const { runtime: check } = await openRuntime(config, { log: createLogger('silent') })
    try {
      expect(await check.meta.jobSchedule.count({ where: { job: 'backtest.scheduled' } })).toBe(0)
    } finally {
      await closeRuntime(check)
    }
  })
})
