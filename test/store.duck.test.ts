// DuckDB store: versioned DDL applied once, edits to applied DDL refused, no extension downloads, and closing it
// closes every connection it handed out.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { closeRuntime, openRuntime } from '../src/app/runtime.ts'
import { loadConfig } from '../src/config/load.ts'
import { projectRoot } from '../src/project.ts'
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

describe('DuckDB store lifetimes', () => {
  /** Whether another process can open the file now (DuckDB lets one process hold a file). */
  function openableElsewhere(file: string): boolean {
    const script = `import { DuckDBInstance } from '@duckdb/node-api'
      const i = await DuckDBInstance.create(${JSON.stringify(file)}); i.closeSync()`
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: projectRoot, encoding: 'utf8' })
    return r.status === 0
  }

  test('close() closes the connections still handed out (interrupting their queries) and frees the file', async () => {
    const file = path.join(dir, 'leases', 'store.duckdb')
    const store = await DuckStore.open({ path: file })
    const forgotten = await store.connect()
    const busy = await store.connect()
    await store.use((c) => c.run('SELECT 1'))
    expect(store.openConnections).toBe(2)
    // a long query in flight on a connection nobody released
    const running = busy.run('SELECT count(*) FROM range(20000000000) t(i) WHERE i % 7 = 3')
    running.catch(() => undefined)
    expect(await store.close()).toBe(2)
    await expect(running).rejects.toThrow(/interrupt/i)
    await expect(forgotten.run('SELECT 1')).rejects.toThrow(/disconnected/)
    expect(openableElsewhere(file)).toBe(true)
    expect(await store.close()).toBe(0)
  })

  test('openRuntime closes both stores when the DuckDB migration fails', async () => {
    const data = path.join(dir, 'broken-runtime')
    const config = loadConfig({ DATA_DIR: data, LOG_LEVEL: 'silent' })
    const { runtime } = await openRuntime(config, { migrate: true })
    await runtime.duck.use((c) => c.run(`UPDATE backstop_schema SET checksum = 'edited' WHERE version = 1`))
    await closeRuntime(runtime)
    await expect(openRuntime(config, { migrate: true })).rejects.toThrow(/edited after it was applied/)
    expect(openableElsewhere(config.duckdbPath)).toBe(true)
  })
})
