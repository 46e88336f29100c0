// Runs a backtest: validate the request, resolve the rule set, record the run, plan the data, stream it from DuckDB
// through the kernel (awaiting once per chunk, so the event loop stays free), write the outputs in batches, and
// finish the run record with its summary and timings — or with the error.
import type { Prisma } from '../../store/meta/generated/client.ts'
import { InvalidInputError } from '../../errors.ts'
import type { Logger } from '../../obs/logger.ts'
import type { DuckStore } from '../../store/duck/open.ts'
import { describeReplayData, listReplayAccounts, type ReplayData } from '../../store/market/replayData.ts'
import { readReplayFeed, type FeedSpec } from '../../store/market/replayFeed.ts'
import type { MetaClient } from '../../store/meta/client.ts'
import {
  createBacktestRun,
  finishBacktestRun,
  startBacktestRun,
  type StoredBacktestRun,
} from '../../store/meta/backtestRuns.ts'
import { appendBacktestResults, deleteBacktestResults } from '../../store/results/backtestResults.ts'
import { ReplayKernel, type KernelConfig } from '../kernel/engine.ts'
import type { StressConfig } from '../kernel/kernelState.ts'
import { populationRuntime, populationSchema } from '../kernel/population.ts'
import { openExplicitPositions, parseExplicitPositions, type ExplicitPositions } from '../positions/explicit.ts'
import { resolveRuleSet, type ResolvedRuleSet } from '../rules/resolve.ts'
import { OutputHash } from './outputHash.ts'
import { outputColumns } from './outputs.ts'
import { pathSpanOf, planReplay, type ReplayPlan } from './plan.ts'
import { parseBacktestRequest, type BacktestRequest } from './request.ts'
import { searchStress } from './stressSearch.ts'
import { summarize, withStressSearch, type BacktestSummary } from './summary.ts'

export interface BacktestDeps {
  duck: DuckStore
  meta: MetaClient
  log?: Logger
}

export interface PreparedBacktest {
  run: StoredBacktestRun
  request: BacktestRequest
  ruleSet: ResolvedRuleSet
  explicit: ExplicitPositions | null
  data: ReplayData
  plan: ReplayPlan
  /** Time to describe the data and plan the replay. */
  planMs: number
}

export interface BacktestProgress {
  fraction: number
  events: number
  phase: 'warmup' | 'replay' | 'writing'
}

