// Reports over the API: files served at /reports/{id}.html|.md|.json (+ charts) with safe headers, unknown ids and
// formats as JSON 404s, the GraphQL reports connection (keyset pages, filters, links, headline) and report(id); the
// `backstop report` command writes the same files and a row, and refuses bad input with exit code 2.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { jobRegistry } from '../jobs/registry.ts'
import { RunManager } from '../jobs/runManager.ts'
import { startApiServer, type ApiServer } from '../src/api/server.ts'
import { closeRuntime, openRuntime } from '../src/app/runtime.ts'
import { loadConfig } from '../src/config/load.ts'
import { createLogger } from '../src/obs/logger.ts'
import { generateReport, reportDependencies } from '../src/report/generate.ts'
import { REPORT_MARKET, REPORT_VENUE, reportPopulation, seedReportDay } from './support/reportData.ts'
import { runBacktestToEnd } from './support/reportRuns.ts'
import { spawnBackstop } from './support/process.ts'
import { testRuntime } from './support/runtime.ts'
import { tempDir } from './support/tmp.ts'

const DAY = Date.UTC(2025, 9, 10)
const HOURS = 6
const request = (seed: number) => ({
  ruleSet: 'binance-um',
  venue: REPORT_VENUE,
  markets: [REPORT_MARKET],
  from: new Date(DAY).toISOString(),
  to: new Date(DAY + HOURS * 3_600_000).toISOString(),
  positions: 'synthetic',
  seed,
  population: reportPopulation,
})

const runtime = await testRuntime({ PORT: '0', SCHEDULER_ENABLED: 'false' })
/** Schedule mutations need admin: the test calls as the server's local admin. */
const ADMIN_TOKEN = 'report-test-local-admin-token'
let server: ApiServer
let origin: string
const runs = new RunManager(runtime, jobRegistry)
const ids: string[] = []
let runIds: string[] = []
beforeAll(async () => {
  await seedReportDay(runtime.duck, DAY, HOURS * 3_600)
  runIds = [await runBacktestToEnd(runtime, request(1)), await runBacktestToEnd(runtime, request(2))]
  let clock = Date.UTC(2026, 0, 1)
  const deps = { ...reportDependencies(runtime), now: () => new Date((clock += 1_000)) }
  ids.push((await generateReport(deps, { runId: runIds[0]! })).id)
  ids.push((await generateReport(deps, { runId: runIds[1]!, formats: ['html'] })).id)
  ids.push((await generateReport(deps, { runId: runIds[0]!, formats: ['json'] })).id)
  server = await startApiServer(runtime, { runs, localAdminToken: ADMIN_TOKEN })
  origin = new URL(server.url).origin
}, 180_000)
afterAll(async () => {
  await server?.stop()
  await runs.stop(5_000)
})

