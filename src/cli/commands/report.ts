// `backstop report`: renders the report of a backtest run (optionally compared with runs of other rule sets) as a
// run of kind report (recorded, cancellable with Ctrl-C or `backstop runs cancel`) into the data directory with its
// Report row, and copies the files to --out when given. Exit 0 ok, 1 failed or cancelled, 2 bad input.
import fs from 'node:fs'
import path from 'node:path'
import type { Command } from 'commander'
import { createLogger } from '../../obs/logger.ts'
import { parseFormats } from '../../report/generate.ts'
import { REPORT_JOB } from '../../report/reportRun.ts'
import { getReport } from '../../store/meta/reports.ts'
import { inForeground } from '../foreground.ts'
import { EXIT_FAILURE, action } from '../action.ts'

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
    .description('render the report of a backtest run: HTML, Markdown (charts as SVG files beside it) and JSON')
    .requiredOption('--run <id>', 'the backtest run to report')
    .option('--compare <ids...>', 'runs of other rule sets over the same venue, markets and window', list)
    .option('--format <formats>', 'html, md, json (comma-separated)', 'html,md,json')
    .option('--out <dir>', 'also copy the files into this directory')
    .option('--json', 'print the report record as JSON')
    .action(
      action(
        async (config, options: { run: string; compare?: string[]; format: string; out?: string; json?: boolean }) => {
          const formats = parseFormats(list(options.format), '--format')
          return inForeground(config, createLogger('warn', 2), async ({ system, signal }) => {
            const result = await system.runs.run(
              REPORT_JOB,
              { runId: options.run, compare: options.compare ?? [], formats },
              { trigger: 'cli', signal },
            )
            const report = result.status === 'succeeded' ? await getReport(system.runtime.meta, result.runId) : null
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
          })
        },
      ),
    )
}
