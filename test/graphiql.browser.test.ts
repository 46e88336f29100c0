// GraphiQL in a real headless Chromium: the page loads with no request leaving the server, runs a typed query, shows the result.
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startApiServer, type ApiServer } from '../src/api/server.ts'
import { CHROMIUM_ARGS, chromiumPath } from './support/chromium.ts'
import { testRuntime } from './support/runtime.ts'

if (!chromiumPath)
  console.warn(
    'skipping the GraphiQL browser test: Chromium not found (apt-get install chromium, or set CHROMIUM_PATH)',
  )

describe.skipIf(!chromiumPath)('GraphiQL in Chromium', () => {
  let server: ApiServer
  let browser: Browser
  beforeAll(async () => {
    const runtime = await testRuntime({ PORT: '0', SCHEDULER_ENABLED: 'false' })
    server = await startApiServer(runtime)
    browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS })
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  test('opens offline, runs a typed query and shows the answer', { timeout: 90_000 }, async () => {
    const page = await browser.newPage()
    const origins = new Set<string>()
    page.on('request', (request) => {
      const url = new URL(request.url())
      origins.add(url.protocol === 'blob:' ? 'blob:' : url.origin)
    })
    await page.goto(server.url, { waitUntil: 'load' })
    await page.waitForSelector('.graphiql-execute-button', { timeout: 30_000 })

    const editor = page.locator('.graphiql-query-editor').first()
    await editor.click()
    await page.keyboard.press('Control+A')
    await page.keyboard.press('Delete')
    await page.keyboard.type('{ health { version uptimeSeconds', { delay: 5 })
    await page.keyboard.press('Escape') // close the autocomplete popup
    await page.keyboard.press('Control+Enter')

    const response = page.locator('.graphiql-response').first()
    // the editor renders spaces as non-breaking spaces: compare with whitespace collapsed
    const shown = async () => (await response.innerText()).replace(/\s+/g, ' ')
    await expect.poll(shown, { timeout: 15_000 }).toMatch(/"version": "\d+\.\d+\.\d+"/)
    const text = await shown()
    expect(text).toMatch(/"uptimeSeconds": [\d.]+/)
    expect(text).not.toContain('markets')

    const serverOrigin = new URL(server.url).origin
    expect([...origins].filter((o) => o !== serverOrigin && o !== 'blob:')).toEqual([])
  })
})
