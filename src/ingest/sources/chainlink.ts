// Source chainlink: a feed's round history per UTC day, over JSON-RPC (CHAINLINK_RPC_URL, never a parameter:
// parameters are stored with every run) or from a CSV round dump; heartbeat overruns are recorded as gaps.
import { z } from 'zod'
import { CHAINLINK_DATASETS } from '../../domain/sources.ts'
import { readCsvDump } from '../chainlink/csvDump.ts'
import { FeedReader } from '../chainlink/feed.ts'
import { planChainlinkCsv, planChainlinkRpc } from '../chainlink/plan.ts'
import { VENUE } from '../chainlink/rounds.ts'
import { EthRpc } from '../chainlink/rpc.ts'
import { redactUrl } from '../redact.ts'
import { defineSource } from './definition.ts'
import { forceFlag } from './flags.ts'
import { dayRange, existingFile, force, refineDayOrder, resolveDays, unfinishedDay } from './params.ts'

// Feed addresses are case-insensitive hex: lower case keeps one partition key per feed however it was typed.
const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, 'feed proxy addresses: 0x and 40 hex digits')
  .transform((a) => a.toLowerCase())

const intIn = (min: number, max: number, expected: string) =>
  z.number({ error: expected }).int(expected).min(min, expected).max(max, expected)

export const chainlinkSource = defineSource({
  id: 'chainlink',
  source: VENUE,
  description:
    'Chainlink oracle rounds per feed and day, over JSON-RPC or from a CSV dump (heartbeat overruns as gaps).',
  datasets: CHAINLINK_DATASETS,
  params: refineDayOrder(
    z
      .object({
        feeds: z.array(address).min(1),
        /** A round dump to read instead of the RPC endpoint (one feed). */
        csv: existingFile.optional(),
        /** The feed's decimals; read from the chain over RPC, required with a CSV dump. */
        decimals: intIn(0, 36, 'an integer from 0 to 36').optional(),
        /** The feed's heartbeat in seconds (ETH/USD 3600, stETH/ETH 86400). */
        heartbeat: intIn(1, 10_000_000, 'a whole number of seconds').default(3600),
        ...dayRange,
        force,
      })
      .strict(),
  )
    .superRefine((p, ctx) => {
      // Over RPC a day is read once it has ended; a dump's own days are whatever it holds.
      const late = p.csv === undefined ? unfinishedDay(p.to ?? p.from) : null
      if (late) ctx.addIssue({ code: 'custom', message: late, path: [p.to ? 'to' : 'from'] })
    })
    .refine((p) => p.csv === undefined || p.feeds.length === 1, { message: 'one feed per CSV dump', path: ['feeds'] })
    .refine((p) => p.csv === undefined || p.decimals !== undefined, {
      message: "the feed's decimals (a CSV dump does not say them)",
      path: ['decimals'],
    }),
  plan(params, { config, log }) {
    const heartbeat = { seconds: params.heartbeat, graceSeconds: config.chainlinkGraceSeconds }
    if (params.csv !== undefined) {
      const dump = readCsvDump(params.csv)
      for (const roundId of dump.zeroRounds) {
        log.warn(
          { file: dump.file, roundId: roundId.toString() },
          'empty round (answer and times all zero, the start of a phase): skipped',
        )
      }
      log.info(
        { file: dump.file, rows: dump.rows, rounds: dump.rounds.length, header: dump.layout },
        'chainlink round dump read',
      )
      return {
        partitions: planChainlinkCsv({
          feed: params.feeds[0]!,
          dump,
          path: params.csv,
          decimals: params.decimals!,
          heartbeat,
          ...(params.from || params.to ? resolveDays(params) : {}),
        }),
      }
    }
    if (!config.chainlinkRpcUrl) {
      throw new Error('no JSON-RPC endpoint: set CHAINLINK_RPC_URL (or pass --rpc-url), or give a CSV dump')
    }
    const rpc = new EthRpc(config.chainlinkRpcUrl)
    const days = resolveDays(params)
    return {
      partitions: params.feeds.flatMap((feed) =>
        planChainlinkRpc({ feed: new FeedReader(rpc, feed), ...days, heartbeat }),
      ),
    }
  },
  schedules(config) {
    // One schedule per feed: each has its own heartbeat.
    return (config.ingestChainlinkFeeds ?? []).map((spec) => {
      const [address = '', heartbeat] = spec.split(':')
      return {
        name: `ingest-chainlink-${address.toLowerCase()}-daily`,
        params: { feeds: [address], ...(heartbeat ? { heartbeat: Number(heartbeat) } : {}) },
      }
    })
  },
  cli: {
    summary: 'Chainlink rounds (getRoundData over JSON-RPC, or a CSV dump) into prices and oracle_rounds',
    flags: [
      {
        flag: '--feed <address>',
        description: 'feed proxy address(es), comma-separated for RPC',
        param: 'feeds',
        kind: 'list',
        required: true,
      },
      {
        flag: '--rpc-url <url>',
        description: 'JSON-RPC endpoint (default CHAINLINK_RPC_URL; prefer the variable for keyed URLs)',
        param: null,
        kind: 'text',
      },
      {
        flag: '--csv <path>',
        description: 'a round dump (,round,answer,start,update,answeredInRound) instead of RPC',
        param: 'csv',
        kind: 'text',
      },
      {
        flag: '--decimals <n>',
        description: "the feed's decimals (required with --csv; read from the chain over RPC)",
        param: 'decimals',
        kind: 'integer',
      },
      {
        flag: '--heartbeat <seconds>',
        description: "the feed's heartbeat: a longer silence is recorded as a gap",
        param: 'heartbeat',
        kind: 'integer',
        default: '3600',
      },
      {
        flag: '--from <day>',
        description: 'first UTC day (RPC default: yesterday; CSV default: the whole dump)',
        param: 'from',
        kind: 'text',
      },
      { flag: '--to <day>', description: 'last UTC day, inclusive', param: 'to', kind: 'text' },
      forceFlag(),
    ],
    /**
     * The RPC URL usually holds an API key: it becomes this run's configuration, never a parameter (parameters are
     * stored with the run and printed), and it is checked without being echoed.
     */
    toParams(raw, config) {
      const { rpcUrl, ...params } = raw
      const problems = []
      if (typeof rpcUrl === 'string' && !/^https?:\/\/\S+$/.test(rpcUrl))
        problems.push({ path: '--rpc-url', received: redactUrl(rpcUrl), expected: 'an http(s) URL' })
      if (params.csv !== undefined && rpcUrl !== undefined)
        problems.push({ path: '--csv', received: params.csv, expected: 'either --csv or --rpc-url, not both' })
      if (params.csv === undefined && rpcUrl === undefined && !config.chainlinkRpcUrl)
        problems.push({ path: '--rpc-url', received: undefined, expected: '--rpc-url, CHAINLINK_RPC_URL or --csv' })
      return {
        params,
        ...(typeof rpcUrl === 'string' ? { config: { ...config, chainlinkRpcUrl: rpcUrl } } : {}),
        problems,
      }
    },
  },
})
