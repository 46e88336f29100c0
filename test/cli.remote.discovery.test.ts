// The discovery file a server writes for CLI commands: private (0600), atomic, one token per start, removed only by
// its own writer, ignored when its process is gone or when it names another DuckDB file.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { expect, test } from 'vitest'
import {
  discoveryPath,
  findLiveServer,
  newLocalAdminToken,
  publishServer,
  readDiscovery,
  type ServerDiscovery,
} from '../src/app/serverDiscovery.ts'
import { tempDir } from './support/tmp.ts'

const dir = tempDir()

/** A pid no process has: one that just exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', ''])
  return child.pid!
}

/** The parent of this test process: alive, and not this process (whose own file is never "a running server"). */
const livePid = process.ppid

const entry = (dataDir: string, pid: number, extra: Partial<ServerDiscovery> = {}): ServerDiscovery => ({
  pid,
  url: 'http://127.0.0.1:4567/graphql',
  token: newLocalAdminToken(),
  startedAt: '2026-12-05T22:00:00.000Z',
  version: '0.1.0',
  duckdbPath: path.join(dataDir, 'backstop.duckdb'),
  ...extra,
})

const configOf = (dataDir: string) => ({ dataDir, duckdbPath: path.join(dataDir, 'backstop.duckdb') })

test('written private and whole, with a fresh 32-byte token; found while its pid lives', () => {
  const dataDir = path.join(dir, 'a')
  const written = entry(dataDir, livePid)
  const published = publishServer(dataDir, written)
  expect(fs.statSync(discoveryPath(dataDir)).mode & 0o777).toBe(0o600)
  // no temporary file is left beside it
  expect(fs.readdirSync(dataDir)).toEqual(['server.json'])
  expect(readDiscovery(dataDir)).toEqual(written)
  expect(Buffer.from(written.token, 'base64url')).toHaveLength(32)
  expect(newLocalAdminToken()).not.toBe(written.token)
  expect(findLiveServer(configOf(dataDir))).toEqual(written)
  // a relative DUCKDB_PATH naming the same file finds it too
  const relative = path.relative(process.cwd(), path.join(dataDir, 'backstop.duckdb'))
  expect(findLiveServer({ dataDir, duckdbPath: relative })).toEqual(written)
  published.remove()
  expect(fs.existsSync(discoveryPath(dataDir))).toBe(false)
})

test('a stale file (its process gone) is ignored, and the next server replaces it', () => {
  const dataDir = path.join(dir, 'b')
  publishServer(dataDir, entry(dataDir, deadPid()))
  expect(readDiscovery(dataDir)).not.toBeNull()
  expect(findLiveServer(configOf(dataDir))).toBeNull()
  const next = entry(dataDir, livePid)
  publishServer(dataDir, next)
  expect(findLiveServer(configOf(dataDir))).toEqual(next)
})

test('a file naming another DuckDB file, a torn file or a foreign one is not a server of this store', () => {
  const dataDir = path.join(dir, 'c')
  publishServer(dataDir, entry(dataDir, livePid, { duckdbPath: '/elsewhere/other.duckdb' }))
  expect(findLiveServer(configOf(dataDir))).toBeNull()
  fs.writeFileSync(discoveryPath(dataDir), '{"pid": 12')
  expect(readDiscovery(dataDir)).toBeNull()
  fs.writeFileSync(discoveryPath(dataDir), JSON.stringify({ pid: livePid, url: 'file:///etc/passwd', token: 'x' }))
  expect(readDiscovery(dataDir)).toBeNull()
})

test("a server's remover leaves a file another server has written since", () => {
  const dataDir = path.join(dir, 'd')
  const first = publishServer(dataDir, entry(dataDir, livePid))
  const second = entry(dataDir, livePid)
  publishServer(dataDir, second)
  first.remove()
  expect(readDiscovery(dataDir)).toEqual(second)
})
