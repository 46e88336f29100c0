// Executes a prepared backtest: this thread streams its data from DuckDB to the kernel on its host (a worker thread by
// default) and writes the output batches the kernel sends back; it returns the summary and timings. A run that fails
// or is cancelled keeps no rows: they are deleted before it returns. No run record is touched here: the run system
// (jobs/) owns the lifecycle.
import { monitorEventLoopDelay } from 'node:perf_hooks'
import type { Logger } from '../../obs/logger.ts'
import type { DuckStore } from '../../store/duck/open.ts'
import { readReplayFeed, type FeedSpec } from '../../store/market/replayFeed.ts'
import { appendBacktestResults, deleteBacktestResults, type ResultBatch } from '../../store/results/backtestResults.ts'
import { writeRunSeriesRollups } from '../../store/series/runSeriesRollups.ts'
import { liquidationsByAccount } from '../../store/results/reconcileData.ts'
import type { KernelConfig } from '../kernel/engine.ts'
import type { StressConfig } from '../kernel/kernelState.ts'
import { populationRuntime, populationSchema } from '../kernel/population.ts'
import type { KernelHostFactory } from '../host/kernelHost.ts'
import type { KernelSpec } from '../host/session.ts'
import { workerHost } from '../host/workerHost.ts'
import { openAccounts, summarizeAccounts, warmupFeed } from './accountReplay.ts'
import { pathSpanOf } from './plan.ts'
import type { PreparedBacktest } from './prepare.ts'
import { searchStress } from './stressSearch.ts'
import { withStressSearch, type BacktestSummary } from './summary.ts'

export interface ExecuteDeps {
  duck: DuckStore
  log?: Logger
}

export interface BacktestProgress {
  /** search: the shocked re-runs of `distanceToFailure` (which one in `search`). */
  phase: 'warmup' | 'replay' | 'writing' | 'search'
  search?: { axis: 'returns' | 'liquidity'; factor: number; rerun: number; of: number }
  /** Market time replayed in this phase, and the phase's length, in seconds. */
  doneSeconds: number
  totalSeconds: number
  /** Events replayed so far (all phases). */
  events: number
}

export interface ExecuteOptions {
  /** The run the outputs belong to (their run_id). */
  runId: string
  onProgress?: (p: BacktestProgress) => void
  signal?: AbortSignal
  /** Output rows buffered before a write (memory bound for the outputs; DuckDB writes big commits faster). */
  flushRows?: number
  /** Where the kernel runs (default: a worker thread). */
  host?: KernelHostFactory
}

export interface BacktestTimings {
  totalMs: number
  describeMs: number
  warmupMs: number
  /** Time in the kernel itself. */
  kernelMs: number
  /** Time waiting on DuckDB that was not hidden behind kernel work. */
  readWaitMs: number
  writeMs: number
  /** Longest single kernel call (on the worker it holds nothing else up; on the main thread, the event loop). */
  maxSliceMs: number
  /** Where the kernel ran: a worker thread, or this thread (inline). */
  kernelThread: 'worker' | 'main'
  /** This thread's event-loop delay during the run (p99 and maximum): how long requests could have waited. */
  eventLoopDelayP99Ms: number
  eventLoopDelayMaxMs: number
  /** Time spent in the shocked re-runs of the distance-to-failure search (0 without it). */
  searchMs: number
  eventsPerSecond: number
  kernelEventsPerSecond: number
}

export class BacktestCancelled extends Error {
  constructor() {
    super('the backtest was cancelled')
    this.name = 'BacktestCancelled'
  }
}

/**
 * Replays a prepared backtest and writes its outputs under `options.runId`. Resolves with the summary and timings;
 * rejects with BacktestCancelled when the signal aborts, or with the error that stopped it — in both cases after
 * deleting every row it wrote (a run has all its rows or none).
 */
export async function executeBacktest(
  deps: ExecuteDeps,
  prepared: PreparedBacktest,
  options: ExecuteOptions,
): Promise<{ summary: BacktestSummary; timings: BacktestTimings }> {
  try {
    return await replay(deps, prepared, options)
  } catch (error) {
    await deleteBacktestResults(deps.duck, options.runId).catch(() => undefined)
    throw error
  }
}

/** Extra stress on top of the request's own (the shocked re-runs of the distance-to-failure search). */
export interface ExtraShock {
  shockReturns?: number
  shockLiquidity?: number
}

