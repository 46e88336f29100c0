// The typed row reader at the DuckDB boundary: declared columns are checked against the result once (name, DuckDB
// type), values for null and category; and every declared result list reads back through it (the flat lists).
import { afterAll, describe, expect, test } from 'vitest'
import { DuckStore } from '../src/store/duck/open.ts'
import { ColumnMismatchError, oneOf, readRows, type ColumnsOf } from '../src/store/duck/typedRows.ts'
import { readDuckList, type DuckRowList } from '../src/store/query/duckList.ts'
import type { ListQuery } from '../src/store/query/listQuery.ts'
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

describe('list columns', () => {
  interface Listed {
    names: string[]
    sizes: bigint[] | null
    weights: number[]
  }
  const LISTED: ColumnsOf<Listed> = { names: 'text[]', sizes: 'bigint[]?', weights: 'double[]' }

  test('a LIST becomes an array of its declared element kind; a nullable list may be null', async () => {
    const rows = await read<Listed>(
      `SELECT * FROM (VALUES (['a', 'b'], [9007199254740993]::BIGINT[], [0.5]::DOUBLE[]),
                             ([]::VARCHAR[], NULL::BIGINT[], []::DOUBLE[])) t(names, sizes, weights)`,
      LISTED,
    )
    expect(rows).toEqual([
      { names: ['a', 'b'], sizes: [9007199254740993n], weights: [0.5] },
      { names: [], sizes: null, weights: [] },
    ])
  })

  test('a wrong element type, a null element and a null list where not nullable are refused', async () => {
    await expect(
      read<Listed>(`SELECT [1, 2]::INTEGER[] AS names, NULL::BIGINT[] AS sizes, [0.5]::DOUBLE[] AS weights`, LISTED),
    ).rejects.toThrow('test read: column "names" is declared text[] (DuckDB VARCHAR[]) but the result has INTEGER[]')
    // a scalar where a list is declared, and a list where a scalar is
    await expect(read<{ names: string[] }>(`SELECT 'a' AS names`, { names: 'text[]' })).rejects.toThrow(
      'column "names" is declared text[] (DuckDB VARCHAR[]) but the result has VARCHAR',
    )
    await expect(read<{ name: string }>(`SELECT ['a'] AS name`, { name: 'text' })).rejects.toThrow(
      'column "name" is declared text (DuckDB VARCHAR) but the result has VARCHAR[]',
    )
    await expect(
      read<Listed>(`SELECT ['a', NULL] AS names, NULL::BIGINT[] AS sizes, [0.5]::DOUBLE[] AS weights`, LISTED),
    ).rejects.toThrow('test read: column "names" holds a null element (1) in row 0')
    await expect(
      read<Listed>(`SELECT NULL::VARCHAR[] AS names, NULL::BIGINT[] AS sizes, [0.5]::DOUBLE[] AS weights`, LISTED),
    ).rejects.toThrow('test read: column "names" is declared not null but row 0 holds null')
  })

  test('the declaration is tied to the row type: a list field needs its list kind (checked by tsc)', () => {
    // @ts-expect-error a string[] field declared as a single text column
    const scalar: ColumnsOf<{ names: string[] }> = { names: 'text' }
    // @ts-expect-error a string[] field declared as a list of numbers
    const element: ColumnsOf<{ names: string[] }> = { names: 'double[]' }
    // @ts-expect-error a list field that is never null declared nullable
    const nullable: ColumnsOf<{ names: string[] }> = { names: 'text[]?' }
    const right: ColumnsOf<{ names: string[]; sizes: bigint[] | null }> = { names: 'text[]', sizes: 'bigint[]?' }
    expect([scalar, element, nullable, right]).toHaveLength(4)
  })
})

describe('readDuckList builds rows from the list declaration', () => {
  interface Tagged {
    id: string
    tags: string[]
  }
  const TAGGED: DuckRowList<Tagged> = {
    name: 'tagged',
    from: `(SELECT * FROM (VALUES ('a', ['x']), ('b', ['y', 'z']), ('c', [])) t(id, tags))`,
    select: 'id, tags',
    selectFields: { id: 'id', tags: 'tags' },
    fields: { id: { type: 'string', sortable: true } },
    columns: { id: 'id' },
    id: 'id',
    defaultOrder: [{ field: 'id', direction: 'ASC' }],
    row: { id: 'text', tags: 'text[]' },
  }
  const page = (spec: DuckRowList<Tagged>, more: Partial<ListQuery> = {}) =>
    readDuckList(duck, spec, { sql: 'TRUE', params: [] }, { first: 2, after: null, filter: null, orderBy: [], ...more })

  test('a page, its cursor keys, the fields asked for only, and backward', async () => {
    const first = await page(TAGGED)
    expect(first.rows).toEqual([
      { id: 'a', tags: ['x'] },
      { id: 'b', tags: ['y', 'z'] },
    ])
    expect(first.keys).toEqual([['a'], ['b']])
    expect(first.hasNextPage).toBe(true)
    expect((await page(TAGGED, { fields: new Set(['tags']) })).rows).toEqual([{ tags: ['x'] }, { tags: ['y', 'z'] }])
    const last = await page(TAGGED, { backward: true, first: 2 })
    expect(last.rows.map((r) => r.id)).toEqual(['b', 'c'])
    expect(last.keys).toEqual([['b'], ['c']])
  })

  test('a declaration the select list does not match is refused, naming the list', async () => {
    const wrong = { ...TAGGED, row: { id: 'text', tags: 'bigint[]' } } as unknown as DuckRowList<Tagged>
    await expect(page(wrong)).rejects.toThrow(
      'tagged page: column "tags" is declared bigint[] (DuckDB BIGINT[]) but the result has VARCHAR[]',
    )
    const undeclared = { ...TAGGED, row: { id: 'text' } } as unknown as DuckRowList<Tagged>
    await expect(page(undeclared)).rejects.toThrow(ColumnMismatchError)
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
