// Job: ingest Chainlink round history per UTC day, from the JSON-RPC endpoint in CHAINLINK_RPC_URL (never a job
// parameter: parameters are stored with every JobRun) or from a CSV round dump; from/to default to yesterday for
// RPC and to the dump's own span for a CSV.
import { z } from 'zod'
import { readCsvDump } from '../../src/ingest/chainlink/csvDump.ts'
import { FeedReader } from '../../src/ingest/chainlink/feed.ts'
import { planChainlinkCsv, planChainlinkRpc } from '../../src/ingest/chainlink/plan.ts'
import { VENUE } from '../../src/ingest/chainlink/rounds.ts'
import { EthRpc } from '../../src/ingest/chainlink/rpc.ts'
import { defineJob } from '../job.ts'
import { refineClosedDays } from './closedDays.ts'
import { dayRange, refineDayOrder, resolveDays, runIngestion } from './common.ts'

// Feed addresses are case-insensitive hex: lower case keeps one partition key per feed however it was typed.
const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, 'a feed proxy address: 0x and 40 hex digits')
  .transform((a) => a.toLowerCase())

export const chainlinkParams = z
  .object({
    feeds: z.array(address).min(1),
    /** A round dump to read instead of the RPC endpoint (one feed). */
    csv: z.string().min(1).optional(),
    /** The feed's decimals; read from the chain over RPC, required with a CSV dump. */
    decimals: z.number().int().min(0).max(36).optional(),
    /** The feed's heartbeat in seconds (ETH/USD 3600, stETH/ETH 86400). */
    heartbeat: z.number().int().min(1).max(10_000_000).default(3600),
    ...dayRange,
    force: z.boolean().default(false),
  })
  .strict()
  .refine(refineDayOrder, { message: 'from must not be after to', path: ['from'] })
  .refine((p) => p.csv !== undefined || refineClosedDays(p), {
    message: 'a UTC day that has ended (before today)',
    path: ['to'],
  })
  .refine((p) => p.csv === undefined || p.feeds.length === 1, { message: 'one feed per CSV dump', path: ['feeds'] })
  .refine((p) => p.csv === undefined || p.decimals !== undefined, {
    message: "the feed's decimals (a CSV dump does not say them)",
    path: ['decimals'],
  })

export const chainlinkJob = defineJob({
  name: 'ingest.chainlink',
  description:
    'Chainlink oracle rounds per feed and day, over JSON-RPC or from a CSV dump (heartbeat overruns as gaps).',
  params: chainlinkParams,
  async run(context, params) {
    const { config } = context.runtime
    const heartbeat = { seconds: params.heartbeat, graceSeconds: config.chainlinkGraceSeconds }
    if (params.csv !== undefined) {
      const dump = readCsvDump(params.csv)
      for (const roundId of dump.zeroRounds) {
        context.log.warn(
          { file: dump.file, roundId: roundId.toString() },
          'empty round (answer and times all zero, the start of a phase): skipped',
        )
      }
      context.log.info(
        { file: dump.file, rows: dump.rows, rounds: dump.rounds.length, header: dump.layout },
        'chainlink round dump read',
      )
      const planned = planChainlinkCsv({
        feed: params.feeds[0]!,
        dump,
        path: params.csv,
        decimals: params.decimals!,
        heartbeat,
        ...(params.from || params.to ? resolveDays(params) : {}),
      })
      return runIngestion(context, VENUE, planned, { force: params.force })
    }
    if (!config.chainlinkRpcUrl) {
      throw new Error('no JSON-RPC endpoint: set CHAINLINK_RPC_URL (or pass --rpc-url), or give a CSV dump')
    }
    const rpc = new EthRpc(config.chainlinkRpcUrl)
    const days = resolveDays(params)
    const planned = params.feeds.flatMap((feed) =>
      planChainlinkRpc({ feed: new FeedReader(rpc, feed), ...days, heartbeat }),
    )
    return runIngestion(context, VENUE, planned, { force: params.force })
  },
})
