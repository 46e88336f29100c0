// `backstop ingest dydx`: trades (with liquidations and ADL), funding (with oracle prices) and candles per market,
// fills and transfers per subaccount, from the dYdX v4 indexer, as a recorded run of the ingest.dydx job.
import type { Command } from 'commander'
import { unfinishedDay } from '../../../jobs/ingest/closedDays.ts'
import { dydxJob } from '../../../jobs/ingest/dydx.ts'
import type { JobDefinition } from '../../../jobs/job.ts'
import { DYDX_RESOLUTIONS } from '../../ingest/dydx/candles.ts'
import { DYDX_DATASETS } from '../../domain/sources.ts'
import { action } from '../action.ts'
import { FlagProblems, runIngestCommand } from './ingest.ts'

interface Flags {
  markets?: string
  datasets: string
  address?: string
  subaccount?: string
  from?: string
  to?: string
  resolution?: string
  baseUrl?: string
  force?: boolean
}

export function registerDydxIngest(ingest: Command): void {
  ingest
    .command('dydx')
    .description(
      'dYdX v4 indexer: trades + liquidations/ADL, funding + oracle prices, candles, subaccount fills, transfers',
    )
    .option('--markets <list>', 'comma-separated tickers, e.g. BTC-USD,ETH-USD')
    .option('--datasets <list>', `comma-separated: ${DYDX_DATASETS.join(', ')}`, 'trades,funding,candles')
    .option('--address <list>', 'dydx1… address(es) for fills and ledger')
    .option('--subaccount <list>', 'subaccount number(s) of those addresses', '0')
    .option('--from <day>', 'first UTC day, YYYY-MM-DD')
    .option('--to <day>', 'last UTC day, YYYY-MM-DD (inclusive, already ended)')
    .option('--resolution <r>', `candle resolution: ${Object.keys(DYDX_RESOLUTIONS).join(', ')}`)
    .option('--base-url <url>', 'indexer base URL (default DYDX_INDEXER_URL)')
    .option('--force', 'reload partitions that are already loaded (their rows are replaced, not duplicated)')
    .action(
      action(async (config, flags: Flags) => {
        const f = new FlagProblems()
        const datasets = f.list('--datasets', flags.datasets, DYDX_DATASETS)
        const wantsMarkets = datasets.some((d) => d === 'trades' || d === 'funding' || d === 'candles')
        const wantsAccounts = datasets.some((d) => d === 'fills' || d === 'ledger')
        const markets = flags.markets === undefined && !wantsMarkets ? [] : f.list('--markets', flags.markets)
        const addresses = flags.address === undefined && !wantsAccounts ? [] : f.list('--address', flags.address)
        const numbers = addresses.length ? f.list('--subaccount', flags.subaccount) : []
        for (const a of addresses)
          if (!/^dydx1[0-9a-z]{38,58}$/.test(a))
            f.problems.push({ path: '--address', received: a, expected: 'dydx1… addresses' })
        for (const n of numbers)
          if (!/^\d{1,3}$/.test(n))
            f.problems.push({ path: '--subaccount', received: n, expected: 'subaccount numbers from 0 to 999' })
        const from = f.day('--from', flags.from)
        const to = f.day('--to', flags.to)
        f.order(from, to)
        const late = unfinishedDay(to)
        if (late) f.problems.push({ path: '--to', received: to, expected: late })
        if (flags.resolution !== undefined && !(flags.resolution in DYDX_RESOLUTIONS))
          f.problems.push({
            path: '--resolution',
            received: flags.resolution,
            expected: `one of ${Object.keys(DYDX_RESOLUTIONS).join(', ')}`,
          })
        const baseUrl = f.url('--base-url', flags.baseUrl)
        f.check()
        return runIngestCommand(config, dydxJob as JobDefinition<never>, {
          markets,
          subaccounts: addresses.flatMap((a) => numbers.map((n) => `${a}/${Number(n)}`)),
          datasets,
          from,
          to,
          force: !!flags.force,
          ...(flags.resolution ? { resolution: flags.resolution } : {}),
          ...(baseUrl ? { baseUrl } : {}),
        })
      }),
    )
}
