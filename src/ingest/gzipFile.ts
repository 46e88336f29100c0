// Fetching one partition published as a plain `.csv.gz` (Bybit, Tardis): no checksum sidecar, so the sha256 of the
// downloaded bytes is what the manifest records; a local mirror directory works the same way without HTTP.
import fs from 'node:fs'
import path from 'node:path'
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
