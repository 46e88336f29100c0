// Upstream checksum files (`sha256sum` format, as Binance publishes beside each zip) and local file hashing.
import crypto from 'node:crypto'
import fs from 'node:fs'
import { pipeline } from 'node:stream/promises'

/** The downloaded file does not match the checksum published for it. */
export class ChecksumMismatchError extends Error {
  constructor(
    readonly file: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`${file}: checksum mismatch: published sha256 ${expected}, downloaded file has ${actual}`)
    this.name = 'ChecksumMismatchError'
  }
}

/** The hex digest from a `sha256sum` line (`<64 hex>  <file name>`); null when the text is not one. */
export function parseSha256Line(text: string): string | null {
  const match = /^\s*([0-9a-fA-F]{64})\b/.exec(text)
  return match ? match[1]!.toLowerCase() : null
}

export async function sha256File(file: string): Promise<string> {
  const hash = crypto.createHash('sha256')
  await pipeline(fs.createReadStream(file), hash)
  return hash.digest('hex')
}
