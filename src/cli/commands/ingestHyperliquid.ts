// `backstop ingest hyperliquid`: candles and funding per coin, fills, ledger and margin snapshots per account, from
// the Hyperliquid info API, as a recorded run of the ingest.hyperliquid job.
import type { Command } from 'commander'
import { hyperliquidJob } from '../../../jobs/ingest/hyperliquid.ts'
import { unfinishedDay } from '../../../jobs/ingest/closedDays.ts'
import type { JobDefinition } from '../../../jobs/job.ts'
import { CANDLE_INTERVALS } from '../../ingest/hyperliquid/candles.ts'
import { HYPERLIQUID_ACCOUNT_DATASETS as ACCOUNT_DATASETS, HYPERLIQUID_DATASETS } from '../../domain/sources.ts'
import { action } from '../action.ts'
import { FlagProblems, runIngestCommand } from './ingest.ts'

interface Flags {
  coins?: string
  accounts?: string
  datasets?: string
  from?: string
  to?: string
  interval?: string
  baseUrl?: string
  force?: boolean
}

export function registerHyperliquidIngest(ingest: Command): void {
  ingest
    .command('hyperliquid')
    .description('Hyperliquid info API: candles, funding, account fills (+ liquidations), ledger, margin snapshots')
    .option('--coins <list>', 'comma-separated coins for candles and funding, e.g. BTC,ETH')
    .option('--accounts <list>', 'comma-separated addresses for fills, ledger and state, e.g. 0xb7b6…')
    .option(
      '--datasets <list>',
      `comma-separated: ${HYPERLIQUID_DATASETS.join(', ')} (default: candles,funding with --coins; fills,ledger,state with --accounts)`,
    )
    .option('--from <day>', 'first UTC day, YYYY-MM-DD')
    .option('--to <day>', 'last UTC day, YYYY-MM-DD (inclusive, already ended)')
    .option('--interval <interval>', `candle interval: ${Object.keys(CANDLE_INTERVALS).join(', ')}`)
    .option('--base-url <url>', 'API base URL (default HYPERLIQUID_BASE_URL)')
    .option('--force', 'reload partitions that are already loaded (their rows are replaced, not duplicated)')
    .action(
      action(async (config, flags: Flags) => {
        const f = new FlagProblems()
        const coins = flags.coins === undefined ? [] : f.list('--coins', flags.coins)
        const accounts = flags.accounts === undefined ? [] : f.list('--accounts', flags.accounts)
        for (const a of accounts)
          if (!/^0x[0-9a-fA-F]{40}$/.test(a))
            f.problems.push({ path: '--accounts', received: a, expected: 'addresses: 0x and 40 hex digits' })
        const datasets =
          flags.datasets === undefined
            ? [...(coins.length ? ['candles', 'funding'] : []), ...(accounts.length ? ACCOUNT_DATASETS : [])]
            : f.list('--datasets', flags.datasets, HYPERLIQUID_DATASETS)
        if (!coins.length && !accounts.length)
          f.problems.push({ path: '--coins', received: undefined, expected: '--coins and/or --accounts' })
        if (datasets.some((d) => !ACCOUNT_DATASETS.includes(d as never)) && !coins.length)
          f.problems.push({
            path: '--coins',
            received: flags.coins,
            expected: 'coins for the candles and funding datasets',
          })
        if (datasets.some((d) => ACCOUNT_DATASETS.includes(d as never)) && !accounts.length)
          f.problems.push({
            path: '--accounts',
            received: flags.accounts,
            expected: 'accounts for fills, ledger, state',
          })
        // A margin snapshot is taken now: a run of only `state` needs no days.
        const days = datasets.some((d) => d !== 'state') || flags.from !== undefined || flags.to !== undefined
        const from = days ? f.day('--from', flags.from) : undefined
        const to = days ? f.day('--to', flags.to) : undefined
        if (from && to) f.order(from, to)
        const late = unfinishedDay(to)
        if (late) f.problems.push({ path: '--to', received: to, expected: late })
        if (flags.interval !== undefined && !(flags.interval in CANDLE_INTERVALS))
          f.problems.push({
            path: '--interval',
            received: flags.interval,
            expected: `one of ${Object.keys(CANDLE_INTERVALS).join(', ')}`,
          })
        const baseUrl = f.url('--base-url', flags.baseUrl)
        f.check()
        return runIngestCommand(config, hyperliquidJob as JobDefinition<never>, {
          coins,
          accounts,
          datasets,
          ...(from ? { from } : {}),
          ...(to ? { to } : {}),
          force: !!flags.force,
          ...(flags.interval ? { interval: flags.interval } : {}),
          ...(baseUrl ? { baseUrl } : {}),
        })
      }),
    )
}