/** The kernel of a prepared run, optionally under more stress than the request asked for. */
export function kernelConfig(prepared: PreparedBacktest, flushRows: number, extra: ExtraShock = {}): KernelConfig {
  const { request, ruleSet, data, plan } = prepared
  const stress: StressConfig = {
    feedback: request.stressFeedback,
    shockReturns: request.shockReturns * (extra.shockReturns ?? 1),
    shockLiquidity: request.shockLiquidity * (extra.shockLiquidity ?? 1),
  }
  return {
    rules: ruleSet.rules,
    markets: request.markets,
    markMethods: plan.markets.map((m) => m.markMethod),
    pathSpanS: plan.markets.map(pathSpanOf),
    stress,
    seed: request.seed,
    population:
      request.positions === 'synthetic'
        ? populationRuntime(
            populationSchema.parse(request.population ?? {}),
            data.markets.map((m) => m.meanQuoteVolumePerS),
            {
              quote: data.markets.map((m) => m.firstOpenInterestQuote),
              base: data.markets.map((m) => m.firstOpenInterestBase),
            },
            prepared.entryHistory,
          )
        : null,
    // account replays take funding from each account's own ledger rows when it has any, else from the rates
    outputCapacity: 2 ** Math.ceil(Math.log2(flushRows + 8192)),
  }
}

/** What the kernel needs, as plain data: it is built on its host's thread. */
export function kernelSpec(prepared: PreparedBacktest, flushRows: number, extra: ExtraShock = {}): KernelSpec {
  const { request, ruleSet, explicit, plan } = prepared
  return {
    config: kernelConfig(prepared, flushRows, extra),
    flushRows,
    explicit: explicit ? { positions: explicit, mode: request.mode ?? ruleSet.rules.margin.mode } : null,
    fromUs: request.from.getTime() * 1000,
    plan: plan.markets,
    warnings: plan.warnings,
  }
}

