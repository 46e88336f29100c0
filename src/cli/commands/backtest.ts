// `backstop backtest`: replay a window against a rule set with explicit, account or synthetic positions, as a run of
// the run system (recorded, cancellable with `backstop runs cancel`); a progress bar on a terminal (plain lines
// otherwise), then the summary (or JSON). While a server holds the store, the run is handed to it (src/cli/remote)
// with the same output; a rule-set file is validated here and stored on the server first (createRuleSet). Exit 0 ok,
// 1 failed or cancelled, 2 bad input, 130 interrupted (Ctrl-C cancels the run).
import fs from 'node:fs'
import path from 'node:path'
import type { Command } from 'commander'
import { backtestJob } from '../../../jobs/backtest.ts'
import { detectAfterBacktest, type DetectFollowUp } from '../../../jobs/detect.ts'
import type { JobDefinition } from '../../../jobs/job.ts'
import { createLogger } from '../../obs/logger.ts'
import { priceStreamLines } from '../../replay/backtest/priceStreamsText.ts'
import type { BacktestSummary } from '../../replay/backtest/summary.ts'
import type { BacktestTimings } from '../../replay/backtest/execute.ts'
import { getBacktestRun } from '../../store/meta/backtestRuns.ts'
import type { Config } from '../../config/load.ts'
import type { FinishedRunStatus } from '../../domain/run.ts'
import { inForeground } from '../foreground.ts'
import { EXIT_FAILURE, action } from '../action.ts'
import { OptionProblems, jsonOption } from '../options.ts'
import { runProgressView, type RunProgressView } from '../progress.ts'
import type { ServerClient } from '../remote/client.ts'
import { EXIT_INTERRUPTED, followRun } from '../remote/follow.ts'
import { viaServerOr } from '../remote/handOver.ts'
import { isRuleSetFile, storeRuleSetFile } from '../remote/ruleSetFile.ts'

interface BacktestOptions {
  rules?: string
  venue?: string
  markets?: string
  from?: string
  to?: string
  positions?: string
  seed?: string
  resolution?: string
  population?: string
  mode?: string
  slabHours?: string
  accountOverrides?: string
  excludeAccounts?: string
  defaultLeverage?: string
  excludeUnreconciled?: boolean
  shadow?: boolean
  stressFeedback?: boolean
  shockReturns?: string
  shockLiquidity?: string
  distanceToFailure?: boolean
  markFrom?: string
  oracleFrom?: string
  map?: string
  oracleMap?: string
  force?: boolean
  detect?: boolean
  json?: boolean
  local?: boolean
}

