// Executes a prepared sweep: per window, the feed is read from DuckDB once and handed to every point's kernel (and the
// base's, against which "liquidated earlier" is measured) on a few worker threads; points whose rule sets need a
// different feed (another mark method's price streams) share a second read. Then each point's figures, the Pareto
// frontier and the recommendation, as one JSON document that depends on nothing but the inputs. Cost-of-attack
// searches asked for run last, per evaluated point under its rule set (attacks.ts).
import { readReplayFeed, type FeedSpec } from '../../store/market/replayFeed.ts'
import type { DuckStore } from '../../store/duck/open.ts'
import { AttackCostCancelled } from '../attack/execute.ts'
import { kernelSpec } from '../backtest/execute.ts'
import { openAccountsFor, warmupFeed } from '../backtest/accountReplay.ts'
import type { PreparedBacktest } from '../backtest/prepare.ts'
import type { KernelAccounts, KernelSpec } from '../host/session.ts'
import { canonicalJson } from '../rules/canonical.ts'
import { parsePath } from '../rules/derive.ts'
import type { RuleSet } from '../rules/schema.ts'
import { runPointAttacks, type SweepAttackCost } from './attacks.ts'
import { SPECIAL_AXES } from './axes.ts'
import { windowFigures, type CostParts, type WindowFigures } from './figures.ts'
import {
  paretoFrontier,
  recommend,
  totalsOf,
  type EvaluatedPoint,
  type PointTotals,
  type Recommendation,
} from './frontier.ts'
import type { PreparedSweep } from './prepare.ts'
import { laneKey } from './laneSharing.ts'
import { sweepHost } from './sweepHost.ts'
import type { SweepKernelResult } from './sweepSession.ts'
import type { SweepThreadTimeline } from './sweepWorker.ts'
import { threadCpuMs } from './threadCpu.ts'

/**
 * Output rows a kernel buffers before they are hashed and read, and the buffers' starting size (they grow when a
 * slice needs more): memory per kernel, times the points; no effect on any figure or hash.
 */
const SWEEP_FLUSH_ROWS = 2_048
const SWEEP_OUTPUT_CAPACITY = 4_096

const sweepSpec = (prepared: PreparedBacktest) => {
  const spec = kernelSpec(prepared, SWEEP_FLUSH_ROWS)
  return { ...spec, config: { ...spec.config, outputCapacity: SWEEP_OUTPUT_CAPACITY } }
}

export interface SweepProgress {
  /**
   * Point-windows replayed (fractional within a window) and cost-of-attack searches finished, out of
   * points × windows + points × searches.
   */
  done: number
  total: number
  window: number
  events: number
  /** While the searches run: the point and pattern searched and the search's step. */
  search?: { done: number; total: number; point: number; pattern: string; step: number }
}

export interface SweepPointResult {
  index: number
  values: Array<{ path: string; value: unknown }>
  status: 'evaluated' | 'skipped'
  /** Why a skipped point was skipped (its derived rule set's problems). */
  problems?: Array<{ path: string; received: unknown; expected: string }>
  ruleSetHash: string | null
  windows: WindowFigures[]
  totals: PointTotals | null
  /** Each cost-of-attack search's outcome under the point's rules (an evaluated point of a sweep that asked for them). */
  attackCost?: SweepAttackCost[]
}

export interface SweepDocument {
  sweep: {
    ruleSet: string
    ruleSetHash: string
    venue: string
    markets: string[]
    windows: string[]
    positions: string
    seed: number
    sampling: 'grid' | 'latinHypercube'
    samples: number | null
    axes: Array<{ path: string; special: string | null; values: unknown[] }>
    budget: string
    /** The cost-of-attack searches run per point (only when asked for). */
    attackCost?: Array<{ pattern: string; market: string; at: string; window: string; breaks: string }>
  }
  /** The base rule set's own figures per window (its "earlier than the base" counts are 0 by definition). */
  base: WindowFigures[]
  points: SweepPointResult[]
  /** Indices of the frontier's points, cheapest first (bad debt strictly falling along it). */
  frontier: number[]
  recommendation: Recommendation
}

