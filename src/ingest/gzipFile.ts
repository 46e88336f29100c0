// Fetching one partition published as a plain `.csv.gz` (Bybit, Tardis): no checksum sidecar, so the sha256 of the
// downloaded bytes is what the manifest records; a local mirror directory works the same way without HTTP. Also the
// whole-file gzip check that the orchestrator runs before DuckDB reads any `.gz` not made of checksum-verified bytes.
import fs from 'node:fs'
import path from 'node:path'
import { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import zlib from 'node:zlib'
import { sha256File } from './checksum.ts'
import type { FetchContext } from './connector.ts'
import { retryLogger } from './zipArchive.ts'

export interface LocalGzip {
  kind: 'ready'
  path: string
  sha256: string
  bytes: number
  scratch: string[]
}

/** Downloads `url` to a scratch `.csv.gz` (DuckDB decompresses it while reading); missing on 404. */
export async function fetchGzip(ctx: FetchContext, url: string): Promise<LocalGzip | { kind: 'missing' }> {
  const dest = ctx.temp.path(path.posix.basename(new URL(url).pathname))
  const got = await ctx.http.download(url, dest, {
    signal: ctx.signal,
    onBytes: ctx.onBytes,
    onRetry: retryLogger(ctx),
  })
  if (got.status === 'missing') return { kind: 'missing' }
  return { kind: 'ready', path: dest, sha256: got.sha256, bytes: got.bytes, scratch: [dest] }
}

/** The first of `candidates` that exists on disk, hashed; missing when none does. Nothing is copied. */
export async function localGzip(candidates: readonly string[]): Promise<LocalGzip | { kind: 'missing' }> {
  const found = candidates.find((p) => fs.existsSync(p))
  if (!found) return { kind: 'missing' }
  return { kind: 'ready', path: found, sha256: await sha256File(found), bytes: fs.statSync(found).size, scratch: [] }
}

/** The gzip file is not a complete gzip stream (cut short, bad CRC or length, not gzip at all). */
export class CorruptGzipError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(
      `${file}: corrupt or truncated gzip (${detail}); expected a complete gzip stream with matching CRC and length`,
    )
    this.name = 'CorruptGzipError'
  }
}

/**
 * Inflates the whole file to nowhere: zlib checks each member's CRC-32 and length and fails on a cut-off end, which
 * DuckDB's gzip reader does not (a file cut short at the source would load short without an error).
 */
export async function verifyGzip(file: string, name: string): Promise<void> {
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() })
  try {
    await pipeline(fs.createReadStream(file), zlib.createGunzip(), sink)
  } catch (error) {
    throw new CorruptGzipError(name, error instanceof Error ? error.message : String(error))
  }
}
