// Hyperliquid node_fills_by_block hour files on disk, as the archive lays them out (`…/node_fills_by_block/hourly/
// YYYYMMDD/H.lz4`, one block per line: {local_time, block_time, block_number, events: [[user, fill], …]}): every perp
// fill of every user, both sides → fills; each liquidated user's own liquidation fill → liquidations; one trade per
// trade id (the taker's side) → trades, and the bars derived from them. One partition per hour file.
import fs from 'node:fs'
import path from 'node:path'
import type { SourceColumn } from '../../domain/loadSpec.ts'
import { apiPartition } from '../apiPartition.ts'
import type { PlannedPartition } from '../connector.ts'
import { daysBetween } from '../dates.ts'
import { inflateLz4 } from '../lz4Frame.ts'
import { SourceRecordError } from '../sourceRecord.ts'
import { FILL_COLUMNS, FILL_LOADS, parseFillRecord } from './fills.ts'
import { VENUE } from './info.ts'

export const NODE_FILLS_SOURCE = 'hyperliquid-node'
export const NODE_FILLS_DATASET = 'node_fills_by_block'

const c = (name: string, type: SourceColumn['type']): SourceColumn => ({ name, type })

export const NODE_FILL_COLUMNS: SourceColumn[] = [
  ...FILL_COLUMNS,
  c('block_number', 'BIGINT'),
  // set on the taker's fill of each trade id only
  c('trade_side', 'VARCHAR'),
  c('trade_tid', 'BIGINT'),
]

/** An hour file of the archive. */
export interface HourFile {
  /** 2025-10-27T17 (UTC). */
  hour: string
  path: string
}

const HOUR_NAME = /^(\d{1,2})(\.lz4)?$/

/** The hourly folder under `dir`: dir itself, or …/node_fills_by_block/hourly below it. */
export function hourlyRoot(dir: string): string {
  for (const candidate of [path.join(dir, 'node_fills_by_block', 'hourly'), path.join(dir, 'hourly'), dir]) {
    if (fs.existsSync(candidate) && fs.readdirSync(candidate).some((n) => /^\d{8}$/.test(n))) return candidate
  }
  return dir
}

/** Hour files found under `dir` (YYYYMMDD/H or HH, with or without .lz4), oldest first. */
export function findHourFiles(dir: string): HourFile[] {
  const root = hourlyRoot(dir)
  const out: HourFile[] = []
  for (const day of fs.existsSync(root) ? fs.readdirSync(root).sort() : []) {
    if (!/^\d{8}$/.test(day) || !fs.statSync(path.join(root, day)).isDirectory()) continue
    for (const name of fs.readdirSync(path.join(root, day))) {
      const m = HOUR_NAME.exec(name)
      if (!m || Number(m[1]) > 23) continue
      const hour = `${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6, 8)}T${m[1]!.padStart(2, '0')}`
      out.push({ hour, path: path.join(root, day, name) })
    }
  }
  return out.sort((a, b) => a.hour.localeCompare(b.hour) || a.path.localeCompare(b.path))
}

/** Spot fills (`@107`, dir Buy / Sell) are not perps: they are counted and left out. */
const isSpot = (coin: unknown, dir: unknown) =>
  (typeof coin === 'string' && coin.startsWith('@')) || dir === 'Buy' || dir === 'Sell'

export interface NodeFillsCounts {
  blocks: number
  fills: number
  spotSkipped: number
}

/**
 * Parses the lines of one hour file and writes one normalized row per perp fill; `source` names the file in errors.
 * A trade is written once, on its taker's fill (crossed); a liquidation once, on the liquidated user's own fill.
 */
