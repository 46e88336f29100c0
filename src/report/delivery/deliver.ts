// Delivering a stored report to its targets, each retried with exponential backoff; every attempt's outcome is
// recorded on the report's row. A report is never lost because delivery failed: its files and row stay as they are.
import type { MetaClient } from '../../store/meta/client.ts'
import { recordDelivery, type DeliveryRecord, type StoredReport } from '../../store/meta/reports.ts'
import { readReportFile } from '../files.ts'
import type { ReportModel } from '../model.ts'
import { reportLinks } from './payload.ts'
import { sendToTarget, type ReportContent } from './send.ts'
import { targetLabel, type DeliveryTarget } from './targets.ts'

export interface DeliveryOptions {
  /** Retries after the first attempt. */
  retries: number
  /** First retry delay; doubles per retry, at most MAX_DELAY_MS. */
  baseMs: number
  /** Where readers reach this server, for the links. */
  baseUrl: string
  sleep?: (ms: number) => Promise<void>
  /** Stops retrying (shutdown); what was tried so far is recorded. */
  signal?: AbortSignal
  /** Called after each failed attempt (logging). */
  onFailure?: (target: string, attempt: number, error: string) => void
}

const MAX_DELAY_MS = 10 * 60_000

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => {
      clearTimeout(timer)
      resolve()
    })
  })

/** Exponential backoff: base, 2·base, 4·base … capped at ten minutes. */
export const retryDelay = (baseMs: number, retry: number) => Math.min(MAX_DELAY_MS, baseMs * 2 ** (retry - 1))

export async function deliverReport(
  deps: { meta: MetaClient; dataDir: string },
  report: StoredReport,
  model: ReportModel,
  targets: DeliveryTarget[],
  options: DeliveryOptions,
): Promise<DeliveryRecord> {
  const read = async (name: string) => (await readReportFile(deps.dataDir, report.id, name))?.toString('utf8') ?? null
  const content: ReportContent = {
    model,
    links: reportLinks(options.baseUrl, report.id, report.formats as string[]),
    html: await read('report.html'),
    markdown: await read('report.md'),
  }
  const errors: DeliveryRecord['deliveryErrors'] = []
  const sleep = options.sleep ?? ((ms: number) => defaultSleep(ms, options.signal))
  const deliveries = await Promise.all(
    targets.map(async (target) => {
      const label = targetLabel(target)
      for (let attempt = 1; ; attempt++) {
        try {
          await sendToTarget(target, content)
          return {
            target: label,
            status: 'delivered' as const,
            attempts: attempt,
            deliveredAt: new Date().toISOString(),
          }
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error)
          errors.push({ target: label, attempt, at: new Date().toISOString(), error: message })
          options.onFailure?.(label, attempt, message)
          if (attempt > options.retries || options.signal?.aborted)
            return { target: label, status: 'failed' as const, attempts: attempt, deliveredAt: null }
          await sleep(retryDelay(options.baseMs, attempt))
        }
      }
    }),
  )
  const delivered = deliveries.filter((d) => d.status === 'delivered').length
  const record: DeliveryRecord = {
    deliveryStatus: delivered === deliveries.length ? 'delivered' : delivered === 0 ? 'failed' : 'partial',
    deliveryAttempts: deliveries.reduce((n, d) => n + d.attempts, 0),
    deliveryErrors: errors.sort((a, b) => a.at.localeCompare(b.at) || a.target.localeCompare(b.target)),
    deliveries,
    deliveredAt: delivered ? new Date() : null,
  }
  await recordDelivery(deps.meta, report.id, record)
  return record
}
