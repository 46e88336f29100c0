// BacktestRun records: queued → running → succeeded | failed | cancelled, with the rule-set hash, the data window,
// the positions source, the seed, the summary and the timings.
import os from 'node:os'
import type { Prisma } from './generated/client.ts'
import type { MetaClient } from './client.ts'

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const
export type RunStatus = (typeof RUN_STATUSES)[number]

export interface NewBacktestRun {
  ruleSetHash: string
  ruleSetRef: string
  ruleSetVersionId: string | null
  venue: string
  markets: string[]
  fromTs: Date
  toTs: Date
  positionsSource: 'synthetic' | 'accounts' | 'explicit'
  seed: number
  /** The request as given (JSON), for re-running and auditing. */
  params: Prisma.InputJsonValue
}

/** The process that owns a run: a run is live only while this pid exists on this host. */
const runner = () => ({ host: os.hostname(), pid: process.pid })

export function createBacktestRun(prisma: MetaClient, run: NewBacktestRun) {
  return prisma.backtestRun.create({
    data: { ...run, params: { ...(run.params as object), runner: runner() }, status: 'queued' },
  })
}

/** Marks the run running in this process. */
export function startBacktestRun(prisma: MetaClient, id: string) {
  return prisma.backtestRun.update({ where: { id }, data: { status: 'running', startedAt: new Date() } })
}

export function finishBacktestRun(
  prisma: MetaClient,
  id: string,
  outcome: {
    status: 'succeeded' | 'failed' | 'cancelled'
    summary?: Prisma.InputJsonValue
    timings?: Prisma.InputJsonValue
    error?: string
  },
) {
  return prisma.backtestRun.update({
    where: { id },
    data: {
      status: outcome.status,
      finishedAt: new Date(),
      ...(outcome.summary !== undefined ? { summary: outcome.summary } : {}),
      ...(outcome.timings !== undefined ? { timings: outcome.timings } : {}),
      error: outcome.error ?? null,
    },
  })
}

export function getBacktestRun(prisma: MetaClient, id: string) {
  return prisma.backtestRun.findUnique({ where: { id } })
}

export function listBacktestRuns(
  prisma: MetaClient,
  options: { status?: RunStatus | null; limit: number; offset: number },
) {
  return prisma.backtestRun.findMany({
    where: options.status ? { status: options.status } : {},
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: options.limit,
    skip: options.offset,
  })
}

export type StoredBacktestRun = NonNullable<Awaited<ReturnType<typeof getBacktestRun>>>

/**
 * Runs left queued or running by a process that is gone (a crash or a kill) are marked failed. A run is live only
 * while its runner's pid exists on this host.
 */
export async function failInterruptedBacktestRuns(
  prisma: MetaClient,
  isAlive: (host: string, pid: number) => boolean,
): Promise<string[]> {
  const open = await prisma.backtestRun.findMany({ where: { status: { in: ['queued', 'running'] } } })
  const dead = open.filter((run) => {
    const runner = (run.params as { runner?: { host?: string; pid?: number } } | null)?.runner
    return !runner || typeof runner.pid !== 'number' || !isAlive(runner.host ?? '', runner.pid)
  })
  for (const run of dead) {
    await prisma.backtestRun.update({
      where: { id: run.id },
      data: {
        status: 'failed',
        finishedAt: new Date(),
        error: 'interrupted: the process running this backtest stopped before it finished',
      },
    })
  }
  return dead.map((r) => r.id)
}
