// Pyth Benchmarks over in-memory updates in its exact shapes: the feed list, and for a timestamp the update published
// at or just before it (404 before the feed's first update).
import type { ApiServer } from './apiServer.ts'

export interface MockUpdate {
  publishTime: number
  price: string
  conf: string
  expo: number
}

export class PythMock {
  /** Feed id (64 hex, no 0x) → symbol and updates (oldest first). */
  readonly feeds = new Map<string, { symbol: string; updates: MockUpdate[] }>()

  constructor(readonly server: ApiServer) {
    server.on('GET', '/v1/price_feeds/', (r) => {
      const q = (r.url.searchParams.get('query') ?? '').toUpperCase()
      const type = r.url.searchParams.get('asset_type')
      return {
        json: [...this.feeds.entries()]
          .filter(([, f]) => f.symbol.toUpperCase().includes(q) && (!type || f.symbol.toLowerCase().startsWith(type)))
          .map(([id, f]) => ({
            id,
            attributes: {
              asset_type: f.symbol.split('.')[0],
              base: f.symbol.split('.')[1]!.split('/')[0],
              description: `${f.symbol} price feed`,
              generic_symbol: f.symbol.split('.')[1]!.replace('/', ''),
              quote_currency: f.symbol.split('/')[1],
              symbol: f.symbol,
            },
          })),
      }
    })
    server.on('GET', /^\/v1\/updates\/price\/\d+$/, (r) => {
      const at = Number(r.path.split('/').at(-1))
      const id = (r.url.searchParams.get('ids') ?? '').replace(/^0x/, '')
      const feed = this.feeds.get(id)
      const update = feed?.updates.filter((u) => u.publishTime <= at).at(-1)
      if (!feed || !update) return { status: 404, json: { detail: 'Price update not found' } }
      const previous = feed.updates.filter((u) => u.publishTime < update.publishTime).at(-1)
      const price = { price: update.price, conf: update.conf, expo: update.expo, publish_time: update.publishTime }
      return {
        json: {
          binary: { encoding: 'hex', data: ['504e4155010000000000'] },
          parsed: [
            {
              id,
              price,
              ema_price: { ...price, price: update.price.slice(0, -1) + '0' },
              metadata: {
                slot: 100_000_000 + update.publishTime,
                proof_available_time: update.publishTime + 1,
                prev_publish_time: previous?.publishTime ?? update.publishTime,
              },
            },
          ],
        },
      }
    })
  }

  get url(): string {
    return this.server.url
  }
}
