// A local HTTP server that mirrors a source's URL layout with files in their exact real formats, plus injected faults
// (429 then success, 500 storms, truncated bodies, stalls, missing files) for connector tests. Loopback only.
import crypto from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll } from 'vitest'
import yazl from 'yazl'

export type Fault =
  | { status: number; retryAfter?: string }
  /** Sends the headers with the full Content-Length, part of the body, then drops the connection. */
  | { truncate: true }
  /** Sends part of the body, then waits until `release()` before dropping the connection. */
  | { stall: Promise<void> }

interface Entry {
  body: Buffer
  faults: Fault[]
  /** A status answered every time (a storm), instead of the body. */
  always?: number
}

export class ArchiveServer {
  private readonly files = new Map<string, Entry>()
  private readonly hits = new Map<string, number>()
  private readonly servedWaiters = new Map<string, Array<() => void>>()
  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(): Promise<ArchiveServer> {
    const holder: { self?: ArchiveServer } = {}
    const server = http.createServer((req, res) => holder.self!.handle(req, res))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    const self = new ArchiveServer(server, `http://127.0.0.1:${port}`)
    holder.self = self
    afterAll(() => self.close())
    return self
  }

  put(path: string, body: Buffer | string): void {
    this.files.set(path, { body: Buffer.isBuffer(body) ? body : Buffer.from(body), faults: [] })
  }

  remove(path: string): void {
    this.files.delete(path)
  }

  /** Faults answered to the next requests for `path`, in order, before it is served normally. */
  fail(path: string, ...faults: Fault[]): void {
    const entry = this.files.get(path) ?? { body: Buffer.alloc(0), faults: [] }
    entry.faults.push(...faults)
    this.files.set(path, entry)
  }

  /** Answers `status` to every request for `path`. */
  storm(path: string, status: number): void {
    const entry = this.files.get(path) ?? { body: Buffer.alloc(0), faults: [] }
    entry.always = status
    this.files.set(path, entry)
  }

  /** Puts `<path>` as a zip holding one member and `<path>.CHECKSUM` in sha256sum format (or a given checksum). */
  async putZip(path: string, member: string, content: string | Buffer, options: { checksum?: string } = {}) {
    const zip = await zipOf(member, content)
    this.put(path, zip)
    const name = path.split('/').pop()!
    const sha = options.checksum ?? crypto.createHash('sha256').update(zip).digest('hex')
    this.put(`${path}.CHECKSUM`, `${sha}  ${name}\n`)
    return zip
  }

  /** Resolves when a complete body of `path` has been sent. */
  whenServed(path: string): Promise<void> {
    return new Promise((resolve) => this.servedWaiters.set(path, [...(this.servedWaiters.get(path) ?? []), resolve]))
  }

  requests(path: string): number {
    return this.hits.get(path) ?? 0
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const path = decodeURIComponent(new URL(req.url ?? '/', this.url).pathname)
    this.hits.set(path, (this.hits.get(path) ?? 0) + 1)
    const entry = this.files.get(path)
    if (!entry) {
      res.writeHead(404, { 'content-type': 'application/xml' }).end('<Error><Code>NoSuchKey</Code></Error>')
      return
    }
    if (entry.always !== undefined) {
      res.writeHead(entry.always).end('storm')
      return
    }
    const fault = entry.faults.shift()
    if (fault && 'status' in fault) {
      res.writeHead(fault.status, fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {}).end()
      return
    }
    res.writeHead(200, { 'content-length': String(entry.body.length), 'content-type': 'application/octet-stream' })
    if (fault && 'truncate' in fault) {
      res.write(entry.body.subarray(0, Math.floor(entry.body.length / 2)), () => res.destroy())
      return
    }
    if (fault && 'stall' in fault) {
      res.write(entry.body.subarray(0, Math.floor(entry.body.length / 2)))
      void fault.stall.then(() => res.destroy())
      return
    }
    res.end(entry.body, () => {
      for (const resolve of this.servedWaiters.get(path) ?? []) resolve()
      this.servedWaiters.delete(path)
    })
  }

  close(): Promise<void> {
    this.server.closeAllConnections()
    return new Promise((resolve) => this.server.close(() => resolve()))
  }
}

/** A zip with one deflated member, as the Binance archive ships. */
export function zipOf(member: string, content: string | Buffer, options: { compress?: boolean } = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const zip = new yazl.ZipFile()
    zip.addBuffer(Buffer.isBuffer(content) ? content : Buffer.from(content), member, {
      mtime: new Date(0),
      compress: options.compress ?? true,
    })
    zip.end()
    const chunks: Buffer[] = []
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c))
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)))
    zip.outputStream.on('error', reject)
  })
}

/** The real-data folder beside the project, or null (tests that need it skip with a message). */
export { sharedDataDir } from './sharedData.ts'
