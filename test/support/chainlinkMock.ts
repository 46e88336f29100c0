// An Ethereum JSON-RPC endpoint (single and batch eth_call) serving Chainlink proxies from in-memory rounds, as a
// real proxy answers: getRoundData of round 0 of a phase returns zeros, a round that does not exist reverts, an
// address without code returns empty data. The URL path carries a fake API key, which must never be shown.
import type { Round } from '../../src/ingest/chainlink/rounds.ts'
import type { ApiRequest, ApiServer } from './apiServer.ts'

export const RPC_KEY_PATH = '/v3/SECRET-KEY-f00dfeed'

export interface MockFeed {
  decimals: number
  description: string
  /** Rounds by proxy round id (phase << 64 | round), zero rounds included as published. */
  rounds: Map<bigint, Round>
}

const word = (v: bigint) => (v < 0n ? (1n << 256n) + v : v).toString(16).padStart(64, '0')

export class ChainlinkMock {
  readonly feeds = new Map<string, MockFeed>()
  calls = 0

  constructor(readonly server: ApiServer) {
    server.on('POST', RPC_KEY_PATH, (r) => ({ json: this.answer(r) }))
  }

  get rpcUrl(): string {
    return `${this.server.url}${RPC_KEY_PATH}`
  }

  private answer(r: ApiRequest): unknown {
    const one = (call: { id?: unknown; method?: string; params?: Array<{ to?: string; data?: string }> }) => {
      this.calls++
      if (call.method !== 'eth_call')
        return { jsonrpc: '2.0', id: call.id, error: { code: -32601, message: 'method not found' } }
      const { to = '', data = '' } = call.params?.[0] ?? {}
      const feed = this.feeds.get(to.toLowerCase())
      const result = (hex: string) => ({ jsonrpc: '2.0', id: call.id, result: `0x${hex}` })
      const revert = () => ({
        jsonrpc: '2.0',
        id: call.id,
        error: { code: 3, message: 'execution reverted: No data present', data: '0x' },
      })
      if (!feed) return result('')
      const round = (r: Round) =>
        result([r.roundId, r.answer, BigInt(r.startedAt), BigInt(r.updatedAt), r.answeredInRound].map(word).join(''))
      switch (data.slice(0, 10)) {
        case '0x313ce567':
          return result(word(BigInt(feed.decimals)))
        case '0x7284e416': {
          const bytes = Buffer.from(feed.description)
          return result(word(32n) + word(BigInt(bytes.length)) + bytes.toString('hex').padEnd(64, '0'))
        }
        case '0xfeaf968c':
          return round(
            [...feed.rounds.values()]
              .filter((x) => x.updatedAt > 0)
              .sort((a, b) => a.updatedAt - b.updatedAt)
              .at(-1)!,
          )
        case '0x9a6fc8f5': {
          const id = BigInt(`0x${data.slice(10)}`)
          const found = feed.rounds.get(id)
          return found ? round(found) : revert()
        }
        default:
          return revert()
      }
    }
    return Array.isArray(r.body) ? r.body.map(one) : one(r.body as never)
  }
}
