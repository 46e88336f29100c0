// Progress events an ingestion run emits, for CLI bars or log lines; the orchestrator reports, a sink renders.

export type PartitionOutcome = 'loaded' | 'skipped' | 'missing' | 'failed'

export interface PartitionReport {
  partitionId: string
  outcome: PartitionOutcome
  rows: number
  bytes: number
  /** Why it failed, was skipped, or what changed upstream. */
  message?: string
}

export interface IngestSummary {
  partitions: number
  loaded: number
  skipped: number
  missing: number
  failed: number
  rows: number
  bytes: number
  seconds: number
  /** Partitions whose upstream file changed since it was loaded (reloaded). */
  changedUpstream: string[]
}

export interface ProgressSink {
  start(info: { source: string; partitions: number }): void
  bytes(count: number): void
  partition(report: PartitionReport): void
  finish(summary: IngestSummary): void
}

export const silentProgress: ProgressSink = {
  start: () => undefined,
  bytes: () => undefined,
  partition: () => undefined,
  finish: () => undefined,
}

/** One line per run summarising counts: the CLI prints it last. */
export function summaryLine(s: IngestSummary): string {
  const mb = s.bytes / 1e6
  return (
    `partitions: ${s.loaded} loaded, ${s.skipped} skipped, ${s.missing} missing at source, ${s.failed} failed; ` +
    `rows ${s.rows}; ${mb.toFixed(1)} MB in ${s.seconds.toFixed(1)} s` +
    (s.seconds > 0 && s.rows > 0 ? ` (${Math.round(s.rows / s.seconds)} rows/s)` : '')
  )
}
