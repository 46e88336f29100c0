// `backstop backtest`: replay a window against a rule set with explicit, account or synthetic positions, as a run of
// the run system (recorded, cancellable with `backstop runs cancel`); a progress bar on a terminal (plain lines
// otherwise), then the summary (or JSON). Exit 0 ok, 1 failed or cancelled, 2 bad input.
import fs from 'node:fs'
import type { Command } from 'commander'
import { backtestJob } from '../../../jobs/backtest.ts'
import { detectAfterBacktest } from '../../../jobs/detect.ts'
import type { JobDefinition } from '../../../jobs/job.ts'
import { createLogger } from '../../obs/logger.ts'
import type { BacktestSummary } from '../../replay/backtest/summary.ts'
import type { BacktestTimings } from '../../replay/backtest/execute.ts'
import { getBacktestRun } from '../../store/meta/backtestRuns.ts'
import { inForeground } from '../foreground.ts'
import { EXIT_FAILURE, action } from '../action.ts'
import { OptionProblems } from '../options.ts'
import { runProgressView } from '../progress.ts'

interface BacktestOptions {
  detect?: boolean
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
  excludeUnreconciled?: boolean
  shadow?: boolean
  stressFeedback?: boolean
  shockReturns?: string
  shockLiquidity?: string
  distanceToFailure?: boolean
  json?: boolean
}

/** A JSON option given inline or as a file path. */
function jsonOption(p: OptionProblems, name: string, text: string | undefined): unknown {
  if (text === undefined) return undefined
  try {
    return JSON.parse(fs.existsSync(text) ? fs.readFileSync(text, 'utf8') : text)
  } catch (error) {
    p.add({ path: `--${name}`, received: text, expected: `JSON or a JSON file (${(error as Error).message})` })
    return undefined
  }
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
  if (o.excludeUnreconciled) input.excludeUnreconciled = true
  if (o.shadow) input.shadow = true
  if (o.stressFeedback) input.stressFeedback = true
  const shockReturns = p.number('shock-returns', o.shockReturns, (n) => n > 0 && n <= 10, 'a factor in (0, 10]')
  if (shockReturns !== undefined) input.shockReturns = shockReturns
  const shockLiquidity = p.number('shock-liquidity', o.shockLiquidity, (n) => n > 0 && n <= 10, 'a factor in (0, 10]')
  if (shockLiquidity !== undefined) input.shockLiquidity = shockLiquidity
  if (o.distanceToFailure) input.distanceToFailure = true
  p.check('invalid backtest options')
  return input
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
    .option('--exclude-unreconciled', 'accounts: leave out accounts whose cash could not be reconciled')
    .option('--shadow', 'accounts: record engine liquidations but keep following the real fills (reconciliation)')
    .option('--stress-feedback', 'stress mode: the simulated liquidations move the replayed mark (impact decays)')
    .option('--shock-returns <k>', "scale each market's log-returns from its first price in the window by k")
    .option('--shock-liquidity <f>', 'scale the traded volume the impact model sees by f (0.5: half the liquidity)')
    .option('--distance-to-failure', 'search the smallest return and liquidity shocks that produce a deficit')
    .option('--detect', 'after the run succeeds, run the detectors over its outputs (a detect run of its own)')
    .option('--json', 'print the run, summary and timings as JSON')
    .action(
      action(async (config, options: BacktestOptions) => {
        const input = backtestInput(options)
        const log = createLogger(config.logLevel, 2)
        const view = runProgressView({ plain: 'tenths', quiet: !!options.json })
        return inForeground(config, log, async ({ system, signal }) => {
          try {
            const submitted = await system.runs.submit(backtestJob as JobDefinition<never>, input, {
              trigger: 'cli',
              signal,
            })
            for await (const event of system.runs.watch(submitted.runId)) view.event(event)
            view.stop()
            const result = await submitted.done
            const run = (await getBacktestRun(system.runtime.meta, submitted.runId))!
            const summary = run.summary as BacktestSummary | null
            const timings = run.timings as BacktestTimings | null
            // detectors over the run's outputs once it has succeeded; their failure is reported, the run stands
            const detect =
              options.detect && result.status === 'succeeded'
                ? await detectAfterBacktest(
                    { submit: (job, params, o) => system.runs.submit(job, params, { ...o, signal }) },
                    { runId: run.id, venue: run.venue },
                    { trigger: 'cli' },
                  )
                : undefined
            if (options.json) {
              console.log(
                JSON.stringify(
                  {
                    runId: run.id,
                    status: result.status,
                    ruleSetHash: run.ruleSetHash,
                    error: result.error ?? undefined,
                    summary: summary ?? undefined,
                    timings: timings ?? undefined,
                    detect,
                  },
                  null,
                  2,
                ),
              )
            } else if (result.status === 'succeeded' && summary && timings) {
              const s = summary
              const made = result.outcome.result as { ruleSet: string }
              const lines: Array<[string, string]> = [
                ['run', `${run.id} (${result.status})`],
                ['rule set', `${made.ruleSet} sha256 ${run.ruleSetHash}`],
                ['mode', s.stress.label],
                ['events replayed', String(s.eventsReplayed)],
                ['positions opened', `${s.positionsOpened} (max open ${s.maxOpenPositions})`],
                [
                  'liquidations',
                  `${s.liquidations} (+${s.partialLiquidations} partial), notional ${s.liquidatedNotional}`,
                ],
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
                [
                  'first deficit',
                  s.firstDeficitAt ? `${s.firstDeficitAt} (+${s.timeToFirstDeficitSeconds} s)` : 'none',
                ],
                ['distance to failure', s.distanceToFailure.text],
                ['output hash', s.outputHash],
                [
                  'time',
                  `${(timings.totalMs / 1000).toFixed(2)} s (${Math.round(timings.eventsPerSecond).toLocaleString('en')} events/s)`,
                ],
              ]
              if (detect) {
                lines.push([
                  'detectors',
                  detect.status === 'succeeded'
                    ? `detect run ${detect.detectRunId}: ${detect.detections} detections, ${detect.incidents} incidents (backstop incidents --run ${run.id})`
                    : `${detect.status}${detect.detectRunId ? ` (detect run ${detect.detectRunId})` : ''}: ${detect.error}`,
                ])
              }
              for (const [k, v] of lines) console.log(`${k.padEnd(18)} ${v}`)
              for (const w of s.warnings) console.log(`warning: ${w}`)
            } else {
              console.error(`backtest ${run.id} ${result.status}: ${result.error}`)
            }
            return result.status === 'succeeded' ? 0 : EXIT_FAILURE
          } finally {
            view.stop()
          }
        })
      }),
    )
}
