// `backstop sweep`: rule sets derived from a base along parameter axes, replayed over windows with one feed read per
// window, as a run of the run system (recorded, cancellable); a progress bar over points, then the table of points,
// the frontier and the recommendation (or, with --json, one document). Exit 0 ok, 1 failed or cancelled, 2 bad input.
import fs from 'node:fs'
import type { Command } from 'commander'
import type { JobDefinition } from '../../../jobs/job.ts'
import { sweepJob } from '../../../jobs/sweep.ts'
import { createLogger } from '../../obs/logger.ts'
import type { SweepAttackCost } from '../../replay/sweep/attacks.ts'
import type { SweepDocument, SweepPointResult } from '../../replay/sweep/execute.ts'
import { readAllSweepPoints, readSweepDocument } from '../../store/results/sweepResults.ts'
import { EXIT_FAILURE, action } from '../action.ts'
import { inForeground } from '../foreground.ts'
import { OptionProblems, jsonOption } from '../options.ts'
import { runProgressView } from '../progress.ts'

interface SweepOptions {
  rules?: string
  venue?: string
  markets?: string
  vary: string[]
  windows?: string
  positions?: string
  budget?: string
  samples?: string
  maxPoints?: string
  seed?: string
  resolution?: string
  population?: string
  threads?: string
  attackCost?: string
  json?: boolean
}

const collect = (value: string, previous: string[]) => [...previous, value]

/** FROM/TO[,FROM/TO…] in ISO 8601 interval notation. */
function windowsOf(p: OptionProblems, text: string | undefined) {
  if (text === undefined) return undefined
  return text.split(',').map((part, i) => {
    const [from, to, ...more] = part.split('/')
    if (!from || !to || more.length) {
      p.add({ path: `--windows[${i}]`, received: part, expected: 'FROM/TO, e.g. 2025-10-10T00:00Z/2025-10-12T00:00Z' })
      return { from: part, to: part }
    }
    return { from: from.trim(), to: to.trim() }
  })
}

/** PATTERN@TIME[@MARKET][,…]: a cost-of-attack search per evaluated point (the request schema checks each). */
function attacksOf(p: OptionProblems, text: string | undefined) {
  if (text === undefined) return undefined
  return text.split(',').map((part, i) => {
    const [pattern, at, market, ...more] = part.split('@').map((x) => x.trim())
    if (!pattern || !at || market === '' || more.length) {
      p.add({
        path: `--attack-cost[${i}]`,
        received: part,
        expected: 'PATTERN@TIME[@MARKET], e.g. thin-market-push@2025-10-10T21:00Z',
      })
      return { pattern: part, at: part }
    }
    return { pattern, at, ...(market ? { market } : {}) }
  })
}

/** Options to a sweep request; the request schema then reports every remaining problem. */
export function sweepInput(o: SweepOptions): Record<string, unknown> {
  const p = new OptionProblems()
  p.required('rules', o.rules, 'the base rule set: a preset, stored rule set or rule-set JSON file')
  p.required('venue', o.venue, 'the venue of the market data, e.g. binance-um')
  p.required('markets', o.markets, 'comma-separated markets, e.g. BTCUSDT,ETHUSDT')
  p.required('windows', o.windows, 'FROM/TO[,FROM/TO…], e.g. 2025-10-10T00:00Z/2025-10-12T00:00Z')
  p.required('positions', o.positions, 'synthetic, accounts or a positions JSON file')
  if (!o.vary.length) p.add({ path: '--vary', received: undefined, expected: 'PATH=V1,V2,… or PATH=FROM..TO:STEP' })
  const input: Record<string, unknown> = {
    ruleSet: o.rules,
    venue: o.venue,
    markets: o.markets
      ?.split(',')
      .map((m) => m.trim())
      .filter(Boolean),
    vary: o.vary,
    windows: windowsOf(p, o.windows),
  }
  if (o.positions === 'synthetic' || o.positions === 'accounts') input.positions = o.positions
  else if (o.positions !== undefined) {
    input.positions = 'explicit'
    try {
      input.explicitPositions = JSON.parse(fs.readFileSync(o.positions, 'utf8'))
    } catch (error) {
      p.add({
        path: '--positions',
        received: o.positions,
        expected: `synthetic or a readable JSON file (${(error as Error).message})`,
      })
    }
  }
  if (o.budget !== undefined) input.budget = o.budget
  const attackCost = attacksOf(p, o.attackCost)
  if (attackCost !== undefined) input.attackCost = attackCost
  const whole = (name: string, text: string | undefined, min: number) =>
    p.number(name, text, (n) => Number.isInteger(n) && n >= min, `an integer ≥ ${min}`)
  const samples = whole('samples', o.samples, 1)
  if (samples !== undefined) input.samples = samples
  const maxPoints = whole('max-points', o.maxPoints, 1)
  if (maxPoints !== undefined) input.maxPoints = maxPoints
  const seed = whole('seed', o.seed, 0)
  if (seed !== undefined) input.seed = seed
  const threads = whole('threads', o.threads, 1)
  if (threads !== undefined) input.threads = threads
  const resolution = p.number('resolution', o.resolution, (n) => n === 1 || n === 60, '1 or 60 (seconds)')
  if (resolution !== undefined) input.resolutionSeconds = resolution
  const population = jsonOption(p, 'population', o.population)
  if (population !== undefined) input.population = population
  p.check('invalid sweep options')
  return input
}

