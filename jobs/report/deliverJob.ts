// Job report.deliver (kind delivery): delivers reports whose delivery is still pending — a server stopped between
// rendering a report and delivering it, or during its retries. Submitted at each start with the reports that catch-up
// found (jobs/report/catchUp.ts); reads each from the store (row and files) and sends it only to the targets not yet
// delivered.
import { z } from 'zod'
import { deliverStoredReport } from '../../src/report/delivery/deliver.ts'
import { configuredTargets } from '../../src/report/delivery/targets.ts'
import { defineJob, emptyOutcome } from '../job.ts'
import { deliveryOptions } from './deliveryOptions.ts'

export const DELIVER_REPORTS_JOB = 'report.deliver'

export const deliverReportsJob = defineJob({
  name: DELIVER_REPORTS_JOB,
  // its own queue: a target that is down (retries over minutes) never holds a report's or a schedule's slot
  kind: 'delivery',
  description: 'Deliver the reports whose delivery is pending (a stop came between their render and their delivery).',
  params: z.strictObject({ reports: z.array(z.string().min(1).max(64)).min(1).max(1000) }),
  // one at a time across processes, so two servers starting together never send one report twice
  exclusive: true,
  // a run interrupted by a crash leaves its reports pending: the next start's catch-up submits a new one
  retryOnCrash: false,
  async run({ runtime, log, signal, progress }, { reports }) {
    const targets = configuredTargets(runtime.config, ['webhook', 'email'])
    const delivered: Array<{ reportId: string; deliveryStatus: string }> = []
    for (const [i, reportId] of reports.entries()) {
      if (signal.aborted) break
      progress.update({ phase: 'delivering', done: i, total: reports.length, unit: 'reports' })
      const record = await deliverStoredReport(
        { meta: runtime.meta, dataDir: runtime.config.dataDir },
        reportId,
        targets,
        deliveryOptions(runtime.config, log, signal),
      )
      log.info({ report: reportId, delivery: record.deliveryStatus }, 'pending report delivery resumed')
      delivered.push({ reportId, deliveryStatus: record.deliveryStatus })
    }
    return { ...emptyOutcome(), result: { reports: delivered } }
  },
})
