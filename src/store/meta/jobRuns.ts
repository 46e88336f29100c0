// Job locks (one run of a job at a time across processes) and job schedules in the metadata store; the run records
// themselves are in runs.ts.
import type { MetaClient } from './client.ts'
import type { Prisma } from './generated/client.ts'

export interface JobFailure {
  /** The partition (or other unit) that failed, when the failure is not the whole run. */
  partition?: string
  message: string
}

const json = (value: unknown) => (value ?? null) as Prisma.InputJsonValue

/** Longest message kept per stored error, and most errors kept per run (the rest are counted in a last entry). */
export const STORED_MESSAGE_LIMIT = 2000
export const STORED_ERRORS_LIMIT = 100

/** A message cut to `limit` characters, its full length stated: a 10 MB line must not become a 10 MB record. */
export function boundedMessage(message: string, limit = STORED_MESSAGE_LIMIT): string {
  return message.length <= limit ? message : `${message.slice(0, limit)}… (${message.length} characters)`
}

/** The errors a run stores: each message bounded, at most STORED_ERRORS_LIMIT of them plus one that counts the rest. */
export function boundedErrors(errors: readonly JobFailure[]): JobFailure[] {
  const kept = errors.slice(0, STORED_ERRORS_LIMIT).map((e) => ({
    ...(e.partition !== undefined ? { partition: boundedMessage(e.partition, 300) } : {}),
    message: boundedMessage(e.message),
  }))
  if (errors.length > STORED_ERRORS_LIMIT) {
    kept.push({ message: `… and ${errors.length - STORED_ERRORS_LIMIT} more errors (not stored)` })
  }
  return kept
}

export interface LockOwner {
  runId: string
  host: string
  pid: number
}

/**
 * Takes the lock for `name`, unless a live holder has it. A holder is dead when it is on this host and its pid is
 * gone, or when its heartbeat is older than `staleAfterMs`. Returns the current holder when the lock is busy.
 */
export async function acquireJobLock(
  prisma: MetaClient,
  name: string,
  owner: LockOwner,
  options: { staleAfterMs: number; isAlive: (host: string, pid: number) => boolean },
): Promise<{ acquired: true } | { acquired: false; holder: LockOwner }> {
  const existing = await prisma.jobLock.findUnique({ where: { name } })
  if (existing) {
    const stale =
      !options.isAlive(existing.host, existing.pid) ||
      Date.now() - existing.heartbeatAt.getTime() > options.staleAfterMs
    if (!stale) return { acquired: false, holder: existing }
    // Only remove the exact stale holder; a concurrent taker then loses the create below.
    await prisma.jobLock.deleteMany({ where: { name, runId: existing.runId } })
  }
  try {
    await prisma.jobLock.create({ data: { name, runId: owner.runId, host: owner.host, pid: owner.pid } })
    return { acquired: true }
  } catch {
    const holder = await prisma.jobLock.findUnique({ where: { name } })
    return { acquired: false, holder: holder ?? { runId: 'unknown', host: 'unknown', pid: 0 } }
  }
}

/** The holder is alive: moves its heartbeat so other processes do not take the lock over. */
export async function heartbeatJobLock(prisma: MetaClient, name: string, runId: string): Promise<void> {
  await prisma.jobLock.updateMany({ where: { name, runId }, data: { heartbeatAt: new Date() } })
}

export async function releaseJobLock(prisma: MetaClient, name: string, runId: string): Promise<void> {
  await prisma.jobLock.deleteMany({ where: { name, runId } })
}

export interface ScheduleSpec {
  name: string
  job: string
  cron: string
  timezone?: string
  params: unknown
  enabled?: boolean
}

/** Writes the schedules that come from configuration (origin = config), replacing earlier config schedules. */
export async function syncConfigSchedules(prisma: MetaClient, specs: ScheduleSpec[]): Promise<void> {
  await prisma.$transaction([
    prisma.jobSchedule.deleteMany({ where: { origin: 'config', name: { notIn: specs.map((s) => s.name) } } }),
    ...specs.map((s) => {
      const data = {
        job: s.job,
        cron: s.cron,
        timezone: s.timezone ?? 'UTC',
        params: json(s.params),
        enabled: s.enabled ?? true,
        origin: 'config',
      }
      return prisma.jobSchedule.upsert({ where: { name: s.name }, create: { name: s.name, ...data }, update: data })
    }),
  ])
}

export function listEnabledSchedules(prisma: MetaClient) {
  return prisma.jobSchedule.findMany({ where: { enabled: true }, orderBy: { name: 'asc' } })
}
