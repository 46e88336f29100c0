// Hyperliquid info-API ingestion against a local info endpoint: the real 2023 bodies replayed with no loss, paging
// across the 500 cap with both truncations, schema drift, liquidation fills, the weight budget, a 429, a malformed
// body, empty windows, idempotent re-runs, coverage, and the documented ledger-update shapes.
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import type { JobDefinition } from '../jobs/job.ts'
import { runJob } from '../jobs/runner.ts'
import { HttpClient } from '../src/ingest/http.ts'
import { parseFills } from '../src/ingest/hyperliquid/fills.ts'
import { planHyperliquid } from '../src/ingest/hyperliquid/plan.ts'
import { ingestPartitions } from '../src/ingest/orchestrator.ts'
import { WeightBudget } from '../src/ingest/weightBudget.ts'
import { createLogger } from '../src/obs/logger.ts'
import { marketCoverage } from '../src/store/market/coverage.ts'
import { ApiServer } from './support/apiServer.ts'
import { HyperliquidMock, makeFills } from './support/hyperliquidMock.ts'
import { testRuntime } from './support/runtime.ts'
import { sharedDataDir } from './support/sharedData.ts'
import { ingestJob } from '../jobs/ingest/index.ts'

const hyperliquidJob = ingestJob('hyperliquid')