export interface ExecuteOptions {
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
  /** Time spent in the shocked re-runs of the distance-to-failure search (0 without it). */
  searchMs: number
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
 * Validates the request (every problem), resolves the rule set, checks the store has data to replay and plans it,
 * then records a queued run. Bad input throws here, before any run exists.
 */
export async function prepareBacktest(
  deps: BacktestDeps,
  input: unknown,
  options: { allowFiles: boolean },
): Promise<PreparedBacktest> {
  const request = parseBacktestRequest(input)
  const ruleSet = await resolveRuleSet(request.ruleSet, { meta: deps.meta, allowFiles: options.allowFiles })
  if (ruleSet.rules.contract.type !== 'linear') {
    throw new InvalidInputError('unsupported contract type', [
      {
        path: 'ruleSet',
        received: ruleSet.rules.contract.type,
        expected: 'a linear rule set (inverse contracts are supported by the risk calculator only)',
      },
    ])
  }
  const explicit =
    request.positions === 'explicit'
      ? parseExplicitPositions(request.explicitPositions, request.markets, ruleSet.rules, request.mode)
      : null
  const t = performance.now()
  const data = await describeReplayData(
    deps.duck,
    request.venue,
    request.markets,
    request.from.getTime() * 1000,
    request.to.getTime() * 1000,
  )
  const plan = planReplay(ruleSet.rules, request, data)
  const planMs = performance.now() - t
  const params = {
    ...request,
    from: request.from.toISOString(),
    to: request.to.toISOString(),
    population: request.positions === 'synthetic' ? populationSchema.parse(request.population ?? {}) : undefined,
  } as unknown as Prisma.InputJsonValue
  const run = await createBacktestRun(deps.meta, {
    ruleSetHash: ruleSet.hash,
    ruleSetRef: request.ruleSet,
    ruleSetVersionId: ruleSet.ruleSetVersionId,
    venue: request.venue,
    markets: request.markets,
    fromTs: request.from,
    toTs: request.to,
    positionsSource: request.positions,
    seed: request.seed,
    params,
  })
  return { run, request, ruleSet, explicit, data, plan, planMs }
}

/**
 * Executes a prepared run and records the outcome. Resolves with the summary; rejects only if the run record
 * itself cannot be written. A failure inside the run is recorded as status failed with the error.
 */
export async function executeBacktest(
  deps: BacktestDeps,
  prepared: PreparedBacktest,
  options: ExecuteOptions = {},
): Promise<{
  status: 'succeeded' | 'failed' | 'cancelled'
  summary?: BacktestSummary
  timings?: BacktestTimings
  error?: string
}> {
  const id = prepared.run.id
  await startBacktestRun(deps.meta, id)
  try {
    const { summary, timings } = await replay(deps, prepared, options)
    await finishBacktestRun(deps.meta, id, {
      status: 'succeeded',
      summary: summary as unknown as Prisma.InputJsonValue,
      timings: timings as unknown as Prisma.InputJsonValue,
    })
    return { status: 'succeeded', summary, timings }
  } catch (error) {
    const cancelled = error instanceof BacktestCancelled
    const message = error instanceof Error ? error.message : String(error)
    deps.log?.[cancelled ? 'warn' : 'error'](
      { runId: id, err: error },
      cancelled ? 'backtest cancelled' : 'backtest failed',
    )
    // no half-written outputs: a run has all its rows or none
    await deleteBacktestResults(deps.duck, id).catch(() => undefined)
    await finishBacktestRun(deps.meta, id, { status: cancelled ? 'cancelled' : 'failed', error: message })
    return { status: cancelled ? 'cancelled' : 'failed', error: message }
  }
}

/** The kernel of a prepared run, optionally under more stress than the request asked for (shocked re-runs). */
export function kernelConfig(
  prepared: PreparedBacktest,
  flushRows: number,
  extra: { shockReturns?: number; shockLiquidity?: number } = {},
): KernelConfig {
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
          )
        : null,
    ledgerFunding: request.positions === 'accounts' && data.ledgerFunding > 0,
    outputCapacity: 2 ** Math.ceil(Math.log2(flushRows + 8192)),
  }
}

async function replay(
  deps: BacktestDeps,
  prepared: PreparedBacktest,
  options: ExecuteOptions,
): Promise<{ summary: BacktestSummary; timings: BacktestTimings }> {
  const started = performance.now()
  const { request, ruleSet, explicit, data, plan } = prepared
  const rules = ruleSet.rules
  const runId = prepared.run.id
  const fromUs = request.from.getTime() * 1000
  const toUs = request.to.getTime() * 1000
  const flushRows = options.flushRows ?? 250_000
  await deleteBacktestResults(deps.duck, runId)
  const describeMs = prepared.planMs
  const kernel = new ReplayKernel(kernelConfig(prepared, flushRows))
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
    for await (const batch of readReplayFeed(deps.duck, { ...spec, reuseBatches: true }, (p) => {
      waited = p.waitMs
      options.onProgress?.({ fraction: p.slab / Math.max(1, p.slabs), events, phase })
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
    options.onProgress?.({ fraction: 1, events, phase: 'writing' })
    await write()
    await settle()
  } catch (error) {
    // never leave a write running: a failed run deletes its rows next
    await settle().catch(() => undefined)
    throw error
  }
  const outputHash = hash.digest(kernel.accounts.names)
  let summary = summarize(kernel, fromUs, plan.markets, outputHash, plan.warnings)
  const searchStarted = performance.now()
  if (request.distanceToFailure) {
    const search = await searchStress(deps, prepared, summary, options.signal)
    summary = withStressSearch(summary, rules, search, plan.markets.map(pathSpanOf))
  }
  const searchMs = performance.now() - searchStarted
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
      searchMs,
      eventsPerSecond: events / (totalMs / 1000),
      kernelEventsPerSecond: events / (timings.kernelMs / 1000),
    },
  }
}
