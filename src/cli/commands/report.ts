// `backstop report`: renders the report of a backtest run (optionally compared with runs of other rule sets) as a
// run of kind report (recorded, cancellable with Ctrl-C or `backstop runs cancel`) into the data directory with its
// Report row, and copies the files to --out when given; while a server holds the store, the run is handed to it
// (generateReport). Exit 0 ok, 1 failed or cancelled, 2 bad input, 130 interrupted.
import fs from 'node:fs'
import path from 'node:path'
import type { Command } from 'commander'
import type { Config } from '../../config/load.ts'
import { createLogger } from '../../obs/logger.ts'
import { parseFormats } from '../../report/generate.ts'
import { REPORT_JOB } from '../../report/reportRun.ts'
import { getReport, type StoredReport } from '../../store/meta/reports.ts'
import { inForeground } from '../foreground.ts'
import { EXIT_FAILURE, action } from '../action.ts'
import { EXIT_INTERRUPTED, followRun } from '../remote/follow.ts'
import { viaServerOr } from '../remote/handOver.ts'
import { withMeta } from '../withMeta.ts'

const list = (value: string, previous: string[] = []) => [
  ...previous,
  ...value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
]

export function registerReport(program: Command): void {
  program
    .command('report')
    .description(
      'render the report of a backtest run, or of a sweep run: HTML, Markdown (charts as SVG files beside it) and JSON',
    )
    .option('--run <id>', 'the backtest run to report')
    .option('--sweep <id>', 'instead, the sweep run to report (its frontier, points and recommendation)')
    .option('--compare <ids...>', 'runs of other rule sets over the same venue, markets and window', list)
    .option('--format <formats>', 'html, md, json (comma-separated)', 'html,md,json')
    .option('--out <dir>', 'also copy the files into this directory')
    .option('--json', 'print the report record as JSON')
    .option('--local', 'run in this process even while a server runs (it then fails on the held DuckDB file)')
    .action(
      action(async (config, options: ReportOptions) => {
        const formats = parseFormats(list(options.format), '--format')
        const params = {
          ...(options.run !== undefined ? { runId: options.run } : {}),
          ...(options.sweep !== undefined ? { sweepId: options.sweep } : {}),
          compare: options.compare ?? [],
          formats,
        }
        return viaServerOr(config, options, {
          remote: async (client) => {
            const { generateReport } = await client.request<{ generateReport: { id: string } }>(
              `mutation ($runId: ID, $sweepId: ID, $compare: [ID!], $formats: [ReportFormat!]) {
                generateReport(runId: $runId, sweepId: $sweepId, compare: $compare, formats: $formats) { id }
              }`,
              params,
            )
            const quiet = { event: () => undefined, stop: () => undefined }
            const { run, interrupted } = await followRun(client, generateReport.id, quiet)
            // the report's record is in the metadata store, which this process may read while the server runs
            const report = run.status === 'succeeded' ? await withMeta(config, (meta) => getReport(meta, run.id)) : null
            const code = printReport(config, { runId: run.id, status: run.status, error: run.error }, report, options)
            return interrupted ? EXIT_INTERRUPTED : code
          },
          local: () =>
            inForeground(config, createLogger('warn', 2), async ({ system, signal }) => {
              const result = await system.runs.run(REPORT_JOB, params, { trigger: 'cli', signal })
              const report = result.status === 'succeeded' ? await getReport(system.runtime.meta, result.runId) : null
              const code = printReport(config, result, report, options)
              return signal.aborted ? EXIT_INTERRUPTED : code
            }),
        })
      }),
    )
}

interface ReportOptions {
  run?: string
  sweep?: string
  compare?: string[]
  format: string
  out?: string
  json?: boolean
  local?: boolean
}

/** Copies the files to --out and prints where they are, the same whichever process rendered them. */
function printReport(
  config: Config,
  result: { runId: string; status: string; error: string | null },
  report: StoredReport | null,
  options: ReportOptions,
): number {
  if (!report) {
    console.error(`report run ${result.runId} ${result.status}: ${result.error ?? ''}`)
    return EXIT_FAILURE
  }
  const source = path.join(config.dataDir, report.path)
  const files = (report.files as Array<{ name: string; bytes: number }>).map((f) => f.name)
  if (options.out) {
    fs.mkdirSync(options.out, { recursive: true })
    for (const name of files) fs.copyFileSync(path.join(source, name), path.join(options.out, name))
  }
  if (options.json) {
    console.log(JSON.stringify({ ...report, directory: options.out ?? source }, null, 2))
    return 0
  }
  console.log(`report ${report.id}: ${report.title}`)
  const dir = options.out ?? source
  for (const name of files.filter((n) => n.startsWith('report.'))) console.log(`  ${path.join(dir, name)}`)
  const charts = files.filter((n) => n.endsWith('.svg')).length
  if (charts) console.log(`  ${charts} chart${charts === 1 ? '' : 's'} (SVG) beside report.md`)
  return 0
}
