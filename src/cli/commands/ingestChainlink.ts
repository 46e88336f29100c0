// `backstop ingest chainlink`: a feed's round history per UTC day, over JSON-RPC (--rpc-url or CHAINLINK_RPC_URL)
// or from a CSV round dump, as a recorded run of the ingest.chainlink job. The RPC URL usually holds an API key: it
// is passed to the run as configuration, never as a job parameter (those are stored with the run and printed).
import fs from 'node:fs'
import type { Command } from 'commander'
import { chainlinkJob } from '../../../jobs/ingest/chainlink.ts'
import { unfinishedDay } from '../../../jobs/ingest/closedDays.ts'
import type { JobDefinition } from '../../../jobs/job.ts'
import { isIsoDay } from '../../ingest/dates.ts'
import { redactUrl } from '../../ingest/redact.ts'
import { action } from '../action.ts'
import { FlagProblems, runIngestCommand } from './ingest.ts'

interface Flags {
  feed?: string
  rpcUrl?: string
  csv?: string
  decimals?: string
  heartbeat: string
  from?: string
  to?: string
  force?: boolean
}

export function registerChainlinkIngest(ingest: Command): void {
  ingest
    .command('chainlink')
    .description('Chainlink rounds (getRoundData over JSON-RPC, or a CSV dump) into prices and oracle_rounds')
    .option('--feed <address>', 'feed proxy address(es), comma-separated for RPC')
    .option('--rpc-url <url>', 'JSON-RPC endpoint (default CHAINLINK_RPC_URL; prefer the variable for keyed URLs)')
    .option('--csv <path>', 'a round dump (,round,answer,start,update,answeredInRound) instead of RPC')
    .option('--decimals <n>', "the feed's decimals (required with --csv; read from the chain over RPC)")
    .option('--heartbeat <seconds>', "the feed's heartbeat: a longer silence is recorded as a gap", '3600')
    .option('--from <day>', 'first UTC day (RPC default: yesterday; CSV default: the whole dump)')
    .option('--to <day>', 'last UTC day, inclusive')
    .option('--force', 'reload partitions that are already loaded (their rows are replaced, not duplicated)')
    .action(
      action(async (config, flags: Flags) => {
        const f = new FlagProblems()
        const feeds = f.list('--feed', flags.feed)
        for (const a of feeds)
          if (!/^0x[0-9a-fA-F]{40}$/.test(a))
            f.problems.push({ path: '--feed', received: a, expected: 'feed proxy addresses: 0x and 40 hex digits' })
        // The URL is checked without echoing it: it may carry a key.
        if (flags.rpcUrl !== undefined && !/^https?:\/\/\S+$/.test(flags.rpcUrl))
          f.problems.push({ path: '--rpc-url', received: redactUrl(flags.rpcUrl), expected: 'an http(s) URL' })
        if (flags.csv !== undefined && flags.rpcUrl !== undefined)
          f.problems.push({ path: '--csv', received: flags.csv, expected: 'either --csv or --rpc-url, not both' })
        if (flags.csv === undefined && flags.rpcUrl === undefined && !config.chainlinkRpcUrl)
          f.problems.push({ path: '--rpc-url', received: undefined, expected: '--rpc-url, CHAINLINK_RPC_URL or --csv' })
        if (flags.csv !== undefined && !fs.existsSync(flags.csv))
          f.problems.push({ path: '--csv', received: flags.csv, expected: 'an existing file' })
        if (flags.csv !== undefined && feeds.length > 1)
          f.problems.push({ path: '--feed', received: flags.feed, expected: 'one feed per CSV dump' })
        const decimals = flags.decimals === undefined ? undefined : Number(flags.decimals)
        if (flags.decimals !== undefined && !(Number.isInteger(decimals) && decimals! >= 0 && decimals! <= 36))
          f.problems.push({ path: '--decimals', received: flags.decimals, expected: 'an integer from 0 to 36' })
        if (flags.csv !== undefined && decimals === undefined)
          f.problems.push({ path: '--decimals', received: undefined, expected: "the feed's decimals, e.g. 8 or 18" })
        const heartbeat = Number(flags.heartbeat)
        if (!Number.isInteger(heartbeat) || heartbeat < 1)
          f.problems.push({ path: '--heartbeat', received: flags.heartbeat, expected: 'a whole number of seconds' })
        for (const [flag, value] of [
          ['--from', flags.from],
          ['--to', flags.to],
        ] as const) {
          if (value !== undefined && !isIsoDay(value))
            f.problems.push({ path: flag, received: value, expected: 'a UTC day as YYYY-MM-DD' })
        }
        if (flags.from && flags.to) f.order(flags.from, flags.to)
        const late = flags.csv === undefined ? unfinishedDay(flags.to ?? flags.from) : null
        if (late) f.problems.push({ path: '--to', received: flags.to ?? flags.from, expected: late })
        f.check()
        const runConfig = flags.rpcUrl ? { ...config, chainlinkRpcUrl: flags.rpcUrl } : config
        return runIngestCommand(runConfig, chainlinkJob as JobDefinition<never>, {
          feeds,
          heartbeat,
          force: !!flags.force,
          ...(flags.csv !== undefined ? { csv: flags.csv } : {}),
          ...(decimals !== undefined ? { decimals } : {}),
          ...(flags.from ? { from: flags.from } : {}),
          ...(flags.to ? { to: flags.to } : {}),
        })
      }),
    )
}
