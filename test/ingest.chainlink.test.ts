// Chainlink ingestion: the real round dumps read with no loss (both header layouts, the zero round at a phase start,
// heartbeat overruns as gaps, the stETH/ETH de-peg), and the same real rounds served over a local JSON-RPC endpoint
// (batched eth_call, hand-written ABI) load identically; keyed RPC URLs never appear in errors or the manifest.
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import type { JobDefinition } from '../jobs/job.ts'
import { runJob } from '../jobs/runner.ts'
import { readCsvDump } from '../src/ingest/chainlink/csvDump.ts'
import type { Round } from '../src/ingest/chainlink/rounds.ts'
import { marketCoverage } from '../src/store/market/coverage.ts'
import { ApiServer } from './support/apiServer.ts'
import { ChainlinkMock, RPC_KEY_PATH } from './support/chainlinkMock.ts'
import { testRuntime } from './support/runtime.ts'
import { sharedDataDir } from './support/sharedData.ts'
import { ingestJob } from '../jobs/ingest/index.ts'

const chainlinkJob = ingestJob('chainlink')

const server = await ApiServer.start()
const chain = new ChainlinkMock(server)
const runtime = await testRuntime({
  CHAINLINK_RPC_URL: chain.rpcUrl,
  INGEST_RETRY_BASE_MS: '5',
  INGEST_HTTP_RETRIES: '2',
  INGEST_HTTP_TIMEOUT_MS: '3000',
})
const job = chainlinkJob as JobDefinition<never>
const run = (params: Record<string, unknown>) => runJob(runtime, job, params, { trigger: 'cli' })
const query = async (sql: string) =>
  runtime.duck.use(async (c) => (await c.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[])
const one = async (sql: string) => (await query(sql))[0]!

const ETH_USD = '0x5f4ec3df9cbd43714fe2740f5e3616155c5b8419'
const BTC_USD = '0xf4030086522a5beea4988f8ca5b36dbc97bee88c'
const STETH_ETH = '0x86392dc19c0b719886221c78ab11eb8cf5c52812'
const ETH_BTC = '0xac559f25b1619171cbc396a50854a3240b6a4e99'
const dir = sharedDataDir('chainlink-rounds')
const file = (address: string) =>
  path.join(
    dir!,
    fs.readdirSync(dir!).find((f) => f.toLowerCase() === `${address}.csv`)!,
  )

describe.skipIf(!dir)('real round dumps', () => {
  test('every row of the four dumps is read: rounds out = rows in − the zero rounds; both header layouts', () => {
    const counts = [ETH_USD, BTC_USD, STETH_ETH, ETH_BTC].map((a) => {
      const dump = readCsvDump(file(a))
      const lines = fs.readFileSync(file(a), 'utf8').trim().split('\n').length - 1
      expect(dump.rows).toBe(lines)
      expect(dump.rounds.length + dump.zeroRounds.length).toBe(lines)
      return [dump.rows, dump.rounds.length, dump.zeroRounds.map(String), dump.layout]
    })
    expect(counts).toEqual([
      [11_107, 11_106, ['110680464442257309696'], 'named'],
      [10_692, 10_691, ['110680464442257309696'], 'named'],
      [745, 745, [], 'named'],
      [813, 813, [], 'numbered'],
    ])
  })

  test('ETH/USD (10 months, 8 decimals): 11106 updates, exact prices, 36 heartbeat overruns beyond 1 h + 60 s', async () => {
    const result = await run({ feeds: [ETH_USD], csv: file(ETH_USD), decimals: 8, heartbeat: 3600 })
    expect(result.status).toBe('succeeded')
    expect(result.outcome.rows).toBe(2 * 11_106)
    expect(
      await one(`SELECT count(*)::INTEGER AS n FROM prices WHERE venue = 'chainlink' AND market = '${ETH_USD}'`),
    ).toEqual({ n: 11_106 })
    expect(
      await one(`SELECT round_id::VARCHAR AS id, phase, aggregator_round::VARCHAR AS r, answer::VARCHAR AS answer, price::VARCHAR AS price,
          decimals, ts, started_at FROM oracle_rounds WHERE market = '${ETH_USD}' ORDER BY ts DESC LIMIT 1`),
    ).toEqual({
      id: '110680464442257320802',
      phase: 6,
      r: '11106',
      answer: '229750276106',
      price: '2297.502761060000000000',
      decimals: 8,
      ts: new Date(1706558123 * 1000),
      started_at: new Date(1706558123 * 1000),
    })
    const coverage = (await marketCoverage(runtime.duck, 'chainlink', ETH_USD)).find((c) => c.dataset === 'rounds')!
    expect(coverage.holes.length).toBe(36)
    expect(coverage.holes.every((h) => h.to.getTime() - h.from.getTime() > 60_000 && h.stepSeconds === 3600)).toBe(true)
    expect(coverage.ranges).toEqual([{ from: new Date('2023-04-05T00:00:00Z'), to: new Date('2024-01-30T00:00:00Z') }])
  })

  test('stETH/ETH (18 decimals, daily heartbeat) through the 2022 de-peg; ETH/BTC with the numbered header', async () => {
    const result = await run({
      feeds: [STETH_ETH],
      csv: file(STETH_ETH),
      decimals: 18,
      heartbeat: 86_400,
      from: '2022-06-01',
      to: '2022-06-30',
    })
    expect(result.status).toBe('succeeded')
    expect(
      await one(
        `SELECT min(price)::VARCHAR AS low, arg_min(ts, price) AS at FROM oracle_rounds WHERE market = '${STETH_ETH}'`,
      ),
    ).toEqual({
      low: '0.935019330000000000',
      at: new Date('2022-06-18T09:09:38Z'),
    })
    const btc = await run({ feeds: [ETH_BTC], csv: file(ETH_BTC), decimals: 8, heartbeat: 3600 })
    expect(btc.outcome.rows).toBe(2 * 813)
  })

  test('the same real rounds over JSON-RPC load identically, the zero round at the phase start skipped', async () => {
    const dump = readCsvDump(file(ETH_USD))
    const rounds = new Map<bigint, Round>(dump.rounds.map((r) => [r.roundId, r]))
    for (const id of dump.zeroRounds)
      rounds.set(id, { roundId: id, answer: 0n, startedAt: 0, updatedAt: 0, answeredInRound: id })
    chain.feeds.set(ETH_USD, { decimals: 8, description: 'ETH / USD', rounds })
    const fingerprint = () =>
      one(`SELECT count(*)::INTEGER AS n, bit_xor(hash(ts, round_id, answer, price, started_at, answered_in_round)) AS h,
          (SELECT bit_xor(hash(ts, price)) FROM prices WHERE market = '${ETH_USD}' AND ts < '2023-04-08') AS p,
          (SELECT count(*) FROM partition_gaps WHERE partition_id LIKE 'chainlink/rounds/${ETH_USD}/2023-04-0%')::INTEGER AS g
        FROM oracle_rounds WHERE market = '${ETH_USD}' AND ts < '2023-04-08'`)
    const fromCsv = await fingerprint()
    const calls = chain.calls
    const result = await run({ feeds: [ETH_USD], from: '2023-04-05', to: '2023-04-07', force: true })
    expect(result.status).toBe('succeeded')
    expect(await fingerprint()).toEqual(fromCsv)
    expect(fromCsv.n).toBe(54) // the phase starts at 22:38 on the first day
    expect(
      await one(
        `SELECT count(*)::INTEGER AS n FROM oracle_rounds WHERE market = '${ETH_USD}' AND aggregator_round = 0`,
      ),
    ).toEqual({ n: 0 })
    // Binary searches and batched walks, not one call per round ever published.
    expect(chain.calls - calls).toBeLessThan(600)
    const files = await query(
      `SELECT DISTINCT file FROM partitions WHERE market = '${ETH_USD}' AND period LIKE '2023-04-0%'`,
    )
    expect(files.map((f) => String(f.file)).join()).not.toContain('SECRET')
  })
})

describe('JSON-RPC', () => {
  const FEED = '0x1111111111111111111111111111111111111111'
  const phase = (p: number, r: number) => (BigInt(p) << 64n) | BigInt(r)
  const round = (id: bigint, t: number, answer: bigint): Round => ({
    roundId: id,
    answer,
    startedAt: t,
    updatedAt: t,
    answeredInRound: id,
  })

  test('rounds across a phase change, overruns as gaps, rounds before the day and after it left out', async () => {
    const t0 = Date.UTC(2024, 0, 10) / 1000
    const rounds = new Map<bigint, Round>()
    // phase 2: rounds 1..30 hourly until 2024-01-10 05:00; phase 3 starts (round 0 empty), first update 2 h later
    for (let r = 1; r <= 30; r++)
      rounds.set(phase(2, r), round(phase(2, r), t0 - 25 * 3600 + r * 3600, 4_000_000_000_00n + BigInt(r)))
    rounds.set(phase(3, 0), round(phase(3, 0), 0, 0n))
    // phase 3 answers are small (99 down to 60); negative answers are not prices and are refused
    // (test/hostile/ingest.cases.test.ts)
    for (let r = 1; r <= 40; r++)
      rounds.set(phase(3, r), round(phase(3, r), t0 + 7 * 3600 + (r - 1) * 1800, 100n - BigInt(r)))
    chain.feeds.set(FEED, { decimals: 8, description: 'TEST / USD', rounds })
    const result = await run({
      feeds: [FEED.toUpperCase().replace('0X', '0x')],
      from: '2024-01-10',
      to: '2024-01-10',
      heartbeat: 3600,
    })
    expect(result.status).toBe('succeeded')
    // in the day: phase 2 rounds 25..30 (00:00 … 05:00) and phase 3 rounds 1..34 (07:00 … 23:30)
    expect(
      await one(
        `SELECT count(*)::INTEGER AS n, min(phase) AS p0, max(phase) AS p1, min(answer)::VARCHAR AS low FROM oracle_rounds WHERE market = '${FEED}'`,
      ),
    ).toEqual({
      n: 6 + 34,
      p0: 2,
      p1: 3,
      low: '66',
    })
    const holes = (await marketCoverage(runtime.duck, 'chainlink', FEED))[0]!.holes
    expect(holes).toEqual([
      { from: new Date((t0 + 6 * 3600) * 1000), to: new Date((t0 + 7 * 3600) * 1000), missing: 1, stepSeconds: 3600 },
    ])
  })

  test('an unreachable RPC fails the partition without ever showing the key', async () => {
    server.fault({ matches: (r) => r.path === RPC_KEY_PATH, reply: { status: 500, raw: 'boom' }, times: 10 })
    const result = await run({
      feeds: ['0x2222222222222222222222222222222222222222'],
      from: '2024-01-10',
      to: '2024-01-10',
    })
    server.clearFaults()
    expect(result.status).toBe('failed')
    const message = result.outcome.errors[0]!.message
    expect(message).toContain(`POST RPC ${server.url}/[redacted] answered HTTP 500`)
    expect(JSON.stringify(result)).not.toContain('SECRET')
    const stored = await runtime.meta.jobRun.findUniqueOrThrow({ where: { id: result.runId } })
    expect(JSON.stringify(stored, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).not.toContain('SECRET')
  })

  test('a contract that is not a feed says so', async () => {
    const result = await run({
      feeds: ['0x3333333333333333333333333333333333333333'],
      from: '2024-01-10',
      to: '2024-01-10',
    })
    expect(result.outcome.errors[0]!.message).toMatch(
      /decimals\(\) failed \(empty return data\): is 0x3333…?.* a feed proxy\?/,
    )
  })
})
