// A dYdX v4 indexer over in-memory records in the indexer's exact shapes: lists newest first (by block height),
// `limit` up to 1000, `…BeforeOrAt` / `…BeforeOrAtHeight` cursors inclusive, 404 for an unknown market.
import type { ApiReply, ApiRequest, ApiServer } from './apiServer.ts'

type Rec = Record<string, unknown>

const MAX_LIMIT = 1000

export class DydxMock {
  readonly trades = new Map<string, Rec[]>()
  readonly funding = new Map<string, Rec[]>()
  /** Per `${market}/${resolution}`. */
  readonly candles = new Map<string, Rec[]>()
  /** Per `${address}/${subaccountNumber}`. */
  readonly fills = new Map<string, Rec[]>()
  readonly transfers = new Map<string, Rec[]>()

  constructor(readonly server: ApiServer) {
    server.on('GET', /^\/v4\/trades\/perpetualMarket\//, (r) =>
      this.list(r, this.trades.get(last(r)), 'trades', 'createdAt', 'createdAtHeight', 'created'),
    )
    server.on('GET', /^\/v4\/historicalFunding\//, (r) =>
      this.list(r, this.funding.get(last(r)), 'historicalFunding', 'effectiveAt', 'effectiveAtHeight', 'effective'),
    )
    server.on('GET', /^\/v4\/candles\/perpetualMarkets\//, (r) => this.candlesOf(r))
    server.on('GET', '/v4/fills', (r) =>
      this.list(r, this.fills.get(subaccount(r)) ?? [], 'fills', 'createdAt', 'createdAtHeight', 'created'),
    )
    server.on('GET', '/v4/transfers', (r) =>
      this.list(r, this.transfers.get(subaccount(r)) ?? [], 'transfers', 'createdAt', 'createdAtHeight', 'created'),
    )
  }

  get url(): string {
    return this.server.url
  }

  private limitOf(r: ApiRequest): number | ApiReply {
    const limit = Number(r.url.searchParams.get('limit') ?? 100)
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
      return {
        status: 400,
        json: { errors: [{ msg: `limit must be a positive integer that is not greater than max: ${MAX_LIMIT}` }] },
      }
    return limit
  }

  private list(
    r: ApiRequest,
    records: Rec[] | undefined,
    key: string,
    timeKey: string,
    heightKey: string,
    prefix: string,
  ): ApiReply {
    if (!records)
      return { status: 404, json: { errors: [{ msg: `${last(r)} not found in tickers of type PERPETUAL` }] } }
    const limit = this.limitOf(r)
    if (typeof limit !== 'number') return limit
    const at = r.url.searchParams.get(`${prefix}BeforeOrAt`)
    const height = r.url.searchParams.get(`${prefix}BeforeOrAtHeight`)
    const selected = records
      .filter(
        (x) =>
          (at === null || Date.parse(String(x[timeKey])) <= Date.parse(at)) &&
          (height === null || Number(x[heightKey]) <= Number(height)),
      )
      .sort((a, b) => Number(b[heightKey]) - Number(a[heightKey]))
      .slice(0, limit)
    return { json: { [key]: selected } }
  }

  private candlesOf(r: ApiRequest): ApiReply {
    const resolution = r.url.searchParams.get('resolution')
    const list = this.candles.get(`${last(r)}/${resolution}`)
    if (!list) return { status: 404, json: { errors: [{ msg: 'not found' }] } }
    const limit = this.limitOf(r)
    if (typeof limit !== 'number') return limit
    const from = Date.parse(r.url.searchParams.get('fromISO') ?? '1970-01-01T00:00:00Z')
    const to = Date.parse(r.url.searchParams.get('toISO') ?? '2100-01-01T00:00:00Z')
    const selected = list
      .filter((c) => Date.parse(String(c.startedAt)) >= from && Date.parse(String(c.startedAt)) <= to)
      .sort((a, b) => Date.parse(String(b.startedAt)) - Date.parse(String(a.startedAt)))
      .slice(0, limit)
    return { json: { candles: selected } }
  }
}

const last = (r: ApiRequest) => decodeURIComponent(r.path.split('/').at(-1)!)
const subaccount = (r: ApiRequest) =>
  `${r.url.searchParams.get('address')}/${r.url.searchParams.get('subaccountNumber')}`

/** Trades of one market and day in blocks of 1–9 (one block of `bigBlock` trades), newest height last. */
export function makeTrades(day: string, count: number, options: { firstHeight: number; bigBlock?: number }): Rec[] {
  const start = Date.parse(`${day}T00:00:00Z`)
  const out: Rec[] = []
  let height = options.firstHeight
  let block = 0
  while (out.length < count) {
    const size = block === 7 && options.bigBlock ? options.bigBlock : (block % 9) + 1
    const createdAt = new Date(start + 1000 + block * 97_000).toISOString()
    for (let k = 0; k < size && out.length < count; k++) {
      const i = out.length
      out.push({
        id: `${height.toString(16).padStart(8, '0')}${'2'.padStart(8, '0')}${k.toString(16).padStart(8, '0')}`,
        side: i % 2 ? 'SELL' : 'BUY',
        size: (0.001 * (1 + (i % 13))).toFixed(3),
        price: (60_000 + (i % 50) * 1.5).toFixed(1),
        type: i % 3 ? 'LIMIT' : 'MARKET',
        createdAt,
        createdAtHeight: String(height),
      })
    }
    height += 3
    block++
  }
  return out
}
