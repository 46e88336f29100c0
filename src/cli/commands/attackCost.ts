// `backstop attack-cost`: the smallest attacker capital that breaks a rule set under an attack pattern injected at a
// time on a market, as a run of the run system (recorded, cancellable, progress per search step); then the cost, the
// profit there and the search steps (or, with --json, the whole document). While a server holds the store, the run
// is handed to it (src/cli/remote). Exit 0 ok, 1 failed or cancelled, 2 bad input, 130 interrupted.
import fs from 'node:fs'
import type { Command } from 'commander'
import { attackCostJob } from '../../../jobs/attackCost.ts'
import type { JobDefinition } from '../../../jobs/job.ts'
import type { Config } from '../../config/load.ts'
import { createLogger } from '../../obs/logger.ts'
import type { AttackCostDocument } from '../../replay/attack/execute.ts'
import { readAttackCostDocument } from '../../store/results/attackCostResults.ts'
import { EXIT_FAILURE, action } from '../action.ts'
import { inForeground } from '../foreground.ts'
import { OptionProblems } from '../options.ts'
import { runProgressView, type RunProgressView } from '../progress.ts'
import type { ServerClient } from '../remote/client.ts'
import { EXIT_INTERRUPTED, followRun } from '../remote/follow.ts'
import { noRemoteEquivalent, viaServerOr } from '../remote/handOver.ts'

interface AttackCostOptions {
  rules?: string
  pattern?: string
  venue?: string
  market?: string
  at?: string
  window?: string
  lookback?: string
  seed?: string
  resolution?: string
  minCapital?: string
  maxCapital?: string
  precision?: string
  breaks?: string
  json?: boolean
  local?: boolean
}

/** Options to a request; the request schema then reports every remaining problem (bounds, pattern, times). */
export function attackCostInput(o: AttackCostOptions): Record<string, unknown> {
  const p = new OptionProblems()
  p.required('rules', o.rules, 'a preset, stored rule set or rule-set JSON file')
  p.required('pattern', o.pattern, 'thin-market-push, withdrawal-to-maintenance or oracle-reference-push')
  p.required('venue', o.venue, 'the venue of the market data, e.g. binance-um')
  p.required('market', o.market, 'the market attacked, e.g. BTCUSDT')
  p.required('at', o.at, 'when the attack starts, UTC, e.g. 2025-10-10T21:00:00Z')
  const input: Record<string, unknown> = {
    ruleSet: o.rules,
    pattern: o.pattern,
    venue: o.venue,
    market: o.market,
    at: o.at,
  }
  if (o.window !== undefined) input.window = o.window
  if (o.lookback !== undefined) input.lookback = o.lookback
  const any = (name: string, text: string | undefined) => p.number(name, text, () => true, 'a number')
  const seed = p.number('seed', o.seed, (n) => Number.isInteger(n) && n >= 0, 'an integer ≥ 0')
  if (seed !== undefined) input.seed = seed
  const resolution = p.number('resolution', o.resolution, (n) => n === 1 || n === 60, '1 or 60 (seconds)')
  if (resolution !== undefined) input.resolutionSeconds = resolution
  // the sign and size of the bounds are the request schema's to judge (it names what is valid)
  const min = any('min-capital', o.minCapital)
  if (min !== undefined) input.minCapital = min
  const max = any('max-capital', o.maxCapital)
  if (max !== undefined) input.maxCapital = max
  const precision = any('precision', o.precision)
  if (precision !== undefined) input.precision = precision
  if (o.breaks !== undefined) input.breaks = o.breaks
  p.check('invalid attack-cost options')
  return input
}

function printDocument(runId: string, d: AttackCostDocument): void {
  const a = d.attack
  console.log(`attack-cost run ${runId}: ${a.pattern} on ${a.venue}/${a.market} at ${a.at} under ${a.ruleSet}`)
  const l = d.liquidity
  console.log(
    `liquidity (${l.buckets} five-minute buckets, ${l.trades} trades before): Amihud ${l.amihud.toPrecision(4)} per quote, Kyle λ ${l.kyleLambda === null ? '-' : l.kyleLambda.toPrecision(4)}; last price ${l.lastPrice}`,
  )
  console.log('step  phase   capital  |  broke  deficit  bad debt  victim liquidated  push (log)  profit')
  for (const s of d.steps)
    console.log(
      `${String(s.step).padStart(4)}  ${s.phase.padEnd(6)}  ${s.capital}  |  ${s.broke ? 'yes' : 'no '}  ${s.deficit}  ${s.badDebt}  ${s.victimLiquidated ? 'yes' : 'no'}  ${s.pushLogMove.toFixed(5)}${s.pushCapped ? ' (capped)' : ''}  ${s.profit}`,
    )
  console.log(d.statement)
}

