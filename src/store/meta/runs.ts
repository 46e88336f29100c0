// Run records (JobRun) for every kind of work: the one place that moves a run's status, with conditional updates so
// an owner finishing, a cancel from another process and crash recovery can race without undoing each other.
import {
  INTERRUPTED_PREFIX,
  isRunStatus,
  RUN_STATUSES,
  STORED_RUN_TRIGGERS,
  type FinishedRunStatus,
  type RunProgress,
  type RunStatus,
} from '../../domain/run.ts'
import { ConflictError, NotFoundError } from '../../errors.ts'
import type { ListPage, ListQuery } from '../query/listQuery.ts'
import { readPrismaList, type PrismaListSpec } from '../query/prismaList.ts'
import type { MetaClient } from './client.ts'
import type { JobRun, Prisma } from './generated/client.ts'
import { boundedErrors, boundedMessage, type JobFailure } from './jobRuns.ts'

export type StoredRun = JobRun

/** The process that owns a run while it is queued or running. */
export interface RunOwner {
  host: string
  pid: number
}

export interface NewRun {
  /** Chosen by the caller when it needs the id before the row exists (e.g. to take a lock first). */
  id?: string
  kind: string
  job: string
  trigger: string
  params: unknown
  scheduleId?: string | null
  retryOfId?: string | null
  attempt?: number
  owner: RunOwner
  /** Names of per-run settings given besides the parameters, whose values are never recorded. */
  withheldSettings?: readonly string[]
}

export interface RunFinish {
  status: FinishedRunStatus
  durationMs?: number
  partitionsLoaded?: number
  partitionsSkipped?: number
  partitionsFailed?: number
  rows?: number
  errors?: JobFailure[]
  error?: string | null
  result?: unknown
}

const json = (value: unknown) => (value ?? null) as Prisma.InputJsonValue
const OPEN: RunStatus[] = ['queued', 'running']

export function runStatus(run: Pick<StoredRun, 'status'>): RunStatus {
  if (!isRunStatus(run.status)) throw new Error(`run has an unknown status ${JSON.stringify(run.status)}`)
  return run.status
}

/** Records a new run, queued, owned by `owner`. */
export function createRun(prisma: MetaClient, run: NewRun): Promise<StoredRun> {
  return prisma.jobRun.create({
    data: {
      ...(run.id ? { id: run.id } : {}),
      kind: run.kind,
      job: run.job,
      trigger: run.trigger,
      params: json(run.params),
      scheduleId: run.scheduleId ?? null,
      retryOfId: run.retryOfId ?? null,
      attempt: run.attempt ?? 1,
      ...(run.withheldSettings?.length ? { withheldSettings: [...run.withheldSettings] } : {}),
      host: run.owner.host,
      pid: run.owner.pid,
      status: 'queued',
    },
  })
}

/** queued → running. False when the run is no longer queued (cancelled meanwhile, or recovered). */
export async function startRun(prisma: MetaClient, id: string): Promise<boolean> {
  const now = new Date()
  const { count } = await prisma.jobRun.updateMany({
    where: { id, status: 'queued', cancelRequestedAt: null },
    data: { status: 'running', startedAt: now, heartbeatAt: now },
  })
  return count === 1
}

/**
 * queued | running → a finished status. False when the run had already finished (e.g. cancelled while queued, or
 * marked interrupted by recovery): its record is then left as it is.
 */
export async function finishRun(prisma: MetaClient, id: string, finish: RunFinish): Promise<boolean> {
  const { count } = await prisma.jobRun.updateMany({
    where: { id, status: { in: OPEN } },
    data: {
      status: finish.status,
      finishedAt: new Date(),
      ...(finish.durationMs !== undefined ? { durationMs: Math.round(finish.durationMs) } : {}),
      partitionsLoaded: finish.partitionsLoaded ?? 0,
      partitionsSkipped: finish.partitionsSkipped ?? 0,
      partitionsFailed: finish.partitionsFailed ?? 0,
      rows: BigInt(finish.rows ?? 0),
      errors: json(boundedErrors(finish.errors ?? [])),
      error: finish.error == null ? null : boundedMessage(finish.error),
      ...(finish.result !== undefined ? { result: json(finish.result) } : {}),
    },
  })
  return count === 1
}

/**
 * Asks for a run to stop. A queued run is cancelled at once; a running one gets `cancelRequestedAt`, which its owner
 * sees within about a second and acts on. Asking again, or for a run already cancelled, changes nothing. A run that
 * succeeded or failed cannot be cancelled (ConflictError naming its status).
 */