export interface SweepTimings {
  totalMs: number
  /** Kernels run (base included; points that behave alike share one), summed over windows, and feed reads. */
  kernels: number
  /**
   * Kernels run as accounting lanes of another (summed over windows), and those of them that diverged and were
   * replayed again by a kernel of their own (counted in `kernels` too).
   */
  lanes: number
  divergedLanes: number
  feedReads: number
  events: number
  /** Time inside the kernels run (ms, summed over kernels and windows): the rest is reads, setup and waiting. */
  kernelMs: number
  /** Where each sweep thread's time went (per window and feed, in order): CPU, boot, replaying, idle. */
  threads: SweepThreadTimeline[]
  /**
   * This (the calling) thread, ms: CPU time over the whole sweep (NaN where the system cannot tell), wall time
   * waiting for the reader's next batch (DuckDB's reads, the merge), and wall time holding a batch until every thread
   * had room for it (the threads are the bottleneck), and wall time computing the points' figures once a window's
   * kernels are done (the threads idle meanwhile).
   */
  main: { cpuMs: number; readMs: number; heldMs: number; figuresMs: number }
}

export class SweepCancelled extends Error {
  constructor() {
    super('the sweep was cancelled')
    this.name = 'SweepCancelled'
  }
}

const intervalOf = (p: PreparedBacktest) => `${p.request.from.toISOString()}/${p.request.to.toISOString()}`

/** The value at a dotted path of the base rule set (undefined where it has none). */
function valueAt(rules: RuleSet, path: string): unknown {
  let node: unknown = rules
  for (const key of parsePath(path) ?? []) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined
    node = (node as Record<string | number, unknown>)[key]
  }
  return node
}

/**
 * What decides a kernel's outputs: the rule set without its descriptive fields (name, dates, notes), which the
 * kernel never reads, and without the values the run's markets shadow: the default liquidation fee rate when every
 * market replayed has its own (`fees.marketRates`; the kernel reads the rate only through `liquidationFeeRate(rules,
 * market)`). Points equal in this (a grid value that is the base's own, or a default fee no market uses) share one
 * kernel.
 */
function behaviourOf(p: PreparedBacktest): string {
  const rules = p.ruleSet.rules
  const shadowed = p.request.markets.every((m) => Object.hasOwn(rules.fees.marketRates, m))
  const fees = shadowed ? { ...rules.fees, liquidationFeeRate: null } : rules.fees
  return canonicalJson({ ...rules, fees, name: '', description: '', effective: null, notes: [], sources: [] })
}

/** A kernel to run and the points it replays as accounting lanes (kernel/accountingLanes.ts). */
interface HostedKernel {
  kernel: PreparedBacktest
  /** Its spec (sweepSpec), without lanes. */
  spec: KernelSpec
  lanes: PreparedBacktest[]
}

/**
 * Replays one window for every kernel given (index 0 the base): kernels that behave alike run once; kernels that
 * differ only in what liquidations pay and where it goes run as lanes of one kernel (laneSharing.ts), and a lane that
 * diverged is replayed again by a kernel of its own; one feed read serves all those that need the same feed.
 */
