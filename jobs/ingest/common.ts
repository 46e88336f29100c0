// What every ingestion job shares: the HTTP client from configuration, and running planned partitions through the
// orchestrator into a JobOutcome (with progress events).
import type { Config } from '../../src/config/load.ts'
import type { PlannedPartition } from '../../src/ingest/connector.ts'
import { HttpClient } from '../../src/ingest/http.ts'
import { ingestPartitions } from '../../src/ingest/orchestrator.ts'
import type { PartitionReport, ProgressSink } from '../../src/ingest/progress.ts'
import type { JobContext, JobOutcome } from '../job.ts'

export function httpClientFor(config: Config, headers?: Record<string, string>): HttpClient {
  return new HttpClient({
    timeoutMs: config.ingestHttpTimeoutMs,
    retries: config.ingestHttpRetries,
    backoffMs: config.ingestRetryBaseMs,
    maxBackoffMs: 60_000,
    // Requests in flight: a little above the partitions in flight, so CHECKSUM probes are not starved.
    concurrency: config.ingestConcurrency + 2,
    ...(headers ? { headers } : {}),
  })
}

/** Runs planned partitions and turns the result into the job's outcome (a gap counts as skipped). */
export async function runIngestion(
  context: JobContext,
  source: string,
  planned: PlannedPartition[],
  options: { force: boolean; http?: HttpClient },
): Promise<JobOutcome> {
  const { runtime, log, signal, runId } = context
  const result = await ingestPartitions(runtime.duck, planned, {
    source,
    http: options.http ?? httpClientFor(runtime.config),
    log,
    signal,
    force: options.force,
    concurrency: runtime.config.ingestConcurrency,
    tmpDir: runtime.config.ingestTmpDir,
    jobRunId: runId,
    progress: ingestProgress(context, source),
    onLoaded: (r) => runtime.metrics.rowsIngested.inc({ source, dataset: r.dataset }, r.rows),
  })
  if (result.changedUpstream.length) {
    log.warn({ partitions: result.changedUpstream }, 'upstream files changed since they were loaded; reloaded')
  }
  if (result.aborted) log.warn('ingestion stopped early: the run was aborted (remaining partitions left for later)')
  const { errors: _errors, ...summary } = result
  return {
    partitionsLoaded: result.loaded,
    partitionsSkipped: result.skipped + result.missing,
    partitionsFailed: result.failed,
    rows: result.rows,
    errors: result.errors,
    result: summary,
  }
}

/** The orchestrator's progress as run progress events: partitions done of planned, rows/s, each partition's outcome. */
function ingestProgress(context: JobContext, source: string): ProgressSink {
  let total = 0
  let done = 0
  let rows = 0
  let bytes = 0
  const update = (item?: PartitionReport) =>
    context.progress.update({
      phase: source,
      done,
      total,
      unit: 'partitions',
      counts: { rows, bytes },
      rateOf: { count: rows, unit: 'rows/s' },
      ...(item
        ? {
            item: {
              id: item.partitionId,
              outcome: item.outcome,
              ...(item.message !== undefined ? { message: item.message } : {}),
              counts: { rows: item.rows },
            },
          }
        : {}),
    })
  return {
    start({ partitions }) {
      total = partitions
      update()
    },
    bytes(n) {
      bytes += n
      update()
    },
    partition(report) {
      done++
      rows += report.rows
      update(report)
    },
    finish: () => undefined,
  }
}