/** A search's outcome as a table cell: the capital that breaks the point, or what none did up to. */
const attackCell = (a: SweepAttackCost) =>
  `${a.pattern} ${a.costOfAttack ?? `none up to ${a.maxCapital}`}${a.atMinimum ? ' (at most)' : ''}`

/** The table of points (a cost-of-attack cell per search) and the recommendation, on stdout. */
export function printTable(document: SweepDocument): void {
  const frontier = new Set(document.frontier)
  const attacks = document.sweep.attackCost?.length ? '  cost of attack' : ''
  console.log(`base ${document.sweep.ruleSet}: bad debt ${document.base.map((w) => w.risk.badDebt).join(' / ')}`)
  console.log(
    `point  frontier  values  |  bad debt  IM/notional  refused or liquidated earlier  liquidation fees${attacks}`,
  )
  const row = (p: SweepPointResult) => {
    const values = p.values.map((v) => `${v.path}=${JSON.stringify(v.value)}`).join(' ')
    if (!p.totals) {
      const why = (p.problems ?? []).map((q) => `${q.path}: ${q.expected}`).join('; ')
      return `${String(p.index).padStart(5)}  skipped   ${values}  |  ${why}`
    }
    const t = p.totals
    return `${String(p.index).padStart(5)}  ${frontier.has(p.index) ? '*' : ' '}         ${values}  |  ${t.badDebt}  ${t.initialMarginPerNotional ?? '-'}  ${t.refusedOrLiquidatedEarlierShare}  ${t.liquidationFees}${(p.attackCost ?? []).map((a) => `  ${attackCell(a)}`).join('')}`
  }
  for (const p of document.points) console.log(row(p))
  const r = document.recommendation
  console.log(`recommendation: ${r.statement}`)
  if (r.command) console.log(`  ${r.command}`)
}

export function registerSweep(program: Command): void {
  program
    .command('sweep')
    .description('what-if sweep: which rule-set parameters would have held over the windows, at what cost to traders')
    .option('--rules <ref>', 'base rule set: preset, stored rule set id/name, or JSON file')
    .option('--venue <venue>', 'venue of the market data, e.g. binance-um')
    .option('--markets <list>', 'comma-separated markets, e.g. BTCUSDT,ETHUSDT')
    .option(
      '--vary <axis>',
      'PATH=V1,V2,… or PATH=FROM..TO:STEP (repeatable); PATH a rule-set path or maintenanceScale',
      collect,
      [],
    )
    .option('--windows <list>', 'FROM/TO[,FROM/TO…] in ISO 8601, e.g. 2025-10-10T00:00Z/2025-10-12T00:00Z')
    .option('--positions <source>', 'synthetic | accounts | FILE.json (explicit positions)')
    .option('--budget <amount>', 'bad debt allowed in every window for the recommendation', '0')
    .option('--samples <n>', 'Latin-hypercube sample of n points instead of the whole grid')
    .option('--max-points <n>', 'refuse a sweep of more points than this (default 256, at most 1024)')
    .option('--seed <n>', 'seed of the population, random-start ADL and the sample', '1')
    .option('--resolution <s>', 'bar resolution in seconds: 1 or 60', '1')
    .option('--population <json>', 'synthetic population parameters (JSON or a JSON file)')
    .option('--threads <n>', 'worker threads for the kernels (default: the cores available)')
    .option(
      '--attack-cost <list>',
      'PATTERN@TIME[@MARKET][,…]: cost-of-attack search per evaluated point under its rule set (market: the first)',
    )
    .option('--json', 'print one JSON document: sweep, base, points, frontier, recommendation')
    .action(
      action(async (config, options: SweepOptions) => {
        const input = sweepInput(options)
        const log = createLogger(config.logLevel, 2)
        const view = runProgressView({ plain: 'tenths', quiet: !!options.json })
        return inForeground(config, log, async ({ system, signal }) => {
          try {
            const submitted = await system.runs.submit(sweepJob as JobDefinition<never>, input, {
              trigger: 'cli',
              signal,
            })
            for await (const event of system.runs.watch(submitted.runId)) view.event(event)
            view.stop()
            const result = await submitted.done
            if (result.status !== 'succeeded') {
              console.error(`sweep ${submitted.runId} ${result.status}: ${result.error}`)
              return EXIT_FAILURE
            }
            const stores = system.runtime
            const head = JSON.parse((await readSweepDocument(stores, submitted.runId))!) as Omit<
              SweepDocument,
              'points'
            >
            const points = (await readAllSweepPoints(stores.duck, submitted.runId)).map(
              (p) => JSON.parse(p) as SweepPointResult,
            )
            const document: SweepDocument = {
              sweep: head.sweep,
              base: head.base,
              points,
              frontier: head.frontier,
              recommendation: head.recommendation,
            }
            console.error(`sweep run ${submitted.runId} succeeded`)
            if (options.json) console.log(JSON.stringify(document, null, 2))
            else printTable(document)
            return 0
          } finally {
            view.stop()
          }
        })
      }),
    )
}
