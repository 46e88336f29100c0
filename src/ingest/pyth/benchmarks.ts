// Pyth Benchmarks (historical price updates): the feed id behind a symbol such as Crypto.BTC/USD, and the update
// published at or just before an instant, with price and confidence scaled exactly by 10^expo.
import type { FetchContext } from '../connector.ts'
import { scaleInteger } from '../decimal.ts'
import { arrayBody, FieldReader, parseJsonBody, SourceResponseError } from '../sourceRecord.ts'
import type { WeightBudget } from '../weightBudget.ts'

export const VENUE = 'pyth'

/** A feed id: 32 bytes of hex, with or without 0x. */
export const isFeedId = (text: string): boolean => /^(0x)?[0-9a-fA-F]{64}$/.test(text)
const bareId = (id: string) => id.replace(/^0x/, '').toLowerCase()

export interface OracleUpdate {
  /** publish_time, epoch seconds. */
  publishTime: number
  /** price × 10^expo and conf × 10^expo, exact decimal text. */
  price: string
  confidence: string
}

export class BenchmarksClient {
  readonly base: string

  constructor(
    baseUrl: string,
    readonly budget: WeightBudget,
  ) {
    this.base = baseUrl.replace(/\/+$/, '')
  }

  private async get(ctx: FetchContext, url: string, source: string): Promise<unknown | null> {
    await this.budget.take(1, ctx.signal)
    const text = await ctx.http.getText(url, {
      signal: ctx.signal,
      onRetry: (info) => ctx.log.warn(info, 'request failed; retrying'),
    })
    if (text === null) return null
    ctx.onBytes(Buffer.byteLength(text))
    return parseJsonBody(source, text)
  }

  /** The feed id of a symbol (`Crypto.BTC/USD`), from the feed list; an id is returned as is. */
  async feedId(ctx: FetchContext, symbol: string): Promise<string> {
    if (isFeedId(symbol)) return bareId(symbol)
    const source = `${VENUE} price_feeds ${symbol}`
    const [assetType = '', name = symbol] = symbol.includes('.') ? symbol.split(/\.(.*)/s) : ['', symbol]
    const query = name.split('/')[0] ?? name
    const url =
      `${this.base}/v1/price_feeds/?query=${encodeURIComponent(query)}` +
      (assetType ? `&asset_type=${encodeURIComponent(assetType.toLowerCase())}` : '')
    const body = await this.get(ctx, url, source)
    if (body === null) throw new SourceResponseError(source, `${url} answered 404 (is the base URL right?)`)
    for (const [index, record] of arrayBody(source, body).entries()) {
      const r = new FieldReader(source, index, record)
      if (r.optionalString('attributes.symbol') === symbol) return bareId(r.string('id'))
    }
    throw new SourceResponseError(source, `no feed has the symbol ${symbol} (symbols look like Crypto.BTC/USD)`)
  }

  /** The update published at or just before `atSeconds`, or null when the feed has none then (404). */
  async updateAt(ctx: FetchContext, feedId: string, atSeconds: number, label: string): Promise<OracleUpdate | null> {
    const source = `${VENUE} updates/price ${label} at ${new Date(atSeconds * 1000).toISOString()}`
    const url = `${this.base}/v1/updates/price/${atSeconds}?ids=${feedId}&parsed=true`
    const body = await this.get(ctx, url, source)
    if (body === null) return null
    const parsed = arrayBody(source, body, 'parsed')
    const index = parsed.findIndex(
      (p) => typeof (p as { id?: unknown })?.id === 'string' && bareId((p as { id: string }).id) === feedId,
    )
    if (index < 0) throw new SourceResponseError(source, `response field parsed: no entry for feed ${feedId}`)
    const r = new FieldReader(source, index, parsed[index])
    r.identity = `feed ${feedId}`
    const expo = r.integer('price.expo')
    return {
      publishTime: r.integer('price.publish_time'),
      price: scaleInteger(r.integerText('price.price'), expo),
      confidence: scaleInteger(r.integerText('price.conf'), expo),
    }
  }
}
