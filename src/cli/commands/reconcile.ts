// `backstop reconcile --run ID [--window 1h] [--json]`: an account replay's liquidations against the venue's own —
// matched, missed and extra events with offsets and notionals, recall, precision and the likely causes of each miss.
import type { Command } from 'commander'
import { closeRuntime, openRuntime } from '../../app/runtime.ts'
import { createLogger } from '../../obs/logger.ts'
import { reconcileRun, type ReconcileReport } from '../../replay/backtest/reconcile.ts'
import { action } from '../action.ts'
import { OptionProblems } from '../options.ts'

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 }

/** "90", "90s", "15m", "1h", "2d" → seconds; undefined (with a problem recorded) otherwise. */
export function parseWindow(p: OptionProblems, text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(text.trim())
  const seconds = m ? Number(m[1]) * UNIT_SECONDS[m[2] || 's']! : Number.NaN
  if (!(seconds > 0) || seconds > 7 * 86_400) {
    p.add({ path: '--window', received: text, expected: 'a duration up to 7d such as 90s, 15m, 1h or 2d' })
    return undefined
  }
  return seconds
}

const pct = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(1)}%`)
const sec = (x: number | null) => (x === null ? '-' : `${x.toFixed(1)} s`)
const usd = (x: number | null) => (x === null ? '-' : x.toLocaleString('en', { maximumFractionDigits: 2 }))

function printText(r: ReconcileReport): void {
  console.log(`run ${r.runId}: ${r.venue} ${r.markets.join(',')} ${r.from} → ${r.to}${r.shadowMode ? ' (shadow)' : ''}`)
  console.log(`window ±${r.windowSeconds} s, ${r.accounts} accounts`)
  console.log(`observed ${r.observed}, engine ${r.engine}: matched ${r.matched}, missed ${r.missed}, extra ${r.extra}`)
  console.log(`recall ${pct(r.recall)}, precision ${pct(r.precision)}`)
  const o = r.offsets
  console.log(
    `offset (engine − venue): median ${sec(o.median)}, p10 ${sec(o.p10)}, p90 ${sec(o.p90)}, mean |offset| ${sec(o.meanAbs)}`,
  )
  const causes = Object.entries(r.causes).sort((a, b) => b[1] - a[1])
  if (causes.length) console.log(`likely causes: ${causes.map(([c, n]) => `${c} ${n}`).join(', ')}`)
  for (const e of r.events.slice(0, 200)) {
    const when = e.status === 'extra' ? e.engineAt : e.observedAt
    const offset = e.offsetSeconds === null ? '' : ` offset ${sec(e.offsetSeconds)}`
    const notionals = `venue ${usd(e.observedNotional)} / engine ${usd(e.engineNotional)}`
    const why = e.causes.length ? ` — ${e.causes.join('; ')}` : ''
    console.log(`  ${e.status.padEnd(7)} ${when} ${e.account} ${e.market} ${e.side}${offset} ${notionals}${why}`)
  }
  if (r.events.length > 200) console.log(`  … ${r.events.length - 200} more (use --json)`)
}

export function registerReconcile(program: Command): void {
  program
    .command('reconcile')
    .description("compare an account replay's liquidations with those the venue made (recall, precision, offsets)")
    .option('--run <id>', 'the backtest run (positions = accounts)')
    .option('--window <duration>', 'largest time offset of a match: 90s, 15m, 1h, 2d', '1h')
    .option('--json', 'print the report as JSON')
    .action(
      action(async (config, options: { run?: string; window: string; json?: boolean }) => {
        const p = new OptionProblems()
        p.required('run', options.run, 'the id of a backtest run with positions = accounts')
        const windowSeconds = parseWindow(p, options.window)
        p.check('invalid reconcile options')
        const { runtime } = await openRuntime(config, { migrate: true, log: createLogger('warn', 2) })
        try {
          const report = await reconcileRun(runtime, { runId: options.run!, windowSeconds })
          if (options.json) console.log(JSON.stringify(report, null, 2))
          else printText(report)
        } finally {
          await closeRuntime(runtime)
        }
      }),
    )
}