export function writeNodeFills(
  source: string,
  lines: Iterable<string>,
  write: (row: Record<string, string | number | boolean | null>) => void,
): NodeFillsCounts {
  const counts: NodeFillsCounts = { blocks: 0, fills: 0, spotSkipped: 0 }
  let lineNo = 0
  for (const line of lines) {
    lineNo++
    if (line.trim() === '') continue
    let block: unknown
    try {
      block = JSON.parse(line)
    } catch {
      throw new SourceRecordError(source, `line ${lineNo}`, '(line)', line.slice(0, 200), 'one JSON block per line')
    }
    const events = (block as { events?: unknown } | null)?.events
    const blockNumber = (block as { block_number?: unknown }).block_number
    if (!Array.isArray(events))
      throw new SourceRecordError(source, `line ${lineNo}`, 'events', events, 'an array of [user, fill] pairs')
    if (typeof blockNumber !== 'number' || !Number.isSafeInteger(blockNumber))
      throw new SourceRecordError(source, `line ${lineNo}`, 'block_number', blockNumber, 'an integer block number')
    counts.blocks++
    events.forEach((event, i) => {
      const where = `line ${lineNo} (block ${blockNumber})`
      if (!Array.isArray(event) || event.length !== 2 || typeof event[0] !== 'string')
        throw new SourceRecordError(source, where, `events[${i}]`, event, 'a [user, fill] pair')
      const [user, fill] = event as [string, Record<string, unknown>]
      if (isSpot(fill?.coin, fill?.dir)) {
        counts.spotSkipped++
        return
      }
      const parsed = parseFillRecord(`${source} ${where}`, i, fill, user)
      const row = parsed.row
      const own = row.liq_account !== null && String(row.liq_account).toLowerCase() === user.toLowerCase()
      counts.fills++
      write({
        ...row,
        // a counterparty's fill of a liquidation stays flagged in fills, but the liquidation is recorded once
        liq_side: own ? (row.liq_side ?? null) : null,
        block_number: blockNumber,
        trade_side: fill.crossed === true ? (row.side ?? null) : null,
        trade_tid: fill.crossed === true && row.trade_id !== null ? Number(row.trade_id) : null,
      })
    })
  }
  return counts
}

/** The lines of an hour file, inflated when it is LZ4 (by its magic number, whatever its name). */
export function* hourFileLines(file: string): Generator<string> {
  const bytes = fs.readFileSync(file)
  const lz4 = bytes.length >= 4 && bytes.readUInt32LE(0) === 0x184d2204
  const decoder = new TextDecoder('utf-8', { fatal: true })
  let rest = ''
  const chunks: string[] = []
  const take = (chunk: Uint8Array) => chunks.push(decoder.decode(chunk, { stream: true }))
  if (lz4) inflateLz4(bytes, file, take)
  else take(bytes)
  chunks.push(decoder.decode())
  for (const chunk of chunks) {
    const parts = (rest + chunk).split(/\r?\n/)
    rest = parts.pop()!
    yield* parts
  }
  if (rest) yield rest
}

export interface NodeFillsPlan {
  dir: string
  /** Inclusive UTC days (YYYY-MM-DD); without them every hour file under dir. */
  from?: string
  to?: string
}

/** One partition per hour file; with from/to every hour of those days, an absent hour file recorded as missing. */
export function planNodeFills(plan: NodeFillsPlan): PlannedPartition[] {
  const found = findHourFiles(plan.dir)
  const byHour = new Map(found.map((f) => [f.hour, f]))
  const hours =
    plan.from && plan.to
      ? daysBetween(plan.from, plan.to).flatMap((d) =>
          Array.from({ length: 24 }, (_x, h) => `${d}T${String(h).padStart(2, '0')}`),
        )
      : [...byHour.keys()]
  return hours.map((hour) => {
    const file = byHour.get(hour)
    const where =
      file?.path ??
      path.join(hourlyRoot(plan.dir), hour.slice(0, 10).replaceAll('-', ''), String(Number(hour.slice(11))))
    const start = new Date(`${hour}:00:00Z`)
    return apiPartition({
      key: { source: NODE_FILLS_SOURCE, dataset: NODE_FILLS_DATASET, venue: VENUE, market: 'all', period: hour },
      table: 'fills,liquidations,trades',
      file: where,
      columns: NODE_FILL_COLUMNS,
      periodStart: start,
      periodEnd: new Date(start.getTime() + 3_600_000),
      tradeBars: {},
      loads: [
        ...FILL_LOADS,
        {
          kind: 'rows',
          table: 'trades',
          requireNotNull: ['trade_side'],
          values: {
            market: { column: 'market' },
            ts: { epoch: 'time', unit: 'ms' },
            price: { column: 'price' },
            qty: { column: 'qty' },
            side: { column: 'trade_side' },
            trade_id: { column: 'trade_tid' },
          },
        },
      ],
      emptyIsMissing: true,
      async collect(ctx, out) {
        if (!file) return { missing: true }
        const counts = writeNodeFills(
          `${NODE_FILLS_DATASET} ${path.basename(path.dirname(file.path))}/${path.basename(file.path)}`,
          hourFileLines(file.path),
          (row) => out.write(row),
        )
        ctx.log.info({ hour, ...counts }, 'node fills hour read')
        return {}
      },
    })
  })
}