async function replayWindow(
  duck: DuckStore,
  kernels: PreparedBacktest[],
  options: { threads?: number; signal?: AbortSignal; onFraction: (fraction: number, events: number) => void },
): Promise<{
  results: SweepKernelResult[]
  reads: number
  events: number
  kernels: number
  lanes: number
  diverged: number
  kernelMs: number
  threads: SweepThreadTimeline[]
  readMs: number
  heldMs: number
}> {
  const unique: PreparedBacktest[] = []
  const slot = new Map<string, number>()
  const of = kernels.map((k) => {
    const key = behaviourOf(k)
    let i = slot.get(key)
    if (i === undefined) {
      i = unique.push(k) - 1
      slot.set(key, i)
    }
    return i
  })
  // distinct kernels whose differences are accounting only: the first hosts the others as lanes
  const hosts = new Map<string, number[]>()
  const alone: number[][] = []
  const specs = unique.map(sweepSpec)
  unique.forEach((k, i) => {
    const key = laneKey(specs[i]!, k.accounts !== null, JSON.stringify(k.plan.feed))
    if (key === null) alone.push([i])
    else hosts.set(key, [...(hosts.get(key) ?? []), i])
  })
  const groups = [...hosts.values(), ...alone]
  const hosted = groups.map(([first, ...rest]) => ({
    kernel: unique[first!]!,
    spec: specs[first!]!,
    lanes: rest.map((i) => unique[i]!),
  }))
  const first = await replayDistinct(duck, hosted, options)
  const results: SweepKernelResult[] = new Array(unique.length)
  const diverged: number[] = []
  groups.forEach(([host, ...lanes], g) => {
    const out = first.results[g]!
    results[host!] = out
    lanes.forEach((i, l) => {
      const lane = out.lanes[l]!
      if (lane.result) results[i] = lane.result
      else diverged.push(i)
    })
  })
  let again = null
  if (diverged.length) {
    again = await replayDistinct(
      duck,
      diverged.map((i) => ({ kernel: unique[i]!, spec: specs[i]!, lanes: [] })),
      // the points are counted already: a second pass adds events
      { ...options, onFraction: (_, n) => options.onFraction(1, first.events + n) },
    )
    diverged.forEach((i, j) => (results[i] = again!.results[j]!))
  }
  const all = again ? [...first.results, ...again.results] : first.results
  return {
    results: of.map((i) => results[i]!),
    reads: first.reads + (again?.reads ?? 0),
    events: first.events + (again?.events ?? 0),
    kernels: groups.length + diverged.length,
    lanes: unique.length - groups.length,
    diverged: diverged.length,
    kernelMs: all.reduce((sum, r) => sum + r.kernelMs, 0),
    threads: [...first.threads, ...(again?.threads ?? [])],
    readMs: first.readMs + (again?.readMs ?? 0),
    heldMs: first.heldMs + (again?.heldMs ?? 0),
  }
}

