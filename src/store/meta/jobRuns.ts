// Job runs, job locks and job schedules in the metadata store.
import type { MetaClient } from './client.ts'
import type { Prisma } from './generated/client.ts'

export interface JobRunStart {
  /** Chosen by the caller when it needs the id before the row exists (e.g. to take a lock first). */
  id?: string
  job: string
  trigger: 'cron' | 'cli' | 'api' | 'recovery'
  params: unknown
  scheduleId?: string | null
  retryOfId?: string | null
  attempt?: number
  host: string
  pid: number
}

export interface JobFailure {
  /** The partition (or other unit) that failed, when the failure is not the whole run. */
  partition?: string
  message: string
}

export interface JobRunFinish {
  status: 'succeeded' | 'failed'
  durationMs: number
  partitionsLoaded: number
  partitionsSkipped: number
  partitionsFailed: number
  rows: number
  errors: JobFailure[]
  error?: string | null
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

export function createJobRun(prisma: MetaClient, start: JobRunStart) {
  return prisma.jobRun.create({
    data: {
      ...(start.id ? { id: start.id } : {}),
      job: start.job,
      trigger: start.trigger,
      params: json(start.params),
      scheduleId: start.scheduleId ?? null,
      retryOfId: start.retryOfId ?? null,
      attempt: start.attempt ?? 1,
      host: start.host,
      pid: start.pid,
      status: 'running',
    },
  })
}

export async function heartbeatJobRun(prisma: MetaClient, runId: string, jobName: string): Promise<void> {
  const now = new Date()
  await prisma.$transaction([
    prisma.jobRun.update({ where: { id: runId }, data: { heartbeatAt: now } }),
    prisma.jobLock.updateMany({ where: { name: jobName, runId }, data: { heartbeatAt: now } }),
  ])
}

export function finishJobRun(prisma: MetaClient, runId: string, finish: JobRunFinish) {
  return prisma.jobRun.update({
    where: { id: runId },
    data: {
      status: finish.status,
      finishedAt: new Date(),
      durationMs: Math.round(finish.durationMs),
      partitionsLoaded: finish.partitionsLoaded,
      partitionsSkipped: finish.partitionsSkipped,
      partitionsFailed: finish.partitionsFailed,
      rows: BigInt(finish.rows),
      errors: json(boundedErrors(finish.errors)),
      error: finish.error == null ? null : boundedMessage(finish.error),
    },
  })
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

export async function releaseJobLock(prisma: MetaClient, name: string, runId: string): Promise<void> {
  await prisma.jobLock.deleteMany({ where: { name, runId } })
}

/** Runs still marked running whose process is gone (crash, kill -9, power loss). */
export async function findInterruptedRuns(
  prisma: MetaClient,
  options: { staleAfterMs: number; isAlive: (host: string, pid: number) => boolean },
) {
  const running = await prisma.jobRun.findMany({ where: { status: 'running' }, orderBy: { startedAt: 'asc' } })
  return running.filter(
    (run) => !options.isAlive(run.host, run.pid) || Date.now() - run.heartbeatAt.getTime() > options.staleAfterMs,
  )
}

/** Marks an interrupted run failed and releases its lock, in one transaction. */
export async function markRunInterrupted(
  prisma: MetaClient,
  run: { id: string; job: string; pid: number; host: string },
) {
  await prisma.$transaction([
    prisma.jobRun.update({
      where: { id: run.id },
      data: {
        status: 'failed',
        finishedAt: new Date(),
        error: `interrupted: process ${run.pid} on ${run.host} stopped before the run finished (crash or kill)`,
      },
    }),
    prisma.jobLock.deleteMany({ where: { name: run.job, runId: run.id } }),
  ])
}

export function listJobRuns(prisma: MetaClient, options: { job?: string | null; limit?: number } = {}) {
  return prisma.jobRun.findMany({
    where: options.job ? { job: options.job } : {},
    orderBy: { startedAt: 'desc' },
    take: options.limit ?? 50,
  })
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

export function pruneJobRuns(prisma: MetaClient, olderThan: Date) {
  return prisma.jobRun.deleteMany({ where: { status: { not: 'running' }, startedAt: { lt: olderThan } } })
}
