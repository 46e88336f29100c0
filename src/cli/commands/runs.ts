// `backstop runs`: list, show and cancel runs of every kind (ingestion, backtests, maintenance, …). These read and
// write only the metadata store, so they work while a server holds the DuckDB file: a cancel is seen by the process
// that owns the run within about a second.
import type { Command } from 'commander'
import { STALE_AFTER_MS, isProcessAlive } from '../../../jobs/liveness.ts'
import type { Config } from '../../config/load.ts'
import { RUN_STATUSES, STORED_RUN_TRIGGERS, isFinished, type RunProgress } from '../../domain/run.ts'
import { BackstopError } from '../../errors.ts'
import { getRun, listRuns, requestCancel, runStatus, type StoredRun } from '../../store/meta/runs.ts'
import { EXIT_FAILURE, action } from '../action.ts'
import { OptionProblems } from '../options.ts'
import { withMeta } from '../withMeta.ts'

export interface ListOptions {
  kind?: string
  status?: string
  trigger?: string
  job?: string
  limit: string
  json?: boolean
}

const toJson = (value: unknown) => JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v), 2)

/** "replaying 41% (ETA 12 s)", or what the run is waiting for. */
function progressText(run: StoredRun): string {
  const p = run.progress as RunProgress | null
  if (!p) return ''
  const pct = p.total ? ` ${Math.floor((p.done / p.total) * 100)}%` : ` ${p.done} ${p.unit}`
  const eta = p.etaSeconds === null ? '' : ` (ETA ${Math.ceil(p.etaSeconds)} s)`
  return `${p.phase}${pct}${eta}`
}

/** An open run whose process is gone: the next process that opens the stores ends it. */
function orphaned(run: StoredRun): boolean {
  return (
    !isFinished(runStatus(run)) &&
    (!isProcessAlive(run.host, run.pid) || Date.now() - run.heartbeatAt.getTime() > STALE_AFTER_MS)
  )
}

/** `runs list` and its alias `jobs runs`. */
export async function listRunsCommand(config: Config, options: ListOptions): Promise<void> {
  const p = new OptionProblems()
  const limit = p.number(
    'limit',
    options.limit,
    (n) => Number.isInteger(n) && n >= 1 && n <= 1000,
    'an integer from 1 to 1000',
  )
  const status = p.oneOf('status', options.status, RUN_STATUSES)
  const trigger = p.oneOf('trigger', options.trigger, STORED_RUN_TRIGGERS)
  if (options.kind !== undefined && !/^[a-z][a-z0-9-]{0,39}$/.test(options.kind))
    p.add({ path: '--kind', received: options.kind, expected: 'a run kind such as ingest, backtest or maintenance' })
  p.check('invalid runs options')
  const runs = await withMeta(config, (meta) =>
    listRuns(meta, {
      kind: options.kind ?? null,
      job: options.job ?? null,
      status: status ?? null,
      trigger: trigger ?? null,
      limit: limit ?? 20,
    }),
  )
  if (options.json) {
    console.log(toJson(runs))
    return
  }
  for (const r of runs) {
    const status = runStatus(r)
    const note = orphaned(r)
      ? 'process gone: ended at the next start'
      : isFinished(status)
        ? (r.error ?? '')
        : progressText(r)
    console.log(
      [
        r.queuedAt.toISOString(),
        r.id,
        r.kind,
        r.job,
        status,
        r.trigger,
        `${r.durationMs ?? '-'} ms`,
        `partitions ${r.partitionsLoaded}/${r.partitionsSkipped}/${r.partitionsFailed}`,
        `rows ${r.rows}`,
        note,
      ].join('\t'),
    )
  }
}

async function showRun(config: Config, id: string, options: { json?: boolean }): Promise<number> {
  const run = await withMeta(config, (meta) => getRun(meta, id))
  if (!run) {
    console.error(`backstop: no run with id ${id}`)
    return EXIT_FAILURE
  }
  if (options.json) {
    console.log(toJson(run))
    return 0
  }
  const lines: Array<[string, unknown]> = [
    ['run', run.id],
    ['kind', run.kind],
    ['job', run.job],
    ['status', `${runStatus(run)}${orphaned(run) ? ' (process gone: ended at the next start)' : ''}`],
    ['trigger', run.trigger],
    ['owner', `pid ${run.pid} on ${run.host}`],
    ['queued', run.queuedAt.toISOString()],
    ['started', run.startedAt?.toISOString() ?? '-'],
    ['finished', run.finishedAt?.toISOString() ?? '-'],
    ['cancel requested', run.cancelRequestedAt?.toISOString() ?? '-'],
    ['progress', progressText(run) || '-'],
    ['params', JSON.stringify(run.params)],
    ['result', run.result === null ? '-' : JSON.stringify(run.result)],
    ['error', run.error ?? '-'],
  ]
  for (const [k, v] of lines) console.log(`${k.padEnd(17)} ${String(v)}`)
  for (const e of (run.errors as Array<{ partition?: string; message: string }> | null) ?? [])
    console.log(`failed: ${e.partition ?? '-'}: ${e.message}`)
  return 0
}

async function cancelRun(config: Config, id: string, options: { wait?: boolean }): Promise<number> {
  return withMeta(config, async (meta) => {
    let run: StoredRun
    try {
      run = await requestCancel(meta, id, 'cancelled on request (backstop runs cancel)')
    } catch (error) {
      if (!(error instanceof BackstopError)) throw error
      console.error(`backstop: ${error.message}`)
      return EXIT_FAILURE
    }
    if (runStatus(run) === 'running') {
      console.log(`run ${id}: cancel requested; its process (pid ${run.pid} on ${run.host}) stops it within a second`)
      if (!options.wait) return 0
      while (!isFinished(runStatus(run)) && !orphaned(run)) {
        await new Promise((r) => setTimeout(r, 250))
        run = (await getRun(meta, id))!
      }
    }
    console.log(`run ${id}: ${runStatus(run)}${orphaned(run) ? ' (its process is gone: ended at the next start)' : ''}`)
    return 0
  })
}

export function registerRuns(program: Command): void {
  const runs = program
    .command('runs')
    .description('runs of every kind (ingestion, backtests, maintenance): list, show, cancel')
  runs
    .command('list')
    .description('recent runs, newest first')
    .option('--kind <kind>', 'only this kind: ingest, backtest, maintenance, …')
    .option('--status <status>', `only this status: ${RUN_STATUSES.join(', ')}`)
    .option('--trigger <trigger>', `only runs started this way: ${STORED_RUN_TRIGGERS.join(', ')}`)
    .option('--job <name>', 'only this job, e.g. ingest.binance-um')
    .option('--limit <n>', 'how many', '20')
    .option('--json', 'print JSON')
    .action(action((config, options: ListOptions) => listRunsCommand(config, options)))
  runs
    .command('show <id>')
    .description('one run: status, owner, times, progress, result, errors')
    .option('--json', 'print JSON')
    .action(action((config, id: string, options: { json?: boolean }) => showRun(config, id, options)))
  runs
    .command('cancel <id>')
    .description('stop a queued or running run, whichever process runs it (it keeps no outputs)')
    .option('--wait', 'wait until the run has stopped and print its final status')
    .action(action((config, id: string, options: { wait?: boolean }) => cancelRun(config, id, options)))
}
