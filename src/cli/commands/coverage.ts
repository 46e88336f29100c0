// `backstop coverage`: per venue, market and dataset, the covered ranges, missing days and minutes, and row counts.
import type { Command } from 'commander'
import { openRunSystem } from '../../../jobs/open.ts'
import { createLogger } from '../../obs/logger.ts'
import { coveredMarkets, marketCoverage, type DatasetCoverage } from '../../store/market/coverage.ts'
import { action } from '../action.ts'
import { inProcessOnly } from '../remote/handOver.ts'

const day = (d: Date | null) =>
  d
    ? d
        .toISOString()
        .replace('T', ' ')
        .replace(/:00\.000Z$|\.000Z$/, '')
    : '-'

function printText(all: DatasetCoverage[]): void {
  if (all.length === 0) {
    console.log('no data loaded')
    return
  }
  for (const c of all) {
    console.log(
      `${c.venue} ${c.market} ${c.source}/${c.dataset} → ${c.table}: ${c.partitions} partition(s), ` +
        `${c.rows} rows, ${day(c.firstTs)} → ${day(c.lastTs)}`,
    )
    for (const r of c.ranges) console.log(`  covered  ${day(r.from)} → ${day(r.to)}`)
    for (const g of c.gaps) console.log(`  gap      ${day(g.from)} → ${day(g.to)} (${g.reason})`)
    if (c.holes.length) {
      console.log(
        `  holes    ${c.holes.length} inside loaded partitions: ${c.missingRows} rows / ${formatMinutes(c.missingMinutes)} min missing`,
      )
      for (const h of c.holes.slice(0, 20))
        console.log(`           ${day(h.from)} → ${day(h.to)} (${h.missing} × ${h.stepSeconds}s)`)
      if (c.holes.length > 20) console.log(`           … ${c.holes.length - 20} more (use --json)`)
    }
  }
}

export function registerCoverage(program: Command): void {
  program
    .command('coverage')
    .description('what market data is held: covered ranges, missing days/minutes, row counts')
    .option('--venue <venue>', 'only this venue, e.g. binance-um')
    .option('--market <market>', 'only this market, e.g. BTCUSDT')
    .option('--json', 'print JSON')
    .option('--local', 'run in this process even while a server runs (it then fails on the held DuckDB file)')
    .action(
      action(async (config, options: { venue?: string; market?: string; json?: boolean; local?: boolean }) =>
        inProcessOnly(
          config,
          options,
          'backstop coverage',
          (c) => `ask it instead: the dataCoverage query at ${c.server.url} (GraphiQL there shows it)`,
          async () => {
            const { runtime, close } = await openRunSystem(config, { migrate: true, log: createLogger('warn', 2) })
            try {
              const all: DatasetCoverage[] = []
              for (const { venue, market } of await coveredMarkets(runtime.duck, options)) {
                all.push(...(await marketCoverage(runtime.duck, venue, market)))
              }
              if (options.json) console.log(JSON.stringify(all, null, 2))
              else printText(all)
            } finally {
              await close()
            }
          },
        ),
      ),
    )
}

/** Minutes with at most one decimal (holes measured in seconds add up to fractions). */
function formatMinutes(minutes: number): string {
  return String(Math.round(minutes * 10) / 10)
}
