// DuckDB store: versioned DDL applied once, edits to applied DDL refused, no extension downloads.
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { DuckStore } from '../src/store/duck/open.ts'
import { duckSchemaCurrent, listDdl, migrateDuck } from '../src/store/duck/schema.ts'
import { tempDir } from './support/tmp.ts'

const dir = tempDir()

describe('DuckDB store', () => {
  test('creates the normalized tables once; a second run applies nothing', async () => {
    const file = path.join(dir, 'a', 'store.duckdb')
    const store = await DuckStore.open({ path: file })
    const versions = listDdl().map((m) => m.version)
    expect(await migrateDuck(store)).toEqual(versions)
    expect(await migrateDuck(store)).toEqual([])
    expect(await duckSchemaCurrent(store)).toBe(true)
    const tables = await store.use(async (c) =>
      (await c.runAndReadAll(`SELECT table_name FROM information_schema.tables ORDER BY 1`)).getRows().map((r) => r[0]),
    )
    for (const t of [
      'partitions',
      'trades',
      'bars',
      'prices',
      'funding',
      'open_interest',
      'liquidations',
      'fills',
      'ledger',
    ]) {
      expect(tables).toContain(t)
    }
    store.close()
    // reopening the file keeps what was applied
    const again = await DuckStore.open({ path: file })
    expect(await migrateDuck(again)).toEqual([])
    again.close()
  })

  test('refuses to run when an applied DDL file was edited', async () => {
    const ddlDir = path.join(dir, 'ddl')
    fs.mkdirSync(ddlDir)
    fs.writeFileSync(path.join(ddlDir, '0001_one.sql'), 'CREATE TABLE one (a INTEGER);')
    const store = await DuckStore.open({ path: ':memory:' })
    expect(await migrateDuck(store, listDdl(ddlDir))).toEqual([1])
    fs.writeFileSync(path.join(ddlDir, '0001_one.sql'), 'CREATE TABLE one (a BIGINT);')
    await expect(migrateDuck(store, listDdl(ddlDir))).rejects.toThrow(/0001_one\.sql was edited after it was applied/)
    store.close()
  })

  test('a failing DDL file leaves nothing behind', async () => {
    const ddlDir = path.join(dir, 'ddl-bad')
    fs.mkdirSync(ddlDir)
    fs.writeFileSync(path.join(ddlDir, '0001_bad.sql'), 'CREATE TABLE half (a INTEGER); CREATE TABLE broken (;')
    const store = await DuckStore.open({ path: ':memory:' })
    await expect(migrateDuck(store, listDdl(ddlDir))).rejects.toThrow()
    const tables = await store.use(async (c) =>
      (await c.runAndReadAll(`SELECT table_name FROM information_schema.tables`)).getRows().flat(),
    )
    expect(tables).not.toContain('half')
    store.close()
  })

  test('extensions are never downloaded', async () => {
    const store = await DuckStore.open({ path: ':memory:' })
    await expect(
      store.use((c) => c.run(`SELECT * FROM read_parquet('https://example.invalid/x.parquet')`)),
    ).rejects.toThrow(/httpfs/)
    store.close()
  })
})
