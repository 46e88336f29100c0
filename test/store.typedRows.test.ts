// The typed row reader at the DuckDB boundary: declared columns are checked against the result once (name, DuckDB
// type), values for null and category; and every declared result list reads back through it (the flat lists).
import { afterAll, describe, expect, test } from 'vitest'
import { DuckStore } from '../src/store/duck/open.ts'
import { ColumnMismatchError, oneOf, readRows, type ColumnsOf } from '../src/store/duck/typedRows.ts'
import { readResultOffset, RESULT_LISTS, type ResultList } from '../src/store/results/resultLists.ts'
import { testRuntime } from './support/runtime.ts'
import { createRunRecord, insertLiquidations } from './support/seededRuns.ts'

const duck = await DuckStore.open({ path: ':memory:' })
afterAll(() => duck.close())

const read = <Row>(sql: string, columns: ColumnsOf<Row>) =>
  duck.use(async (c) => readRows<Row>(await c.runAndReadAll(sql), columns, 'test read'))

interface Every {
  big: bigint
  small: number
  dbl: number
  dec: string
  txt: string | null
  at: Date
  atMicros: bigint
  flag: boolean
  side: 'long' | 'short'
}
const EVERY: ColumnsOf<Every> = {
  big: 'bigint',
  small: 'int',
  dbl: 'double',
  dec: 'decimal',
  txt: 'text?',
  at: 'timestamp',
  atMicros: 'timestampMicros',
  flag: 'boolean',
  side: oneOf(['long', 'short']),
}
const EVERY_SQL = `SELECT 9007199254740993::BIGINT AS big, 7::INTEGER AS small, 0.25::DOUBLE AS dbl,
  123456789012.000001::DECIMAL(18, 6) AS dec, NULL::VARCHAR AS txt,
  TIMESTAMP '2025-10-10 12:00:00.123456' AS at, TIMESTAMP '2025-10-10 12:00:00.123456' AS "atMicros",
  true AS flag, 'short' AS side`

describe('readRows', () => {
  test('each kind becomes its declared value, exact where the kind is exact; null where declared nullable', async () => {
    const [row] = await read<Every>(EVERY_SQL, EVERY)
    expect(row).toEqual({
      big: 9007199254740993n,
      small: 7,
      dbl: 0.25,
      dec: '123456789012.000001',
      txt: null,
      at: new Date('2025-10-10T12:00:00.123Z'),
      atMicros: 1760097600123456n,
      flag: true,
      side: 'short',
    })
    // a decimal reads as the same text DuckDB prints for it
    const [same] = await read<{ a: string; b: string }>(
      `SELECT 1.5::DECIMAL(18, 6) AS a, (1.5::DECIMAL(18, 6))::VARCHAR AS b`,
      { a: 'decimal', b: 'text' },
    )
    expect(same!.a).toBe(same!.b)
  })

  test('a column declared with another type than the result has is refused, naming column, expected and received', async () => {
    // the declaration says text, the query returns DOUBLE (as a forgotten ::VARCHAR on an amount would)
    const wrong = { ...EVERY, dbl: 'text' } as unknown as ColumnsOf<Every>
    const error = await read<Every>(EVERY_SQL, wrong).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ColumnMismatchError)
    expect((error as Error).message).toBe(
      'test read: column "dbl" is declared text (DuckDB VARCHAR) but the result has DOUBLE',
    )
    await expect(read<Every>(EVERY_SQL, { ...EVERY, big: 'int' } as unknown as ColumnsOf<Every>)).rejects.toThrow(
      'column "big" is declared int (DuckDB INTEGER) but the result has BIGINT',
    )
  })

  test('missing or undeclared columns, a null in a non-null column and a value outside a category are refused', async () => {
    await expect(
      read<{ a: number; b: number }>(`SELECT 1::INTEGER AS a, 2::INTEGER AS c`, { a: 'int', b: 'int' }),
    ).rejects.toThrow(
      "test read: the result's columns (a, c) are not the ones declared (a, b); missing b; not declared c",
    )
    await expect(read<{ a: number }>(`SELECT NULL::INTEGER AS a`, { a: 'int' })).rejects.toThrow(
      'column "a" is declared not null but row 0 holds null',
    )
    await expect(
      read<{ side: 'long' | 'short' }>(`SELECT 'sideways' AS side`, { side: oneOf(['long', 'short']) }),
    ).rejects.toThrow('column "side" holds "sideways" in row 0; declared one of long, short')
  })
})

describe('the flat result lists read through their declarations', () => {
  test('every list returns its rows (nullable columns null) without a column mismatch', async () => {
    const runtime = await testRuntime()
    await createRunRecord(runtime, 'run-t')
    await insertLiquidations(runtime, 'run-t', 0, 3)
    await runtime.duck.use(async (c) => {
      const ts = `TIMESTAMP '2025-10-10 00:00:01'`
      await c.run(`INSERT INTO backtest_deficits VALUES ('run-t', 0, ${ts}, 'a', 'BTCUSDT', NULL, 'negativeEquity',
        1.5, 0.5, 0, 0, 0, 1)`)
      await c.run(
        `INSERT INTO backtest_fund_series VALUES ('run-t', 0, ${ts}, 'pooled', NULL, 'initial', 100, 100, NULL)`,
      )
      await c.run(`INSERT INTO backtest_adl_fills VALUES ('run-t', 0, ${ts}, 'BTCUSDT', NULL, 'b', 'long', 1, 100, 101,
        1, NULL, 2.5, 0.1, 3)`)
      await c.run(`INSERT INTO backtest_social_losses VALUES ('run-t', 0, ${ts}, 'BTCUSDT', 2, 4.25, 0.01, 400, 3)`)
      await c.run(`INSERT INTO backtest_guardrail_triggers VALUES ('run-t', 0, ${ts}, NULL, 'priceBand',
        'pauseLiquidations', NULL, NULL, NULL)`)
    })
    const page = { limit: 10, offset: 0 }
    const lists = Object.keys(RESULT_LISTS) as ResultList[]
    const got = Object.fromEntries(
      await Promise.all(lists.map(async (l) => [l, await readResultOffset(runtime, l, 'run-t', page)] as const)),
    )
    expect(got.liquidations!.map((r) => r.seq)).toEqual([0, 1, 2])
    expect(got.liquidations![1]).toMatchObject({ kind: 'partial', side: 'short', notional: '4000.500000' })
    expect(got.deficits![0]).toMatchObject({ kind: 'negativeEquity', liquidationSeq: null, uncovered: '1.000000' })
    expect(got.fundMovements![0]).toMatchObject({ reason: 'initial', market: null, balanceApprox: 100 })
    expect(got.adlFills![0]).toMatchObject({ rank: 1, score: null, coveredShortfall: '3.000000' })
    expect(got.socialLosses![0]).toMatchObject({ liquidationSeq: 2, amount: '4.250000', positions: 3 })
    expect(got.guardrailTriggers![0]).toMatchObject({ kind: 'priceBand', market: null, value: null, account: null })
  })
})