/** Replays one window for distinct kernels (each with its lanes), one feed read per distinct feed. */
async function replayDistinct(
  duck: DuckStore,
  hosted: HostedKernel[],
  options: { threads?: number; signal?: AbortSignal; onFraction: (fraction: number, events: number) => void },
): Promise<{
  results: SweepKernelResult[]
  reads: number
  events: number
  threads: SweepThreadTimeline[]
  readMs: number
  heldMs: number
}> {
  const kernels = hosted.map((h) => h.kernel)
  // progress counts points: a kernel with lanes counts for each
  const weight = hosted.map((h) => 1 + h.lanes.length)
  const points = weight.reduce((a, b) => a + b, 0)
  const groups = new Map<string, number[]>()
  kernels.forEach((k, i) => {
    const key = JSON.stringify(k.plan.feed)
    groups.set(key, [...(groups.get(key) ?? []), i])
  })
  const results: SweepKernelResult[] = new Array(kernels.length)
  let donePoints = 0
  let events = 0
  const threads: SweepThreadTimeline[] = []
  let readMs = 0
  let heldMs = 0
  for (const members of groups.values()) {
    const first = kernels[members[0]!]!
    const fromUs = first.request.from.getTime() * 1000
    const toUs = first.request.to.getTime() * 1000
    const memberPoints = members.reduce((sum, i) => sum + weight[i]!, 0)
    // fill sizes as exact integers of each market's size step (account replays)
    const feed = { ...first.plan.feed, sizeDecimals: first.accounts?.data.sizeDecimals }
    const firstAccountTs = first.data.firstAccountTs
    // events fed before this group: the threads count theirs from 0
    const before = events
    // an account replay's accounts, opened under each point's rules in one pass over the account events
    const accounts: Array<KernelAccounts | null> = first.accounts
      ? (
          await openAccountsFor(
            duck,
            members.map((i) => ({ rules: kernels[i]!.ruleSet.rules, plan: kernels[i]!.accounts! })),
            first.request,
            feed,
            firstAccountTs,
          )
        ).map((o) => o.kernel)
      : members.map(() => null)
    const specOf = (i: number) => {
      const spec = hosted[i]!.spec
      const lanes = hosted[i]!.lanes.map((l) => l.ruleSet.rules)
      return lanes.length ? { ...spec, config: { ...spec.config, lanes } } : spec
    }
    const host = sweepHost(
      members.map((i, j) => ({ spec: specOf(i), accounts: accounts[j]! })),
      {
        ...(options.threads ? { threads: options.threads } : {}),
        onReplayed: (n, lastTs) => {
          const within = Number.isNaN(lastTs) ? 0 : Math.min(1, Math.max(0, (lastTs - fromUs) / (toUs - fromUs)))
          options.onFraction((donePoints + within * memberPoints) / points, before + n)
        },
      },
    )
    const onAbort = () => void host.close()
    options.signal?.addEventListener('abort', onAbort, { once: true })
    const run = async (spec: FeedSpec) => {
      let asked = performance.now()
      for await (const batch of readReplayFeed(duck, { ...spec, reuseBatches: false })) {
        const read = performance.now()
        readMs += read - asked
        if (options.signal?.aborted) throw new SweepCancelled()
        events += batch.length
        await host.feed(batch)
        asked = performance.now()
        heldMs += asked - read
      }
    }
    try {
      if (first.accounts && firstAccountTs !== null && firstAccountTs < fromUs) {
        // follow the accounts' history up to the window without liquidating, as a backtest does
        host.setChecking(false)
        await run(warmupFeed(feed, { firstAccountTs, fromUs, toUs }))
        host.setChecking(true)
      }
      host.start()
      await run({ ...feed, fromUs, toUs })
      const out = await host.finish()
      members.forEach((k, j) => (results[k] = out[j]!))
      threads.push(...host.timelines)
    } catch (error) {
      if (options.signal?.aborted) throw new SweepCancelled()
      throw error
    } finally {
      options.signal?.removeEventListener('abort', onAbort)
      await host.close()
    }
    donePoints += memberPoints
  }
  return { results, reads: groups.size, events, threads, readMs, heldMs }
}