const gql = async (query: string, variables: Record<string, unknown> = {}) => {
  const res = await fetch(`${origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify({ query, variables }),
  })
  return (await res.json()) as {
    data?: Record<string, never>
    errors?: Array<{ message: string; extensions: { code: string } }>
  }
}

describe('/reports routes', () => {
  test('each format with its type and a policy that forbids any request; charts beside the Markdown', async () => {
    const [id] = ids
    for (const [ext, type] of [
      ['html', 'text/html'],
      ['md', 'text/markdown'],
      ['json', 'application/json'],
    ] as const) {
      const res = await fetch(`${origin}/reports/${id}.${ext}`)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toContain(type)
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'")
      expect(res.headers.get('x-content-type-options')).toBe('nosniff')
      const body = await res.text()
      expect(body).toBe(fs.readFileSync(path.join(runtime.config.dataDir, 'reports', id!, `report.${ext}`), 'utf8'))
    }
    const json = (await (await fetch(`${origin}/reports/${id}.json`)).json()) as { charts: string[] }
    expect(json.charts.length).toBeGreaterThan(0)
    for (const chart of json.charts) {
      const res = await fetch(`${origin}/reports/${id}/${chart}`)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toContain('image/svg+xml')
      expect(await res.text()).toMatch(/^<svg /)
    }
    expect((await fetch(`${origin}/reports/${id}/report.md`)).status).toBe(200)
  })

  test('unknown reports, formats not rendered and odd paths are JSON 404s', async () => {
    const cases = [
      `/reports/00000000-0000-0000-0000-000000000000.html`,
      `/reports/${ids[1]}.md`,
      `/reports/${ids[0]}.pdf`,
      `/reports/${ids[0]}/..%2F..%2Fbackstop.db`,
      `/reports/${ids[0]}/report.html`,
      `/reports/..%2F${ids[0]}.html`,
    ]
    for (const url of cases) {
      const res = await fetch(`${origin}${url}`)
      expect(res.status, url).toBe(404)
      const body = (await res.json()) as { errors: Array<{ extensions: { code: string } }> }
      expect(body.errors[0]!.extensions.code, url).toBe('NOT_FOUND')
    }
  })
})

describe('GraphQL reports', () => {
  const fields = `id kind formats runId runIds links { html markdown json charts }
    headline { liquidations liquidatedNotional liquidatedNotionalApprox fundLow timeToFirstDeficitSeconds } deliveryStatus`

  test('newest first, keyset pages that add up to totalCount, nodes beside edges', async () => {
    const first = await gql(
      `{ reports(first: 2) { totalCount edges { cursor node { id } } nodes { ${fields} } pageInfo { hasNextPage endCursor } } }`,
    )
    expect(first.errors).toBeUndefined()
    const page = first.data!.reports as unknown as {
      totalCount: number
      edges: Array<{ cursor: string; node: { id: string } }>
      nodes: Array<{
        id: string
        links: { html: string | null; charts: string[] }
        headline: { liquidations: number; liquidatedNotional: string; liquidatedNotionalApprox: number }
      }>
      pageInfo: { hasNextPage: boolean; endCursor: string }
    }
    expect(page.totalCount).toBe(3)
    expect(page.nodes.map((n) => n.id)).toEqual([ids[2], ids[1]])
    expect(page.edges.map((e) => e.node.id)).toEqual([ids[2], ids[1]])
    expect(page.pageInfo.hasNextPage).toBe(true)
    const second = await gql(
      `query($after: String) { reports(first: 2, after: $after) { nodes { id } pageInfo { hasNextPage hasPreviousPage } } }`,
      {
        after: page.pageInfo.endCursor,
      },
    )
    expect(second.data!.reports).toEqual({
      nodes: [{ id: ids[0] }],
      pageInfo: { hasNextPage: false, hasPreviousPage: true },
    })
    // backward from the oldest end: the two oldest, newest first as the list is; then the one before them
    const back = `query($before: String) { reports(last: 2, before: $before) {
        nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor } } }`
    const tail = (await gql(back)).data!.reports as unknown as {
      nodes: Array<{ id: string }>
      pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string }
    }
    expect(tail.nodes.map((n) => n.id)).toEqual([ids[1], ids[0]])
    expect(tail.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true })
    expect((await gql(back, { before: tail.pageInfo.startCursor })).data!.reports).toMatchObject({
      nodes: [{ id: ids[2] }],
      pageInfo: { hasNextPage: true, hasPreviousPage: false },
    })
    const both = await gql(`{ reports(last: 1, after: "x") { totalCount } }`)
    expect(both.errors![0]!.message).toMatch(/after: received "x".*no after with last/s)
    expect(page.nodes[0]!.links.html).toBeNull()
    expect(page.nodes[1]!.links.html).toBe(`/reports/${ids[1]}.html`)
    expect(page.nodes[1]!.headline.liquidatedNotionalApprox).toBeCloseTo(
      Number(page.nodes[1]!.headline.liquidatedNotional),
    )
  })

  test('filters by run, report(id) with its links, and bad arguments are BAD_USER_INPUT', async () => {
    const byRun = await gql(`query($r: ID) { reports(filter: { runId: $r }) { totalCount nodes { id } } }`, {
      r: runIds[0],
    })
    expect(byRun.data!.reports).toEqual({ totalCount: 2, nodes: [{ id: ids[2] }, { id: ids[0] }] })
    const one = await gql(`query($id: ID!) { report(id: $id) { ${fields} } }`, { id: ids[0] })
    const r = one.data!.report as unknown as { links: { markdown: string; charts: string[] }; runIds: string[] }
    expect(r.links.markdown).toBe(`/reports/${ids[0]}.md`)
    expect(r.links.charts.length).toBeGreaterThan(0)
    expect(r.runIds).toEqual([runIds[0]])
    expect((await gql(`{ report(id: "nope") { id } }`)).data!.report).toBeNull()
    const bad = await gql(`{ reports(first: 0, after: "not-a-cursor") { totalCount } }`)
    expect(bad.errors![0]!.extensions.code).toBe('BAD_USER_INPUT')
    expect(bad.errors![0]!.message).toMatch(/first: received 0.*after: received "not-a-cursor"/s)
  })
})

describe('GraphQL report and schedule mutations', () => {
  test('generateReport submits a run of kind report and returns it queued; the run links its report once it has succeeded; a bad run records nothing', async () => {
    const before = await runtime.meta.jobRun.count({ where: { kind: 'report' } })
    const submitted = await gql(
      `mutation($r: ID!, $c: [ID!]) { generateReport(runId: $r, compare: $c, formats: [json]) { id kind job status trigger report { id } } }`,
      { r: runIds[0], c: [runIds[1]] },
    )
    expect(submitted.errors).toBeUndefined()
    const queued = submitted.data!.generateReport as unknown as { id: string; report: null }
    expect(queued).toMatchObject({ kind: 'report', job: 'report.generate', trigger: 'api', report: null })
    await runs.idle()
    const read = await gql(
      `query($id: ID!) { run(id: $id) { status error report { id kind runIds links { json html } } } }`,
      { id: queued.id },
    )
    const run = read.data!.run as unknown as {
      status: string
      error: string | null
      report: { id: string; kind: string; runIds: string[]; links: { json: string; html: string | null } }
    }
    expect(run).toMatchObject({
      status: 'succeeded',
      error: null,
      // a report run's report has the run's id
      report: { id: queued.id, kind: 'comparison', runIds, links: { html: null } },
    })
    expect((await fetch(`${origin}${run.report.links.json}`)).status).toBe(200)
    const bad = await gql(`mutation { generateReport(runId: "nope") { id } }`)
    expect(bad.errors![0]!.extensions.code).toBe('NOT_FOUND')
    const unknownCompare = await gql(`mutation($r: ID!) { generateReport(runId: $r, compare: ["nope"]) { id } }`, {
      r: runIds[0],
    })
    expect(unknownCompare.errors![0]!.message).toMatch(/compare\[0\]/)
    expect(await runtime.meta.jobRun.count({ where: { kind: 'report' } })).toBe(before + 1)
  })

  test('schedules: a bad one is refused with its problems and not stored; create, pause, list, delete', async () => {
    const input = {
      name: 'api-daily',
      cron: '0 6 * * *',
      params: {
        ruleSets: ['binance-um'],
        venue: REPORT_VENUE,
        markets: [REPORT_MARKET],
        window: 'last 24h',
        positions: 'synthetic',
      },
    }
    const create = `mutation($i: BacktestScheduleInput!) { createBacktestSchedule(input: $i) { id name cron enabled params } }`
    const bad = await gql(create, {
      i: { ...input, cron: '0 25 * * *', params: { ...input.params, markets: ['NOPE'] } },
    })
    expect(bad.errors![0]!.extensions.code).toBe('BAD_USER_INPUT')
    expect(bad.errors![0]!.message).toMatch(/cron: received "0 25 \* \* \*".*params\.markets\[0\]: received "NOPE"/s)
    expect((await gql(`{ backtestSchedules { name } }`)).data!.backtestSchedules).toEqual([])
    const ok = await gql(create, { i: input })
    expect(ok.data!.createBacktestSchedule).toMatchObject({
      name: 'api-daily',
      enabled: true,
      params: expect.objectContaining({ seed: 1, formats: ['html', 'md', 'json'] }),
    })
    const paused = await gql(`mutation { pauseBacktestSchedule(name: "api-daily") { enabled } }`)
    expect(paused.data!.pauseBacktestSchedule).toEqual({ enabled: false })
    const updated = await gql(
      `mutation { updateBacktestSchedule(name: "api-daily", params: { window: "last 7d" }) { params } }`,
    )
    expect((updated.data!.updateBacktestSchedule as unknown as { params: { window: string } }).params.window).toBe(
      'last 7d',
    )
    expect((await gql(`{ backtestSchedules { name enabled } }`)).data!.backtestSchedules).toEqual([
      { name: 'api-daily', enabled: false },
    ])
    await gql(`mutation { deleteBacktestSchedule(name: "api-daily") { id } }`)
    const gone = await gql(`mutation { resumeBacktestSchedule(name: "api-daily") { id } }`)
    expect(gone.errors![0]!.extensions.code).toBe('NOT_FOUND')
  })
})

describe('backstop report', () => {
  test(
    'writes the files and a row, copies them to --out; a bad run or format exits 2 or 1 with the reason',
    { timeout: 180_000 },
    async () => {
      const dir = tempDir()
      const env = { DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'silent' }
      const config = loadConfig(env)
      const { runtime: own } = await openRuntime(config, { migrate: true, log: createLogger('silent') })
      let runId: string
      try {
        await seedReportDay(own.duck, DAY, 2 * 3_600)
        runId = await runBacktestToEnd(own, { ...request(3), to: new Date(DAY + 2 * 3_600_000).toISOString() })
      } finally {
        await closeRuntime(own)
      }
      const out = path.join(dir, 'out')
      const ok = spawnBackstop(['report', '--run', runId, '--format', 'html,md', '--out', out], env)
      expect((await ok.exited).code, ok.output()).toBe(0)
      expect(ok.output()).toMatch(/^report [0-9a-f-]{36}: Backtest binance-um BTCUSDT$/m)
      expect(fs.readdirSync(out)).toEqual(expect.arrayContaining(['report.html', 'report.md', 'fund-balance.svg']))
      expect(fs.readdirSync(out)).not.toContain('report.json')
      const bad = spawnBackstop(['report', '--run', runId, '--format', 'html,pdf'], env)
      expect((await bad.exited).code).toBe(2)
      expect(bad.output()).toContain('--format: received "html,pdf"; expected one or more of html, md, json')
      const missing = spawnBackstop(['report', '--run', 'no-such-run'], env)
      expect((await missing.exited).code).toBe(1)
      expect(missing.output()).toContain('no backtest run "no-such-run"')
      const { runtime: check } = await openRuntime(config, { log: createLogger('silent') })
      try {
        expect(await check.meta.report.count()).toBe(1)
      } finally {
        await closeRuntime(check)
      }
    },
  )
})
