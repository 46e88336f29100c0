// The Hyperliquid info endpoint (POST {base}/info): one JSON body per request type, every call charged to the run's
// weight budget as the venue counts it (1200 per minute per IP).
import type { FetchContext } from '../connector.ts'
import { parseJsonBody, SourceResponseError } from '../sourceRecord.ts'
import type { WeightBudget } from '../weightBudget.ts'

export const VENUE = 'hyperliquid'

/** Requests the docs weigh 2 (light snapshots); userRole weighs 60; every other info request 20. */
const LIGHT = new Set([
  'l2Book',
  'allMids',
  'clearinghouseState',
  'orderStatus',
  'spotClearinghouseState',
  'exchangeStatus',
])
/** Requests charged 1 more per 20 items returned. */
const PER_20_ITEMS = new Set([
  'recentTrades',
  'historicalOrders',
  'userFills',
  'userFillsByTime',
  'fundingHistory',
  'userFunding',
  'userNonFundingLedgerUpdates',
  'twapHistory',
  'userTwapSliceFills',
  'userTwapSliceFillsByTime',
  'delegatorHistory',
  'delegatorRewards',
  'validatorStats',
])

/** Weight charged before the request is sent. */
export const requestWeight = (type: string): number => (LIGHT.has(type) ? 2 : type === 'userRole' ? 60 : 20)

/** Weight charged once the response's item count is known (candleSnapshot: 1 per 60 items). */
export function itemWeight(type: string, items: number): number {
  if (type === 'candleSnapshot') return Math.floor(items / 60)
  return PER_20_ITEMS.has(type) ? Math.floor(items / 20) : 0
}

export interface InfoRequest {
  type: string
  [field: string]: unknown
}

export class InfoClient {
  readonly url: string

  constructor(
    baseUrl: string,
    readonly budget: WeightBudget,
  ) {
    this.url = `${baseUrl.replace(/\/+$/, '')}/info`
  }

  /** Sends one request and returns its parsed JSON; `source` names the request in errors. */
  async post(ctx: FetchContext, body: InfoRequest, source: string): Promise<unknown> {
    await this.budget.take(requestWeight(body.type), ctx.signal)
    const text = await ctx.http.postJson(this.url, body, {
      signal: ctx.signal,
      onBytes: ctx.onBytes,
      onRetry: (info) => ctx.log.warn({ ...info, request: body.type }, 'request failed; retrying'),
    })
    if (text === null) throw new SourceResponseError(source, `${this.url} answered 404 (is the base URL right?)`)
    const json = parseJsonBody(source, text)
    if (Array.isArray(json)) this.budget.charge(itemWeight(body.type, json.length))
    return json
  }
}
