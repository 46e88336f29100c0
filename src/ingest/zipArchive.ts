// Fetching one archive partition published as `<file>.zip` plus `<file>.zip.CHECKSUM`: probe the checksum, download,
// verify (one re-download on a mismatch, since a mirror may be mid-update), and hand the data member on as gzip; or
// the same from a directory of zips already downloaded.
import fs from 'node:fs'
import path from 'node:path'
import { extractSingleMember, rewrapSingleMemberAsGzip, type Extracted } from './archive.ts'
import { ChecksumMismatchError, parseSha256Line, sha256File } from './checksum.ts'
import type { FetchContext, Probe } from './connector.ts'

export interface VerifiedZip {
  kind: 'ready'
  extracted: Extracted
  sha256: string
  bytes: number
  scratch: string[]
  /** No checksum was published: `sha256` is of the bytes received, and the member was inflated with its CRC checked. */
  unverified?: true
}

/** The archive has the zip but no checksum beside it: the download cannot be verified. */
export class MissingChecksumError extends Error {
  constructor(readonly file: string) {
    super(
      `${file}: the source has this file but no ${file}.CHECKSUM beside it (HTTP 404), so the download cannot be ` +
        'verified; expected a published checksum (run with --allow-unverified to load it anyway, recorded as unverified)',
    )
    this.name = 'MissingChecksumError'
  }
}

/** The published checksum of `zipUrl`, or missing when the source has no such file. */
export async function probeChecksum(ctx: FetchContext, zipUrl: string): Promise<Probe> {
  const text = await ctx.http.getText(`${zipUrl}.CHECKSUM`, { signal: ctx.signal, onRetry: retryLogger(ctx) })
  if (text === null) return { kind: 'missing' }
  const sha256 = parseSha256Line(text)
  if (!sha256) throw new Error(`${zipUrl}.CHECKSUM: not a sha256sum line: ${JSON.stringify(text.slice(0, 100))}`)
  return { kind: 'checksum', sha256 }
}

export const retryLogger = (ctx: FetchContext) => (info: { url: string; attempt: number; error: string }) =>
  ctx.log.warn(info, 'request failed; retrying')

/** Downloads `url` to `dest` with the run's signal, byte count and retry log, timed as the download stage. */
async function timedDownload(ctx: FetchContext, url: string, dest: string) {
  const started = performance.now()
  const got = await ctx.http.download(url, dest, {
    signal: ctx.signal,
    onBytes: ctx.onBytes,
    onRetry: retryLogger(ctx),
  })
  ctx.onStage?.('download', (performance.now() - started) / 1000)
  return got
}

/**
 * Downloads and verifies the zip against its CHECKSUM, then rewraps its member as gzip (`<member>.gz`, or the member
 * itself when stored uncompressed) without inflating it: the sha256 proves the bytes are the published ones, which
 * is what the CRC-32 check of an inflate in Node would otherwise be there for. `known` is a checksum already probed in
 * this run (saves a request). Missing when the zip is absent; a zip without its CHECKSUM fails (MissingChecksumError)
 * unless `allowUnverified`, when it loads with the member fully inflated and CRC-checked, marked unverified.
 */
export async function fetchVerifiedZip(
  ctx: FetchContext,
  zipUrl: string,
  known: Probe | null,
  options: { allowUnverified?: boolean } = {},
): Promise<VerifiedZip | { kind: 'missing' }> {
  const probe = known ?? (await probeChecksum(ctx, zipUrl))
  const name = path.posix.basename(new URL(zipUrl).pathname)
  if (probe.kind === 'missing') return fetchUnverifiedZip(ctx, zipUrl, name, !!options.allowUnverified)
  const scratch: string[] = []
  let bytes = 0
  for (let attempt = 1; ; attempt++) {
    const dest = ctx.temp.path(name)
    scratch.push(dest)
    const got = await timedDownload(ctx, zipUrl, dest)
    if (got.status === 'missing') return { kind: 'missing' }
    bytes += got.bytes
    if (got.sha256 === probe.sha256) {
      const csv = ctx.temp.path(name.replace(/\.zip$/, '.csv'))
      scratch.push(csv, `${csv}.gz`)
      try {
        const unzipStarted = performance.now()
        const extracted = await rewrapSingleMemberAsGzip(dest, csv, name)
        ctx.onStage?.('unzip', (performance.now() - unzipStarted) / 1000)
        ctx.temp.remove(dest)
        return { kind: 'ready', extracted, sha256: got.sha256, bytes, scratch }
      } catch (error) {
        ctx.temp.remove(...scratch)
        throw error
      }
    }
    ctx.temp.remove(dest)
    if (attempt >= 2) throw new ChecksumMismatchError(name, probe.sha256, got.sha256)
    ctx.log.warn({ file: name, expected: probe.sha256, actual: got.sha256 }, 'checksum mismatch; downloading again')
  }
}

