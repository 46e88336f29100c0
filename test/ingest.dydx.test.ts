// dYdX v4 indexer ingestion against a local indexer: backward paging by height across page and block boundaries,
// liquidations and ADL from trades (exact 16-decimal prices), funding with oracle prices, candles, subaccount fills
// and transfers into the ledger with linked-account hints, a 429, a malformed record, empty days and idempotency.
import { describe, expect, test } from 'vitest'
import type { JobDefinition } from '../jobs/job.ts'
import { runJob } from '../jobs/runner.ts'
import { marketCoverage } from '../src/store/market/coverage.ts'
import { ApiServer } from './support/apiServer.ts'
import { DydxMock, makeTrades } from './support/dydxMock.ts'
import { testRuntime } from './support/runtime.ts'
import { ingestJob } from '../jobs/ingest/index.ts'

const dydxJob = ingestJob('dydx')

const server = await ApiServer.start()
const dydx = new DydxMock(server)
const runtime = await testRuntime({
  DYDX_INDEXER_URL: dydx.url,
  INGEST_RETRY_BASE_MS: '5',
  INGEST_HTTP_RETRIES: '3',
  INGEST_HTTP_TIMEOUT_MS: '3000',
})
const job = dydxJob as JobDefinition<never>
const run = (params: Record<string, unknown>) => runJob(runtime, job, params, { trigger: 'cli' })
const query = async (sql: string) =>
  runtime.duck.use(async (c) => (await c.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[])
const one = async (sql: string) => (await query(sql))[0]!

const ADDRESS = 'dydx1qqqsyqcyq5rqwzqfpg9scrgwpugpzysnrujsuw'
const OTHER = 'dydx1zg69v7ys40x77y352eufp27daufrg4ncnjqz9x'
const WALLET = 'dydx1w3jhxap3ta047hdzdqdpug50t3pux2xqqw5a4j'

describe('trades', () => {
  // The deleveraging trade quoted verbatim in data-formats §2.6 (ETH-USD, 2024-08-05), with its block height.
  const deleveraged = {
    createdAt: '2024-08-05T01:09:28.338Z',
    id: '015034b90000000200000026',
    price: '2340.7442700369913687',
    side: 'SELL',
    size: '0.811',
    type: 'DELEVERAGED',
    createdAtHeight: '22000127', // between the blocks around it: heights follow time
  }

  test('a day of trades pages back by height (blocks split across pages, one block larger than a page)', async () => {
    const trades = makeTrades('2024-08-05', 600, { firstHeight: 22_000_000, bigBlock: 150 })
    trades[40]!.type = 'LIQUIDATED' // a BUY: the liquidated short was bought back
    trades[41]!.type = 'LIQUIDATED' // a SELL: the liquidated long was sold off
    // neighbours outside the day must not leak in
    const before = { ...trades[0]!, id: '00000001', createdAt: '2024-08-04T23:59:59.999Z', createdAtHeight: '21999990' }
    const after = { ...trades[0]!, id: 'ffffffff', createdAt: '2024-08-06T00:00:00.000Z', createdAtHeight: '23000000' }
    dydx.trades.set('ETH-USD', [before, ...trades, deleveraged, after])
    const result = await run({ markets: ['ETH-USD'], datasets: ['trades'], from: '2024-08-05', to: '2024-08-05' })
    expect(result.status).toBe('succeeded')
    expect(result.outcome.rows).toBe(601 + 3)
    const limits = server.log
      .filter((r) => r.path.startsWith('/v4/trades/'))
      .map((r) => r.url.searchParams.get('limit'))
    expect(limits).toContain('1000') // the 150-trade block was re-read with the largest page
    expect(
      await one(`SELECT count(*)::INTEGER AS n, count(DISTINCT trade_id)::INTEGER AS ids, min(ts) AS lo, max(ts) AS hi
        FROM trades WHERE venue = 'dydx' AND market = 'ETH-USD'`),
    ).toEqual({
      n: 601,
      ids: 601,
      lo: new Date('2024-08-05T00:00:01Z'),
      hi: new Date(String(trades.at(-1)!.createdAt)),
    })
    const liqs = await query(`SELECT side, kind, price::VARCHAR AS price, qty::VARCHAR AS qty, account, source
      FROM liquidations WHERE venue = 'dydx' ORDER BY kind DESC, ts, side`)
    const exact = (v: unknown) => Number(v).toFixed(18)
    expect(liqs).toEqual([
      {
        side: 'long',
        kind: 'liquidation',
        price: exact(trades[41]!.price),
        qty: exact(trades[41]!.size),
        account: null,
        source: 'dydx',
      },
      {
        side: 'short',
        kind: 'liquidation',
        price: exact(trades[40]!.price),
        qty: exact(trades[40]!.size),
        account: null,
        source: 'dydx',
      },
      // 16 decimals kept exactly (a double would print 2340.744270036991…)
      {
        side: 'long',
        kind: 'adl',
        price: '2340.744270036991368700',
        qty: '0.811000000000000000',
        account: null,
        source: 'dydx',
      },
    ])
    // 1 s and 1 min bars derived from the trades, counting every trade once
    expect(await one(`SELECT sum(trades)::INTEGER AS n FROM bars WHERE venue = 'dydx' AND interval_s = 60`)).toEqual({
      n: 601,
    })
  })

  test('a 429 is waited out; a malformed record fails its partition by source, record and field', async () => {
    dydx.trades.set('BTC-USD', makeTrades('2024-08-06', 30, { firstHeight: 23_100_000 }))
    server.fault({
      matches: (r) => r.path.endsWith('/BTC-USD'),
      reply: { status: 429, headers: { 'retry-after': '1' } },
    })
    const ok = await run({ markets: ['BTC-USD'], datasets: ['trades'], from: '2024-08-06', to: '2024-08-06' })
    expect(ok.outcome).toMatchObject({ partitionsLoaded: 1, rows: 30 })

    const bad = makeTrades('2024-08-07', 30, { firstHeight: 23_200_000 })
    bad[12]!.createdAt = '2024-08-07 10:00:00'
    dydx.trades.set('SOL-USD', bad)
    const failed = await run({ markets: ['SOL-USD'], datasets: ['trades'], from: '2024-08-07', to: '2024-08-07' })
    expect(failed.outcome.errors).toEqual([
      {
        partition: 'dydx/trades/SOL-USD/2024-08-07',
        message: `dydx trades SOL-USD 2024-08-07: record ${30 - 12} (id ${bad[12]!.id as string}): field createdAt: received "2024-08-07 10:00:00"; expected an ISO-8601 UTC time such as 2024-08-05T01:09:28.338Z`,
      },
    ])
  })

  test('an unknown market is an error, not a gap', async () => {
    const result = await run({ markets: ['NOPE-USD'], datasets: ['trades'], from: '2024-08-06', to: '2024-08-06' })
    expect(result.outcome.errors[0]!.message).toMatch(
      /trades\/perpetualMarket\/NOPE-USD.* answered 404 \(unknown market/,
    )
  })
})

describe('funding and candles', () => {
  test('hourly funding with the oracle price: funding rows, oracle prices, a missing hour as a hole; an empty day is a gap', async () => {
    const hours = Array.from({ length: 24 }, (_, h) => h).filter((h) => h !== 13)
    dydx.funding.set(
      'ETH-USD',
      hours.map((h) => ({
        ticker: 'ETH-USD',
        rate: (0.0000125 * (h % 3)).toFixed(7),
        price: (2300 + h).toFixed(9),
        effectiveAt: new Date(Date.UTC(2024, 7, 5, h)).toISOString(),
        effectiveAtHeight: String(22_000_000 + h * 3000),
      })),
    )
    const result = await run({ markets: ['ETH-USD'], datasets: ['funding'], from: '2024-08-04', to: '2024-08-05' })
    expect(result.outcome).toMatchObject({ partitionsLoaded: 1, partitionsSkipped: 1, rows: 46 })
    expect(
      await one(
        `SELECT count(*)::INTEGER AS n, min(mark_price) AS lo, max(interval_h) AS ih FROM funding WHERE venue = 'dydx'`,
      ),
    ).toEqual({ n: 23, lo: 2300, ih: 1 })
    expect(
      await one(
        `SELECT count(*)::INTEGER AS n FROM prices WHERE venue = 'dydx' AND kind = 'oracle' AND source = 'dydx'`,
      ),
    ).toEqual({ n: 23 })
    const coverage = (await marketCoverage(runtime.duck, 'dydx', 'ETH-USD')).find((c) => c.dataset === 'funding')!
    expect(coverage.holes).toEqual([
      { from: new Date('2024-08-05T13:00:00Z'), to: new Date('2024-08-05T14:00:00Z'), missing: 1, stepSeconds: 3600 },
    ])
    expect(coverage.gaps).toEqual([
      { from: new Date('2024-08-04T00:00:00Z'), to: new Date('2024-08-05T00:00:00Z'), reason: 'missing-at-source' },
    ])
  })

  test('a day of 1-minute candles pages back in 15 requests: bars, open interest, order-book mids where given', async () => {
    const start = Date.UTC(2024, 7, 5)
    dydx.candles.set(
      'ETH-USD/1MIN',
      Array.from({ length: 1440 }, (_, m) => ({
        startedAt: new Date(start + m * 60_000).toISOString(),
        ticker: 'ETH-USD',
        resolution: '1MIN',
        low: '2299.5',
        high: '2301.5',
        open: '2300',
        close: '2301',
        baseTokenVolume: '2',
        usdVolume: '4601',
        trades: 3,
        startingOpenInterest: '1000.5',
        ...(m % 2 ? { orderbookMidPriceOpen: '2300.05', orderbookMidPriceClose: '2301.05' } : {}),
      })),
    )
    const before = server.log.length
    const result = await run({ markets: ['ETH-USD'], datasets: ['candles'], from: '2024-08-05', to: '2024-08-05' })
    expect(result.outcome.rows).toBe(1440 + 1440 + 720)
    expect(server.log.length - before).toBe(15)
    expect(
      await one(
        `SELECT count(*)::INTEGER AS n, min(vwap) AS vwap, sum(trades)::INTEGER AS t FROM bars WHERE venue = 'dydx' AND source = 'klines'`,
      ),
    ).toEqual({ n: 1440, vwap: 2300.5, t: 4320 })
    expect(
      await one(`SELECT count(*)::INTEGER AS n, min(oi_base) AS oi FROM open_interest WHERE venue = 'dydx'`),
    ).toEqual({ n: 1440, oi: 1000.5 })
    expect(
      await one(
        `SELECT count(*)::INTEGER AS n, min(open) AS o, min(price) AS c FROM prices WHERE venue = 'dydx' AND kind = 'mid'`,
      ),
    ).toEqual({ n: 720, o: 2300.05, c: 2301.05 })
  })
})

describe('subaccount fills and transfers', () => {
  const fill = (i: number, extra: Record<string, unknown> = {}) => ({
    id: `f-${i}`,
    side: i % 2 ? 'SELL' : 'BUY',
    liquidity: i % 3 ? 'MAKER' : 'TAKER',
    type: 'LIMIT',
    market: 'BTC-USD',
    marketType: 'PERPETUAL',
    price: '60000.5',
    size: '0.0015',
    fee: i % 3 ? '-0.0045' : '0.045',
    affiliateRevShare: '0',
    createdAt: new Date(Date.UTC(2024, 7, 5, 3, 0, i)).toISOString(),
    createdAtHeight: String(22_100_000 + i),
    orderId: `o-${i}`,
    clientMetadata: '0',
    subaccountNumber: 0,
    ...extra,
  })

  test('fills of address/subaccount: every field kept, liquidation fills flagged, the position before each fill', async () => {
    dydx.fills.set(`${ADDRESS}/0`, [
      ...Array.from({ length: 250 }, (_, i) => fill(i)),
      fill(250, {
        type: 'LIQUIDATED',
        positionSizeBefore: '0.5',
        positionSideBefore: 'SHORT',
        entryPriceBefore: '59000',
      }),
    ])
    const result = await run({
      subaccounts: [`${ADDRESS}/0`],
      datasets: ['fills'],
      from: '2024-08-05',
      to: '2024-08-05',
    })
    expect(result.outcome.rows).toBe(251)
    const liq =
      await one(`SELECT account, side, liquidation, liquidity, start_position::VARCHAR AS start, trade_id, order_id,
        json_extract_string(extra, '$.type') AS type, json_extract_string(extra, '$.entryPriceBefore') AS entry, fee::VARCHAR AS fee
      FROM fills WHERE venue = 'dydx' AND liquidation`)
    expect(liq).toEqual({
      account: `${ADDRESS}/0`,
      side: 'buy',
      liquidation: true,
      liquidity: 'maker',
      start: '-0.500000000000000000',
      trade_id: 'f-250',
      order_id: 'o-250',
      type: 'LIQUIDATED',
      entry: '59000',
      fee: '-0.004500000000000000',
    })
    expect(
      await one(
        `SELECT sum(fee)::VARCHAR AS fees, count(*) FILTER (WHERE start_position IS NULL)::INTEGER AS unknown FROM fills WHERE venue = 'dydx'`,
      ),
    ).toEqual({
      // 84 taker fees of 0.045 and 167 maker rebates of 0.0045: exact, where a float sum would not be
      fees: '3.028500000000000000',
      unknown: 250,
    })
  })

  test('transfers → ledger with counterparties; links between subaccounts and from one funding wallet', async () => {
    const t = (i: number, type: string, size: string, sender: object, recipient: object) => ({
      id: `t-${i}`,
      sender,
      recipient,
      size,
      createdAt: new Date(Date.UTC(2024, 7, 5, 4, i)).toISOString(),
      createdAtHeight: String(22_200_000 + i),
      symbol: 'USDC',
      type,
      transactionHash: `HASH${i}`,
    })
    dydx.transfers.set(`${ADDRESS}/0`, [
      t(1, 'DEPOSIT', '5000', { address: WALLET }, { address: ADDRESS, subaccountNumber: 0 }),
      t(
        2,
        'TRANSFER_OUT',
        '1200.25',
        { address: ADDRESS, subaccountNumber: 0 },
        { address: ADDRESS, subaccountNumber: 1 },
      ),
      t(3, 'TRANSFER_IN', '200', { address: OTHER, subaccountNumber: 0 }, { address: ADDRESS, subaccountNumber: 0 }),
      t(4, 'WITHDRAWAL', '99.5', { address: ADDRESS, subaccountNumber: 0 }, { address: WALLET }),
    ])
    dydx.transfers.set(`${ADDRESS}/1`, [
      t(
        2,
        'TRANSFER_IN',
        '1200.25',
        { address: ADDRESS, subaccountNumber: 0 },
        { address: ADDRESS, subaccountNumber: 1 },
      ),
      t(5, 'DEPOSIT', '10', { address: WALLET }, { address: ADDRESS, subaccountNumber: 1 }),
    ])
    const result = await run({
      subaccounts: [`${ADDRESS}/0`, `${ADDRESS}/1`],
      datasets: ['ledger'],
      from: '2024-08-05',
      to: '2024-08-05',
    })
    expect(result.outcome.rows).toBe(6)
    const rows = await query(
      `SELECT account, kind, delta_quote::DOUBLE AS delta, counterparty, tx_id FROM ledger WHERE venue = 'dydx' ORDER BY account, ts`,
    )
    expect(rows).toEqual([
      { account: `${ADDRESS}/0`, kind: 'deposit', delta: 5000, counterparty: WALLET, tx_id: 'HASH1' },
      { account: `${ADDRESS}/0`, kind: 'transfer', delta: -1200.25, counterparty: `${ADDRESS}/1`, tx_id: 'HASH2' },
      { account: `${ADDRESS}/0`, kind: 'transfer', delta: 200, counterparty: `${OTHER}/0`, tx_id: 'HASH3' },
      { account: `${ADDRESS}/0`, kind: 'withdrawal', delta: -99.5, counterparty: WALLET, tx_id: 'HASH4' },
      { account: `${ADDRESS}/1`, kind: 'transfer', delta: 1200.25, counterparty: `${ADDRESS}/0`, tx_id: 'HASH2' },
      { account: `${ADDRESS}/1`, kind: 'deposit', delta: 10, counterparty: WALLET, tx_id: 'HASH5' },
    ])
    const links = await query(
      `SELECT account, linked_account, reason, via FROM account_links WHERE venue = 'dydx' ORDER BY reason, account, linked_account`,
    )
    expect(links).toEqual([
      { account: `${ADDRESS}/0`, linked_account: `${ADDRESS}/1`, reason: 'same-funding-source', via: WALLET },
      { account: `${ADDRESS}/1`, linked_account: `${ADDRESS}/0`, reason: 'same-funding-source', via: WALLET },
      { account: `${ADDRESS}/0`, linked_account: `${ADDRESS}/1`, reason: 'same-owner', via: ADDRESS },
      { account: `${ADDRESS}/1`, linked_account: `${ADDRESS}/0`, reason: 'same-owner', via: ADDRESS },
      { account: `${ADDRESS}/0`, linked_account: `${ADDRESS}/1`, reason: 'transfer', via: null },
      { account: `${ADDRESS}/0`, linked_account: `${OTHER}/0`, reason: 'transfer', via: null },
      { account: `${ADDRESS}/1`, linked_account: `${ADDRESS}/0`, reason: 'transfer', via: null },
    ])
  })

  test('re-runs are idempotent; a day without activity loads empty', async () => {
    const fingerprint = () =>
      one(`SELECT (SELECT bit_xor(hash(ts, account, delta_quote, kind, counterparty, partition_id)) FROM ledger WHERE venue = 'dydx') AS l,
                  (SELECT bit_xor(hash(ts, account, price, qty, fee, trade_id, extra)) FROM fills WHERE venue = 'dydx') AS f,
                  (SELECT count(*) FROM ledger WHERE venue = 'dydx')::INTEGER AS n`)
    const before = await fingerprint()
    const params = {
      subaccounts: [`${ADDRESS}/0`, `${ADDRESS}/1`],
      datasets: ['fills', 'ledger'],
      from: '2024-08-05',
      to: '2024-08-06',
    }
    dydx.fills.set(`${ADDRESS}/1`, [])
    const again = await run(params)
    expect(again.outcome).toMatchObject({ partitionsFailed: 0, partitionsSkipped: 3, partitionsLoaded: 5, rows: 0 })
    const forced = await run({ ...params, force: true })
    expect(forced.outcome).toMatchObject({ partitionsLoaded: 8, rows: 251 + 6 })
    expect(await fingerprint()).toEqual(before)
  })
})
