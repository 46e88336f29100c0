// Paging backwards through dYdX indexer lists (newest first, `limit` per page, `…BeforeOrAt` / `…BeforeOrAtHeight`
// cursors): the first page is bounded by time, later pages by block height, re-reading the last block of each page
// so a block split across two pages is still read whole.

export interface BackwardPaging<T> {
  /** Period [startUs, endUs) in epoch microseconds. */
  startUs: number
  endUs: number
  limit: number
  /** The indexer's maximum page size, used when one block holds a full page. */
  maxLimit: number
  /** One page: at or before `beforeOrAt` (ISO) on the first call, at or before `beforeOrAtHeight` afterwards. */
  fetch: (cursor: { beforeOrAt?: string; beforeOrAtHeight?: number }, limit: number) => Promise<T[]>
  id: (item: T) => string
  height: (item: T) => number
  timeUs: (item: T) => number
}

/** Every item in the period, each once, in the order read (newest first). */
export async function collectBackwards<T>(paging: BackwardPaging<T>): Promise<T[]> {
  const seen = new Set<string>()
  const out: T[] = []
  // ISO cursors carry milliseconds: the last millisecond of the period, inclusive.
  let cursor: { beforeOrAt?: string; beforeOrAtHeight?: number } = {
    beforeOrAt: new Date(Math.ceil(paging.endUs / 1000) - 1).toISOString(),
  }
  let limit = paging.limit
  for (;;) {
    const page = await paging.fetch(cursor, limit)
    let minHeight = Infinity
    let maxHeight = -Infinity
    let minTime = Infinity
    for (const item of page) {
      const t = paging.timeUs(item)
      const h = paging.height(item)
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
      if (limit < paging.maxLimit) {
        limit = paging.maxLimit
        continue
      }
      throw new Error(`more than ${paging.maxLimit} records in block ${minHeight}: cannot page past it`)
    }
    cursor = { beforeOrAtHeight: minHeight }
    limit = paging.limit
  }
}
