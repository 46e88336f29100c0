// The metadata store client: Prisma over a local SQLite file through the libsql driver adapter.
import fs from 'node:fs'
import path from 'node:path'
import { PrismaLibSql } from '@prisma/adapter-libsql'
import { PrismaClient } from './generated/client.ts'

export type MetaClient = PrismaClient

/** The file behind a `file:` URL, so its directory can be created before SQLite opens it. */
export function sqliteFilePath(url: string): string {
  return path.resolve(url.replace(/^file:/, '').replace(/\?.*$/, ''))
}

/**
 * How long a statement waits for another process's write lock before failing. Several processes use the file at
 * once (a server, a CLI cancelling one of its runs, a CLI backtest writing its progress); without a wait, a write
 * that meets another fails at once.
 */
const BUSY_TIMEOUT_MS = 10_000

export function createMetaClient(url: string): MetaClient {
  fs.mkdirSync(path.dirname(sqliteFilePath(url)), { recursive: true })
  return new PrismaClient({ adapter: new PrismaLibSql({ url, timeout: BUSY_TIMEOUT_MS }) })
}
