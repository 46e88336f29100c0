// The data generation: a value that changes after every committed write a reader could see, so an answer computed
// from the stores can be reused exactly until the next write (the API's response cache, src/api/responseCache.ts).
// Two parts: a counter this process bumps after its DuckDB writes commit (DuckStore.transaction, run results, a run
// reaching a terminal state, a mutation), and the metadata file's own change counter, which SQLite moves on every
// committed write from any process (a CLI revoking a key or cancelling a run while the server runs included).
import fs from 'node:fs'

let counter = 0

/** Called after a write has committed: every answer computed before it is stale from now on. */
export function bumpDataGeneration(): void {
  counter++
}

/** This process's write counter (tests read it to prove a write path bumps it). */
export function localDataGeneration(): number {
  return counter
}

/** Bytes 18–27 of a SQLite file header: write/read format versions at 18–19, the file change counter at 24–27. */
const HEADER_FROM = 18
const HEADER_LENGTH = 10

/**
 * Reads the data generation of a process whose metadata store is the SQLite file `metaFile`: a string equal between
 * two calls exactly when no write committed in between, or null when it cannot be known (the file is unreadable, or
 * in WAL mode, where SQLite leaves the change counter alone): a caller must then not reuse anything.
 */
export interface GenerationReader {
  read(): string | null
  close(): void
}

export function generationReader(metaFile: string): GenerationReader {
  let fd: number | undefined
  const header = Buffer.alloc(HEADER_LENGTH)
  return {
    read() {
      try {
        fd ??= fs.openSync(metaFile, 'r')
        if (fs.readSync(fd, header, 0, HEADER_LENGTH, HEADER_FROM) !== HEADER_LENGTH) return null
      } catch {
        return null
      }
      // format version 2 is WAL: commits go to the -wal file and the change counter does not move
      if (header[0] !== 1 || header[1] !== 1) return null
      return `${counter}.${header.readUInt32BE(6)}`
    },
    close() {
      if (fd !== undefined) fs.closeSync(fd)
      fd = undefined
    },
  }
}
