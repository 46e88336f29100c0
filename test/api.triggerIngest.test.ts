// triggerIngest over HTTP against a real server: bad input (unknown source, bad parameters, files on the server's
// disk) refused with every problem and nothing recorded; a good one starts the source's ingestion job as a run that
// run(id) follows to the end; a second one of the same source meanwhile is CONFLICT; and 50 concurrent readers keep
// getting answers while it loads (0 errors; latencies printed).
import path from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { openRunSystem, type RunSystem } from '../jobs/open.ts'
import { startApiServer, type ApiServer } from '../src/api/server.ts'
import { issueApiKey } from '../src/store/meta/apiKeys.ts'
import { loadConfig } from '../src/config/load.ts'
import { getRun, listRuns } from '../src/store/meta/runs.ts'
import { ArchiveServer } from './support/archiveServer.ts'
import { tempDir } from './support/tmp.ts'

const archive = await ArchiveServer.start()
const dir = tempDir()
const DAYS = ['2022-08-10', '2022-08-11', '2022-08-12', '2022-08-13']
const ROWS_PER_DAY = 60_000
const READERS = 50

let system: RunSystem
let api: ApiServer

/** A day of aggTrades in Binance's column layout. */
function aggTradesDay(day: string, rows: number, firstId: number): string {
  const start = Date.parse(`${day}T00:00:00Z`)
  const lines = ['agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker']
  for (let i = 0; i < rows; i++) {
    const ms = start + Math.floor((i * 86_400_000) / rows)
    const price = (26_950 + Math.sin(i / 7) * 40).toFixed(1)
    const trade = 4_000_000_000 + firstId * 3 + i * 3
    lines.push(`${firstId + i},${price},0.00${1 + (i % 9)},${trade},${trade + (i % 3)},${ms},${i % 3 === 0}`)
  }
  return lines.join('\n') + '\n'
}

beforeAll(async () => {
  for (const [i, day] of DAYS.entries()) {
    await archive.putZip(
      `/data/futures/um/daily/aggTrades/BTCUSDT/BTCUSDT-aggTrades-${day}.zip`,
      `BTCUSDT-aggTrades-${day}.csv`,
      aggTradesDay(day, ROWS_PER_DAY, 1 + i * ROWS_PER_DAY),
    )
  }
  const config = loadConfig({
    DATA_DIR: path.join(dir, 'data'),
    PORT: '0',
    LOG_LEVEL: 'silent',
    SCHEDULER_ENABLED: 'false',
    BINANCE_UM_BASE_URL: archive.url,
  })
  system = await openRunSystem(config, { migrate: true })
  api = await startApiServer(system.runtime, { runs: system.runs, localAdminToken: OPERATOR_TOKEN })
}, 120_000)

afterAll(async () => {
  await api?.stop()
  await system?.close()
})

/** Mutations need a role: the test calls as the local admin (a CLI on this host); the readers stay anonymous. */
const OPERATOR_TOKEN = 'test-local-admin-token-0123456789abcdef'

interface Answer {
  data?: Record<string, unknown> | null
  errors?: Array<{ message: string; extensions?: { code?: string; problems?: unknown[] } }>
}

async function gql(
  query: string,
  variables: Record<string, unknown> = {},
  token = OPERATOR_TOKEN,
): Promise<{ status: number; body: Answer }> {
  const res = await fetch(api.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  })
  return { status: res.status, body: (await res.json()) as Answer }
}

const TRIGGER = `mutation ($input: TriggerIngestInput!) { triggerIngest(input: $input) { id kind job status trigger } }`
const goodParams = { markets: ['BTCUSDT'], datasets: ['aggTrades'], from: DAYS[0], to: DAYS.at(-1) }