export async function executeSweep(
  deps: { duck: DuckStore },
  prepared: PreparedSweep,
  options: { signal?: AbortSignal; onProgress?: (p: SweepProgress) => void } = {},
): Promise<{ document: SweepDocument; timings: SweepTimings }> {
  const started = performance.now()
  const startedCpu = threadCpuMs()
  const { request, points } = prepared
  const evaluated = points.filter((p) => p.ruleSet)
  const replays = Math.max(1, evaluated.length) * prepared.windows.length
  const searches = evaluated.length * prepared.attacks.length
  const total = replays + searches
  const figures = new Map<number, WindowFigures[]>(evaluated.map((p) => [p.index, []]))
  const parts = new Map<number, CostParts>(
    evaluated.map((p) => [p.index, { marginMicros: 0n, notionalMicros: 0n, earlier: 0, population: 0, feeMicros: 0n }]),
  )
  const baseFigures: WindowFigures[] = []
  let reads = 0
  let events = 0
  let kernelsRun = 0
  let lanes = 0
  let divergedLanes = 0
  let kernelMs = 0
  const threads: SweepThreadTimeline[] = []
  let readMs = 0
  let heldMs = 0
  let figuresMs = 0
  for (const [w, win] of prepared.windows.entries()) {
    if (options.signal?.aborted) throw new SweepCancelled()
    const kernels = [win.base, ...evaluated.map((p) => win.points[p.index]!)]
    const replayed = await replayWindow(deps.duck, kernels, {
      ...(request.threads ? { threads: request.threads } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      onFraction: (fraction, n) =>
        options.onProgress?.({
          done: (w + fraction) * Math.max(1, evaluated.length),
          total,
          window: w,
          events: events + n,
        }),
    })
    reads += replayed.reads
    events += replayed.events
    kernelsRun += replayed.kernels
    lanes += replayed.lanes
    divergedLanes += replayed.diverged
    kernelMs += replayed.kernelMs
    threads.push(...replayed.threads)
    readMs += replayed.readMs
    heldMs += replayed.heldMs
    const figuresFrom = performance.now()
    const [base, ...rest] = replayed.results
    const window = intervalOf(win.base)
    baseFigures.push(windowFigures(window, win.base.ruleSet.rules, request.markets, base!, base!).figures)
    evaluated.forEach((p, i) => {
      const { figures: f, parts: c } = windowFigures(window, p.ruleSet!.rules, request.markets, rest[i]!, base!)
      figures.get(p.index)!.push(f)
      const sum = parts.get(p.index)!
      sum.marginMicros += c.marginMicros
      sum.notionalMicros += c.notionalMicros
      sum.earlier += c.earlier
      sum.population += c.population
      sum.feeMicros += c.feeMicros
    })
    figuresMs += performance.now() - figuresFrom
  }
  const attackCosts = await runPointAttacks(deps, evaluated, prepared.attacks, {
    ...(options.signal ? { signal: options.signal } : {}),
    onProgress: (search) =>
      options.onProgress?.({
        done: replays + search.done,
        total,
        window: prepared.windows.length - 1,
        events,
        search,
      }),
  }).catch((error: unknown) => {
    throw error instanceof AttackCostCancelled ? new SweepCancelled() : error
  })
  const done: EvaluatedPoint[] = evaluated.map((p) => ({
    index: p.index,
    values: p.values,
    overrides: p.overrides,
    windows: figures.get(p.index)!,
    parts: parts.get(p.index)!,
  }))
  const byIndex = new Map(done.map((p) => [p.index, p]))
  const document: SweepDocument = {
    sweep: {
      ruleSet: prepared.base.ref,
      ruleSetHash: prepared.base.hash,
      venue: request.venue,
      markets: request.markets,
      windows: prepared.windows.map((w) => intervalOf(w.base)),
      positions: request.positions,
      seed: request.seed,
      sampling: prepared.sampling,
      samples: request.samples ?? null,
      axes: prepared.axes.map((a) => ({
        path: a.path,
        special: a.special ? SPECIAL_AXES[a.special] : null,
        values: a.values,
      })),
      budget: request.budget,
      ...(prepared.attacks.length
        ? {
            attackCost: prepared.attacks.map((a) => ({
              pattern: a.request.pattern,
              market: a.request.market,
              at: a.request.at.toISOString(),
              window: `${a.request.at.toISOString()}/${new Date(a.request.at.getTime() + a.request.window * 1000).toISOString()}`,
              breaks: a.request.breaks,
            })),
          }
        : {}),
    },
    base: baseFigures,
    points: points.map((p): SweepPointResult => {
      const e = byIndex.get(p.index)
      return {
        index: p.index,
        values: p.values,
        status: e ? 'evaluated' : 'skipped',
        ...(p.skipped
          ? { problems: p.skipped.map((q) => ({ path: q.path, received: q.received, expected: q.expected })) }
          : {}),
        ruleSetHash: p.ruleSet?.hash ?? null,
        windows: e ? e.windows : [],
        totals: e ? totalsOf(e) : null,
        ...(e && prepared.attacks.length ? { attackCost: attackCosts.get(p.index)! } : {}),
      }
    }),
    frontier: paretoFrontier(done).map((p) => p.index),
    recommendation: recommend(
      done,
      request.budget,
      prepared.base.ref,
      (path) => valueAt(prepared.base.rules, path),
      prepared.base.rules,
    ),
  }
  options.onProgress?.({ done: total, total, window: prepared.windows.length - 1, events })
  return {
    document,
    timings: {
      totalMs: performance.now() - started,
      kernels: kernelsRun,
      lanes,
      divergedLanes,
      feedReads: reads,
      events,
      kernelMs,
      threads,
      main: { cpuMs: threadCpuMs() - startedCpu, readMs, heldMs, figuresMs },
    },
  }
}
