// Normalized rows of one API partition written to a temp NDJSON file for the store's loader: API connectors page
// through JSON, write what they parsed here, and hand the file to the same atomic loader archive sources use.
import crypto from 'node:crypto'
import fs from 'node:fs'

const FLUSH_BYTES = 1 << 20

export interface WrittenFile {
  path: string
  rows: number
  bytes: number
  /** sha256 of the file: what the partition manifest records as its checksum. */
  sha256: string
}

/** Appends one JSON object per line; values that must stay exact are strings (decimals) or safe integers. */
export class NdjsonFile {
  private readonly fd: number
  private readonly hash = crypto.createHash('sha256')
  private buffer: string[] = []
  private buffered = 0
  private rows = 0
  private bytes = 0
  private closed = false

  constructor(readonly path: string) {
    this.fd = fs.openSync(path, 'w')
  }

  write(row: Readonly<Record<string, string | number | boolean | null>>): void {
    if (this.closed) throw new Error(`${this.path} is closed`)
    const line = JSON.stringify(row) + '\n'
    this.buffer.push(line)
    this.buffered += line.length
    this.rows++
    if (this.buffered >= FLUSH_BYTES) this.flush()
  }

  private flush(): void {
    if (this.buffer.length === 0) return
    const chunk = Buffer.from(this.buffer.join(''))
    this.buffer = []
    this.buffered = 0
    this.hash.update(chunk)
    this.bytes += chunk.length
    for (let offset = 0; offset < chunk.length;) offset += fs.writeSync(this.fd, chunk, offset)
  }

  close(): WrittenFile {
    if (!this.closed) {
      this.flush()
      fs.closeSync(this.fd)
      this.closed = true
    }
    return { path: this.path, rows: this.rows, bytes: this.bytes, sha256: this.hash.copy().digest('hex') }
  }

  /** Closes without keeping the file (a failed partition). */
  discard(): void {
    if (!this.closed) {
      fs.closeSync(this.fd)
      this.closed = true
    }
    fs.rmSync(this.path, { force: true })
  }
}