/** Options to a request object; the request schema then reports every remaining problem. */
export function backtestInput(o: BacktestOptions): Record<string, unknown> {
  const p = new OptionProblems()
  p.required('rules', o.rules, 'a preset, stored rule set or rule-set JSON file')
  p.required('venue', o.venue, 'the venue of the market data, e.g. binance-um')
  p.required('markets', o.markets, 'comma-separated markets, e.g. BTCUSDT,ETHUSDT')
  p.required('from', o.from, 'the window start (UTC), e.g. 2025-10-10')
  p.required('to', o.to, 'the window end (UTC), exclusive')
  p.required('positions', o.positions, 'synthetic, accounts or a positions JSON file')
  const input: Record<string, unknown> = {
    ruleSet: o.rules,
    venue: o.venue,
    markets: o.markets
      ?.split(',')
      .map((m) => m.trim())
      .filter(Boolean),
    from: o.from,
    to: o.to,
  }
  if (o.positions === 'synthetic' || o.positions === 'accounts') input.positions = o.positions
  else if (o.positions !== undefined) {
    input.positions = 'explicit'
    if (!fs.existsSync(o.positions))
      p.add({ path: '--positions', received: o.positions, expected: 'synthetic, accounts or an existing JSON file' })
    else input.explicitPositions = jsonOption(p, 'positions', o.positions)
  }
  const seed = p.number('seed', o.seed, (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer')
  if (seed !== undefined) input.seed = seed
  const resolution = p.number('resolution', o.resolution, (n) => n === 1 || n === 60, '1 or 60 (seconds)')
  if (resolution !== undefined) input.resolutionSeconds = resolution
  const slab = p.number('slab-hours', o.slabHours, (n) => n > 0, 'a positive number of hours')
  if (slab !== undefined) input.slabHours = slab
  const population = jsonOption(p, 'population', o.population)
  if (population !== undefined) input.population = population
  const mode = p.oneOf('mode', o.mode, ['isolated', 'cross'] as const)
  if (mode) input.mode = mode
  const overrides = jsonOption(p, 'account-overrides', o.accountOverrides)
  if (overrides !== undefined) input.accountOverrides = overrides
  if (o.excludeAccounts !== undefined)
    input.excludeAccounts = o.excludeAccounts
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean)
  const leverage = p.number('default-leverage', o.defaultLeverage, (n) => n > 0 && n <= 1000, 'a leverage in (0, 1000]')
  if (leverage !== undefined) input.defaultLeverage = leverage
  if (o.excludeUnreconciled) input.excludeUnreconciled = true
  if (o.shadow) input.shadow = true
  if (o.stressFeedback) input.stressFeedback = true
  const shockReturns = p.number('shock-returns', o.shockReturns, (n) => n > 0 && n <= 10, 'a factor in (0, 10]')
  if (shockReturns !== undefined) input.shockReturns = shockReturns
  const shockLiquidity = p.number('shock-liquidity', o.shockLiquidity, (n) => n > 0 && n <= 10, 'a factor in (0, 10]')
  if (shockLiquidity !== undefined) input.shockLiquidity = shockLiquidity
  if (o.distanceToFailure) input.distanceToFailure = true
  const markProxy = proxyOption(p, 'mark-from', o.markFrom, 'map', o.map, o.force)
  if (markProxy) input.markProxy = markProxy
  const oracleProxy = proxyOption(p, 'oracle-from', o.oracleFrom, 'oracle-map', o.oracleMap, o.force)
  if (oracleProxy) input.oracleProxy = oracleProxy
  if (o.force && !markProxy && !oracleProxy)
    p.add({ path: '--force', received: true, expected: 'with --mark-from or --oracle-from' })
  p.check('invalid backtest options')
  return input
}

/**
 * `--mark-from VENUE[:MARKET]` / `--oracle-from SOURCE[:FEED]` with an optional mapping (`--map ETH=ETHUSDT,…`, or a
 * JSON object or file) as the request's proxy; the request schema and the store check the rest.
 */
function proxyOption(
  p: OptionProblems,
  name: string,
  from: string | undefined,
  mapName: string,
  mapText: string | undefined,
  force: boolean | undefined,
): Record<string, unknown> | undefined {
  if (from === undefined) {
    if (mapText !== undefined) p.add({ path: `--${mapName}`, received: mapText, expected: `with --${name}` })
    return undefined
  }
  const colon = from.indexOf(':')
  const venue = colon < 0 ? from : from.slice(0, colon)
  const market = colon < 0 ? undefined : from.slice(colon + 1)
  const proxy: Record<string, unknown> = { venue }
  if (market !== undefined) proxy.market = market
  if (mapText !== undefined) {
    const text = mapText.trim()
    if (text.startsWith('{') || fs.existsSync(text)) proxy.markets = jsonOption(p, mapName, text)
    else {
      const markets: Record<string, string> = {}
      for (const pair of text.split(',').map((x) => x.trim())) {
        const [key, value, ...extra] = pair.split('=').map((x) => x.trim())
        if (!key || !value || extra.length)
          p.add({
            path: `--${mapName}`,
            received: pair,
            expected: 'REPLAYED=PROXY pairs, e.g. ETH=ETHUSDT,BTC=BTCUSDT',
          })
        else markets[key] = value
      }
      proxy.markets = markets
    }
  }
  if (force) proxy.force = true
  return proxy
}

export function registerBacktest(program: Command): void {
  program
    .command('backtest')
    .description('replay market history against a rule set and record liquidations, deficits, fund path and ADL')
    .option('--rules <ref>', 'preset (binance-um, binance-um@2021-03-18, …), stored rule set id/name, or JSON file')
    .option('--venue <venue>', 'venue of the market data, e.g. binance-um')
    .option('--markets <list>', 'comma-separated markets, e.g. BTCUSDT,ETHUSDT')
    .option('--from <time>', 'window start, UTC (2025-10-10 or 2025-10-10T21:00:00Z)')
    .option('--to <time>', 'window end, UTC, exclusive')
    .option('--positions <source>', 'synthetic | accounts | FILE.json (explicit positions)')
    .option('--seed <n>', 'seed of the synthetic population and random-start ADL', '1')
    .option('--resolution <s>', 'bar resolution in seconds: 1 or 60', '1')
    .option('--population <json>', 'synthetic population parameters (JSON or a JSON file)')
    .option('--mode <mode>', 'margin mode of explicit / account positions: isolated or cross')
    .option('--slab-hours <h>', 'hours of data read per DuckDB query (memory bound)')
    .option('--account-overrides <file>', 'accounts: per-account mode, leverage, opening balance (JSON or a JSON file)')
    .option('--exclude-accounts <list>', 'accounts: comma-separated accounts left out (venue-internal ones always are)')
    .option('--default-leverage <x>', "accounts: leverage of positions the data never states (else the rule set's)")
    .option('--exclude-unreconciled', 'accounts: leave out accounts whose cash could not be reconciled')
    .option('--shadow', 'accounts: record engine liquidations but keep following the real fills (reconciliation)')
    .option('--stress-feedback', 'stress mode: the simulated liquidations move the replayed mark (impact decays)')
    .option('--shock-returns <k>', "scale each market's log-returns from its first price in the window by k")
    .option('--shock-liquidity <f>', 'scale the traded volume the impact model sees by f (0.5: half the liquidity)')
    .option('--distance-to-failure', 'search the smallest return and liquidity shocks that produce a deficit')
    .option('--mark-from <venue[:market]>', "another stored venue's prices as the mark (its mark, else its bars)")
    .option('--oracle-from <source[:feed]>', 'an oracle source (pyth, chainlink: the feed) or venue as the oracle')
    .option('--map <pairs|json>', '--mark-from markets per replayed market: ETH=ETHUSDT,BTC=BTCUSDT (or JSON)')
    .option('--oracle-map <pairs|json>', '--oracle-from feeds per replayed market: ETH=ETH/USD,… (or JSON)')
    .option('--force', "use the proxies even where the market's own mark / oracle history exists")
    .option('--detect', 'after the run succeeds, run the detectors over its outputs (a detect run of its own)')
    .option('--json', 'print the run, summary and timings as JSON')
    .option('--local', 'run in this process even while a server runs (it then fails on the held DuckDB file)')
    .action(
      action(async (config, options: BacktestOptions) => {
        const input = backtestInput(options)
        const view = runProgressView({ plain: 'tenths', quiet: !!options.json })
        try {
          return await viaServerOr(config, options, {
            remote: (client) => remoteBacktest(client, input, view, !!options.json, !!options.detect),
            local: () => localBacktest(config, input, view, !!options.json, !!options.detect),
          })
        } finally {
          view.stop()
        }
      }),
    )
}

async function localBacktest(
  config: Config,
  input: Record<string, unknown>,
  view: RunProgressView,
  json: boolean,
  detect: boolean,
): Promise<number> {
  const log = createLogger(config.logLevel, 2)
  return inForeground(config, log, async ({ system, signal }) => {
    const submitted = await system.runs.submit(backtestJob as JobDefinition<never>, input, { trigger: 'cli', signal })
    for await (const event of system.runs.watch(submitted.runId)) view.event(event)
    view.stop()
    const result = await submitted.done
    const run = (await getBacktestRun(system.runtime.meta, submitted.runId))!
    // detectors over the run's outputs once it has succeeded; their failure is reported, the run stands
    const detected =
      detect && result.status === 'succeeded'
        ? await detectAfterBacktest(
            { submit: (job, params, o) => system.runs.submit(job, params, { ...o, signal }) },
            { runId: run.id, venue: run.venue },
            { trigger: 'cli' },
          )
        : undefined
    printBacktest(
      {
        runId: run.id,
        status: result.status,
        error: result.error,
        ruleSet: (result.outcome.result as { ruleSet?: string } | undefined)?.ruleSet ?? null,
        ruleSetHash: run.ruleSetHash,
        summary: run.summary as BacktestSummary | null,
        timings: run.timings as BacktestTimings | null,
        detect: detected,
      },
      json,
    )
    if (signal.aborted) return EXIT_INTERRUPTED
    return result.status === 'succeeded' ? 0 : EXIT_FAILURE
  })
}

/** The same backtest through the running server: runBacktest, then its run followed to the end. */
async function remoteBacktest(
  client: ServerClient,
  request: Record<string, unknown>,
  view: RunProgressView,
  json: boolean,
  detect: boolean,
): Promise<number> {
  let input = request
  if (input.ruleSet !== undefined && isRuleSetFile(String(input.ruleSet))) {
    const file = String(input.ruleSet)
    input = {
      ...input,
      ruleSet: await storeRuleSetFile(client, file, `backstop backtest --rules ${path.basename(file)}`),
    }
  }
  const { runBacktest } = await client.request<{ runBacktest: { id: string } }>(
    `mutation ($input: BacktestInput!) { runBacktest(input: $input) { id } }`,
    { input },
  )
  const { run: finished, interrupted } = await followRun(client, runBacktest.id, view)
  const { backtestRun: run } = await client.request<{
    backtestRun: { id: string; venue: string; ruleSetHash: string; summaryJson: unknown; timings: unknown }
  }>(`query ($id: ID!) { backtestRun(id: $id) { id venue ruleSetHash summaryJson timings } }`, { id: finished.id })
  const detected =
    detect && finished.status === 'succeeded' && !interrupted
      ? await remoteDetect(client, { runId: run.id, venue: run.venue }, view)
      : undefined
  printBacktest(
    {
      runId: run.id,
      status: finished.status as FinishedRunStatus,
      error: finished.error,
      ruleSet: (finished.result as { ruleSet?: string } | null)?.ruleSet ?? null,
      ruleSetHash: run.ruleSetHash,
      summary: run.summaryJson as BacktestSummary | null,
      timings: run.timings as BacktestTimings | null,
      detect: detected,
    },
    json,
  )
  if (interrupted) return EXIT_INTERRUPTED
  return finished.status === 'succeeded' ? 0 : EXIT_FAILURE
}

/** `--detect` through the server: runDetectors over the run, followed to its end, as detectAfterBacktest reports it. */
async function remoteDetect(
  client: ServerClient,
  backtest: { runId: string; venue: string },
  view: RunProgressView,
): Promise<DetectFollowUp> {
  const base = { backtestRunId: backtest.runId, detections: 0, incidents: 0 }
  let detectRunId: string
  try {
    const { runDetectors } = await client.request<{ runDetectors: { id: string } }>(
      `mutation ($input: DetectInput!) { runDetectors(input: $input) { id } }`,
      { input: { venue: backtest.venue, runId: backtest.runId } },
    )
    detectRunId = runDetectors.id
  } catch (error) {
    return {
      ...base,
      detectRunId: null,
      status: 'refused',
      error: error instanceof Error ? error.message : String(error),
    }
  }
  const { run } = await followRun(client, detectRunId, view)
  const summary = run.result as { detections?: { total?: number }; incidents?: { incidents?: number } } | null
  const ok = run.status === 'succeeded'
  return {
    ...base,
    detectRunId,
    status: run.status as DetectFollowUp['status'],
    error: run.error,
    detections: ok ? (summary?.detections?.total ?? 0) : 0,
    incidents: ok ? (summary?.incidents?.incidents ?? 0) : 0,
  }
}

export interface FinishedBacktest {
  runId: string
  status: FinishedRunStatus
  error: string | null
  /** name@effective of the rule set used (the run's result). */
  ruleSet: string | null
  ruleSetHash: string
  summary: BacktestSummary | null
  timings: BacktestTimings | null
  /** The detect run that followed (`--detect`), if any. */
  detect?: DetectFollowUp | undefined
}

/** The summary (or JSON) of a finished backtest, the same whichever process ran it. */
function printBacktest(b: FinishedBacktest, json: boolean): void {
  const { summary, timings } = b
  if (json) {
    console.log(
      JSON.stringify(
        {
          runId: b.runId,
          status: b.status,
          ruleSetHash: b.ruleSetHash,
          error: b.error ?? undefined,
          summary: summary ?? undefined,
          timings: timings ?? undefined,
          detect: b.detect,
        },
        null,
        2,
      ),
    )
  } else if (b.status === 'succeeded' && summary && timings) {
    console.log(backtestText({ ...b, summary, timings }))
  } else {
    console.error(`backtest ${b.runId} ${b.status}: ${b.error}`)
  }
}

/** The text summary of a succeeded backtest: one line per figure, the price streams used, then the warnings. */
export function backtestText(b: FinishedBacktest & { summary: BacktestSummary; timings: BacktestTimings }): string {
  const { summary: s, timings } = b
  const lines: Array<[string, string]> = [
    ['run', `${b.runId} (${b.status})`],
    ['rule set', `${b.ruleSet} sha256 ${b.ruleSetHash}`],
    ['mode', s.stress.label],
    // inverse runs: every amount below is in the settlement coin
    ...(s.settlement ? [['settlement', s.settlement.text] as [string, string]] : []),
    ...priceStreamLines(s),
    ['events replayed', String(s.eventsReplayed)],
    ['positions opened', `${s.positionsOpened} (max open ${s.maxOpenPositions})`],
    ['liquidations', `${s.liquidations} (+${s.partialLiquidations} partial), notional ${s.liquidatedNotional}`],
    ['bankruptcies', `${s.bankruptcies}, shortfall ${s.totalShortfall}`],
    [
      'covered',
      `fund ${s.coveredByFund}, fee pool ${s.coveredByFeePool}, ADL ${s.coveredByAdl}, socialized ${s.socializedLoss}`,
    ],
    ['bad debt', s.totalBadDebt],
    [
      'insurance fund',
      `${s.fund.initial} → ${s.fund.final}, max drawdown ${s.fund.maxDrawdown} (${(s.fund.maxDrawdownFraction * 100).toFixed(2)}%)`,
    ],
    ['ADL fills', String(s.adlFills)],
    [
      'guardrails',
      Object.entries(s.guardrailTriggers)
        .map(([kind, n]) => `${kind} ${n}`)
        .join(', ') || 'none',
    ],
    ['first deficit', s.firstDeficitAt ? `${s.firstDeficitAt} (+${s.timeToFirstDeficitSeconds} s)` : 'none'],
    ['distance to failure', s.distanceToFailure.text],
    ['output hash', s.outputHash],
    [
      'time',
      `${(timings.totalMs / 1000).toFixed(2)} s (${Math.round(timings.eventsPerSecond).toLocaleString('en')} events/s)`,
    ],
  ]
  const d = b.detect
  if (d) {
    lines.push([
      'detectors',
      d.status === 'succeeded'
        ? `detect run ${d.detectRunId}: ${d.detections} detections, ${d.incidents} incidents (backstop incidents --run ${b.runId})`
        : `${d.status}${d.detectRunId ? ` (detect run ${d.detectRunId})` : ''}: ${d.error}`,
    ])
  }
  return [...lines.map(([k, v]) => `${k.padEnd(18)} ${v}`), ...s.warnings.map((w) => `warning: ${w}`)].join('\n')
}
