// The GraphiQL page is served compressed as the browser accepts (brotli, gzip or none), with an ETag a browser
// revalidates with (304), and never instead of a GraphQL answer.
import http from 'node:http'
import zlib from 'node:zlib'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startApiServer, type ApiServer } from '../src/api/server.ts'
import { testRuntime } from './support/runtime.ts'

let server: ApiServer
beforeAll(async () => {
  server = await startApiServer(await testRuntime({ PORT: '0', SCHEDULER_ENABLED: 'false' }))
})
afterAll(() => server?.stop())

const page = (headers: Record<string, string>) =>
  fetch(server.url, { headers: { accept: 'text/html,application/xhtml+xml', ...headers } })

describe('GraphiQL page', () => {
  test('brotli, gzip and identity bodies are the same page; compressed is a fraction of it', async () => {
    const plain = await page({ 'accept-encoding': 'identity' })
    expect(plain.status).toBe(200)
    expect(plain.headers.get('content-encoding')).toBeNull()
    const html = await plain.text()
    expect(html).toContain('<title>Backstop GraphiQL</title>')
    expect(html).toContain('marketsConnection')

    for (const [encoding, decode] of [
      ['br', zlib.brotliDecompressSync],
      ['gzip', zlib.gunzipSync],
    ] as const) {
      const res = await page({ 'accept-encoding': encoding })
      expect(res.headers.get('content-encoding')).toBe(encoding)
      expect(res.headers.get('vary')).toMatch(/Accept-Encoding/)
      const raw = (await get({ 'accept-encoding': encoding })).body
      expect(raw.length).toBeLessThan(Buffer.byteLength(html) / 3)
      expect(decode(raw).toString()).toBe(html)
      await res.arrayBuffer()
    }
  })

  test('a browser revalidating with the ETag gets 304 and no body', async () => {
    const first = await get({})
    const etag = first.headers.etag
    expect(etag).toMatch(/^"[\w-]+"$/)
    expect(first.headers['cache-control']).toBe('no-cache')
    // (fetch cannot show this: a conditional fetch adds `Cache-Control: no-cache`, which forbids a 304)
    const again = await get({ 'if-none-match': etag! })
    expect(again.status).toBe(304)
    expect(again.body.length).toBe(0)
    const stale = await get({ 'if-none-match': '"something-else"' })
    expect(stale.status).toBe(200)
    expect(stale.body.length).toBeGreaterThan(0)
  })

  test('GraphQL over GET and JSON clients still get GraphQL, not the page', async () => {
    const res = await fetch(`${server.url}?query=${encodeURIComponent('{ health { status } }')}`, {
      headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
    })
    expect(res.headers.get('content-type')).toMatch(/json/)
    expect(((await res.json()) as { data: unknown }).data).toEqual({ health: { status: 'ok' } })
    const json = await fetch(server.url, { headers: { accept: 'application/json' } })
    expect(json.headers.get('content-type')).not.toMatch(/html/)
    await json.arrayBuffer()
  })
})

/** A GET of the page through node:http, which (unlike fetch) neither decodes bodies nor adds cache headers. */
function get(
  headers: Record<string, string>,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(server.url, { headers: { accept: 'text/html', ...headers } }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }))
        res.on('error', reject)
      })
      .on('error', reject)
  })
}
