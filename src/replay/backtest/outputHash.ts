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

  /**
   * sha256 over every column's name and digest in name order, then the `trailer` lines (e.g. account names).
   * Columns this hash was not fed come from `shared` (an accounting lane's: the kernel's columns it shares, whose
   * bytes are the kernel's from the first row to the last). Non-destructive: each stream is digested from a copy.
   */
  digest(trailer: Iterable<string>, shared?: OutputHash): string {
    const out = crypto.createHash('sha256')
    const keys = new Set([...this.columns.keys(), ...(shared?.columns.keys() ?? [])])
    for (const key of [...keys].sort()) {
      const stream = this.columns.get(key) ?? shared!.columns.get(key)!
      out.update(`${key}:${stream.copy().digest('hex')}\n`)
    }
    for (const line of trailer) out.update(`${line}\n`)
    return out.digest('hex')
  }
}
