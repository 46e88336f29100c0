// JSON-RPC `eth_call` against the configured Ethereum endpoint, batched; the endpoint URL carries an API key, so it
// appears nowhere but in the request itself (errors and the manifest name the redacted label).
import type { FetchContext } from '../connector.ts'
import { redactUrl } from '../redact.ts'
import { SourceResponseError } from '../sourceRecord.ts'

/** A call's outcome: return data, or a revert (getRoundData reverts for rounds that do not exist). */
export type CallResult = { ok: true; data: string } | { ok: false; error: string }

interface RpcResponse {
  id?: unknown
  result?: unknown
  error?: { code?: unknown; message?: unknown }
}

/** Errors a node returns for a reverted call (geth: 3 "execution reverted"; others -32000 / -32015). */
const isRevert = (e: { code?: unknown; message?: unknown }) =>
  /revert|no data present|invalid opcode/i.test(String(e.message ?? '')) || e.code === 3

export class EthRpc {
  /** The endpoint as messages show it. */
  readonly label: string
  private nextId = 1

  constructor(private readonly url: string) {
    this.label = redactUrl(url)
  }

  /** eth_call of each `data` on `to` at the latest block, in one batch request. */
  async calls(ctx: FetchContext, to: string, data: readonly string[]): Promise<CallResult[]> {
    if (data.length === 0) return []
    const source = `chainlink eth_call ${to} via ${this.label}`
    const ids = data.map(() => this.nextId++)
    const body = data.map((d, i) => ({
      jsonrpc: '2.0',
      id: ids[i],
      method: 'eth_call',
      params: [{ to, data: d }, 'latest'],
    }))
    const text = await ctx.http.postJson(this.url, body, {
      signal: ctx.signal,
      label: `RPC ${this.label}`,
      onRetry: (info) => ctx.log.warn(info, 'request failed; retrying'),
    })
    if (text === null) throw new SourceResponseError(source, 'the RPC endpoint answered 404')
    ctx.onBytes(Buffer.byteLength(text))
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      throw new SourceResponseError(source, `response is not JSON: ${JSON.stringify(text.slice(0, 120))}`)
    }
    // A node that refuses the whole batch answers with one error object.
    if (!Array.isArray(parsed)) {
      const e = (parsed as RpcResponse | null)?.error
      throw new SourceResponseError(source, `batch refused: ${JSON.stringify(e ?? parsed).slice(0, 200)}`)
    }
    const byId = new Map<unknown, RpcResponse>()
    for (const item of parsed as RpcResponse[]) byId.set(item?.id, item)
    return ids.map((id, i) => {
      const item = byId.get(id)
      if (!item) throw new SourceResponseError(source, `no answer for call ${i + 1} of ${ids.length} (id ${id})`)
      if (item.error) {
        if (isRevert(item.error)) return { ok: false, error: String(item.error.message ?? 'reverted') }
        throw new SourceResponseError(source, `call ${i + 1} failed: ${JSON.stringify(item.error).slice(0, 200)}`)
      }
      if (typeof item.result !== 'string' || !/^0x[0-9a-fA-F]*$/.test(item.result))
        throw new SourceResponseError(
          source,
          `call ${i + 1}: field result: received ${JSON.stringify(item.result)}; expected hex data`,
        )
      // An empty result is what a node returns for a call to an address with no code: treat it as a revert.
      if (item.result === '0x') return { ok: false, error: 'empty return data' }
      return { ok: true, data: item.result }
    })
  }

  async call(ctx: FetchContext, to: string, data: string): Promise<CallResult> {
    return (await this.calls(ctx, to, [data]))[0]!
  }
}