test('bad input: every problem listed, BAD_USER_INPUT, nothing recorded', async () => {
  const before = (await listRuns(system.runtime.meta, { kind: null, status: null, limit: 1000 })).length
  const unknown = await gql(TRIGGER, { input: { source: 'mtgox', params: goodParams } })
  expect(unknown.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT')
  expect(unknown.body.errors?.[0]?.message).toMatch(/input\.source: received "mtgox"; expected one of .*binance-um/)

  // files on the server's disk: never for a key (only the local CLI, which can read them itself) ...
  const { secret } = await issueApiKey(system.runtime.meta, { name: 'bi-operator', role: 'operator' })
  const withDir = { input: { source: 'binance-um', params: { ...goodParams, dir: '/etc' } } }
  const files = await gql(TRIGGER, withDir, secret)
  expect(files.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT')
  expect(files.body.errors?.[0]?.message).toContain(`input.params.dir: received "/etc"; expected nothing`)
  // ... and from the local CLI only as absolute paths
  const relative = await gql(TRIGGER, {
    input: { source: 'file', params: { table: 'prices', venue: 'x', paths: ['a.csv'] } },
  })
  expect(relative.body.errors?.[0]?.message).toContain(
    'input.params.paths: received ["a.csv"]; expected absolute paths',
  )

  const bad = await gql(TRIGGER, {
    input: { source: 'binance-um', params: { markets: [], datasets: ['aggTrades', 'nope'], from: '2022-02-30' } },
  })
  expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT')
  const problems = bad.body.errors?.[0]?.extensions?.problems as Array<{ path: string }>
  expect(problems.map((p) => p.path)).toEqual(['markets', 'datasets.1', 'from'])

  // runJob (jobs run NAME through a server): an unknown job named with the valid ones; file parameters under the
  // same rule; the job's own schema for the rest — every refusal records nothing
  const RUN_JOB = `mutation ($name: String!, $params: JSON) { runJob(name: $name, params: $params) { id job status } }`
  const noJob = await gql(RUN_JOB, { name: 'ingest.mtgox' })
  expect(noJob.body.errors?.[0]?.message).toMatch(/name: received "ingest\.mtgox"; expected one of .*maintenance\./)
  const { secret: admin } = await issueApiKey(system.runtime.meta, { name: 'bi-admin', role: 'admin' })
  const jobDir = await gql(RUN_JOB, { name: 'ingest.binance-um', params: { ...goodParams, dir: '/etc' } }, admin)
  expect(jobDir.body.errors?.[0]?.message).toContain(`params.dir: received "/etc"; expected nothing`)
  expect((await gql(RUN_JOB, { name: 'ingest.binance-um', params: [1] })).body.errors?.[0]?.message).toContain(
    'params: received [1]; expected an object',
  )
  const badJob = await gql(RUN_JOB, { name: 'ingest.binance-um', params: { markets: [] } })
  expect(badJob.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT')
  // an operator key may trigger an ingest, not run any job (maintenance deletes runs and reports)
  expect((await gql(RUN_JOB, { name: 'maintenance.prune-job-runs' }, secret)).body.errors?.[0]?.extensions?.code).toBe(
    'FORBIDDEN',
  )

  expect((await listRuns(system.runtime.meta, { kind: null, status: null, limit: 1000 })).length).toBe(before)
})

test('runJob runs a registered job now, as the CLI would', async () => {
  const ran = await gql(`mutation { runJob(name: "maintenance.prune-job-runs") { id job trigger } }`)
  expect(ran.body.errors).toBeUndefined()
  const { id } = ran.body.data!.runJob as { id: string; job: string; trigger: string }
  expect(ran.body.data!.runJob).toMatchObject({ job: 'maintenance.prune-job-runs', trigger: 'api' })
  await system.runs.idle()
  expect((await getRun(system.runtime.meta, id))?.status).toBe('succeeded')
})

test(`an ingestion through triggerIngest: ${READERS} concurrent readers meanwhile, 0 errors`, async () => {
  const started = await gql(TRIGGER, { input: { source: 'binance-um', params: goodParams } })
  expect(started.body.errors).toBeUndefined()
  const run = started.body.data!.triggerIngest as { id: string; kind: string; job: string; trigger: string }
  expect(run).toMatchObject({ kind: 'ingest', job: 'ingest.binance-um', trigger: 'api' })

  // one ingestion of a source at a time: a second is refused while the first runs
  const again = await gql(TRIGGER, { input: { source: 'binance-um', params: goodParams } })
  expect(again.body.errors?.[0]?.extensions?.code).toBe('CONFLICT')

  const reads = [
    `{ health { status duckdb { status } } }`,
    `{ markets { venue market rows } }`,
    `{ dataCoverage(venue: "binance-um", market: "BTCUSDT") { dataset partitions rows } }`,
    `query ($id: ID!) { run(id: $id) { status progress { done total } } }`,
  ]
  const latencies: number[] = []
  const failures: string[] = []
  let finished = false
  const reader = async (n: number) => {
    for (let i = n; !finished; i++) {
      const t0 = performance.now()
      try {
        const r = await gql(reads[i % reads.length]!, { id: run.id })
        if (r.status !== 200 || r.body.errors) failures.push(`${r.status} ${JSON.stringify(r.body.errors)}`)
      } catch (error) {
        failures.push(String(error))
      }
      latencies.push(performance.now() - t0)
    }
  }
  const readers = Array.from({ length: READERS }, (_, n) => reader(n))
  let status = 'queued'
  let sawRunning = false
  while (status === 'queued' || status === 'running') {
    await new Promise((r) => setTimeout(r, 250))
    const r = await gql(`query ($id: ID!) { run(id: $id) { status result failures { message } } }`, { id: run.id })
    status = (r.body.data!.run as { status: string }).status
    if (status === 'running') sawRunning = true
  }
  finished = true
  await Promise.all(readers)

  const sorted = [...latencies].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(1)
  console.log(
    `${READERS} readers during the ingestion: ${latencies.length} requests, ${failures.length} errors; ` +
      `latency p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${sorted.at(-1)!.toFixed(1)} ms (shared, busy machine)`,
  )
  expect(failures).toEqual([])
  expect(sawRunning).toBe(true)
  expect(latencies.length).toBeGreaterThan(READERS)
  expect(status).toBe('succeeded')
  const done = await gql(`query ($id: ID!) { run(id: $id) { result } }`, { id: run.id })
  expect((done.body.data!.run as { result: { rows: number } }).result).toMatchObject({
    rows: DAYS.length * ROWS_PER_DAY,
  })
}, 180_000)
