// `backstop ingest pyth`: Pyth oracle prices (price × 10^expo, confidence, publish time) sampled through each day,
// from Pyth Benchmarks, as a recorded run of the ingest.pyth job.
import type { Command } from 'commander'
import { unfinishedDay } from '../../../jobs/ingest/closedDays.ts'
import { pythJob } from '../../../jobs/ingest/pyth.ts'
import type { JobDefinition } from '../../../jobs/job.ts'
import { PYTH_INTERVALS } from '../../ingest/pyth/oracle.ts'
import { action } from '../action.ts'
import { FlagProblems, runIngestCommand } from './ingest.ts'

interface Flags {
  feeds?: string
  from?: string
  to?: string
  interval?: string
  baseUrl?: string
  force?: boolean
}

export function registerPythIngest(ingest: Command): void {
  ingest
    .command('pyth')
    .description('Pyth Benchmarks oracle history into prices (kind oracle, source pyth), with confidence')
    .option('--feeds <list>', 'comma-separated symbols such as Crypto.BTC/USD (or 64-hex feed ids)')
    .option('--from <day>', 'first UTC day, YYYY-MM-DD')
    .option('--to <day>', 'last UTC day, YYYY-MM-DD (inclusive, already ended)')
    .option(
      '--interval <interval>',
      `sampling interval: ${Object.keys(PYTH_INTERVALS).join(', ')} (default PYTH_INTERVAL)`,
    )
    .option('--base-url <url>', 'Benchmarks base URL (default PYTH_BENCHMARKS_URL)')
    .option('--force', 'reload partitions that are already loaded (their rows are replaced, not duplicated)')
    .action(
      action(async (config, flags: Flags) => {
        const f = new FlagProblems()
        const feeds = f.list('--feeds', flags.feeds)
        const from = f.day('--from', flags.from)
        const to = f.day('--to', flags.to)
        f.order(from, to)
        const late = unfinishedDay(to)
        if (late) f.problems.push({ path: '--to', received: to, expected: late })
        if (flags.interval !== undefined && !(flags.interval in PYTH_INTERVALS))
          f.problems.push({
            path: '--interval',
            received: flags.interval,
            expected: `one of ${Object.keys(PYTH_INTERVALS).join(', ')}`,
          })
        const baseUrl = f.url('--base-url', flags.baseUrl)
        f.check()
        return runIngestCommand(config, pythJob as JobDefinition<never>, {
          feeds,
          from,
          to,
          force: !!flags.force,
          ...(flags.interval ? { interval: flags.interval } : {}),
          ...(baseUrl ? { baseUrl } : {}),
        })
      }),
    )
}
