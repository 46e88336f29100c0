// `backstop detect`: run attack-pattern detectors over stored market data (and a backtest run's outputs), write the
// detections, rebuild the incidents they feed, and print what ran, what was missing and what was found. While a
// server holds the store, the run is handed to it (runDetectors) and its findings read through the API.
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
import type { ServerClient } from '../remote/client.ts'
import { EXIT_INTERRUPTED, followRun } from '../remote/follow.ts'
import { viaServerOr } from '../remote/handOver.ts'
import { isRuleSetFile, storeRuleSetFile } from '../remote/ruleSetFile.ts'

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
  local?: boolean
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

/**
 * A detector parameter naming a rule-set file (`rules`, e.g. withdrawal-to-maintenance's margin table) is stored
 * through the server and sent as its version id: the server reads no file an API client names.
 */
async function withStoredRuleSetFiles(client: ServerClient, input: Record<string, unknown>) {
  const params = input.params
  if (!params || typeof params !== 'object' || Array.isArray(params)) return input
  const stored: Record<string, unknown> = {}
  for (const [detector, value] of Object.entries(params as Record<string, unknown>)) {
    const rules = (value as { rules?: unknown } | null)?.rules
    stored[detector] =
      typeof rules === 'string' && isRuleSetFile(rules)
        ? {
            ...(value as object),
            rules: await storeRuleSetFile(client, rules, `backstop detect --params (${detector}.rules)`),
          }
        : value
  }
  return { ...input, params: stored }
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

/** What the table of findings shows of a detection (a stored row, or one read through the API). */
interface ListedDetection {
  id: string
  detector: string
  market: string
  severity: string
  windowFromUs: number
  windowToUs: number
  score: number
  accounts: string[]
  paramsHash: string
}

/** The detections the run's window holds (warning and critical unless --all), read from this process's store. */
async function storedFindings(summary: DetectSummary, runtime: Runtime, all: boolean): Promise<ListedDetection[]> {
  return readDetections(runtime.duck, {
    venue: summary.venue,
    fromUs: Date.parse(summary.from) * 1000,
    toUs: Date.parse(summary.to) * 1000,
    severities: all ? null : ['warning', 'critical'],
  })
}

/** The same detections through the server's API (detections connection, same filter and order, every page). */
async function remoteFindings(client: ServerClient, summary: DetectSummary, all: boolean): Promise<ListedDetection[]> {
  const filter = {
    venue: { equals: summary.venue },
    windowTo: { gt: summary.from },
    windowFrom: { lt: summary.to },
    ...(all ? {} : { severity: { in: ['warning', 'critical'] } }),
  }
  const orderBy = [{ field: 'windowFrom' }, { field: 'detector' }, { field: 'market' }]
  const found: ListedDetection[] = []
  let after: string | null = null
  for (;;) {
    type Page = {
      detections: {
        nodes: Array<Omit<ListedDetection, 'windowFromUs' | 'windowToUs'> & { windowFrom: string; windowTo: string }>
        pageInfo: { hasNextPage: boolean; endCursor: string | null }
      }
    }
    const page: Page = await client.request<Page>(
      `query ($filter: DetectionFilter, $orderBy: [DetectionOrder!], $after: String) {
        detections(first: 5000, after: $after, filter: $filter, orderBy: $orderBy) {
          nodes { id detector market severity windowFrom windowTo score accounts paramsHash }
          pageInfo { hasNextPage endCursor }
        }
      }`,
      { filter, orderBy, after },
    )
    for (const { windowFrom, windowTo, ...d } of page.detections.nodes)
      found.push({ ...d, windowFromUs: Date.parse(windowFrom) * 1000, windowToUs: Date.parse(windowTo) * 1000 })
    if (!page.detections.pageInfo.hasNextPage) return found
    after = page.detections.pageInfo.endCursor
  }
}

function printText(summary: DetectSummary, found: ListedDetection[], all: boolean, detectRun: string) {
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
    .option('--local', 'run in this process even while a server runs (it then fails on the held DuckDB file)')
    .action(
      action(async (config, options: DetectOptions) => {
        const input = detectInput(options)
        const view = runProgressView({ plain: 'tenths', quiet: !!options.json })
        try {
          return await viaServerOr(config, options, {
            remote: async (client) => {
              // bad input is refused by the server (exit 2) before any run is recorded
              const { runDetectors } = await client.request<{ runDetectors: { id: string } }>(
                `mutation ($input: DetectInput!) { runDetectors(input: $input) { id } }`,
                { input: await withStoredRuleSetFiles(client, input) },
              )
              const { run, interrupted } = await followRun(client, runDetectors.id, view)
              const finished = {
                runId: run.id,
                status: run.status,
                error: run.error,
                summary: run.result as DetectSummary,
              }
              const code = await printDetect(finished, options, (s) => remoteFindings(client, s, !!options.all))
              return interrupted ? EXIT_INTERRUPTED : code
            },
            local: () =>
              inForeground(config, createLogger('warn', 2), async ({ system, signal }) => {
                // bad input throws here (exit 2) before any run is recorded
                const submitted = await system.runs.submit(detectJob as JobDefinition<never>, input, {
                  trigger: 'cli',
                  signal,
                })
                for await (const event of system.runs.watch(submitted.runId)) view.event(event)
                view.stop()
                const result = await submitted.done
                const finished = {
                  runId: submitted.runId,
                  status: result.status,
                  error: result.error,
                  summary: result.outcome.result as DetectSummary,
                }
                const code = await printDetect(finished, options, (s) =>
                  storedFindings(s, system.runtime, !!options.all),
                )
                return signal.aborted ? EXIT_INTERRUPTED : code
              }),
          })
        } finally {
          view.stop()
        }
      }),
    )
}

/** The end of a detect run, the same whichever process ran it; returns the exit code. */
async function printDetect(
  run: { runId: string; status: string; error: string | null; summary: DetectSummary },
  options: DetectOptions,
  findings: (summary: DetectSummary) => Promise<ListedDetection[]>,
): Promise<number> {
  if (run.status !== 'succeeded') {
    if (options.json)
      console.log(JSON.stringify({ detectRunId: run.runId, status: run.status, error: run.error }, null, 2))
    else console.error(`detect ${run.runId} ${run.status}: ${run.error}`)
    return EXIT_FAILURE
  }
  const summary = run.summary
  if (options.json) console.log(JSON.stringify({ detectRunId: run.runId, ...summary }, null, 2))
  else printText(summary, await findings(summary), !!options.all, run.runId)
  return summary.detectors.some((d) => d.status === 'failed') ? EXIT_FAILURE : 0
}
