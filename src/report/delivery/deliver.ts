// Delivering a stored report to its targets from what is stored (its row and its files, delivery.json included),
// each target retried with exponential backoff. Every attempt is recorded on the row as it happens, so a stop at any
// point leaves the row saying which targets are delivered, failed or still pending; a pending one is resumed at the
// next start (jobs/report/catchUp.ts) and a delivered one is never sent again. A report is never lost because
// delivery failed: its files and row stay as they are.
import type { MetaClient } from '../../store/meta/client.ts'
import {
  getReport,
  recordDelivery,
  storedDeliveries,
  type DeliveryRecord,
  type TargetDelivery,
} from '../../store/meta/reports.ts'
import { readReportFile } from '../files.ts'
import { reportLinks } from './payload.ts'
import { sendToTarget, type ReportContent } from './send.ts'
import { DELIVERY_FILE, type DeliverySummary } from './summary.ts'
import { targetLabel, type DeliveryTarget } from './targets.ts'

export interface DeliveryOptions {
  /** Retries after the first attempt. */
  retries: number
  /** First retry delay; doubles per retry, at most MAX_DELAY_MS. */
  baseMs: number
  /** Where readers reach this server, for the links. */
  baseUrl: string
  sleep?: (ms: number) => Promise<void>
  /** Stops retrying (shutdown): what was tried so far is recorded and the target stays pending. */
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

/** The entries a report's row starts with: one pending entry per target. */
export function pendingDeliveries(targets: readonly DeliveryTarget[]): TargetDelivery[] {
  return targets.map((t) => ({
    target: targetLabel(t),
    kind: t.kind,
    status: 'pending',
    attempts: 0,
    lastError: null,
    lastAttemptAt: null,
    deliveredAt: null,
  }))
}

/** pending while any target is; else delivered, failed, or partial (some delivered, some failed). */
function overallStatus(entries: readonly TargetDelivery[]): DeliveryRecord['deliveryStatus'] {
  if (entries.some((e) => e.status === 'pending')) return 'pending'
  const delivered = entries.filter((e) => e.status === 'delivered').length
  return delivered === entries.length ? 'delivered' : delivered === 0 ? 'failed' : 'partial'
}

/**
 * Delivers report `reportId` to its targets still pending. `targets` are the configured transports: a pending entry
 * whose kind is no longer configured fails with a message saying so. Returns the record as last written.
 */
export async function deliverStoredReport(
  deps: { meta: MetaClient; dataDir: string },
  reportId: string,
  targets: readonly DeliveryTarget[],
  options: DeliveryOptions,
): Promise<DeliveryRecord> {
  const report = await getReport(deps.meta, reportId)
  if (!report) throw new Error(`report ${reportId} does not exist`)
  const entries = storedDeliveries(report).map((e) => ({ ...e }))
  const errors = [...((report.deliveryErrors as DeliveryRecord['deliveryErrors'] | null) ?? [])]
  let firstDelivery = report.deliveredAt
  const record = (): DeliveryRecord => ({
    deliveryStatus: entries.length ? overallStatus(entries) : 'delivered',
    deliveryAttempts: entries.reduce((n, e) => n + e.attempts, 0),
    deliveryErrors: errors,
    deliveries: entries,
    deliveredAt: firstDelivery,
  })
  // one write at a time, each the whole state: targets run side by side and the row never goes backwards
  let writes: Promise<unknown> = Promise.resolve()
  const save = () => {
    const snapshot = structuredClone(record())
    writes = writes.then(() => recordDelivery(deps.meta, reportId, snapshot))
    return writes
  }
  const pending = entries.filter((e) => e.status === 'pending')
  if (!pending.length) return record()

  const read = async (name: string) => (await readReportFile(deps.dataDir, report.id, name))?.toString('utf8') ?? null
  const summaryText = await read(DELIVERY_FILE)
  if (summaryText === null) {
    // a report without its summary cannot say anything: fail its targets rather than send an empty message
    for (const e of pending) Object.assign(e, { status: 'failed', lastError: `the report has no ${DELIVERY_FILE}` })
    await save()
    return record()
  }
  const content: ReportContent = {
    model: JSON.parse(summaryText) as DeliverySummary,
    links: reportLinks(options.baseUrl, report.id, report.formats as string[]),
    html: await read('report.html'),
    markdown: await read('report.md'),
  }
  const sleep = options.sleep ?? ((ms: number) => defaultSleep(ms, options.signal))

  await Promise.all(
    pending.map(async (entry) => {
      const target = targets.find((t) => t.kind === entry.kind)
      if (!target) {
        const variable = entry.kind === 'webhook' ? 'REPORT_WEBHOOK_URL' : 'REPORT_SMTP_URL and REPORT_EMAIL_TO'
        Object.assign(entry, { status: 'failed', lastError: `${entry.kind} is no longer configured (${variable})` })
        await save()
        return
      }
      // attempts count across restarts: a target gets 1 + retries attempts in all, however many stops came between
      for (;;) {
        if (options.signal?.aborted) return // stays pending: resumed at the next start
        const at = new Date().toISOString()
        entry.attempts++
        entry.lastAttemptAt = at
        try {
          await sendToTarget(target, content)
          Object.assign(entry, { status: 'delivered', lastError: null, deliveredAt: new Date().toISOString() })
          firstDelivery ??= new Date()
          await save()
          return
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error)
          entry.lastError = message
          errors.push({ target: entry.target, attempt: entry.attempts, at, error: message })
          options.onFailure?.(entry.target, entry.attempts, message)
          if (entry.attempts > options.retries) entry.status = 'failed'
          await save()
          if (entry.status === 'failed') return
          await sleep(retryDelay(options.baseMs, entry.attempts))
        }
      }
    }),
  )
  await writes
  return record()
}
