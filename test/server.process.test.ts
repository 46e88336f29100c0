// The real server as a user runs it: start, answer, restart without re-migrating, stop on SIGTERM, refuse bad config.
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { spawnBackstop, type Spawned } from './support/process.ts'
import { tempDir } from './support/tmp.ts'

const dir = tempDir()
const env = { DATA_DIR: path.join(dir, 'data'), PORT: '0', LOG_LEVEL: 'info' }
const running: Spawned[] = []
afterEach(() => {
  for (const p of running.splice(0)) p.child.kill('SIGKILL')
})

async function start(args = ['start']) {
  const p = spawnBackstop(args, env, dir)
  running.push(p)
  const ready = await p.waitForLog((l) => typeof l.url === 'string')
  return { p, url: String(ready.url) }
}

async function stop(p: Spawned) {
  const sent = performance.now()
  p.child.kill('SIGTERM')
  const { code, at } = await p.exited
  return { code, ms: at - sent }
}

describe('backstop start', () => {
  test('serves health ok, GraphiQL without CDN assets, ops endpoints, and exits 0 within 5 s on SIGTERM', async () => {
    const { p, url } = await start()
    const applied = p.logs().find((l) => l.msg === 'migrations applied')?.applied as {
      metadata: string[]
      duckdb: number[]
    }
    expect(applied.metadata.length).toBeGreaterThan(0)
    expect(applied.duckdb.length).toBeGreaterThan(0)

    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ health { status } }' }),
    })
    expect(await res.json()).toEqual({ data: { health: { status: 'ok' } } })

    const page = await fetch(url, { headers: { accept: 'text/html' } })
    expect(page.headers.get('content-type')).toMatch(/text\/html/)
    const html = await page.text()
    expect(html).toContain('<title>Backstop GraphiQL</title>')
    expect(html).not.toMatch(/<(script|link)[^>]+(src|href)=["']?https?:/i)

    const base = url.replace(/\/graphql$/, '')
    expect((await fetch(`${base}/healthz`)).status).toBe(200)
    const ready = await fetch(`${base}/readyz`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toMatchObject({ ready: true, duckdb: { status: 'ok' }, metadata: { status: 'ok' } })
    const metrics = await (await fetch(`${base}/metrics`)).text()
    expect(metrics).toMatch(/backstop_graphql_requests_total\{operation="anonymous",outcome="ok"\} \d+/)

    const { code, ms } = await stop(p)
    expect(code).toBe(0)
    expect(ms).toBeLessThan(5000)
    expect(p.logs().some((l) => l.msg === 'stopped')).toBe(true)
  })

  test('a second start on the same data directory applies nothing and keeps the data', async () => {
    const marker = path.join(env.DATA_DIR, 'backstop.db')
    const before = fs.statSync(marker).size
    const { p, url } = await start()
    const applied = p.logs().find((l) => l.msg === 'migrations applied')?.applied
    expect(applied).toEqual({ metadata: [], duckdb: [] })
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ health { status metadata { status } duckdb { status } } }' }),
    })
    expect(await res.json()).toEqual({
      data: { health: { status: 'ok', metadata: { status: 'ok' }, duckdb: { status: 'ok' } } },
    })
    expect(fs.statSync(marker).size).toBeGreaterThanOrEqual(before)
    expect((await stop(p)).code).toBe(0)
  })

  test('a bad environment value exits non-zero naming the variable and what is valid', async () => {
    const p = spawnBackstop(['start'], { ...env, PORT: 'abc', SHUTDOWN_TIMEOUT_MS: '5' }, dir)
    const { code } = await p.exited
    expect(code).toBe(2)
    expect(p.output()).toContain('PORT: received "abc"; expected an integer from 0 to 65535')
    expect(p.output()).toContain('SHUTDOWN_TIMEOUT_MS: received "5"; expected an integer from 100 to 60000')
  })
})
