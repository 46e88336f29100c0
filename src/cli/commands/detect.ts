// `backstop detect`: run attack-pattern detectors over stored market data (and a backtest run's outputs), write the
// detections, rebuild the incidents they feed, and print what ran, what was missing and what was found.
import fs from 'node:fs'
import type { Command } from 'commander'
import { detectJob } from '../../../jobs/detect.ts'
import type { JobDefinition } from '../../../jobs/job.ts'
import type { Runtime } from '../../app/runtime.ts'
import type { DetectSummary } from '../../detect/run.ts'
import { createLogger } from '../../obs/logger.ts'
import { readDetections } from '../../store/detect/detections.ts'
import { inForeground } from '../foreground.ts'
import { EXIT_FAILURE, action } from '../action.ts'
import { OptionProblems } from '../options.ts'
import { runProgressView } from '../progress.ts'

interface DetectOptions {
  venue?: string
  market?: string
  from?: string
  to?: string
  run?: string
  detectors?: string
  params?: string
  gap?: string
  all?: boolean
  json?: boolean
}

const list = (text: string | undefined) =>
  text
    ?.split(',')
    .map((x) => x.trim())
    .filter(Boolean)

/** Options to a runDetectors request; the request schema then reports every remaining problem. */
export function detectInput(o: DetectOptions): Record<string, unknown> {
  const p = new OptionProblems()
  p.required('venue', o.venue, 'the venue of the market data, e.g. binance-um')
  const input: Record<string, unknown> = { venue: o.venue }
  if (o.market !== undefined) input.markets = list(o.market)
  if (o.from !== undefined) input.from = o.from
  if (o.to !== undefined) input.to = o.to
  if (o.run !== undefined) input.runId = o.run
  if (o.detectors !== undefined) input.detectors = list(o.detectors)
  if (o.params !== undefined) {
    try {
      input.params = JSON.parse(fs.existsSync(o.params) ? fs.readFileSync(o.params, 'utf8') : o.params)
    } catch (error) {
      p.add({ path: '--params', received: o.params, expected: `JSON or a JSON file (${(error as Error).message})` })
    }
  }
  const gap = p.number('gap', o.gap, (n) => Number.isInteger(n) && n >= 0, 'a whole number of seconds ≥ 0')
  if (gap !== undefined) input.incidentGapSeconds = gap
  p.check('invalid detect options')
  return input
}

const time = (us: number) =>
  new Date(Math.floor(us / 1000))
    .toISOString()
    .replace('T', ' ')
    .replace(/\.000Z$/, 'Z')

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)))
  return rows.map((r) =>
    r
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd(),
  )
}

async function printText(summary: DetectSummary, runtime: Runtime, all: boolean, detectRun: string) {
  console.log(
    `detect ${summary.venue} ${summary.from} → ${summary.to}${summary.runId ? ` over backtest run ${summary.runId}` : ''} (run ${detectRun})`,
  )
  const rows = [['detector', 'market', 'status', 'info', 'warning', 'critical', 'ms']]
  for (const d of summary.detectors) {
    rows.push([
      d.detector,
      d.market,
      d.status,
      String(d.bySeverity.info),
      String(d.bySeverity.warning),
      String(d.bySeverity.critical),
      String(d.ms),
    ])
  }
  for (const line of table(rows)) console.log(line)
  for (const d of summary.detectors) {
    for (const m of d.missing)
      console.log(`missing  ${d.detector} ${d.market}: no ${m.table} rows in ${m.from} → ${m.to} (${m.note})`)
    if (d.error) console.log(`failed   ${d.detector} ${d.market}: ${d.error}`)
  }
  const found = await readDetections(runtime.duck, {
    venue: summary.venue,
    fromUs: Date.parse(summary.from) * 1000,
    toUs: Date.parse(summary.to) * 1000,
    severities: all ? null : ['warning', 'critical'],
  })
  const ran = new Set(summary.detectors.filter((d) => d.status === 'ran').map((d) => `${d.detector}\n${d.market}`))
  const mine = found.filter(
    (d) => ran.has(`${d.detector}\n${d.market}`) && summary.detectors.some((s) => s.paramsHash === d.paramsHash),
  )
  if (mine.length) {
    console.log('')
    const det = [['severity', 'detector', 'market', 'from', 'to', 'score', 'accounts', 'id']]
    for (const d of mine) {
      det.push([
        d.severity,
        d.detector,
        d.market,
        time(d.windowFromUs),
        time(d.windowToUs),
        String(Number(d.score.toPrecision(4))),
        d.accounts.length > 2
          ? `${d.accounts.slice(0, 2).join(', ')} +${d.accounts.length - 2}`
          : d.accounts.join(', '),
        d.id,
      ])
    }
    for (const line of table(det)) console.log(line)
  }
  const s = summary.detections
  console.log(
    `\ndetections: ${s.total} (${s.critical} critical, ${s.warning} warning, ${s.info} info); ` +
      `rows replaced ${summary.written.deleted} → ${summary.written.inserted}; incidents ${summary.incidents.incidents}` +
      ` (${summary.incidents.scopes.map((x) => `${x.runId ?? 'market data'}: ${x.incidents}`).join(', ')})`,
  )
  if (!all && s.info) console.log('info detections are not listed (--all lists them)')
}

export function registerDetect(program: Command): void {
  program
    .command('detect')
    .description('run attack-pattern detectors over stored market data or a backtest run, and rebuild incidents')
    .option('--venue <venue>', 'venue of the market data, e.g. binance-um')
    .option('--market <markets>', 'market(s), comma-separated (default: every market with data in the window)')
    .option('--from <time>', 'window start, UTC (default: the run’s)')
    .option('--to <time>', 'window end, UTC, exclusive (default: the run’s)')
    .option('--run <id>', 'a backtest run whose outputs detectors read (liquidations, deficits)')
    .option('--detectors <ids>', 'comma-separated detector ids (default: all)')
    .option('--params <json>', 'parameters per detector id (JSON or a JSON file)')
    .option('--gap <seconds>', 'incident grouping gap in seconds (default 3600)')
    .option('--all', 'also list info detections')
    .option('--json', 'print the summary as JSON')
    .action(
      action(async (config, options: DetectOptions) => {
        const input = detectInput(options)
        const view = runProgressView({ plain: 'tenths', quiet: !!options.json })
        return inForeground(config, createLogger('warn', 2), async ({ system, signal }) => {
          try {
            // bad input throws here (exit 2) before any run is recorded
            const submitted = await system.runs.submit(detectJob as JobDefinition<never>, input, {
              trigger: 'cli',
              signal,
            })
            for await (const event of system.runs.watch(submitted.runId)) view.event(event)
            view.stop()
            const result = await submitted.done
            if (result.status !== 'succeeded') {
              if (options.json)
                console.log(
                  JSON.stringify({ detectRunId: submitted.runId, status: result.status, error: result.error }, null, 2),
                )
              else console.error(`detect ${submitted.runId} ${result.status}: ${result.error}`)
              return EXIT_FAILURE
            }
            const summary = result.outcome.result as DetectSummary
            if (options.json) console.log(JSON.stringify({ detectRunId: submitted.runId, ...summary }, null, 2))
            else await printText(summary, system.runtime, !!options.all, submitted.runId)
            return summary.detectors.some((d) => d.status === 'failed') ? EXIT_FAILURE : 0
          } finally {
            view.stop()
          }
        })
      }),
    )
}
