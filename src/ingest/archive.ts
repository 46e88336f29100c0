// Zip extraction for archive sources: streams the one data member of a zip to a file (DuckDB reads gzip but not zip).
import fs from 'node:fs'
import { pipeline } from 'node:stream/promises'
import yauzl from 'yauzl'

/** The zip could not be read (bad central directory, bad deflate stream, CRC mismatch) or has no data member. */
export class CorruptArchiveError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: corrupt or unreadable zip (${detail})`)
    this.name = 'CorruptArchiveError'
  }
}

export interface Extracted {
  /** Path of the extracted member. */
  path: string
  /** The member's name inside the zip (e.g. BTCUSDT-aggTrades-2025-10-01.csv). */
  entry: string
  bytes: number
}

const openZip = (file: string) =>
  new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, autoClose: false, validateEntrySizes: true }, (error, zip) =>
      error ? reject(error) : resolve(zip),
    ),
  )

/**
 * Extracts the first file member (directories skipped) to `dest`. Binance zips hold exactly one CSV; yauzl checks
 * the entry size and the inflate stream, so a damaged archive fails here instead of loading half a day.
 */
export async function extractSingleMember(zipPath: string, dest: string, displayName = zipPath): Promise<Extracted> {
  let zip: yauzl.ZipFile
  try {
    zip = await openZip(zipPath)
  } catch (error) {
    throw new CorruptArchiveError(displayName, (error as Error).message)
  }
  try {
    const entry = await new Promise<yauzl.Entry | null>((resolve, reject) => {
      zip.on('entry', (e: yauzl.Entry) => (e.fileName.endsWith('/') ? zip.readEntry() : resolve(e)))
      zip.on('end', () => resolve(null))
      zip.on('error', reject)
      zip.readEntry()
    })
    if (!entry) throw new CorruptArchiveError(displayName, 'no file inside')
    const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
      zip.openReadStream(entry, (error, s) => (error ? reject(error) : resolve(s))),
    )
    await pipeline(stream, fs.createWriteStream(dest))
    return { path: dest, entry: entry.fileName, bytes: entry.uncompressedSize }
  } catch (error) {
    fs.rmSync(dest, { force: true })
    if (error instanceof CorruptArchiveError) throw error
    throw new CorruptArchiveError(displayName, (error as Error).message)
  } finally {
    zip.close()
  }
}