async function replay(
  deps: ExecuteDeps,
  prepared: PreparedBacktest,
  options: ExecuteOptions,
): Promise<{ summary: BacktestSummary; timings: BacktestTimings }> {
  const started = performance.now()
  const { request, data, plan } = prepared
  const runId = options.runId
  const fromUs = request.from.getTime() * 1000
  const toUs = request.to.getTime() * 1000
  const flushRows = options.flushRows ?? 250_000
  const signal = options.signal
  if (signal?.aborted) throw new BacktestCancelled()
  await deleteBacktestResults(deps.duck, runId)
  const describeMs = prepared.planMs
  const timings = { readWaitMs: 0, writeMs: 0 }
  const loopDelay = monitorEventLoopDelay({ resolution: 10 })
  loopDelay.enable()

  // One write in flight at a time: the kernel goes on once a batch is staged in DuckDB, while DuckDB moves it into
  // the result tables on its own threads. writeMs is the time this thread spent on writes or waiting for them.
  let inFlight: Promise<void> | null = null
  const settle = async () => {
    if (!inFlight) return
    const t = performance.now()
    try {
      await inFlight
    } finally {
      inFlight = null
      timings.writeMs += performance.now() - t
    }
  }
  // set once the run is stopping: a write that was waiting must not start after the caller deleted the rows
  let stopped = false
  const write = async (batch: ResultBatch) => {
    await settle()
    if (stopped) throw new BacktestCancelled()
    const t = performance.now()
    let staged = () => {}
    const stagedNow = new Promise<void>((resolve) => (staged = resolve))
    const writing = appendBacktestResults(deps.duck, runId, batch, staged)
    // a failure before staging finished surfaces here; a later one at the next settle()
    writing.catch(() => undefined)
    await Promise.race([stagedNow, writing])
    inFlight = writing
    timings.writeMs += performance.now() - t
  }

  // progress of the phase being replayed: market time covered, from the kernel's acknowledgements
  let phase: { name: 'warmup' | 'replay'; fromUs: number; toUs: number } | null = null
  const host = (options.host ?? workerHost)([kernelSpec(prepared, flushRows)], {
    onOutputs: (_kernel, batch) => write(batch),
    onReplayed: (events, lastTs) => {
      if (!phase || Number.isNaN(lastTs)) return
      const totalSeconds = (phase.toUs - phase.fromUs) / 1e6
      const doneSeconds = Math.min(totalSeconds, Math.max(0, (lastTs - phase.fromUs) / 1e6))
      options.onProgress?.({ phase: phase.name, doneSeconds, totalSeconds, events })
    },
  })
  // a cancel stops the kernel at once, mid-batch if need be
  const onAbort = () => void host.close()
  signal?.addEventListener('abort', onAbort, { once: true })

  let fed = 0
  const run = async (spec: FeedSpec, name: 'warmup' | 'replay') => {
    phase = { name, fromUs: spec.fromUs, toUs: spec.toUs }
    let waited = 0
    const feed = readReplayFeed(deps.duck, { ...spec, reuseBatches: !host.takesBatches }, (p) => {
      waited = p.waitMs
    })
    for await (const batch of feed) {
      if (signal?.aborted) throw new BacktestCancelled()
      await host.feed(batch)
      fed += batch.length
    }
    timings.readWaitMs += waited
  }

  let warmupMs = 0
  let result
  let outcomes: Awaited<ReturnType<typeof openAccounts>>['outcomes'] | null = null
  // fill sizes as exact integers of each market's size step (account replays)
  const feed = { ...plan.feed, sizeDecimals: prepared.accounts?.data.sizeDecimals }
  try {
    if (prepared.accounts) {
      const opened = await openAccounts(
        deps.duck,
        prepared.ruleSet.rules,
        request,
        prepared.accounts,
        feed,
        data.firstAccountTs,
      )
      outcomes = opened.outcomes
      host.addAccounts(opened.kernel)
      // follow the accounts' history up to the window without liquidating, so positions and wallets start right
      if (data.firstAccountTs !== null && data.firstAccountTs < fromUs) {
        const t = performance.now()
        host.setChecking(false)
        // account events only, in 30-day slabs (they are few, and each slab query builds the account dictionary)
        await run(warmupFeed(feed, { firstAccountTs: data.firstAccountTs, fromUs, toUs }), 'warmup')
        host.setChecking(true)
        warmupMs = performance.now() - t
      }
    }
    host.start()
    await run({ ...feed, fromUs, toUs }, 'replay')
    // the kernel's acknowledgements of the last batches come after this: they no longer move the progress
    phase = null
    const windowSeconds = (toUs - fromUs) / 1e6
    options.onProgress?.({ phase: 'writing', doneSeconds: windowSeconds, totalSeconds: windowSeconds, events: fed })
    ;[result] = await host.finish()
    await settle()
    // every result row is committed: the per-hour series rollups, before the run can be recorded as succeeded
    await writeRunSeriesRollups(deps.duck, runId)
  } catch (error) {
    // stop the kernel and never leave a write running: a failed run deletes its rows next
    stopped = true
    await host.close()
    await settle().catch(() => undefined)
    if (signal?.aborted) throw new BacktestCancelled()
    throw error
  } finally {
    signal?.removeEventListener('abort', onAbort)
    await host.close()
    loopDelay.disable()
  }
  let { summary } = result!
  const { stats, accountStats } = result!
  if (prepared.accounts && outcomes && accountStats) {
    summary.accounts = summarizeAccounts(
      accountStats,
      request,
      prepared.accounts,
      outcomes,
      await liquidationsByAccount(deps.duck, runId),
    )
  }
  const searchStarted = performance.now()
  if (request.distanceToFailure) {
    const search = await searchStress(deps.duck, prepared, summary, {
      spec: (extra) => kernelSpec(prepared, flushRows, extra),
      host: options.host ?? workerHost,
      stop: () => {
        if (signal?.aborted) throw new BacktestCancelled()
      },
      onProgress: ({ axis, factor, rerun, of, doneSeconds, totalSeconds, events }) =>
        options.onProgress?.({
          phase: 'search',
          search: { axis, factor, rerun, of },
          doneSeconds,
          totalSeconds,
          events,
        }),
      ...(signal ? { signal } : {}),
    })
    summary = withStressSearch(summary, prepared.ruleSet.rules, search, plan.markets.map(pathSpanOf))
  }
  const searchMs = performance.now() - searchStarted
  const totalMs = performance.now() - started
  return {
    summary,
    timings: {
      totalMs,
      describeMs,
      warmupMs,
      kernelMs: stats.kernelMs,
      readWaitMs: timings.readWaitMs,
      writeMs: timings.writeMs,
      maxSliceMs: stats.maxSliceMs,
      kernelThread: host.thread,
      eventLoopDelayP99Ms: loopDelay.percentile(99) / 1e6,
      eventLoopDelayMaxMs: loopDelay.max / 1e6,
      searchMs,
      eventsPerSecond: stats.events / (totalMs / 1000),
      kernelEventsPerSecond: stats.events / (stats.kernelMs / 1000),
    },
  }
}
