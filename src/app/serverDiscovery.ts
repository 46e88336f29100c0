// The discovery file of a running server (`<data dir>/server.json`, mode 0600): its pid, URL, a local admin token
// new at each start, and the DuckDB file it holds, so CLI commands on the same host hand their work to it instead of
// failing on DuckDB's one-writer lock. Written atomically once the server listens, removed on a graceful stop; a file
// whose pid is gone (a crash, kill -9) is ignored and replaced.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { Config } from '../config/load.ts'

export const DISCOVERY_FILE = 'server.json'

export interface ServerDiscovery {
  pid: number
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql. */
  url: string
  /** Bearer token the server accepts as local admin (32 random bytes, base64url). */
  token: string
  /** ISO time the server started listening. */
  startedAt: string
  version: string
  /** The DuckDB file the server holds (absolute; `:memory:` as is): a CLI hands over only work on that file. */
  duckdbPath: string
}

export const discoveryPath = (dataDir: string) => path.join(dataDir, DISCOVERY_FILE)

/** A fresh local admin token: 32 random bytes, base64url. */
export const newLocalAdminToken = () => crypto.randomBytes(32).toString('base64url')

/** The DuckDB file a configuration names, absolute, so a server and a CLI started elsewhere compare equal. */
export const duckdbIdentity = (config: Pick<Config, 'duckdbPath'>) =>
  config.duckdbPath === ':memory:' ? ':memory:' : path.resolve(config.duckdbPath)

/**
 * Writes the discovery file atomically (a private temporary file renamed over it), readable only by the owner.
 * Returns a remover for a graceful stop: it deletes the file only while it is still this process's.
 */
export function publishServer(dataDir: string, entry: ServerDiscovery): { path: string; remove(): void } {
  const target = discoveryPath(dataDir)
  fs.mkdirSync(dataDir, { recursive: true })
  const temp = `${target}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`
  // 'wx' with mode 0600: the token is never readable by others, not even for an instant
  const fd = fs.openSync(temp, 'wx', 0o600)
  try {
    fs.writeFileSync(fd, `${JSON.stringify(entry, null, 2)}\n`)
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  fs.renameSync(temp, target)
  return {
    path: target,
    remove() {
      const current = readDiscovery(dataDir)
      if (current && current.pid === entry.pid && current.token === entry.token) fs.rmSync(target, { force: true })
    },
  }
}

/** The discovery file as written, or null when absent or not one (a torn or foreign file is treated as absent). */
export function readDiscovery(dataDir: string): ServerDiscovery | null {
  let text: string
  try {
    text = fs.readFileSync(discoveryPath(dataDir), 'utf8')
  } catch {
    return null
  }
  try {
    const v = JSON.parse(text) as Partial<ServerDiscovery>
    const ok =
      Number.isInteger(v.pid) &&
      (v.pid as number) > 0 &&
      typeof v.url === 'string' &&
      /^https?:\/\//.test(v.url) &&
      typeof v.token === 'string' &&
      v.token.length > 0 &&
      typeof v.startedAt === 'string' &&
      typeof v.version === 'string' &&
      typeof v.duckdbPath === 'string'
    return ok ? (v as ServerDiscovery) : null
  } catch {
    return null
  }
}

/** Is a process with this pid alive on this host? EPERM means it exists but belongs to someone else. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * The server running on this configuration's DuckDB file, if any: the discovery file is present, its pid alive, and
 * it names the same DuckDB file. A stale file (pid gone) counts as no server.
 */
export function findLiveServer(config: Pick<Config, 'dataDir' | 'duckdbPath'>): ServerDiscovery | null {
  const found = readDiscovery(config.dataDir)
  if (!found || found.pid === process.pid || !pidAlive(found.pid)) return null
  if (found.duckdbPath !== duckdbIdentity(config) || found.duckdbPath === ':memory:') return null
  return found
}
