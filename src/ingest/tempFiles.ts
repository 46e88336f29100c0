// Scratch files for downloads and extracted members: one directory per run, removed when the run ends.
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export class TempFiles {
  readonly dir: string

  constructor(parent: string = os.tmpdir()) {
    fs.mkdirSync(parent, { recursive: true })
    this.dir = fs.mkdtempSync(path.join(parent, 'backstop-ingest-'))
  }

  /** A fresh path in the run's directory ending with `name` (kept readable in DuckDB error messages). */
  path(name: string): string {
    return path.join(this.dir, `${crypto.randomUUID().slice(0, 8)}-${path.basename(name)}`)
  }

  remove(...files: Array<string | null | undefined>): void {
    for (const file of files) if (file) fs.rmSync(file, { force: true })
  }

  dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true })
  }
}
