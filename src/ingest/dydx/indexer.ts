// The dYdX v4 indexer REST API (GET {base}/v4/…): JSON objects holding one array each, ISO times, decimal strings.
import type { FetchContext } from '../connector.ts'
import { parseJsonBody, SourceResponseError } from '../sourceRecord.ts'

export const VENUE = 'dydx'

export class IndexerClient {
  readonly base: string

  constructor(baseUrl: string) {
    this.base = `${baseUrl.replace(/\/+$/, '')}/v4`
  }

  url(path: string, query: Record<string, string | number | undefined>): string {
    const params = new URLSearchParams()
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v))
    const qs = params.toString()
    return `${this.base}/${path}${qs ? `?${qs}` : ''}`
  }

  /** GETs one page and returns the parsed body; `source` names the request in errors. */
  async get(
    ctx: FetchContext,
    path: string,
    query: Record<string, string | number | undefined>,
    source: string,
  ): Promise<unknown> {
    const url = this.url(path, query)
    const text = await ctx.http.getText(url, {
      signal: ctx.signal,
      onRetry: (info) => ctx.log.warn(info, 'request failed; retrying'),
    })
    // The indexer answers 404 for an unknown market or subaccount: a wrong name, not a gap in history.
    if (text === null) throw new SourceResponseError(source, `${url} answered 404 (unknown market or subaccount?)`)
    ctx.onBytes(Buffer.byteLength(text))
    return parseJsonBody(source, text)
  }
}

/** ISO time of an epoch-microsecond instant, to the millisecond (what indexer cursors take). */
export const isoMs = (us: number): string => new Date(Math.floor(us / 1000)).toISOString()