export function registerAttackCost(program: Command): void {
  program
    .command('attack-cost')
    .description('cost of attack: the smallest attacker capital that produces a deficit under a rule set')
    .option('--rules <ref>', 'rule set: preset, stored rule set id/name, or JSON file')
    .option('--pattern <p>', 'thin-market-push | withdrawal-to-maintenance | oracle-reference-push')
    .option('--venue <venue>', 'venue of the market data')
    .option('--market <market>', 'the market attacked')
    .option('--at <time>', 'when the attack starts, UTC (2025-10-10T21:00:00Z)')
    .option('--window <d>', 'market time replayed from --at: 1h to 48h (90m, 6h)', '6h')
    .option('--lookback <d>', 'trailing trades the liquidity is measured on (default 24h)')
    .option('--seed <n>', 'seed of the kernel (random-start ADL)', '1')
    .option('--resolution <s>', 'bar resolution in seconds: 1 or 60', '1')
    .option('--min-capital <q>', 'capital the search starts at (quote, default 1000)')
    .option('--max-capital <q>', 'the most capital tried (quote, default 1e9)')
    .option('--precision <f>', 'stop once the bracket is narrower than this share of the cost (default 0.02)')
    .option('--breaks <what>', 'deficit (a shortfall at all, default) or badDebt (one the waterfall left)')
    .option('--json', 'print the whole document: attack, liquidity, cost, profit, plan, steps')
    .option('--local', 'run in this process even while a server runs (it then fails on the held DuckDB file)')
    .action(
      action(async (config, options: AttackCostOptions) => {
        const input = attackCostInput(options)
        const view = runProgressView({ plain: 'tenths', quiet: !!options.json })
        try {
          return await viaServerOr(config, options, {
            remote: (client) => remoteAttackCost(client, input, view, !!options.json),
            local: () => localAttackCost(config, input, view, !!options.json),
          })
        } finally {
          view.stop()
        }
      }),
    )
}

async function localAttackCost(
  config: Config,
  input: Record<string, unknown>,
  view: RunProgressView,
  json: boolean,
): Promise<number> {
  const log = createLogger(config.logLevel, 2)
  return inForeground(config, log, async ({ system, signal }) => {
    const submitted = await system.runs.submit(attackCostJob as JobDefinition<never>, input, { trigger: 'cli', signal })
    for await (const event of system.runs.watch(submitted.runId)) view.event(event)
    view.stop()
    const result = await submitted.done
    if (result.status !== 'succeeded') {
      console.error(`attack-cost ${submitted.runId} ${result.status}: ${result.error}`)
      return signal.aborted ? EXIT_INTERRUPTED : EXIT_FAILURE
    }
    const document = JSON.parse((await readAttackCostDocument(system.runtime, submitted.runId))!) as AttackCostDocument
    if (json) console.log(JSON.stringify({ runId: submitted.runId, ...document }, null, 2))
    else printDocument(submitted.runId, document)
    return 0
  })
}

/** The same search through the running server: runAttackCost, its run followed to the end, then attackCost(runId). */
async function remoteAttackCost(
  client: ServerClient,
  input: Record<string, unknown>,
  view: RunProgressView,
  json: boolean,
): Promise<number> {
  const ref = String(input.ruleSet)
  if (ref.endsWith('.json') || fs.existsSync(ref)) {
    noRemoteEquivalent(
      client,
      `the rule-set file ${ref}`,
      `the server does not read files: store it first (backstop rules derive --from ${ref} --name NAME --save) and pass --rules NAME, or stop the server and run again`,
    )
  }
  const { runAttackCost } = await client.request<{ runAttackCost: { id: string } }>(
    `mutation ($input: AttackCostInput!) { runAttackCost(input: $input) { id } }`,
    { input },
  )
  const { run, interrupted } = await followRun(client, runAttackCost.id, view)
  if (run.status !== 'succeeded') {
    console.error(`attack-cost ${run.id} ${run.status}: ${run.error}`)
    return interrupted ? EXIT_INTERRUPTED : EXIT_FAILURE
  }
  const { attackCost } = await client.request<{ attackCost: { document: AttackCostDocument } }>(
    `query ($id: ID!) { attackCost(runId: $id) { document } }`,
    { id: run.id },
  )
  if (json) console.log(JSON.stringify({ runId: run.id, ...attackCost.document }, null, 2))
  else printDocument(run.id, attackCost.document)
  return interrupted ? EXIT_INTERRUPTED : 0
}
