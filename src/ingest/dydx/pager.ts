// Paging backwards through dYdX indexer lists (newest first, `limit` per page, `…BeforeOrAt` / `…BeforeOrAtHeight`
// cursors): the first page is bounded by time, later pages by block height, re-reading the last block of each page
// so a block split across two pages is still read whole. A subaccount's lists (fills, transfers) share one partition
// shape on top of it.
import type { SourceColumn, TableLoad } from '../../domain/loadSpec.ts'
import { apiPartition } from '../apiPartition.ts'
import type { FetchContext, PlannedPartition } from '../connector.ts'
import { dayWindow } from '../dates.ts'
import { accountOf, type Subaccount } from './account.ts'
import { VENUE, type IndexerClient } from './indexer.ts'
import { PAGE_LIMIT, PAGE_LIMIT_MAX } from './limits.ts'

/** What paging needs of a parsed indexer record: its block height and time (epoch µs). */
export interface IndexerRecord {
  height: number
  ts: number
}

export interface BackwardPaging<T extends IndexerRecord> {
  /** Period [startUs, endUs) in epoch microseconds. */
  startUs: number
  endUs: number
  /** Page size (default PAGE_LIMIT). */
  limit?: number
  /** The indexer's maximum page size, used when one block holds a full page (default PAGE_LIMIT_MAX). */
  maxLimit?: number
  /** One page: at or before `beforeOrAt` (ISO) on the first call, at or before `beforeOrAtHeight` afterwards. */
  fetch: (cursor: { beforeOrAt?: string; beforeOrAtHeight?: number }, limit: number) => Promise<T[]>
  /** The record's identity, so a block re-read across pages is kept once. */
  id: (item: T) => string
}

/** Every item in the period, each once, in the order read (newest first). */
export async function collectBackwards<T extends IndexerRecord>(paging: BackwardPaging<T>): Promise<T[]> {
  const pageLimit = paging.limit ?? PAGE_LIMIT
  const maxLimit = paging.maxLimit ?? PAGE_LIMIT_MAX
  const seen = new Set<string>()
  const out: T[] = []
  // ISO cursors carry milliseconds: the last millisecond of the period, inclusive.
  let cursor: { beforeOrAt?: string; beforeOrAtHeight?: number } = {
    beforeOrAt: new Date(Math.ceil(paging.endUs / 1000) - 1).toISOString(),
  }
  let limit = pageLimit
  for (;;) {
    const page = await paging.fetch(cursor, limit)
    let minHeight = Infinity
    let maxHeight = -Infinity
    let minTime = Infinity
    for (const item of page) {
      const t = item.ts
      const h = item.height
      if (h < minHeight) minHeight = h
      if (h > maxHeight) maxHeight = h
      if (t < minTime) minTime = t
      const id = paging.id(item)
      if (seen.has(id)) continue
      seen.add(id)
      if (t >= paging.startUs && t < paging.endUs) out.push(item)
    }
    if (page.length < limit || minTime < paging.startUs) return out
    if (minHeight === maxHeight) {
      // One block filled the page: read it again with the largest page the indexer allows.
      if (limit < maxLimit) {
        limit = maxLimit
        continue
      }
      throw new Error(`more than ${maxLimit} records in block ${minHeight}: cannot page past it`)
    }
    cursor = { beforeOrAtHeight: minHeight }
    limit = pageLimit
  }
}

/**
 * Every record of one indexer list (`path`, with `query` for the account or market) in a day window, read backwards
 * page by page (the cursor style every dYdX list shares) and parsed by `parse`; each once, newest first.
 */
export function collectIndexerDay<T extends IndexerRecord & { id: string }>(options: {
  indexer: IndexerClient
  ctx: FetchContext
  path: string
  query?: Record<string, string | number>
  window: { startUs: number; endUs: number }
  /** Names the source in request and record errors. */
  source: string
  parse: (body: unknown) => T[]
}): Promise<T[]> {
  const { indexer, ctx, path, source } = options
  return collectBackwards({
    startUs: options.window.startUs,
    endUs: options.window.endUs,
    id: (item: T) => item.id,
    fetch: async (cursor, limit) =>
      options.parse(
        await indexer.get(
          ctx,
          path,
          {
            ...options.query,
            limit,
            createdBeforeOrAt: cursor.beforeOrAt,
            createdBeforeOrAtHeight: cursor.beforeOrAtHeight,
          },
          source,
        ),
      ),
  })
}

/** A parsed record of a subaccount's list, with the normalized row it writes. */
export interface SubaccountRecord extends IndexerRecord {
  id: string
  row: Record<string, string | number | boolean | null>
}

/**
 * One day of one subaccount's indexer list (`path`: fills, transfers) as a partition of `dataset`, keyed by the
 * account: every record of the day, written oldest first (within a block, the indexer's newest-first order reversed).
 */
export function subaccountDayPartition<T extends SubaccountRecord>(o: {
  indexer: IndexerClient
  subaccount: Subaccount
  day: string
  path: string
  dataset: string
  table: string
  columns: SourceColumn[]
  loads: TableLoad[]
  parse: (source: string, body: unknown, subaccount: Subaccount) => T[]
}): PlannedPartition {
  const { indexer, subaccount, day, path } = o
  const w = dayWindow(day)
  const account = accountOf(subaccount)
  const source = `${VENUE} ${path} ${account} ${day}`
  return apiPartition({
    key: { source: VENUE, dataset: o.dataset, venue: VENUE, market: account, period: day },
    table: o.table,
    file: indexer.url(path, { ...subaccount, day }),
    columns: o.columns,
    loads: o.loads,
    periodStart: w.start,
    periodEnd: w.end,
    async collect(ctx, out) {
      const records = await collectIndexerDay({
        indexer,
        ctx,
        path,
        query: { address: subaccount.address, subaccountNumber: subaccount.subaccountNumber },
        window: w,
        source,
        parse: (body) => o.parse(source, body, subaccount),
      })
      records.reverse().sort((a, b) => a.ts - b.ts)
      for (const r of records) out.write(r.row)
    },
  })
}