export async function requestCancel(
  prisma: MetaClient,
  id: string,
  reason = 'cancelled on request',
): Promise<StoredRun> {
  const now = new Date()
  await prisma.jobRun.updateMany({
    where: { id, status: 'queued' },
    data: { status: 'cancelled', cancelRequestedAt: now, finishedAt: now, error: reason },
  })
  await prisma.jobRun.updateMany({
    where: { id, status: 'running', cancelRequestedAt: null },
    data: { cancelRequestedAt: now },
  })
  const run = await prisma.jobRun.findUnique({ where: { id } })
  if (!run) throw new NotFoundError(`no run with id ${id}`, { id })
  const status = runStatus(run)
  if (status === 'succeeded' || status === 'failed') {
    throw new ConflictError(`run ${id} has already ${status}; only a queued or running run can be cancelled`, {
      id,
      status,
    })
  }
  return run
}

/** Of `ids`, those someone asked to cancel (or that are no longer open: finished behind their owner's back). */
export async function runsToStop(prisma: MetaClient, ids: string[]): Promise<string[]> {
  if (!ids.length) return []
  const rows = await prisma.jobRun.findMany({
    where: { id: { in: ids }, OR: [{ cancelRequestedAt: { not: null } }, { status: { notIn: OPEN } }] },
    select: { id: true },
  })
  return rows.map((r) => r.id)
}

/** The owner is alive: moves the heartbeat of its open runs. */
export async function heartbeatRuns(prisma: MetaClient, ids: string[]): Promise<void> {
  if (!ids.length) return
  await prisma.jobRun.updateMany({
    where: { id: { in: ids }, status: { in: OPEN } },
    data: { heartbeatAt: new Date() },
  })
}

/** The latest progress event, for readers in other processes. */
export async function saveRunProgress(prisma: MetaClient, id: string, progress: RunProgress): Promise<void> {
  await prisma.jobRun.updateMany({ where: { id, status: { in: OPEN } }, data: { progress: json(progress) } })
}

export function getRun(prisma: MetaClient, id: string): Promise<StoredRun | null> {
  return prisma.jobRun.findUnique({ where: { id } })
}

/**
 * The latest run of a job, or with `after` the first run of that job queued after it (queue order: queuedAt, then
 * id), or null.
 */
export function runOfJob(
  prisma: MetaClient,
  job: string,
  after?: Pick<StoredRun, 'queuedAt' | 'id'> | null,
): Promise<StoredRun | null> {
  if (!after) return prisma.jobRun.findFirst({ where: { job }, orderBy: [{ queuedAt: 'desc' }, { id: 'desc' }] })
  return prisma.jobRun.findFirst({
    where: {
      job,
      OR: [{ queuedAt: { gt: after.queuedAt } }, { queuedAt: after.queuedAt, id: { gt: after.id } }],
    },
    orderBy: [{ queuedAt: 'asc' }, { id: 'asc' }],
  })
}

export function listRuns(
  prisma: MetaClient,
  options: {
    kind?: string | null
    job?: string | null
    status?: RunStatus | null
    trigger?: (typeof STORED_RUN_TRIGGERS)[number] | null
    limit?: number
  } = {},
): Promise<StoredRun[]> {
  return prisma.jobRun.findMany({
    where: {
      ...(options.kind ? { kind: options.kind } : {}),
      ...(options.job ? { job: options.job } : {}),
      ...(options.status ? { status: options.status } : {}),
      ...(options.trigger ? { trigger: options.trigger } : {}),
    },
    orderBy: [{ queuedAt: 'desc' }, { id: 'desc' }],
    take: options.limit ?? 50,
  })
}

/**
 * Open runs whose owner is gone: on this host its pid no longer exists; anywhere, its heartbeat is older than
 * `staleAfterMs` (a process that stopped beating is presumed dead).
 */
export async function findOrphanedRuns(
  prisma: MetaClient,
  options: { staleAfterMs: number; isAlive: (host: string, pid: number) => boolean },
): Promise<StoredRun[]> {
  const open = await prisma.jobRun.findMany({ where: { status: { in: OPEN } }, orderBy: { queuedAt: 'asc' } })
  const now = Date.now()
  return open.filter(
    (run) => !options.isAlive(run.host, run.pid) || now - run.heartbeatAt.getTime() > options.staleAfterMs,
  )
}

