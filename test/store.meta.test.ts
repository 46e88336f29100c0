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
    const jobRun = await prisma.jobRun.create({
      data: { kind: 'backtest', job: 'backtest', trigger: 'cli', host: 'h', pid: 1 },
    })
    expect(jobRun).toMatchObject({ status: 'queued', startedAt: null })
    const run = await prisma.backtestRun.create({
      data: {
        id: jobRun.id,
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
    // a backtest's record is part of its run: there is none without one
    await expect(
      prisma.backtestRun.create({
        data: {
          id: 'no-such-run',
          ruleSetHash: 'h',
          ruleSetRef: 'binance-um',
          venue: 'binance-um',
          markets: ['BTCUSDT'],
          fromTs: new Date('2025-10-10T00:00:00Z'),
          toTs: new Date('2025-10-11T00:00:00Z'),
          positionsSource: 'synthetic',
        },
      }),
    ).rejects.toThrow()
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

  test('the runs migration moves existing job runs and backtests onto one run record each', async () => {
    // a store migrated before the run system, with an ingestion run and two backtests (one cut short by a crash)
    const [init, ...later] = shipped
    const runsIndex = later.findIndex((m) => m.endsWith('_runs'))
    expect(runsIndex).toBeGreaterThanOrEqual(0)
    const before = path.join(dir, 'migrations-before-runs')
    fs.mkdirSync(before)
    for (const m of [init!, ...later.slice(0, runsIndex)])
      fs.cpSync(path.join(prismaMigrationsDir, m), path.join(before, m), { recursive: true })
    fs.copyFileSync(path.join(prismaMigrationsDir, 'migration_lock.toml'), path.join(before, 'migration_lock.toml'))
    const old = `file:${path.join(dir, 'old.db')}`
    await migrateDeploy({ url: old, migrationsDir: before })
    const prisma = createMetaClient(old)
    const at = (s: string) => `'${s}'`
    const raw = (sql: string) => prisma.$executeRawUnsafe(sql)
    await raw(`INSERT INTO JobRun (id, job, trigger, host, pid, status, startedAt, heartbeatAt)
      VALUES ('j1', 'ingest.binance-um', 'cron', 'h', 1, 'succeeded', ${at('2025-01-01T00:00:00.000Z')}, ${at('2025-01-01T00:00:00.000Z')})`)
    const backtest = (id: string, status: string, params: unknown, error: string | null) =>
      raw(`INSERT INTO BacktestRun (id, status, ruleSetHash, ruleSetRef, venue, markets, fromTs, toTs, positionsSource, params, error, createdAt, startedAt, finishedAt)
        VALUES (${at(id)}, ${at(status)}, 'h', 'binance-um', 'binance-um', '["BTCUSDT"]', ${at('2025-01-01T00:00:00.000Z')}, ${at('2025-01-02T00:00:00.000Z')},
          'synthetic', ${at(JSON.stringify(params))}, ${error ? at(error) : 'NULL'}, ${at('2025-02-01T00:00:00.000Z')}, ${at('2025-02-01T00:00:01.000Z')},
          ${status === 'running' ? 'NULL' : at('2025-02-01T00:00:09.000Z')})`)
    await backtest('b-done', 'succeeded', { seed: 1, runner: { host: 'h', pid: 7 } }, null)
    await backtest('b-cut', 'running', { seed: 1, runner: { host: 'elsewhere', pid: 42 } }, null)
    await prisma.$disconnect()

    expect(await migrateDeploy({ url: old })).toEqual(later.slice(runsIndex))
    const after = createMetaClient(old)
    const runs = await after.jobRun.findMany({ orderBy: { id: 'asc' } })
    expect(runs.map((r) => [r.id, r.kind, r.job, r.status])).toEqual([
      ['b-cut', 'backtest', 'backtest', 'running'],
      ['b-done', 'backtest', 'backtest', 'succeeded'],
      ['j1', 'ingest', 'ingest.binance-um', 'succeeded'],
    ])
    const cut = runs[0]!
    // the interrupted backtest keeps its owner and an old heartbeat, so recovery ends it and deletes its rows
    expect(cut).toMatchObject({ host: 'elsewhere', pid: 42, finishedAt: null })
    expect(cut.heartbeatAt.toISOString()).toBe('2025-02-01T00:00:01.000Z')
    expect(runs[1]!.finishedAt?.toISOString()).toBe('2025-02-01T00:00:09.000Z')
    expect(runs[2]!.queuedAt.toISOString()).toBe('2025-01-01T00:00:00.000Z')
    const done = await after.backtestRun.findUniqueOrThrow({ where: { id: 'b-done' }, include: { run: true } })
    expect(done.run.status).toBe('succeeded')
    await after.$disconnect()
  })
})
