// The trades storage layout of DDL 0102: numeric rows in trades_data keyed by part, the `trades` view with the 0001
// columns, migration of rows loaded under 0001, replacement by part, and nothing left behind by a failed load.
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import type { LoadRequest, PartitionKey } from '../src/domain/loadSpec.ts'
import { DuckStore } from '../src/store/duck/open.ts'
import { listDdl, migrateDuck } from '../src/store/duck/schema.ts'
import { loadPartition } from '../src/store/ingest/loadPartition.ts'
import { tempDir } from './support/tmp.ts'

const dir = tempDir()

const rowsOf = async (store: DuckStore, sql: string) =>
  store.use(async (c) => (await c.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[])

/** The view's columns as DuckDB describes them (name and type, in order). */
const describeTrades = (store: DuckStore) =>
  rowsOf(
    store,
    `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'trades' ORDER BY ordinal_position`,
  )

const ALL_TRADES = `SELECT venue, market, epoch_us(ts) AS us, price, qty, side, trade_id, partition_id FROM trades
                     ORDER BY partition_id, market, us, trade_id NULLS FIRST, price`

const key = (period: string, market = 'BTCUSDT'): PartitionKey => ({
  source: 'test',
  dataset: 'aggTrades',
  venue: 'test-venue',
  market,
  period,
})

/** An aggTrades-like CSV partition (integer ids, buyer-is-maker flags, id spans for the trade count). */
function aggRequest(file: string, period: string, lines: string[]): LoadRequest {
  fs.writeFileSync(file, ['id,price,qty,first,last,time,maker', ...lines].join('\n') + '\n')
  return {
    partition: key(period),
    file: {
      path: file,
      name: path.basename(file),
      format: 'csv',
      header: true,
      columns: [
        { name: 'id', type: 'BIGINT' },
        { name: 'price', type: 'DOUBLE' },
        { name: 'qty', type: 'DOUBLE' },
        { name: 'first', type: 'BIGINT' },
        { name: 'last', type: 'BIGINT' },
        { name: 'time', type: 'BIGINT' },
        { name: 'maker', type: 'BOOLEAN' },
      ],
    },
    loads: [
      {
        kind: 'rows',
        table: 'trades',
        values: {
          ts: { epoch: 'time', unit: 'ms' },
          price: { column: 'price' },
          qty: { column: 'qty' },
          side: { lookup: 'maker', values: { true: 'sell', false: 'buy' } },
          trade_id: { column: 'id' },
        },
      },
    ],
    tradeBars: { tradeCount: { span: ['first', 'last'] }, sequence: { column: 'id' } },
    upstream: { file, checksum: null },
  }
}

const T0 = Date.parse('2025-03-01T00:00:00Z')
const agg = (id: number, price: number, ms: number, maker: boolean, span = 1) =>
  `${id},${price},0.5,${id * 10},${id * 10 + span - 1},${T0 + ms},${maker}`

describe('trades storage (DDL 0102)', () => {
  test('rows loaded under 0001 migrate unchanged: same columns, types and values through the view', async () => {
    const store = await DuckStore.open({ path: path.join(dir, 'migrate.duckdb') })
    const ddl = listDdl()
    await migrateDuck(
      store,
      ddl.filter((m) => m.version < 102),
    )
    const before = await describeTrades(store)
    // Integer ids, ids that are text, a non-canonical integer text ('007'), no id, no side, two markets in a partition.
    await store.use((c) =>
      c.run(`INSERT INTO trades VALUES
        ('binance-um', 'BTCUSDT', '2025-01-01 00:00:00.000001', 100.5, 0.25, 'buy', '123', 'binance-um/aggTrades/BTCUSDT/2025-01-01'),
        ('binance-um', 'BTCUSDT', '2025-01-01 00:00:01', 100.25, 1, 'sell', '-9223372036854775808', 'binance-um/aggTrades/BTCUSDT/2025-01-01'),
        ('bybit', 'ETHUSD', '2025-01-02 00:00:00', 3000, 2, NULL, 'f3c2-uuid', 'bybit/trades/ETHUSD/2025-01-02'),
        ('bybit', 'ETHUSD', '2025-01-02 00:00:02', 3001, 2, 'buy', '007', 'bybit/trades/ETHUSD/2025-01-02'),
        ('file', 'A', '2025-01-03 00:00:00', 1, 1, 'sell', NULL, 'file/trades/*/x.csv'),
        ('file', 'B', '2025-01-03 00:00:00', 2, 2, 'buy', ' 12', 'file/trades/*/x.csv')`),
    )
    const rows = await rowsOf(store, ALL_TRADES)
    expect(await migrateDuck(store, ddl)).toEqual(ddl.filter((m) => m.version >= 102).map((m) => m.version))
    expect(await describeTrades(store)).toEqual(before)
    expect(await rowsOf(store, ALL_TRADES)).toEqual(rows)
    // Integer ids are stored as numbers only where their text round-trips; the rest stay text.
    const [stored] = await rowsOf(
      store,
      `SELECT count(trade_id)::INTEGER AS numeric, count(trade_ref)::INTEGER AS text,
              (SELECT count(*) FROM trade_parts)::INTEGER AS parts FROM trades_data`,
    )
    expect(stored).toEqual({ numeric: 2, text: 3, parts: 4 })
    store.close()
  })

  test('a side other than buy, sell or NULL stops the migration and keeps the 0001 table', async () => {
    const store = await DuckStore.open({ path: ':memory:' })
    const ddl = listDdl()
    await migrateDuck(
      store,
      ddl.filter((m) => m.version < 102),
    )
    await store.use((c) => c.run(`INSERT INTO trades VALUES ('v', 'M', '2025-01-01', 1, 1, 'short', '1', 'p')`))
    await expect(migrateDuck(store, ddl)).rejects.toThrow(/trades\.side holds short/)
    expect(await rowsOf(store, `SELECT side FROM trades`)).toEqual([{ side: 'short' }])
    expect(await rowsOf(store, `SELECT table_type FROM information_schema.tables WHERE table_name = 'trades'`)).toEqual(
      [{ table_type: 'BASE TABLE' }],
    )
    store.close()
  })

  test('loads keep one part per partition; a forced reload replaces only that part, keeping its number', async () => {
    const store = await DuckStore.open({ path: ':memory:' })
    await migrateDuck(store)
    const a = path.join(dir, 'a.csv')
    const b = path.join(dir, 'b.csv')
    await loadPartition(
      store,
      aggRequest(a, '2025-03-01', [agg(1, 10, 0, false, 3), agg(2, 11, 500, true), agg(3, 9, 1500, false)]),
    )
    await loadPartition(store, aggRequest(b, '2025-03-02', [agg(7, 20, 86_400_000, true)]))
    const parts = await rowsOf(store, `SELECT part::INTEGER AS part, partition_id FROM trade_parts ORDER BY part`)
    expect(parts.map((p) => p.partition_id)).toEqual([
      'test/aggTrades/BTCUSDT/2025-03-01',
      'test/aggTrades/BTCUSDT/2025-03-02',
    ])
    expect(
      await rowsOf(
        store,
        `SELECT venue, market, price, side, trade_id FROM trades WHERE partition_id LIKE '%03-01' ORDER BY ts`,
      ),
    ).toEqual([
      { venue: 'test-venue', market: 'BTCUSDT', price: 10, side: 'buy', trade_id: '1' },
      { venue: 'test-venue', market: 'BTCUSDT', price: 11, side: 'sell', trade_id: '2' },
      { venue: 'test-venue', market: 'BTCUSDT', price: 9, side: 'buy', trade_id: '3' },
    ])
    // Bars come from the stored rows: the aggregate trade of id 1 counts 3 trades.
    expect(
      await rowsOf(
        store,
        `SELECT interval_s, open, high, low, close, trades::INTEGER AS trades, taker_buy_volume FROM bars
          WHERE partition_id LIKE '%03-01' ORDER BY interval_s, ts`,
      ),
    ).toEqual([
      { interval_s: 1, open: 10, high: 11, low: 10, close: 11, trades: 4, taker_buy_volume: 0.5 },
      { interval_s: 1, open: 9, high: 9, low: 9, close: 9, trades: 1, taker_buy_volume: 0.5 },
      { interval_s: 60, open: 10, high: 11, low: 9, close: 9, trades: 5, taker_buy_volume: 1 },
    ])
    // The series' per-minute rollups (DDL 0450) are written with the bars, one row per series and minute.
    const MINUTES = `SELECT interval_s, (epoch_ms(open_ts) - ${T0})::INTEGER AS open_ms, open, high, low,
                            (epoch_ms(close_ts) - ${T0})::INTEGER AS close_ms, close, trades::INTEGER AS trades
                       FROM bar_minutes WHERE partition_id LIKE '%03-01' ORDER BY interval_s`
    expect(await rowsOf(store, MINUTES)).toEqual([
      { interval_s: 1, open_ms: 0, open: 10, high: 11, low: 9, close_ms: 1000, close: 9, trades: 5 },
      { interval_s: 60, open_ms: 0, open: 10, high: 11, low: 9, close_ms: 0, close: 9, trades: 5 },
    ])

    // Reload 03-01 with other content: its rows and bars are replaced, 03-02 is untouched, the part is the same.
    const other = await rowsOf(store, `SELECT * FROM trades WHERE partition_id LIKE '%03-02'`)
    const reloaded = await loadPartition(
      store,
      aggRequest(a, '2025-03-01', [agg(4, 12, 100, true), agg(5, 13, 200, true)]),
    )
    expect(reloaded).toMatchObject({ rows: 2, replaced: true })
    expect(await rowsOf(store, `SELECT trade_id FROM trades WHERE partition_id LIKE '%03-01' ORDER BY ts`)).toEqual([
      { trade_id: '4' },
      { trade_id: '5' },
    ])
    expect(await rowsOf(store, `SELECT * FROM trades WHERE partition_id LIKE '%03-02'`)).toEqual(other)
    expect(await rowsOf(store, `SELECT part::INTEGER AS part, partition_id FROM trade_parts ORDER BY part`)).toEqual(
      parts,
    )
    expect(
      await rowsOf(
        store,
        `SELECT part::INTEGER AS part, count(*)::INTEGER AS n FROM trades_data GROUP BY part ORDER BY part`,
      ),
    ).toEqual([
      { part: parts[0]!.part, n: 2 },
      { part: parts[1]!.part, n: 1 },
    ])
    expect(await rowsOf(store, `SELECT count(*)::INTEGER AS n FROM bars WHERE partition_id LIKE '%03-01'`)).toEqual([
      { n: 2 },
    ])
    // and so are its rollups (nothing of the first load left), minutes and hours
    expect(await rowsOf(store, MINUTES.replaceAll('bar_minutes', 'bar_hours'))).toEqual(await rowsOf(store, MINUTES))
    expect(await rowsOf(store, MINUTES)).toEqual([
      { interval_s: 1, open_ms: 0, open: 12, high: 13, low: 12, close_ms: 0, close: 13, trades: 2 },
      { interval_s: 60, open_ms: 0, open: 12, high: 13, low: 12, close_ms: 0, close: 13, trades: 2 },
    ])
    store.close()
  })

  test('a partition that fails after its trades were inserted leaves no trades_data, bars, parts or manifest row', async () => {
    const store = await DuckStore.open({ path: ':memory:' })
    await migrateDuck(store)
    const file = path.join(dir, 'fail.csv')
    const request = aggRequest(file, '2025-03-03', [agg(1, 10, 0, false), agg(2, 11, 1000, true)])
    // A second mapping of the same file that leaves a NOT NULL column empty: it fails after the trades insert.
    const failing: LoadRequest = {
      ...request,
      loads: [
        ...request.loads,
        {
          kind: 'rows',
          table: 'liquidations',
          values: {
            ts: { epoch: 'time', unit: 'ms' },
            side: { lookup: 'maker', values: { true: 'long' } },
            price: { column: 'price' },
            qty: { column: 'qty' },
            source: { literal: 'test' },
          },
        },
      ],
    }
    // (located: the row whose side maps to nothing, named by the file's column)
    await expect(loadPartition(store, failing)).rejects.toThrow(
      /^fail\.csv, line 2, column maker: received "false"; expected one of true$/,
    )
    const [left] = await rowsOf(
      store,
      `SELECT (SELECT count(*) FROM trades_data)::INTEGER AS rows, (SELECT count(*) FROM trade_parts)::INTEGER AS parts,
              (SELECT count(*) FROM bars)::INTEGER AS bars, (SELECT count(*) FROM partitions)::INTEGER AS manifest,
              (SELECT count(*) FROM bar_minutes)::INTEGER + (SELECT count(*) FROM bar_hours)::INTEGER AS rollups`,
    )
    expect(left).toEqual({ rows: 0, parts: 0, bars: 0, manifest: 0, rollups: 0 })

    // A failed reload keeps the earlier load whole.
    await loadPartition(store, request)
    const loaded = await rowsOf(store, ALL_TRADES)
    await expect(loadPartition(store, failing)).rejects.toThrow(/column maker: received "false"/)
    expect(await rowsOf(store, ALL_TRADES)).toEqual(loaded)
    expect(await rowsOf(store, `SELECT count(*)::INTEGER AS n FROM bars`)).toEqual([{ n: 3 }])
    expect(await rowsOf(store, `SELECT count(*)::INTEGER AS n FROM bar_minutes`)).toEqual([{ n: 2 }])
    expect(await rowsOf(store, `SELECT count(*)::INTEGER AS n FROM bar_hours`)).toEqual([{ n: 2 }])
    store.close()
  })

  test('text trade ids and rows that name their own market get one part per market', async () => {
    const store = await DuckStore.open({ path: ':memory:' })
    await migrateDuck(store)
    const file = path.join(dir, 'markets.csv')
    fs.writeFileSync(
      file,
      [
        'market,ts,price,qty,side,trade_id',
        'ETH,1700000000,5,1,buy,x1',
        'BTC,1700000001,6,1,sell,007',
        'ETH,1700000002,7,1,,x3',
      ].join('\n'),
    )
    await loadPartition(store, {
      partition: key('markets.csv', '*'),
      file: {
        path: file,
        name: 'markets.csv',
        format: 'csv',
        header: true,
        columns: [
          { name: 'market', type: 'VARCHAR' },
          { name: 'ts', type: 'BIGINT' },
          { name: 'price', type: 'DOUBLE' },
          { name: 'qty', type: 'DOUBLE' },
          { name: 'side', type: 'VARCHAR' },
          { name: 'trade_id', type: 'VARCHAR' },
        ],
      },
      loads: [
        {
          kind: 'rows',
          table: 'trades',
          values: {
            market: { column: 'market' },
            ts: { epoch: 'ts', unit: 's' },
            price: { column: 'price' },
            qty: { column: 'qty' },
            side: { lookup: 'side', values: { buy: 'buy', sell: 'sell' } },
            trade_id: { column: 'trade_id' },
          },
        },
      ],
      tradeBars: {},
      upstream: { file, checksum: null },
    })
    expect(await rowsOf(store, `SELECT market, side, trade_id FROM trades ORDER BY ts`)).toEqual([
      { market: 'ETH', side: 'buy', trade_id: 'x1' },
      { market: 'BTC', side: 'sell', trade_id: '007' },
      { market: 'ETH', side: null, trade_id: 'x3' },
    ])
    expect(await rowsOf(store, `SELECT market FROM trade_parts ORDER BY market`)).toEqual([
      { market: 'BTC' },
      { market: 'ETH' },
    ])
    expect(
      await rowsOf(
        store,
        `SELECT market, count(*)::INTEGER AS n FROM bars WHERE interval_s = 1 GROUP BY market ORDER BY market`,
      ),
    ).toEqual([
      { market: 'BTC', n: 1 },
      { market: 'ETH', n: 2 },
    ])
    store.close()
  })
})
