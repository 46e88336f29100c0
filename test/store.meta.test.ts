// Metadata store: offline migrations applied once, models round-trip, rule-set versions immutable.
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { createMetaClient } from '../src/store/meta/client.ts'
import { migrateDeploy, migrateStatus } from '../src/store/meta/migrate.ts'
import { prismaMigrationsDir } from '../src/store/meta/paths.ts'
import { pendingMetaMigrations } from '../src/store/meta/readiness.ts'
import fs from 'node:fs'
import { tempDir } from './support/tmp.ts'

const dir = tempDir()
const url = `file:${path.join(dir, 'nested', 'meta.db')}`
const shipped = fs
  .readdirSync(prismaMigrationsDir, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort()

describe('metadata store', () => {
  test('migrations apply once, offline, and history is clean', async () => {
    expect(await migrateDeploy({ url })).toEqual(shipped)
    expect(await migrateDeploy({ url })).toEqual([])
    const status = await migrateStatus({ url })
    expect(status.failedMigrationNames).toEqual([])
    expect(status.history).toBeNull()
    const prisma = createMetaClient(url)
    expect(await pendingMetaMigrations(prisma)).toEqual([])
    await prisma.$disconnect()
  })

  test('rule sets keep immutable, content-hashed versions', async () => {
    const prisma = createMetaClient(url)
    const ruleSet = await prisma.ruleSet.create({
      data: { name: 'binance-tight', versions: { create: { version: 1, hash: 'a'.repeat(64), body: '{"x":1}' } } },
      include: { versions: true },
    })
    const version = ruleSet.versions[0]!
    const refused = await prisma.ruleSetVersion
      .update({ where: { id: version.id }, data: { body: '{"x":2}' } })
      .catch((e: unknown) => e)
    // Prisma reports the trigger's RAISE as a constraint violation; the driver keeps SQLite's own message.
    const cause = (refused as { meta?: { driverAdapterError?: { cause?: { originalMessage?: string } } } }).meta
      ?.driverAdapterError?.cause
    expect(cause?.originalMessage).toMatch(/RuleSetVersion rows are immutable/)
    await expect(
      prisma.ruleSetVersion.create({ data: { ruleSetId: ruleSet.id, version: 1, hash: 'b'.repeat(64), body: '{}' } }),
    ).rejects.toThrow()
    expect((await prisma.ruleSetVersion.findUniqueOrThrow({ where: { id: version.id } })).body).toBe('{"x":1}')
    await prisma.$disconnect()
  })

  test('runs, schedules, job runs, keys and reports round-trip', async () => {
    const prisma = createMetaClient(url)
    const run = await prisma.backtestRun.create({
      data: {
        ruleSetHash: 'h',
        ruleSetRef: 'binance-um',
        venue: 'binance-um',
        markets: ['BTCUSDT'],
        fromTs: new Date('2025-10-10T00:00:00Z'),
        toTs: new Date('2025-10-11T00:00:00Z'),
        positionsSource: 'synthetic',
        seed: 7,
        summary: { liquidations: 3 },
      },
    })
    expect((await prisma.backtestRun.findUniqueOrThrow({ where: { id: run.id } })).markets).toEqual(['BTCUSDT'])
    const schedule = await prisma.jobSchedule.create({
      data: { name: 's', job: 'j', cron: '* * * * *', params: { a: 1 } },
    })
    await prisma.jobRun.create({
      data: { job: 'j', trigger: 'cli', host: 'h', pid: 1, scheduleId: schedule.id, rows: 5_000_000_000n },
    })
    expect((await prisma.jobRun.findFirstOrThrow({ where: { job: 'j' } })).rows).toBe(5_000_000_000n)
    await prisma.apiKey.create({ data: { name: 'bi', prefix: 'bsk_1234', secretHash: 'f'.repeat(64), role: 'reader' } })
    await prisma.report.create({
      data: {
        id: 'r1',
        kind: 'backtest',
        title: 'Weekly',
        params: {},
        formats: ['html'],
        path: 'reports/r1',
        files: [],
        runId: run.id,
        runIds: [run.id],
        headline: {},
        scheduleId: schedule.id,
      },
    })
    expect(await prisma.apiKey.count()).toBe(1)
    await prisma.$disconnect()
  })
})
