// Executes a prepared backtest: streams its data from DuckDB through the kernel, writes the outputs in batches and
// returns the summary and timings. A run that fails or is cancelled keeps no rows: they are deleted before it returns.
// No run record is touched here: the run system (jobs/) owns the lifecycle.
import type { Logger } from '../../obs/logger.ts'
import type { DuckStore } from '../../store/duck/open.ts'
import { listReplayAccounts } from '../../store/market/replayData.ts'
import { readReplayFeed, type FeedSpec } from '../../store/market/replayFeed.ts'
import { appendBacktestResults, deleteBacktestResults } from '../../store/results/backtestResults.ts'
import { ReplayKernel } from '../kernel/engine.ts'
import { populationRuntime, populationSchema } from '../kernel/population.ts'
import { openExplicitPositions } from '../positions/explicit.ts'
import { OutputHash } from './outputHash.ts'
import { outputColumns } from './outputs.ts'
import type { PreparedBacktest } from './prepare.ts'
import { summarize, type BacktestSummary } from './summary.ts'

export interface ExecuteDeps {
  duck: DuckStore
  log?: Logger
}

export interface BacktestProgress {
  phase: 'warmup' | 'replay' | 'writing'
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
  /** Longest synchronous kernel slice: how long the event loop was held at most. */
  maxSliceMs: number
  eventsPerSecond: number
  kernelEventsPerSecond: number
}

const SLICE = 1024
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve))

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

async function replay(
  deps: ExecuteDeps,
  prepared: PreparedBacktest,
  options: ExecuteOptions,
): Promise<{ summary: BacktestSummary; timings: BacktestTimings }> {
  const started = performance.now()
  const { request, ruleSet, explicit, data, plan } = prepared
  const rules = ruleSet.rules
  const runId = options.runId
  const fromUs = request.from.getTime() * 1000
  const toUs = request.to.getTime() * 1000
  const flushRows = options.flushRows ?? 250_000
  await deleteBacktestResults(deps.duck, runId)
  const describeMs = prepared.planMs
  const synthetic = request.positions === 'synthetic'
  const kernel = new ReplayKernel({
    rules,
    markets: request.markets,
    markMethods: plan.markets.map((m) => m.markMethod),
    seed: request.seed,
    population: synthetic
      ? populationRuntime(
          populationSchema.parse(request.population ?? {}),
          data.markets.map((m) => m.meanQuoteVolumePerS),
        )
      : null,
    ledgerFunding: request.positions === 'accounts' && data.ledgerFunding > 0,
    outputCapacity: 2 ** Math.ceil(Math.log2(flushRows + 8192)),
  })
  const mode = request.mode ?? rules.margin.mode
  const timings = { kernelMs: 0, readWaitMs: 0, writeMs: 0, maxSliceMs: 0 }
  let events = 0

  const hash = new OutputHash()
  // One write in flight at a time: the kernel goes on once a batch is staged in DuckDB, while DuckDB moves it into
  // the result tables on its own threads (the other core). writeMs is the time the replay waited on writes.
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
  const write = async () => {
    await settle()
    const t = performance.now()
    let staged = () => {}
    const stagedNow = new Promise<void>((resolve) => (staged = resolve))
    const writing = appendBacktestResults(deps.duck, runId, outputColumns(kernel, hash), staged)
    // a failure before staging finished surfaces here; a later one at the next settle()
    writing.catch(() => undefined)
    await Promise.race([stagedNow, writing])
    inFlight = writing
    kernel.outputs.clear()
    timings.writeMs += performance.now() - t
  }
  let busy = 0
  const run = async (spec: FeedSpec, phase: 'warmup' | 'replay') => {
    let waited = 0
    const totalSeconds = (spec.toUs - spec.fromUs) / 1e6
    for await (const batch of readReplayFeed(deps.duck, { ...spec, reuseBatches: true }, (p) => {
      waited = p.waitMs
    })) {
      if (options.signal?.aborted) throw new BacktestCancelled()
      // slices of at most 1,024 events, yielding to the event loop whenever 20 ms of work have piled up
      for (let from = 0, to = 0; from < batch.length; from = to) {
        // while the initial population opens (thousands of positions per event) one event at a time
        to = Math.min(batch.length, from + (kernel.openingBacklog > 0 ? 1 : SLICE))
        const t = performance.now()
        kernel.process(batch, from, to)
        const slice = performance.now() - t
        timings.kernelMs += slice
        if (slice > timings.maxSliceMs) timings.maxSliceMs = slice
        busy += slice
        if (busy > 20) {
          busy = 0
          await yieldToEventLoop()
        }
      }
      events += batch.length
      if (batch.length) {
        const doneSeconds = Math.min(totalSeconds, Math.max(0, (batch.ts[batch.length - 1]! - spec.fromUs) / 1e6))
        options.onProgress?.({ phase, doneSeconds, totalSeconds, events })
      }
      if (kernel.outputs.pending >= flushRows) await write()
    }
    timings.readWaitMs += waited
  }

  let warmupMs = 0
  try {
    if (request.positions === 'accounts') {
      const names = await listReplayAccounts(deps.duck, request.venue, request.markets, toUs)
      for (const name of names) kernel.addAccount(name, mode === 'cross', 0)
      // follow the accounts' history up to the window without liquidating, so positions and wallets start right
      if (data.firstAccountTs !== null && data.firstAccountTs < fromUs) {
        const t = performance.now()
        kernel.checking = false
        // account events only, in 30-day slabs (they are few, and each slab query builds the account dictionary)
        await run(
          { ...plan.feed, accountsOnly: true, fromUs: data.firstAccountTs, toUs: fromUs, slabSeconds: 30 * 86_400 },
          'warmup',
        )
        kernel.checking = true
        warmupMs = performance.now() - t
      }
    }
    kernel.start(fromUs)
    if (explicit) openExplicitPositions(kernel, explicit, request.markets, mode, fromUs)
    await run({ ...plan.feed, fromUs, toUs }, 'replay')
    // synthetic positions still open pay the funding they have not settled yet, so the run's totals are complete
    kernel.settleOpenFunding()
    const windowSeconds = (toUs - fromUs) / 1e6
    options.onProgress?.({ phase: 'writing', doneSeconds: windowSeconds, totalSeconds: windowSeconds, events })
    await write()
    await settle()
  } catch (error) {
    // never leave a write running: a failed run deletes its rows next
    await settle().catch(() => undefined)
    throw error
  }
  const outputHash = hash.digest(kernel.accounts.names)
  const summary = summarize(kernel, fromUs, plan.markets, outputHash, plan.warnings)
  const totalMs = performance.now() - started
  return {
    summary,
    timings: {
      totalMs,
      describeMs,
      warmupMs,
      kernelMs: timings.kernelMs,
      readWaitMs: timings.readWaitMs,
      writeMs: timings.writeMs,
      maxSliceMs: timings.maxSliceMs,
      eventsPerSecond: events / (totalMs / 1000),
      kernelEventsPerSecond: events / (timings.kernelMs / 1000),
    },
  }
}
