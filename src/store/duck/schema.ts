// Versioned DDL for the DuckDB store: ddl/NNNN_name.sql files applied once each, in order, each in a transaction.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { DuckStore } from './open.ts'

const DDL_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'ddl')

export interface DdlMigration {
  file: string
  version: number
  name: string
  sql: string
  checksum: string
}

/** The DDL files shipped with this build, ordered by version. */
export function listDdl(dir = DDL_DIR): DdlMigration[] {
  const out: DdlMigration[] = []
  for (const file of fs.readdirSync(dir).sort()) {
    const match = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file)
    if (!match) continue
    const sql = fs.readFileSync(path.join(dir, file), 'utf8')
    out.push({
      file,
      version: Number(match[1]),
      name: match[2]!,
      sql,
      checksum: crypto.createHash('sha256').update(sql).digest('hex'),
    })
  }
  const seen = new Set<number>()
  for (const m of out) {
    if (seen.has(m.version)) throw new Error(`two DDL files share version ${m.version} in ${dir}`)
    seen.add(m.version)
  }
  return out
}

const JOURNAL = `CREATE TABLE IF NOT EXISTS backstop_schema (
  version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, checksum VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)`

/** Applied DDL versions with their checksums. */
export async function appliedDdl(store: DuckStore): Promise<Map<number, string>> {
  return store.use(async (c) => {
    await c.run(JOURNAL)
    const rows = (await c.runAndReadAll('SELECT version, checksum FROM backstop_schema')).getRowObjectsJS()
    return new Map(rows.map((r) => [Number(r.version), String(r.checksum)]))
  })
}

/**
 * Applies every DDL file not yet applied; returns the versions applied now (empty when up to date).
 * An applied file whose content changed is an error: DDL that ran must never be edited, only superseded.
 */
export async function migrateDuck(store: DuckStore, ddl = listDdl()): Promise<number[]> {
  const applied = await appliedDdl(store)
  for (const m of ddl) {
    const checksum = applied.get(m.version)
    if (checksum !== undefined && checksum !== m.checksum) {
      throw new Error(
        `DuckDB DDL ${m.file} was edited after it was applied (checksum ${checksum.slice(0, 12)}… ` +
          `in the store, ${m.checksum.slice(0, 12)}… in the file); add a new DDL file instead`,
      )
    }
  }
  const pending = ddl.filter((m) => !applied.has(m.version))
  for (const m of pending) {
    await store.transaction(async (c) => {
      await c.run(m.sql)
      await c.run('INSERT INTO backstop_schema VALUES ($1, $2, $3, now()::TIMESTAMP)', [m.version, m.name, m.checksum])
    })
  }
  if (pending.length) await store.use((c) => c.run('CHECKPOINT'))
  return pending.map((m) => m.version)
}

/** True when every shipped DDL version is applied. */
export async function duckSchemaCurrent(store: DuckStore): Promise<boolean> {
  const applied = await appliedDdl(store)
  return listDdl().every((m) => applied.has(m.version))
}