/**
 * A zip published without its CHECKSUM: only a missing zip is a gap. The zip is downloaded to tell; without
 * `allow` that is where it stops.
 */
async function fetchUnverifiedZip(
  ctx: FetchContext,
  zipUrl: string,
  name: string,
  allow: boolean,
): Promise<VerifiedZip | { kind: 'missing' }> {
  const dest = ctx.temp.path(name)
  const scratch = [dest]
  try {
    const got = await timedDownload(ctx, zipUrl, dest)
    if (got.status === 'missing') {
      ctx.temp.remove(...scratch)
      return { kind: 'missing' }
    }
    if (!allow) throw new MissingChecksumError(name)
    ctx.log.warn({ file: name }, 'no CHECKSUM published: loading unverified (allowed)')
    const csv = ctx.temp.path(name.replace(/\.zip$/, '.csv'))
    scratch.push(csv)
    const unzipStarted = performance.now()
    // No checksum vouches for the bytes: inflate in Node, which checks the member's CRC-32 and length.
    const extracted = await extractSingleMember(dest, csv, name)
    ctx.onStage?.('unzip', (performance.now() - unzipStarted) / 1000)
    ctx.temp.remove(dest)
    return { kind: 'ready', extracted, sha256: got.sha256, bytes: got.bytes, scratch: [csv], unverified: true }
  } catch (error) {
    ctx.temp.remove(...scratch)
    throw error
  }
}

/**
 * The same partition from a directory of files already downloaded (`--dir`): the first of `candidates` that exists.
 * With its `.CHECKSUM` beside it, the zip must match it (and is rewrapped without inflating, as a download is);
 * without one it loads with its member fully inflated and CRC-checked, recorded as unverified (as
 * `--allow-unverified` does for a download). Missing when no candidate exists. Nothing is copied but the member.
 */
export async function localZip(
  ctx: FetchContext,
  candidates: readonly string[],
): Promise<VerifiedZip | { kind: 'missing' }> {
  const zip = candidates.find((p) => fs.existsSync(p))
  if (!zip) return { kind: 'missing' }
  const name = path.basename(zip)
  const bytes = fs.statSync(zip).size
  const sha256 = await sha256File(zip)
  const csv = ctx.temp.path(name.replace(/\.zip$/, '.csv'))
  const scratch = [csv, `${csv}.gz`]
  try {
    const unzipStarted = performance.now()
    const checksumFile = `${zip}.CHECKSUM`
    if (fs.existsSync(checksumFile)) {
      const text = fs.readFileSync(checksumFile, 'utf8')
      const published = parseSha256Line(text)
      if (!published) throw new Error(`${name}.CHECKSUM: not a sha256sum line: ${JSON.stringify(text.slice(0, 100))}`)
      if (published !== sha256) throw new ChecksumMismatchError(name, published, sha256)
      const extracted = await rewrapSingleMemberAsGzip(zip, csv, name)
      ctx.onStage?.('unzip', (performance.now() - unzipStarted) / 1000)
      return { kind: 'ready', extracted, sha256, bytes, scratch }
    }
    ctx.log.warn({ file: zip }, 'no CHECKSUM beside the local zip: loading unverified')
    const extracted = await extractSingleMember(zip, csv, name)
    ctx.onStage?.('unzip', (performance.now() - unzipStarted) / 1000)
    return { kind: 'ready', extracted, sha256, bytes, scratch, unverified: true }
  } catch (error) {
    ctx.temp.remove(...scratch)
    throw error
  }
}
