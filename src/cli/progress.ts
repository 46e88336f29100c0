// A run's progress on the terminal, drawn from its event stream (any kind): a bar on a TTY (phase, how far, counts,
// rate, ETA; failed items printed above it), plain lines otherwise — one per finished item, or one per tenth done.
import cliProgress from 'cli-progress'
import type { RunProgress } from '../domain/run.ts'
import { summaryLine } from '../ingest/progress.ts'

/** What the view needs of a run event (jobs/progress.ts#RunEvent). */
export type ViewedEvent = { type: 'progress'; progress: RunProgress } | { type: 'status'; status: string }

export interface RunProgressView {
  event(event: ViewedEvent): void
  /** Ends the bar (idempotent). */
  stop(): void
}

export interface ViewOptions {
  /** Plain lines: `items` prints the plan and each finished item (ingestion), `tenths` a line per 10% (backtests). */
  plain: 'items' | 'tenths'
  stream?: NodeJS.WriteStream
  /** Print nothing (e.g. --json). */
  quiet?: boolean
}

const int = (n: number) => Math.round(n).toLocaleString('en-US')

/** "3 partitions" → "partition(s)": the plain plan line reads the same for one or many. */
const plural = (unit: string) => unit.replace(/s$/, '(s)')

function countsText(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([name, n]) => (name === 'bytes' ? `${(n / 1e6).toFixed(1)} MB` : `${int(n)} ${name}`))
    .join(', ')
}

export function runProgressView(options: ViewOptions): RunProgressView {
  if (options.quiet) return { event: () => undefined, stop: () => undefined }
  const stream = options.stream ?? process.stderr
  return stream.isTTY ? ttyBar(stream) : options.plain === 'items' ? itemLines() : tenthLines(stream)
}

function ttyBar(stream: NodeJS.WriteStream): RunProgressView {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      // `left`, not `eta`: cli-progress fills {eta} itself
      format: '{phase} [{bar}] {percentage}% | {done} | {counts} | {rate} | ETA {left} {note}',
      hideCursor: true,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  )
  let started = false
  let stopped = false
  return {
    event(event) {
      if (stopped || event.type !== 'progress') return
      const p = event.progress
      if (p.item?.outcome === 'failed') {
        // failures are printed above the bar so they stay on screen
        stream.write(`\r\x1b[2K${p.item.id}: FAILED: ${p.item.message ?? ''}\n`)
      }
      const total = p.total ?? 0
      const payload = {
        phase: p.phase,
        done: `${int(p.done)}/${p.total === null ? '?' : int(p.total)} ${p.unit}`,
        counts: countsText(p.counts),
        rate: p.rate === null ? '-' : `${int(p.rate)} ${p.rateUnit ?? ''}`,
        left: p.etaSeconds === null ? '-' : `${Math.ceil(p.etaSeconds)} s`,
        note: p.item && p.item.outcome !== 'failed' ? `${p.item.id} ${p.item.outcome}` : '',
      }
      if (!started) {
        started = true
        bar.start(Math.max(total, 1), p.done, payload)
      } else {
        bar.setTotal(Math.max(total, 1))
        bar.update(p.done, payload)
      }
    },
    stop() {
      if (stopped) return
      stopped = true
      if (started) bar.stop()
    },
  }
}

/** The plan, then one line per finished item: `[3/10] binance-um/aggTrades/BTCUSDT/2025-10-10: loaded, 1,000 rows`. */
function itemLines(): RunProgressView {
  let planned = false
  return {
    event(event) {
      if (event.type !== 'progress') return
      const p = event.progress
      if (!planned && p.total !== null) {
        planned = true
        console.log(`${p.phase}: ${p.total} ${plural(p.unit)} planned`)
      }
      if (!p.item) return
      const counts = Object.entries(p.item.counts ?? {}).map(([name, n]) => `, ${n} ${name}`)
      const detail = p.item.message ? ` (${p.item.message})` : ''
      console.log(`[${p.done}/${p.total ?? '?'}] ${p.item.id}: ${p.item.outcome}${counts.join('')}${detail}`)
    },
    stop: () => undefined,
  }
}

/** A line per phase and per tenth done: `replaying 40% (1234567 events)`. */
function tenthLines(stream: NodeJS.WriteStream): RunProgressView {
  let last = ''
  return {
    event(event) {
      if (event.type !== 'progress') return
      const p = event.progress
      const tenth = p.total ? Math.floor((p.done / p.total) * 10) * 10 : 0
      const key = `${p.phase} ${tenth}`
      if (key === last) return
      last = key
      const counts = Object.entries(p.counts).map(([name, n]) => `${n} ${name}`)
      stream.write(`${p.phase} ${tenth}%${counts.length ? ` (${counts.join(', ')})` : ''}\n`)
    },
    stop: () => undefined,
  }
}

export { summaryLine }