/**
 * Ends a run whose owner is gone: failed with an "interrupted" error, or cancelled when a cancel had been asked for;
 * its job lock is released in the same transaction. False when the run had finished meanwhile.
 */
export async function markRunInterrupted(
  prisma: MetaClient,
  run: Pick<StoredRun, 'id' | 'job' | 'pid' | 'host' | 'cancelRequestedAt' | 'withheldSettings'>,
): Promise<FinishedRunStatus | null> {
  const status: FinishedRunStatus = run.cancelRequestedAt ? 'cancelled' : 'failed'
  const withheld = withheldSettingsOf(run)
  // a re-run without the settings would do different work (another endpoint, say), so the error says what to do
  const notRerun = withheld.length
    ? `; not re-run automatically: it was given settings that are never recorded (${withheld.join(', ')}): ` +
      `submit job ${run.job} again with them`
    : ''
  const [updated] = await prisma.$transaction([
    prisma.jobRun.updateMany({
      where: { id: run.id, status: { in: OPEN } },
      data: {
        status,
        finishedAt: new Date(),
        error: `${INTERRUPTED_PREFIX} process ${run.pid} on ${run.host} stopped before the run finished (crash or kill)${notRerun}`,
      },
    }),
    prisma.jobLock.deleteMany({ where: { name: run.job, runId: run.id } }),
  ])
  return updated.count === 1 ? status : null
}

/**
 * Interrupted runs worth another attempt: failed by recovery, of one of `jobs`, fewer than `maxAttempts` attempts,
 * not re-run yet, and given no settings that were withheld from the record.
 */
export async function findRunsToRetry(
  prisma: MetaClient,
  options: { jobs: string[]; maxAttempts: number },
): Promise<StoredRun[]> {
  const interrupted = await prisma.jobRun.findMany({
    where: {
      status: 'failed',
      job: { in: options.jobs },
      attempt: { lt: options.maxAttempts },
      error: { startsWith: INTERRUPTED_PREFIX },
    },
    orderBy: { queuedAt: 'asc' },
  })
  if (!interrupted.length) return []
  const retried = await prisma.jobRun.findMany({
    where: { retryOfId: { in: interrupted.map((r) => r.id) } },
    select: { retryOfId: true },
  })
  const done = new Set(retried.map((r) => r.retryOfId))
  return interrupted.filter((r) => !done.has(r.id) && !withheldSettingsOf(r).length)
}

/** The names of the settings a run was given but that were not recorded (none for most runs). */
export function withheldSettingsOf(run: Pick<StoredRun, 'withheldSettings'>): string[] {
  const names = run.withheldSettings
  return Array.isArray(names) ? names.filter((name): name is string => typeof name === 'string') : []
}

/** Deletes finished runs of `kinds` older than `olderThan` (open runs are never deleted). */
export function pruneRuns(prisma: MetaClient, olderThan: Date, kinds: string[]) {
  return prisma.jobRun.deleteMany({
    where: { status: { notIn: OPEN }, kind: { in: kinds }, queuedAt: { lt: olderThan } },
  })
}

/** Runs as a filterable, keyset-paged list (newest first by default). */
export const RUN_LIST: PrismaListSpec = {
  fields: {
    id: { type: 'string', path: ['id'], sortable: true },
    kind: { type: 'string', path: ['kind'], sortable: true },
    job: { type: 'string', path: ['job'], sortable: true },
    status: { type: 'enum', values: RUN_STATUSES, path: ['status'], sortable: true },
    // checked against the triggers a run may hold: an unknown one is refused naming them, never an empty page
    trigger: { type: 'enum', values: STORED_RUN_TRIGGERS, path: ['trigger'], sortable: true },
    queuedAt: { type: 'timestamp', path: ['queuedAt'], sortable: true },
    startedAt: { type: 'timestamp', path: ['startedAt'] },
    finishedAt: { type: 'timestamp', path: ['finishedAt'] },
  },
  id: 'id',
  defaultOrder: [{ field: 'queuedAt', direction: 'DESC' }],
}

export function readRunList(prisma: MetaClient, query: ListQuery): Promise<ListPage<StoredRun>> {
  return readPrismaList(
    RUN_LIST,
    query,
    (args) => prisma.jobRun.findMany(args as Prisma.JobRunFindManyArgs),
    (args) => prisma.jobRun.count(args as Prisma.JobRunCountArgs),
  )
}