const server = await ApiServer.start()
const hl = new HyperliquidMock(server)
const runtime = await testRuntime({
  HYPERLIQUID_BASE_URL: hl.url,
  HYPERLIQUID_WEIGHT_PER_MINUTE: '10000000',
  INGEST_RETRY_BASE_MS: '5',
  INGEST_HTTP_RETRIES: '3',
  INGEST_HTTP_TIMEOUT_MS: '3000',
})
const job = hyperliquidJob as JobDefinition<never>
const run = (params: Record<string, unknown>) => runJob(runtime, job, params, { trigger: 'cli' })
const query = async (sql: string) =>
  runtime.duck.use(async (c) => (await c.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[])
const one = async (sql: string) => (await query(sql))[0]!

const REAL_USER = '0xb7b6f3cea3f66bf525f5d8f965f6dbf6d9b017b2'

/** A decimal string as an integer count of 10^-18, for exact comparisons. */
function scaled(text: string): bigint {
  const negative = text.startsWith('-')
  const [int = '0', frac = ''] = text.replace('-', '').split('.')
  const value = BigInt(int + frac.padEnd(18, '0').slice(0, 18))
  return negative ? -value : value
}
const realDir = sharedDataDir('hyperliquid-info-api')
const real = (file: string) => fs.readFileSync(path.join(realDir!, file), 'utf8')

describe.skipIf(!realDir)('real 2023 info-API bodies, replayed through the endpoint', () => {
  test('500 account fills (old schema: no tid, no feeToken) load with every field, nothing lost', async () => {
    const raw = real('userFills_0xb7b6f3ce.json')
    const records = JSON.parse(raw) as Array<Record<string, unknown>>
    // The endpoint answers with these exact bytes: re-serialising the records gives the file back.
    expect(JSON.stringify(records)).toBe(raw.trim())
    expect(real('userFillsByTime_0xb7b6f3ce.json')).toBe(raw)
    hl.fills.set(REAL_USER, records)
    const result = await run({ accounts: [REAL_USER], datasets: ['fills'], from: '2023-05-05', to: '2023-05-05' })
    expect(result.status).toBe('succeeded')
    expect(result.outcome.rows).toBe(500)
    const t =
      await one(`SELECT count(*)::INTEGER AS n, count(trade_id)::INTEGER AS tids, count(fee_asset)::INTEGER AS tokens,
        count(DISTINCT market)::INTEGER AS coins, sum(qty)::VARCHAR AS qty, sum(closed_pnl)::VARCHAR AS pnl,
        sum(fee)::VARCHAR AS fee, count(*) FILTER (WHERE liquidation)::INTEGER AS liq, count(extra)::INTEGER AS extras,
        count(DISTINCT tx_id)::INTEGER AS txs, min(epoch_ms(ts)) AS first, max(epoch_ms(ts)) AS last
      FROM fills WHERE venue = 'hyperliquid' AND account = '${REAL_USER}'`)
    const exactSum = (k: string) => records.reduce((a, r) => a + scaled(String(r[k])), 0n)
    expect(t).toMatchObject({
      n: 500,
      tids: 0,
      tokens: 0,
      coins: 15,
      liq: 0,
      extras: 0,
      first: 1683245555699n,
      last: 1683245884863n,
    })
    expect(t.txs).toBe(new Set(records.map((r) => r.hash)).size)
    // Exact sums: DECIMAL(38,18) holds what was published, to the last digit.
    expect(scaled(String(t.qty))).toBe(exactSum('sz'))
    expect(scaled(String(t.pnl))).toBe(exactSum('closedPnl'))
    expect(scaled(String(t.fee))).toBe(exactSum('fee'))
    // Every field of every record is in a column: key by key, nothing unmapped.
    const mapped = [
      'closedPnl',
      'coin',
      'crossed',
      'dir',
      'fee',
      'hash',
      'oid',
      'px',
      'side',
      'startPosition',
      'sz',
      'time',
    ]
    for (const r of records) expect(Object.keys(r).filter((k) => !mapped.includes(k))).toEqual([])
    const first = records.at(-1)!
    const row =
      await one(`SELECT market, side, price::VARCHAR AS price, qty::VARCHAR AS qty, dir, closed_pnl::VARCHAR AS pnl,
        start_position::VARCHAR AS start, order_id, liquidity, tx_id FROM fills
       WHERE account = '${REAL_USER}' AND order_id = '${String(first.oid)}' AND epoch_ms(ts) = ${String(first.time)}
       ORDER BY start_position LIMIT 1`)
    expect(row.market).toBe(first.coin)
    expect(row.order_id).toBe(String(first.oid))
    expect(row.tx_id).toBe(first.hash)
    expect(Number(row.price)).toBe(Number(first.px))
    expect(row.dir).toBe(first.dir)
    // dir values (incl. position flips) are kept as published
    const dirs = await query(
      `SELECT dir, count(*)::INTEGER AS n FROM fills WHERE account = '${REAL_USER}' GROUP BY dir ORDER BY dir`,
    )
    expect(Object.fromEntries(dirs.map((d) => [d.dir, d.n]))).toEqual({
      'Close Long': 69,
      'Close Short': 197,
      'Long > Short': 9,
      'Open Long': 55,
      'Open Short': 157,
      'Short > Long': 13,
    })
  })

  test('positions rebuild from the fills, self-trades included: each millisecond starts where the last one ended', () => {
    // The venue gives both fills of a self-trade (the account on both sides of one trade: same hash, size and
    // startPosition, opposite sides) the position before the trade, so the chain holds per millisecond, not per fill.
    const records = JSON.parse(real('userFills_0xb7b6f3ce.json')) as unknown[]
    const rows = parseFills('real', records, REAL_USER).map((f) => f.row)
    const groups = new Map<string, Map<number, typeof rows>>()
    for (const r of rows) {
      const byTime = groups.get(String(r.market)) ?? new Map<number, typeof rows>()
      byTime.set(Number(r.time), [...(byTime.get(Number(r.time)) ?? []), r])
      groups.set(String(r.market), byTime)
    }
    const signed = (r: (typeof rows)[number]) => (r.side === 'buy' ? 1n : -1n) * scaled(String(r.qty))
    // A millisecond starts at the startPosition no other fill of it leads to.
    const startOf = (fills: typeof rows) => {
      const reached = new Set(fills.map((f) => scaled(String(f.start_position)) + signed(f)))
      const starts = [...new Set(fills.map((f) => scaled(String(f.start_position))))].filter((p) => !reached.has(p))
      expect(starts.length).toBe(1)
      return starts[0]!
    }
    // The capped response cut its oldest millisecond (the other side of a self-trade there is missing): the chain is
    // checked from the next one.
    const cut = Math.min(...rows.map((r) => Number(r.time)))
    let checked = 0
    let selfTrades = 0
    for (const byTime of groups.values()) {
      const times = [...byTime.keys()].sort((a, b) => a - b).filter((t) => t !== cut)
      for (let i = 1; i < times.length; i++) {
        const previous = byTime.get(times[i - 1]!)!
        expect(startOf(byTime.get(times[i]!)!)).toBe(startOf(previous) + previous.reduce((a, f) => a + signed(f), 0n))
        checked++
      }
      for (const fills of byTime.values())
        for (const f of fills)
          if (
            f.side === 'buy' &&
            fills.some(
              (g) =>
                g.side === 'sell' && g.tx_id === f.tx_id && g.qty === f.qty && g.start_position === f.start_position,
            )
          )
            selfTrades++
    }
    expect(checked).toBeGreaterThan(300)
    expect(selfTrades).toBeGreaterThan(50)
  })

  test('218 user funding payments → ledger (kind funding), one partition per day, sums exact', async () => {
    const records = JSON.parse(real('userFunding_0xb7b6f3ce.json')) as Array<{ delta: Record<string, unknown> }>
    hl.userFunding.set(REAL_USER, records as never)
    const result = await run({ accounts: [REAL_USER], datasets: ['ledger'], from: '2023-04-20', to: '2023-05-05' })
    expect(result.outcome).toMatchObject({ partitionsLoaded: 16, partitionsFailed: 0, rows: 218 })
    const t =
      await one(`SELECT count(*)::INTEGER AS n, sum(delta_quote)::VARCHAR AS total, count(DISTINCT market)::INTEGER AS coins,
        count(*) FILTER (WHERE kind = 'funding' AND asset = 'USDC' AND tx_id IS NOT NULL)::INTEGER AS ok,
        count(*) FILTER (WHERE json_extract_string(extra, '$.nSamples') IS NOT NULL AND json_extract_string(extra, '$.szi') IS NOT NULL
                          AND json_extract_string(extra, '$.fundingRate') IS NOT NULL)::INTEGER AS detailed
      FROM ledger WHERE venue = 'hyperliquid' AND account = '${REAL_USER}'`)
    const micro = records.reduce((a, r) => a + BigInt(Math.round(Number(r.delta.usdc) * 1e6)), 0n)
    expect(t).toMatchObject({ n: 218, ok: 218, detailed: 218, coins: new Set(records.map((r) => r.delta.coin)).size })
    expect(Math.round(Number(t.total) * 1e6)).toBe(Number(micro))
  })

  test('1038 BTC funding rates: 8-hourly until 2023-06-08 then hourly, ms jitter kept, premium kept, one real hole', async () => {
    hl.funding.set('BTC', JSON.parse(real('fundingHistory_BTC_from1681923833000.json')))
    const result = await run({ coins: ['BTC'], datasets: ['funding'], from: '2023-05-10', to: '2023-07-17' })
    expect(result.status).toBe('succeeded')
    expect(result.outcome).toMatchObject({ partitionsLoaded: 67, partitionsSkipped: 2, rows: 2 * 1038 })
    const intervals = await query(
      `SELECT interval_h, count(*)::INTEGER AS n FROM funding WHERE venue = 'hyperliquid' AND market = 'BTC' GROUP BY 1 ORDER BY 1`,
    )
    expect(intervals).toEqual([
      { interval_h: 1, n: 956 },
      { interval_h: 8, n: 82 },
    ])
    expect((await one(`SELECT count(*)::INTEGER AS n FROM funding WHERE epoch_ms(ts) = 1683849600048`)).n).toBe(1)
    expect(
      (
        await one(
          `SELECT count(*)::INTEGER AS n FROM prices WHERE venue = 'hyperliquid' AND kind = 'premium' AND market = 'BTC'`,
        )
      ).n,
    ).toBe(1038)
    const coverage = await marketCoverage(runtime.duck, 'hyperliquid', 'BTC')
    const funding = coverage.find((c) => c.dataset === 'funding')!
    // Data starts on 2023-05-12 although 05-10 was asked for: two days missing at source.
    expect(funding.gaps).toEqual([
      { from: new Date('2023-05-10T00:00:00Z'), to: new Date('2023-05-12T00:00:00Z'), reason: 'missing-at-source' },
    ])
    expect(funding.ranges).toEqual([{ from: new Date('2023-05-12T00:00:00Z'), to: new Date('2023-07-18T00:00:00Z') }])
    // Holes: the single two-hour step in the data, and the end of the capture day (taken at 21:43 UTC); the 8-hour
    // era has none.
    expect(
      funding.holes.map((h) => ({ missing: h.missing, stepSeconds: h.stepSeconds, to: h.to.toISOString() })),
    ).toEqual([
      expect.objectContaining({ missing: 1, stepSeconds: 3600 }),
      { missing: 2, stepSeconds: 3600, to: '2023-07-18T00:00:00.000Z' },
    ])
  })

  test('24 kPEPE hourly candles → bars; a clearinghouseState snapshot with its 12 positions', async () => {
    hl.candles.set('kPEPE/1h', JSON.parse(real('candleSnapshot_kPEPE_1h.json')))
    const candles = await run({
      coins: ['kPEPE'],
      datasets: ['candles'],
      interval: '1h',
      from: '2023-05-21',
      to: '2023-05-22',
    })
    expect(candles.outcome.rows).toBe(24)
    const bar = await one(`SELECT open, high, low, close, volume, trades, interval_s, source FROM bars
      WHERE venue = 'hyperliquid' AND market = 'kPEPE' ORDER BY ts LIMIT 1`)
    expect(bar).toEqual({
      open: 0.001601,
      high: 0.001616,
      low: 0.001601,
      close: 0.001604,
      volume: 520665683,
      trades: 709n,
      interval_s: 3600,
      source: 'klines',
    })

    const state = JSON.parse(real('clearinghouseState.json')) as { assetPositions: unknown[] }
    const user = '0x5e9ee1089755c3435139848e47e6635505d5a13a'
    hl.states.set(user, state)
    const snap = await run({ accounts: [user], datasets: ['state'] })
    expect(snap.outcome.rows).toBe(1 + 12)
    expect(
      await one(`SELECT account_value::VARCHAR AS v, cross_margin_used::VARCHAR AS m, withdrawable::VARCHAR AS w
        FROM account_states WHERE account = '${user}'`),
    ).toEqual({ v: '1182.312496000000000000', m: '171.740766000000000000', w: '1010.571730000000000000' })
    const btc =
      await one(`SELECT size::VARCHAR AS size, liquidation_price::VARCHAR AS liq, leverage_type, leverage::INTEGER AS lev,
        json_extract(extra, '$.maxTradeSzs')::VARCHAR AS sizes, json_extract_string(extra, '$.type') AS type
      FROM account_positions WHERE account = '${user}' AND market = 'BTC'`)
    expect(btc).toEqual({
      size: '-0.007850000000000000',
      liq: '173198.695923570000000000',
      leverage_type: 'cross',
      lev: 20,
      sizes: '["0.76534","0.74964"]',
      type: 'oneWay',
    })
    const eth = await one(
      `SELECT liquidation_price FROM account_positions WHERE account = '${user}' AND market = 'ETH'`,
    )
    expect(eth.liquidation_price).toBeNull()
  })
})

describe('synthetic history in the current schema', () => {
  const user = '0x1111111111111111111111111111111111111111'
  const liquidated = '0x2222222222222222222222222222222222222222'

  test('1300 fills in a day page across the 500 cap (newest first), schema drift within the day, liquidations', async () => {
    const fills = makeFills({ day: '2024-03-01', count: 1300, coin: 'ETH', oldSchema: (i) => i < 400 })
    // Two liquidation fills: the account is the counterparty of one and the liquidated user of the other.
    const a = fills[100]!
    Object.assign(a, {
      liquidation: { liquidatedUser: liquidated, markPx: '3001.5', method: 'market' },
      side: 'B',
      twapId: null,
    })
    const b = fills[200]!
    Object.assign(b, {
      dir: 'Liquidated Cross Long',
      side: 'A',
      liquidation: { liquidatedUser: user, markPx: '2999.0', method: 'backstop' },
    })
    hl.fills.set(user, fills)
    const before = hl.requests('userFillsByTime').length
    const result = await run({ accounts: [user], datasets: ['fills'], from: '2024-03-01', to: '2024-03-01' })
    expect(result.status).toBe('succeeded')
    expect(result.outcome.rows).toBe(1300 + 2)
    const requests = hl.requests('userFillsByTime').length - before
    expect(requests).toBeGreaterThanOrEqual(3)
    expect(requests).toBeLessThanOrEqual(8)
    const t =
      await one(`SELECT count(*)::INTEGER AS n, count(DISTINCT trade_id)::INTEGER AS tids, count(fee_asset)::INTEGER AS tokens,
        count(*) FILTER (WHERE liquidation)::INTEGER AS liq FROM fills WHERE account = '${user}'`)
    expect(t).toEqual({ n: 1300, tids: 900, tokens: 900, liq: 2 })
    const liqs = await query(`SELECT account, side, price::VARCHAR AS price, mark_price::VARCHAR AS mark, kind,
        json_extract_string(extra, '$.method') AS method, trade_id FROM liquidations
       WHERE venue = 'hyperliquid' AND market = 'ETH' ORDER BY mark_price`)
    expect(liqs).toEqual([
      {
        account: user,
        side: 'long',
        price: `${Number(b.px).toFixed(18)}`,
        mark: '2999.000000000000000000',
        kind: 'liquidation',
        method: 'backstop',
        trade_id: String(b.tid ?? null) === 'null' ? null : String(b.tid),
      },
      {
        account: liquidated,
        side: 'long',
        price: `${Number(a.px).toFixed(18)}`,
        mark: '3001.500000000000000000',
        kind: 'liquidation',
        method: 'market',
        trade_id: a.tid === undefined ? null : String(a.tid),
      },
    ])
    // twapId (present, null) is a field without a column: kept in extra
    expect((await one(`SELECT extra FROM fills WHERE order_id = '${String(a.oid)}'`)).extra).toBe(
      JSON.stringify({ liquidation: a.liquidation, twapId: null }),
    )
  })

  test('the weight budget is charged as the venue counts: 20 per request, plus 1 per 20 fills returned', async () => {
    const budget = new WeightBudget({ capacity: 1_000_000, windowMs: 60_000 })
    const planned = planHyperliquid({
      baseUrl: hl.url,
      coins: [],
      accounts: [user],
      datasets: ['fills'],
      from: '2024-03-01',
      to: '2024-03-01',
      interval: '1m',
      budget,
      snapshotAt: new Date(),
    })
    const before = server.log.length
    await ingestPartitions(runtime.duck, planned, {
      source: 'hyperliquid',
      http: new HttpClient({ timeoutMs: 3000, retries: 1, backoffMs: 5, maxBackoffMs: 10, concurrency: 2 }),
      log: createLogger('silent'),
      concurrency: 1,
      force: true,
    })
    const served = server.log.slice(before).map((r) => hl.answer(r.body as never).json as unknown[])
    expect(budget.spent).toBe(served.reduce((w, page) => w + 20 + Math.floor(page.length / 20), 0))
  })

  test('a 429 with Retry-After is waited out; an empty window loads an empty partition', async () => {
    const quiet = '0x3333333333333333333333333333333333333333'
    server.fault({
      matches: (r) => (r.body as { user?: string })?.user === quiet,
      reply: { status: 429, headers: { 'retry-after': '1' } },
    })
    const started = performance.now()
    const result = await run({ accounts: [quiet], datasets: ['fills'], from: '2024-03-02', to: '2024-03-02' })
    expect(performance.now() - started).toBeGreaterThanOrEqual(1000)
    expect(result.outcome).toMatchObject({ partitionsLoaded: 1, partitionsFailed: 0, rows: 0 })
    expect(
      await one(
        `SELECT status, rows::INTEGER AS rows FROM partitions WHERE partition_id = 'hyperliquid/fills/${quiet}/2024-03-02'`,
      ),
    ).toEqual({ status: 'loaded', rows: 0 })
  })

  test('a malformed fill fails its partition naming source, record and field; nothing is kept', async () => {
    const bad = '0x4444444444444444444444444444444444444444'
    const fills = makeFills({ day: '2024-03-03', count: 40, startId: 5000 })
    fills[16]!.px = '26k'
    hl.fills.set(bad, fills)
    const result = await run({ accounts: [bad], datasets: ['fills'], from: '2024-03-03', to: '2024-03-03' })
    expect(result.status).toBe('failed')
    expect(result.outcome.errors).toEqual([
      {
        partition: `hyperliquid/fills/${bad}/2024-03-03`,
        message: `hyperliquid userFillsByTime ${bad} 2024-03-03: record 17 (tid ${String(fills[16]!.tid)}): field px: received "26k"; expected a decimal string such as "1.25"`,
      },
    ])
    expect((await one(`SELECT count(*)::INTEGER AS n FROM fills WHERE account = '${bad}'`)).n).toBe(0)
    expect((await one(`SELECT count(*)::INTEGER AS n FROM partitions WHERE market = '${bad}'`)).n).toBe(0)

    // A body that is not JSON at all (a proxy's error page) names the request too.
    const proxied = '0x4545454545454545454545454545454545454545'
    server.fault({
      matches: (r) => (r.body as { user?: string })?.user === proxied,
      reply: { raw: '<html>502 Bad Gateway</html>', headers: { 'content-type': 'text/html' } },
    })
    const html = await run({ accounts: [proxied], datasets: ['fills'], from: '2024-03-03', to: '2024-03-03' })
    expect(html.outcome.errors[0]!.message).toBe(
      `hyperliquid userFillsByTime ${proxied} 2024-03-03: response is not JSON: "<html>502 Bad Gateway</html>"`,
    )
  })

  test('re-runs are idempotent: skipped, and a forced reload leaves the same rows and content hash', async () => {
    const fingerprint = () =>
      one(`SELECT (SELECT count(*) FROM fills WHERE account = '${user}')::INTEGER AS fills,
        (SELECT bit_xor(hash(ts, market, side, price, qty, fee, trade_id, order_id, start_position, extra, partition_id)) FROM fills WHERE account = '${user}') AS fh,
        (SELECT bit_xor(hash(ts, side, price, qty, account, mark_price)) FROM liquidations WHERE market = 'ETH') AS lh,
        (SELECT checksum FROM partitions WHERE partition_id = 'hyperliquid/fills/${user}/2024-03-01') AS checksum`)
    const before = await fingerprint()
    const requests = hl.requests('userFillsByTime').length
    const again = await run({ accounts: [user], datasets: ['fills'], from: '2024-03-01', to: '2024-03-01' })
    expect(again.outcome).toMatchObject({ partitionsLoaded: 0, partitionsSkipped: 1, rows: 0 })
    expect(hl.requests('userFillsByTime').length).toBe(requests)
    const forced = await run({
      accounts: [user],
      datasets: ['fills'],
      from: '2024-03-01',
      to: '2024-03-01',
      force: true,
    })
    expect(forced.outcome).toMatchObject({ partitionsLoaded: 1, rows: 1302 })
    expect(await fingerprint()).toEqual(before)
    const coverage = await marketCoverage(runtime.duck, 'hyperliquid', user)
    expect(coverage.find((c) => c.dataset === 'fills')).toMatchObject({
      table: 'fills,liquidations',
      partitions: 1,
      rows: 1302,
      ranges: [{ from: new Date('2024-03-01T00:00:00Z'), to: new Date('2024-03-02T00:00:00Z') }],
    })
  })

  test('ledger updates in their documented shapes: signs, fees, counterparties, and the links they imply', async () => {
    const t0 = Date.parse('2024-03-05T01:00:00Z')
    const other = '0x5555555555555555555555555555555555555555'
    const vault = '0xdfc24b077bc1425ad1dea75bcb6f8158e10df303'
    const h = (i: number) => `0x${String(i).padStart(64, '0')}`
    hl.ledgerUpdates.set(user, [
      { time: t0, hash: h(1), delta: { type: 'deposit', usdc: '1000.0' } },
      {
        time: t0 + 1,
        hash: h(2),
        delta: { type: 'internalTransfer', usdc: '250.5', user, destination: other, fee: '1.0' },
      },
      {
        time: t0 + 2,
        hash: h(3),
        delta: { type: 'internalTransfer', usdc: '10.0', user: other, destination: user, fee: '1.0' },
      },
      { time: t0 + 3, hash: h(4), delta: { type: 'withdraw', usdc: '100.0', nonce: 1709600000000, fee: '1.0' } },
      { time: t0 + 4, hash: h(5), delta: { type: 'accountClassTransfer', usdc: '5.0', toPerp: false } },
      { time: t0 + 5, hash: h(6), delta: { type: 'vaultDeposit', vault, usdc: '50.0' } },
      {
        time: t0 + 6,
        hash: h(7),
        delta: {
          type: 'liquidation',
          liquidatedNtlPos: '1234.5',
          accountValue: '12.3',
          leverageType: 'Cross',
          liquidatedPositions: [{ coin: 'ETH', szi: '-0.4' }],
        },
      },
      { time: t0 + 7, hash: h(8), delta: { type: 'somethingNew', usdc: '3.0' } },
    ])
    hl.ledgerUpdates.set(other, [
      {
        time: t0 + 1,
        hash: h(2),
        delta: { type: 'internalTransfer', usdc: '250.5', user, destination: other, fee: '1.0' },
      },
    ])
    const result = await run({ accounts: [user, other], datasets: ['ledger'], from: '2024-03-05', to: '2024-03-05' })
    expect(result.status).toBe('succeeded')
    const rows = await query(`SELECT account, kind, delta_quote::DOUBLE AS delta, counterparty, asset FROM ledger
      WHERE venue = 'hyperliquid' AND ts >= '2024-03-05' AND ts < '2024-03-06' ORDER BY account, ts, kind`)
    expect(rows).toEqual([
      { account: user, kind: 'deposit', delta: 1000, counterparty: null, asset: 'USDC' },
      { account: user, kind: 'fee', delta: -1, counterparty: null, asset: 'USDC' },
      { account: user, kind: 'transfer', delta: -250.5, counterparty: other, asset: 'USDC' },
      { account: user, kind: 'transfer', delta: 10, counterparty: other, asset: 'USDC' },
      { account: user, kind: 'fee', delta: -1, counterparty: null, asset: 'USDC' },
      { account: user, kind: 'withdrawal', delta: -100, counterparty: null, asset: 'USDC' },
      { account: user, kind: 'transfer', delta: -5, counterparty: null, asset: 'USDC' },
      { account: user, kind: 'transfer', delta: -50, counterparty: vault, asset: 'USDC' },
      { account: user, kind: 'liquidation', delta: 0, counterparty: null, asset: 'USDC' },
      { account: user, kind: 'other', delta: 0, counterparty: null, asset: 'USDC' },
      { account: other, kind: 'transfer', delta: 250.5, counterparty: user, asset: 'USDC' },
    ])
    const links = await query(`SELECT account, linked_account, reason, events::INTEGER AS events FROM account_links
      WHERE venue = 'hyperliquid' AND reason = 'transfer' ORDER BY account, linked_account`)
    expect(links).toEqual([
      { account: user, linked_account: other, reason: 'transfer', events: 2 },
      { account: user, linked_account: vault, reason: 'transfer', events: 1 },
      { account: other, linked_account: user, reason: 'transfer', events: 1 },
    ])
    const kept = await one(`SELECT extra FROM ledger WHERE account = '${user}' AND kind = 'liquidation'`)
    expect(JSON.parse(String(kept.extra))).toMatchObject({ accountValue: '12.3', leverageType: 'Cross' })
  })
})
