// The run's output hash: one sha256 stream per output column, so the digest depends on the rows alone and not on
// where the runner cut them into flushes (a column's bytes arrive in order whatever the flush size).
import crypto, { type Hash } from 'node:crypto'
import type { OutputBytesSink } from './outputs.ts'

export class OutputHash implements OutputBytesSink {
  private readonly columns = new Map<string, Hash>()

  /** Appends the next rows of `table.column` (float64 bytes, in row order). */
  update(table: string, column: string, bytes: Uint8Array): void {
    const key = `${table}.${column}`
    let hash = this.columns.get(key)
    if (!hash) this.columns.set(key, (hash = crypto.createHash('sha256')))
    hash.update(bytes)
  }

  /** sha256 over every column's name and digest in name order, then the `trailer` lines (e.g. account names). */
  digest(trailer: Iterable<string>): string {
    const out = crypto.createHash('sha256')
    for (const key of [...this.columns.keys()].sort()) out.update(`${key}:${this.columns.get(key)!.digest('hex')}\n`)
    for (const line of trailer) out.update(`${line}\n`)
    return out.digest('hex')
  }
}
