// BacktestRun records: the backtest-specific part of a run (rule-set hash, data window, positions source, seed,
// summary, timings). Its id is its run's id; the status, times and error live on the run (runs.ts), so there is one
// lifecycle.
import { RUN_STATUSES, type RunStatus } from '../../domain/run.ts'
import type { ListPage, ListQuery } from '../query/listQuery.ts'
import { readPrismaList, type PrismaListSpec } from '../query/prismaList.ts'
import type { MetaClient } from './client.ts'
import type { Prisma } from './generated/client.ts'

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
  params: unknown
}

const withRun = { run: true } as const

/** Records the backtest part of run `id` (the run record must exist). */
export function createBacktestRun(prisma: MetaClient, id: string, run: NewBacktestRun) {
  return prisma.backtestRun.create({
    data: { id, ...run, params: run.params as Prisma.InputJsonValue },
    include: withRun,
  })
}

/** The summary and timings of a run that succeeded (its status is set on the run). */
export async function saveBacktestOutcome(
  prisma: MetaClient,
  id: string,
  outcome: { summary: unknown; timings: unknown },
): Promise<void> {
  await prisma.backtestRun.update({
    where: { id },
    data: { summary: outcome.summary as Prisma.InputJsonValue, timings: outcome.timings as Prisma.InputJsonValue },
  })
}

export function getBacktestRun(prisma: MetaClient, id: string) {
  return prisma.backtestRun.findUnique({ where: { id }, include: withRun })
}

export function listBacktestRuns(
  prisma: MetaClient,
  options: { status?: RunStatus | null; limit: number; offset: number },
) {
  return prisma.backtestRun.findMany({
    where: options.status ? { run: { status: options.status } } : {},
    include: withRun,
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: options.limit,
    skip: options.offset,
  })
}

export type StoredBacktestRun = NonNullable<Awaited<ReturnType<typeof getBacktestRun>>>

/** Backtest runs as a filterable, keyset-paged list (newest first by default); status is the run's. */
export const BACKTEST_RUN_LIST: PrismaListSpec = {
  fields: {
    id: { type: 'string', path: ['id'], sortable: true },
    status: { type: 'enum', values: RUN_STATUSES, path: ['run', 'status'] },
    venue: { type: 'string', path: ['venue'], sortable: true },
    ruleSetRef: { type: 'string', path: ['ruleSetRef'], sortable: true },
    ruleSetHash: { type: 'string', path: ['ruleSetHash'], sortable: true },
    positionsSource: {
      type: 'enum',
      values: ['synthetic', 'accounts', 'explicit'],
      path: ['positionsSource'],
      sortable: true,
    },
    from: { type: 'timestamp', path: ['fromTs'], sortable: true },
    to: { type: 'timestamp', path: ['toTs'], sortable: true },
    createdAt: { type: 'timestamp', path: ['createdAt'], sortable: true },
  },
  id: 'id',
  defaultOrder: [{ field: 'createdAt', direction: 'DESC' }],
}

export function readBacktestRunList(prisma: MetaClient, query: ListQuery): Promise<ListPage<StoredBacktestRun>> {
  return readPrismaList(
    BACKTEST_RUN_LIST,
    query,
    (args) => prisma.backtestRun.findMany({ ...(args as Prisma.BacktestRunFindManyArgs), include: withRun }),
    (args) => prisma.backtestRun.count(args as Prisma.BacktestRunCountArgs),
  )
}

/** The backtest runs of `ids` in one read (a per-request loader batches nested lookups through it). */
export function getBacktestRuns(prisma: MetaClient, ids: readonly string[]) {
  return prisma.backtestRun.findMany({ where: { id: { in: [...ids] } }, include: withRun })
}
