// Ingestion progress for the terminal: a bar (files, rows, MB/s, ETA) on a TTY, plain lines otherwise.
import cliProgress from 'cli-progress'
import type { IngestSummary, PartitionReport, ProgressSink } from '../ingest/progress.ts'
import { summaryLine } from '../ingest/progress.ts'

export interface CliProgress extends ProgressSink {
  /** The last run's summary, once it finished. */
  readonly summary: IngestSummary | null
}

export function cliProgressSink(stream: NodeJS.WriteStream = process.stderr): CliProgress {
  return stream.isTTY ? ttyBar(stream) : plainLines()
}

function ttyBar(stream: NodeJS.WriteStream): CliProgress {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: '{source} [{bar}] {value}/{total} files | {rows} rows | {mbps} MB/s | ETA {eta_formatted} {note}',
      hideCursor: true,
      etaBuffer: 20,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  )
  let started = 0
  let bytes = 0
  let rows = 0
  let done = 0
  let summary: IngestSummary | null = null
  const payload = (note = '') => ({
    rows: rows.toLocaleString('en-US'),
    mbps: (bytes / 1e6 / Math.max(0.001, (performance.now() - started) / 1000)).toFixed(1),
    note,
  })
  return {
    get summary() {
      return summary
    },
    start({ source, partitions }) {
      started = performance.now()
      bar.start(partitions, 0, { source, ...payload() })
    },
    bytes(n) {
      bytes += n
      bar.update(payload())
    },
    partition(r: PartitionReport) {
      rows += r.rows
      done++
      if (r.outcome === 'failed') {
        // Failures are printed above the bar so they stay on screen.
        stream.write(`\r\x1b[2K${r.partitionId}: FAILED: ${r.message}\n`)
      }
      bar.update(done, payload(r.outcome === 'failed' ? '' : `${r.partitionId} ${r.outcome}`))
    },
    finish(s) {
      summary = s
      bar.update(done, payload())
      bar.stop()
    },
  }
}

function plainLines(): CliProgress {
  let total = 0
  let done = 0
  let summary: IngestSummary | null = null
  return {
    get summary() {
      return summary
    },
    start({ source, partitions }) {
      total = partitions
      console.log(`${source}: ${partitions} partition(s) planned`)
    },
    bytes: () => undefined,
    partition(r) {
      done++
      const detail = r.message ? ` (${r.message})` : ''
      console.log(`[${done}/${total}] ${r.partitionId}: ${r.outcome}, ${r.rows} rows${detail}`)
    },
    finish(s) {
      summary = s
    },
  }
}

export { summaryLine }
