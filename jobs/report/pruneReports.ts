// Job maintenance.prune-reports: deletes reports older than REPORT_RETENTION_DAYS (row first, then files), report
// folders without a row (a crash between rename and row), and partial folders of processes that are gone.
import { z } from 'zod'
import { pidAlive, removeReportFiles, reportFolders, reportPath, sweepPartialReports } from '../../src/report/files.ts'
import { deleteReport, existingReportIds, reportsOlderThan } from '../../src/store/meta/reports.ts'
import { defineJob, emptyOutcome } from '../job.ts'

/** A folder without a row is left alone this long: its row may still be on its way. */
const ORPHAN_GRACE_MS = 10 * 60_000

export const pruneReportsJob = defineJob({
  name: 'maintenance.prune-reports',
  description: 'Delete reports older than REPORT_RETENTION_DAYS, orphan report folders and partial renders.',
  params: z.object({}).strict(),
  async run({ runtime, log }) {
    const { dataDir, reportRetentionDays } = runtime.config
    let deleted = 0
    if (reportRetentionDays > 0) {
      const cutoff = new Date(Date.now() - reportRetentionDays * 86_400_000)
      for (;;) {
        const old = await reportsOlderThan(runtime.meta, cutoff, 500)
        for (const r of old) {
          // the row goes first: a report is never served half deleted, and a leftover folder is an orphan
          await deleteReport(runtime.meta, r.id)
          await removeReportFiles(dataDir, r.path)
          deleted++
        }
        if (old.length < 500) break
      }
    }
    const folders = await reportFolders(dataDir)
    const withRow = await existingReportIds(
      runtime.meta,
      folders.map((f) => f.id),
    )
    let orphans = 0
    for (const f of folders) {
      if (withRow.has(f.id) || Date.now() - f.mtimeMs < ORPHAN_GRACE_MS) continue
      await removeReportFiles(dataDir, reportPath(f.id))
      orphans++
    }
    const partial = await sweepPartialReports(dataDir, pidAlive)
    log.info({ deleted, orphans, partial, retentionDays: reportRetentionDays }, 'pruned reports')
    return emptyOutcome()
  },
})
