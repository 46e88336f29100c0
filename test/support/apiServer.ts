// A local HTTP server for JSON APIs (info endpoints, REST indexers, JSON-RPC) in connector tests: routes answer from
// in-memory data in the venues' exact formats, with injected faults (429 + Retry-After, 5xx, malformed bodies).
// Loopback only.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll } from 'vitest'

export interface ApiRequest {
  method: string
  url: URL
  path: string
  /** Parsed JSON body of a POST (undefined for GET). */
  body: unknown
}

export interface ApiReply {
  status?: number
  /** Sent as JSON unless `raw` is given. */
  json?: unknown
  raw?: string
  headers?: Record<string, string>
}

export type Route = (req: ApiRequest) => ApiReply | Promise<ApiReply>

/** A fault answered instead of the route, to the next request that `matches`. */
export interface ApiFault {
  matches: (req: ApiRequest) => boolean
  reply: ApiReply
  /** How many requests it answers (default 1). */
  times?: number
}

export class ApiServer {
  private readonly routes: Array<{ method: string; path: string | RegExp; route: Route }> = []
  private faults: ApiFault[] = []
  readonly log: ApiRequest[] = []

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(): Promise<ApiServer> {
    const holder: { self?: ApiServer } = {}
    const server = http.createServer((req, res) => void holder.self!.handle(req, res))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    const self = new ApiServer(server, `http://127.0.0.1:${port}`)
    holder.self = self
    afterAll(() => self.close())
    return self
  }

  on(method: 'GET' | 'POST', path: string | RegExp, route: Route): void {
    this.routes.push({ method, path, route })
  }

  fault(fault: ApiFault): void {
    this.faults.push({ times: 1, ...fault })
  }

  clearFaults(): void {
    this.faults = []
  }

  /** Requests seen that match, e.g. of one info type. */
  count(matches: (req: ApiRequest) => boolean): number {
    return this.log.filter(matches).length
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const url = new URL(req.url ?? '/', this.url)
    const text = Buffer.concat(chunks).toString('utf8')
    let body: unknown
    try {
      body = text ? JSON.parse(text) : undefined
    } catch {
      body = text
    }
    const request: ApiRequest = { method: req.method ?? 'GET', url, path: decodeURIComponent(url.pathname), body }
    this.log.push(request)
    const fault = this.faults.find((f) => (f.times ?? 1) > 0 && f.matches(request))
    let reply: ApiReply
    if (fault) {
      fault.times = (fault.times ?? 1) - 1
      reply = fault.reply
    } else {
      const match = this.routes.find(
        (r) =>
          r.method === request.method &&
          (typeof r.path === 'string' ? r.path === request.path : r.path.test(request.path)),
      )
      try {
        reply = match ? await match.route(request) : { status: 404, raw: 'not found' }
      } catch (error) {
        reply = { status: 500, raw: String(error) }
      }
    }
    const payload = reply.raw ?? JSON.stringify(reply.json ?? null)
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers })
    res.end(payload)
  }

  close(): Promise<void> {
    this.server.closeAllConnections()
    return new Promise((resolve) => this.server.close(() => resolve()))
  }
}
