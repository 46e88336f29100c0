// The HTTP client every connector downloads through: timeouts, bounded retries with jittered exponential backoff on
// 429/5xx/network errors (honouring Retry-After), no retry on other 4xx, a concurrency limit, and 404 as "missing".
// Read-only POSTs (JSON APIs, JSON-RPC) go through the same path.
import crypto from 'node:crypto'
import fs from 'node:fs'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { Readable } from 'node:stream'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import pLimit, { type LimitFunction } from 'p-limit'
import pRetry, { AbortError } from 'p-retry'

export interface HttpOptions {
  /** Per request: time to response headers, and the longest pause allowed while a body streams. */
  timeoutMs: number
  /** Retries after the first attempt, for retryable failures only. */
  retries: number
  /** First backoff delay; doubles per retry, randomised ×1–2 (jitter), capped at maxBackoffMs. */
  backoffMs: number
  maxBackoffMs: number
  /** Requests in flight at once. */
  concurrency: number
  /** Longest Retry-After honoured; a longer one is capped (the run should not stall for hours). */
  maxRetryAfterMs?: number
  userAgent?: string
  /** Headers for every request (e.g. an API key). */
  headers?: Record<string, string>
}

/** A response status that ends the request: 4xx other than 429 are not retried. */
export class HttpStatusError extends Error {
  constructor(
    /** The request as named in messages (a label replaces URLs that carry keys). */
    readonly url: string,
    readonly status: number,
    readonly retryAfterMs: number | null = null,
    readonly method: string = 'GET',
  ) {
    super(`${method} ${url} answered HTTP ${status}`)
    this.name = 'HttpStatusError'
  }
  get retryable(): boolean {
    return this.status === 429 || this.status >= 500
  }
}

/** The body ended before Content-Length bytes arrived (connection dropped mid-file). */
export class TruncatedBodyError extends Error {
  constructor(
    readonly url: string,
    readonly received: number,
    readonly expected: number,
  ) {
    super(`GET ${url}: body truncated at ${received} of ${expected} bytes`)
    this.name = 'TruncatedBodyError'
  }
}

export interface Downloaded {
  status: 'ok'
  path: string
  bytes: number
  sha256: string
}
export interface Missing {
  status: 'missing'
  url: string
}

export interface RequestHooks {
  signal?: AbortSignal
  /**
   * How the request is named in errors and retry reports instead of its URL: an RPC URL carries its API key in the
   * path, and messages end up in logs and JobRun records.
   */
  label?: string
  /** Called with each body chunk's size, for throughput. */
  onBytes?: (bytes: number) => void
  /** Called before each retry with the reason, for logs. */
  onRetry?: (info: { url: string; attempt: number; error: string; delayMs: number | null }) => void
}

