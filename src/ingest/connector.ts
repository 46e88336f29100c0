// The contract between a source connector and the orchestrator: a connector plans partitions and, for each, fetches
// and describes a local file (download, verify, unzip; or page through an API into NDJSON). It never touches the store.
import type { Logger } from '../obs/logger.ts'
import type { LoadRequest, PartitionKey } from '../domain/loadSpec.ts'
import type { HttpClient } from './http.ts'
import type { TempFiles } from './tempFiles.ts'

export interface FetchContext {
  http: HttpClient
  temp: TempFiles
  signal: AbortSignal
  log: Logger
  /** Body bytes as they arrive, for throughput. */
  onBytes: (bytes: number) => void
  /** Seconds a fetch spent in one of its steps (e.g. download, unzip), for the run's timings. */
  onStage?: (stage: FetchStage, seconds: number) => void
}

/** Steps of a fetch that are timed separately (the download includes its streamed checksum). */
export type FetchStage = 'download' | 'unzip'

/** What the source says about a partition's file without downloading it. */
export type Probe = { kind: 'missing' } | { kind: 'checksum'; sha256: string }

export type Fetched =
  /**
   * The source has no data for the period: recorded as a gap. `reason` empty-at-source: the file exists but holds no
   * data row (empty, a header, blank lines). `scratch`: local files to delete.
   */
  | { kind: 'missing'; file: string; reason?: 'empty-at-source'; scratch?: string[] }
  | {
      kind: 'ready'
      request: Omit<LoadRequest, 'jobRunId'>
      /** Local files to delete once the partition is loaded or failed. */
      scratch: string[]
      /** Bytes downloaded (compressed), for the summary. */
      bytes: number
      /**
       * The file is made of bytes that matched a checksum the source published (Binance's .CHECKSUM), so a `.gz` of
       * it needs no whole-file CRC and length check before DuckDB reads it.
       */
      checksumVerified?: boolean
    }

export interface PlannedPartition {
  key: PartitionKey
  /** The normalized table(s) it loads, comma-separated (recorded for a gap too). */
  table: string
  /** Upstream file (URL or path), for messages and the manifest of a gap. */
  file: string
  /**
   * Asks the source for the file's current checksum without downloading it. Present only for sources that publish
   * one (Binance's .CHECKSUM): a loaded partition is then skipped only while the checksum is unchanged. Without it a
   * loaded partition is skipped as is.
   */
  probe?: (ctx: FetchContext) => Promise<Probe>
  /** Downloads, verifies and describes the file; `probe` is the answer probe gave, when it was asked. */
  fetch: (ctx: FetchContext, probe: Probe | null) => Promise<Fetched>
}
