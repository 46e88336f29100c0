// Report retention (job maintenance.prune-reports): reports older than REPORT_RETENTION_DAYS lose their row and
// files; a folder without a row and a partial render of a dead process are swept; recent reports stay.
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { pruneReportsJob } from '../jobs/report/pruneReports.ts'
import { runJob } from '../jobs/runner.ts'
import { writeReportFiles } from '../src/report/files.ts'
import { createReport } from '../src/store/meta/reports.ts'
import { testRuntime } from './support/runtime.ts'

const runtime = await testRuntime({ REPORT_RETENTION_DAYS: '30' })
const root = path.join(runtime.config.dataDir, 'reports')

async function storedReport(id: string, ageDays: number) {
  await writeReportFiles(runtime.config.dataDir, id, [{ name: 'report.json', content: '{}' }])
  await createReport(runtime.meta, {
    id,
    kind: 'backtest',
    title: id,
    params: {},
    formats: ['json'],
    path: `reports/${id}`,
    files: [],
    scheduleId: null,
    runId: 'run',
    runIds: ['run'],
    headline: {},
    deliveryStatus: 'none',
    jobRunId: null,
    createdAt: new Date(Date.now() - ageDays * 86_400_000),
  })
}

describe('maintenance.prune-reports', () => {
  test('old reports, orphan folders and dead partial renders go; recent reports and fresh folders stay', async () => {
    await storedReport('old-report', 45)
    await storedReport('recent-report', 3)
    // a folder whose row never came (a crash between rename and row), old enough to be an orphan
    fs.mkdirSync(path.join(root, 'orphan'), { recursive: true })
    const old = new Date(Date.now() - 3_600_000)
    fs.utimesSync(path.join(root, 'orphan'), old, old)
    fs.mkdirSync(path.join(root, 'fresh-orphan'))
    // a partial render of a process that no longer exists, and one of this live process
    fs.mkdirSync(path.join(root, '.partial', '999999999-dead'), { recursive: true })
    fs.mkdirSync(path.join(root, '.partial', `${process.pid}-live`), { recursive: true })
    const result = await runJob(runtime, pruneReportsJob, {}, { trigger: 'cli' })
    expect(result.status).toBe('succeeded')
    expect(fs.readdirSync(root).sort()).toEqual(['.partial', 'fresh-orphan', 'recent-report'])
    expect(fs.readdirSync(path.join(root, '.partial'))).toEqual([`${process.pid}-live`])
    expect((await runtime.meta.report.findMany({ select: { id: true } })).map((r) => r.id)).toEqual(['recent-report'])
  })
})