/** Parses Retry-After (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000)
  const at = Date.parse(value)
  return Number.isNaN(at) ? null : Math.max(0, at - now)
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const timer = setTimeout(done, ms)
    function done() {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }
    function onAbort() {
      clearTimeout(timer)
      reject(signal!.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })

export class HttpClient {
  private readonly limit: LimitFunction

  constructor(readonly options: HttpOptions) {
    this.limit = pLimit(options.concurrency)
  }

  /** GET a small text resource (e.g. a CHECKSUM file); null when it does not exist (404). */
  async getText(url: string, hooks: RequestHooks = {}): Promise<string | null> {
    return this.withRetries(url, hooks, async (signal) => {
      const response = await this.request(url, signal, hooks)
      if (response === null) return null
      return await response.text()
    })
  }

  /**
   * POSTs a JSON body to a read-only endpoint (an info API, a JSON-RPC `eth_call`) and returns the response text;
   * null on 404. Retried like a GET, which is safe only because such requests change nothing.
   */
  async postJson(url: string, body: unknown, hooks: RequestHooks = {}): Promise<string | null> {
    const payload = JSON.stringify(body)
    return this.withRetries(url, hooks, async (signal) => {
      const response = await this.request(url, signal, hooks, { method: 'POST', body: payload })
      if (response === null) return null
      const text = await response.text()
      hooks.onBytes?.(Buffer.byteLength(text))
      return text
    })
  }

  /** Streams a GET body to `dest`, hashing it on the way; 'missing' on 404. A truncated body is retried. */
  async download(url: string, dest: string, hooks: RequestHooks = {}): Promise<Downloaded | Missing> {
    return this.withRetries(url, hooks, async (signal, stall) => {
      const response = await this.request(url, signal, hooks)
      if (response === null) return { status: 'missing', url } as const
      const expected = Number(response.headers.get('content-length') ?? NaN)
      const hash = crypto.createHash('sha256')
      let bytes = 0
      const meter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          stall()
          bytes += chunk.length
          hash.update(chunk)
          hooks.onBytes?.(chunk.length)
          callback(null, chunk)
        },
      })
      try {
        await pipeline(
          Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
          meter,
          fs.createWriteStream(dest),
        )
      } catch (error) {
        fs.rmSync(dest, { force: true })
        if (Number.isFinite(expected) && bytes < expected)
          throw new TruncatedBodyError(hooks.label ?? url, bytes, expected)
        throw error
      }
      if (Number.isFinite(expected) && bytes !== expected) {
        fs.rmSync(dest, { force: true })
        throw new TruncatedBodyError(hooks.label ?? url, bytes, expected)
      }
      return { status: 'ok', path: dest, bytes, sha256: hash.digest('hex') } as const
    })
  }

  /** One attempt: resolves with the response, null on 404, or throws HttpStatusError. */
  private async request(
    url: string,
    signal: AbortSignal,
    hooks: RequestHooks,
    post?: { method: 'POST'; body: string },
  ): Promise<Response | null> {
    const response = await fetch(url, {
      signal,
      headers: {
        'user-agent': this.options.userAgent ?? 'backstop',
        ...(post ? { 'content-type': 'application/json' } : {}),
        ...this.options.headers,
      },
      ...(post ?? {}),
    })
    if (response.status === 404) {
      await response.body?.cancel()
      return null
    }
    if (!response.ok) {
      await response.body?.cancel()
      throw new HttpStatusError(
        hooks.label ?? url,
        response.status,
        parseRetryAfter(response.headers.get('retry-after')),
        post?.method ?? 'GET',
      )
    }
    return response
  }

  private withRetries<T>(
    url: string,
    hooks: RequestHooks,
    attempt: (signal: AbortSignal, stall: () => void) => Promise<T>,
  ): Promise<T> {
    const { retries, backoffMs, maxBackoffMs, timeoutMs } = this.options
    const maxRetryAfter = this.options.maxRetryAfterMs ?? 120_000
    const name = hooks.label ?? url
    return this.limit(() =>
      pRetry(
        async () => {
          // One controller per attempt: aborted by the job's signal, or when headers or body chunks stop coming.
          const controller = new AbortController()
          const onAbort = () => controller.abort(hooks.signal?.reason)
          hooks.signal?.addEventListener('abort', onAbort, { once: true })
          let timer = setTimeout(
            () => controller.abort(new Error(`no data from ${name} for ${timeoutMs} ms`)),
            timeoutMs,
          )
          const stall = () => {
            clearTimeout(timer)
            timer = setTimeout(
              () => controller.abort(new Error(`download of ${name} stalled for ${timeoutMs} ms`)),
              timeoutMs,
            )
          }
          try {
            return await attempt(controller.signal, stall)
          } catch (error) {
            if (hooks.signal?.aborted)
              throw new AbortError(hooks.signal.reason instanceof Error ? hooks.signal.reason : 'aborted')
            if (error instanceof HttpStatusError && !error.retryable) throw new AbortError(error)
            if (controller.signal.aborted && controller.signal.reason instanceof Error) throw controller.signal.reason
            throw error
          } finally {
            clearTimeout(timer)
            hooks.signal?.removeEventListener('abort', onAbort)
          }
        },
        {
          retries,
          minTimeout: backoffMs,
          maxTimeout: maxBackoffMs,
          factor: 2,
          randomize: true,
          ...(hooks.signal ? { signal: hooks.signal } : {}),
          // fetch's own network failures are TypeErrors, which p-retry already retries.
          shouldRetry: ({ error }) => !(error instanceof AbortError),
          onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
            if (retriesLeft <= 0) return
            const retryAfter = error instanceof HttpStatusError ? error.retryAfterMs : null
            hooks.onRetry?.({ url: name, attempt: attemptNumber, error: describe(error), delayMs: retryAfter })
            // Retry-After is the server's explicit instruction; backoff comes on top of it.
            if (retryAfter !== null) await sleep(Math.min(retryAfter, maxRetryAfter), hooks.signal)
          },
        },
      ),
    )
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const cause = (error as { cause?: unknown }).cause
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message
}
