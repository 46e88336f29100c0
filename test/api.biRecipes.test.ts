// The README's BI recipes, sent exactly as each tool sends them to a running server (read from README "BI tools"):
// Grafana Infinity's GraphQL POST with the range macros filled in (rows under the root selector data.<field>.nodes),
// Power BI's Power Query function paging over endCursor with List.Generate (pages chain to the end, every row once),
// and Tableau's CSV download (a header row, rows that parse, exact amounts that read as numbers).
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { startApiServer } from '../src/api/server.ts'
import { projectRoot } from '../src/project.ts'
import { issueApiKey } from '../src/store/meta/apiKeys.ts'
import { insertPrices } from './support/marketData.ts'
import { createRunRecord, insertLiquidations, liquidationRow } from './support/seededRuns.ts'
import { testRuntime } from './support/runtime.ts'

const runtime = await testRuntime({ PORT: '0', SCHEDULER_ENABLED: 'false', API_ANONYMOUS_READ: 'false' })
const server = await startApiServer(runtime)
const origin = new URL(server.url).origin
afterAll(() => server.stop())
const key = (await issueApiKey(runtime.meta, { name: 'bi', role: 'reader' })).secret

const RUN = 'run-bi'
const ROWS = 2500
await createRunRecord(runtime, RUN)
await insertLiquidations(runtime, RUN, 0, ROWS)
const T0 = Date.UTC(2025, 9, 10)
const minutes = Array.from({ length: 30 }, (_, i) => i)
await insertPrices(
  runtime.duck,
  'binance-um',
  'BTCUSDT',
  'mark',
  'binance-um',
  minutes.map((i) => [(T0 + i * 60_000) * 1000, 100 + i]),
)
await insertPrices(
  runtime.duck,
  'binance-um',
  'BTCUSDT',
  'oracle',
  'pyth',
  minutes.map((i) => [(T0 + i * 60_000) * 1000, 101 + i]),
)

/** The README's "BI tools" section, and the fenced block of one language inside one recipe. */
const readme = fs.readFileSync(path.join(projectRoot, 'README.md'), 'utf8')
const biSection = readme.slice(
  readme.indexOf('## BI tools'),
  readme.indexOf('\n## ', readme.indexOf('## BI tools') + 5),
)
function recipeBlock(heading: string, language: string): string {
  const from = biSection.indexOf(heading)
  expect(from, `README BI tools has a "${heading}" recipe`).toBeGreaterThan(-1)
  const m = new RegExp('```' + language + '\\n([\\s\\S]*?)```').exec(biSection.slice(from))
  expect(m, `the ${heading} recipe has a ${language} block`).not.toBeNull()
  return m![1]!
}

describe('Grafana Infinity', () => {
  test('the GraphQL POST with the range filled in gives rows under data.marketSeries.nodes', async () => {
    const from = new Date(T0).toISOString()
    const to = new Date(T0 + 30 * 60_000).toISOString()
    // what Grafana does with ${__from:date:iso} / ${__to:date:iso} before Infinity sends the query
    const query = recipeBlock('### Grafana', 'graphql')
      .replaceAll('${__from:date:iso}', from)
      .replaceAll('${__to:date:iso}', to)
    const res = await fetch(`${origin}/graphql`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables: {} }),
    })
    expect(res.status).toBe(200)
    const body = (await res.json()) as { data: { marketSeries: { nodes: Array<Record<string, unknown>> } } }
    const rows = body.data.marketSeries.nodes // the root selector
    expect(rows).toHaveLength(30)
    expect(rows[0]).toEqual({ bucket: from, mark: 100, oracle: 101 })
    expect(rows.every((r) => Number.isFinite(Date.parse(String(r.bucket))))).toBe(true)
  })
})

describe('Power BI', () => {
  test('List.Generate over endCursor: every page chains to the next, every row exactly once', async () => {
    const m = recipeBlock('### Power BI', 'powerquery')
    const query = /Query = "((?:[^"]|"")*)",/.exec(m)![1]!.replaceAll('""', '"')
    const first = Number(/first = (\d+)/.exec(m)![1])
    // FetchPage(runId, after): Web.Contents(BaseUrl, [RelativePath = "graphql", Headers, Content = Json.FromValue(…)])
    const fetchPage = async (after: string | null) => {
      const res = await fetch(new URL('graphql', `${origin}/`), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${key}` },
        body: JSON.stringify({ query, variables: { runId: RUN, first, after } }),
      })
      expect(res.status).toBe(200)
      const body = (await res.json()) as {
        data: {
          runLiquidations: { nodes: Array<{ seq: number }>; pageInfo: { hasNextPage: boolean; endCursor: string } }
        }
      }
      return body.data.runLiquidations
    }
    const pages: Array<Array<{ seq: number }>> = []
    for (let page: Awaited<ReturnType<typeof fetchPage>> | null = await fetchPage(null); page;) {
      pages.push(page.nodes)
      page = page.pageInfo.hasNextPage ? await fetchPage(page.pageInfo.endCursor) : null
    }
    expect(pages.map((p) => p.length)).toEqual([1000, 1000, 500])
    expect(pages.flat().map((r) => r.seq)).toEqual(Array.from({ length: ROWS }, (_, i) => i))
  })
})

describe('Tableau', () => {
  test('the CSV download parses with its header row and holds the filtered rows', async () => {
    const sh = recipeBlock('### Tableau', 'sh')
    const url = /"(http:\/\/localhost:4000\/export\/[^"]+)"/.exec(sh)![1]!
    // curl -fsS -H "Authorization: Bearer $BACKSTOP_KEY" -o file URL
    const res = await fetch(url.replace('http://localhost:4000', origin).replace('<run-id>', RUN), {
      headers: { Authorization: `Bearer ${key}`, Accept: '*/*' },
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="liquidations-${RUN}.csv"`)
    const [header, ...lines] = (await res.text()).trimEnd().split('\n')
    const names = header!.split(',')
    expect(names).toEqual(expect.arrayContaining(['seq', 'ts', 'account', 'kind', 'shortfall']))
    // exact amounts are the numbers themselves (no text-and-Float pair to pick from): Tableau reads them as numbers
    expect(names.filter((n) => n.endsWith('Approx'))).toEqual([])
    const rows = lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [names[i]!, v])))
    const want = Array.from({ length: ROWS }, (_, i) => liquidationRow(i)).filter(
      (r) => r.kind !== 'takeover' && r.shortfall > 0,
    )
    expect(rows.map((r) => Number(r.seq))).toEqual(want.map((r) => r.seq))
    expect(rows.map((r) => r.shortfall)).toEqual(want.map((r) => r.shortfall.toFixed(6)))
    expect(rows.every((r) => Number(r.shortfall) > 0 && !Number.isNaN(Date.parse(r.ts!)))).toBe(true)
  })
})
