// API throughput and latency (`npm run bench:api`): a store seeded with 1 M replayed liquidations, 10 k incidents
// (20 k detections) and 30 days of 1 s bars with mark and oracle prices, served over loopback, each operation hit
// by autocannon with 50 connections: req/s and p50 / p99 for (a) a run summary, (b) a page of 100 incidents with
// their detections, (c) a 30-day hourly mark-vs-oracle series, (d) a page of 1000 liquidations deep in the run
// (after a cursor near the end); the same summary with an API key (its lookup per request), the last page of
// liquidations (`last`), and pages of accountsConnection and dataCoverageConnection over a manifest of 200 markets ×
// 30 days × 2 datasets and 1000 accounts. Then Apollo's overhead: the same operations executed in process through Apollo
// and through bare graphql-js `execute`, one at a time. Over HTTP each operation is measured twice, as misses (the
// response cache off) and as hits (the same query repeated). Floors: p99 < 50 ms for (a) (b) (d), < 200 ms for (c).
// (d) selects four columns: the query cost limit (graphql-armor, 20 000) counts `first` and refuses a 1000-row page
// of six columns with pageInfo (26 000).
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type autocannon from 'autocannon'
import {
  buildSchema,
  defaultFieldResolver,
  execute,
  GraphQLScalarType,
  parse,
  type GraphQLFieldResolver,
} from 'graphql'
import { encodeCursor } from '../src/api/common/pagination.ts'
import type { ApiContext } from '../src/api/context.ts'
import { resolvers } from '../src/api/resolvers/index.ts'
import { createApollo, startApiServer, typeDefs } from '../src/api/server.ts'
import { closeRuntime, openRuntime } from '../src/app/runtime.ts'
import { projectRoot } from '../src/project.ts'
import { loadConfig } from '../src/config/load.ts'
import { createLogger } from '../src/obs/logger.ts'
import { issueApiKey } from '../src/store/meta/apiKeys.ts'
import { writeMinuteRollups } from '../src/store/series/minuteRollups.ts'

const argv = process.argv.slice(2)
const arg = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? argv[i + 1]! : fallback
}
const SECONDS = Number(arg('seconds', '10'))
const CONNECTIONS = Number(arg('connections', '50'))
const LIQUIDATIONS = Number(arg('liquidations', '1000000'))
const INCIDENTS = Number(arg('incidents', '10000'))
const DAYS = Number(arg('days', '30'))
const MARKETS = Number(arg('markets', '200'))

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backstop-bench-api-'))
const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent', PORT: '0', SCHEDULER_ENABLED: 'false' })
const { runtime } = await openRuntime(config, { migrate: true, log: createLogger('silent') })

const started = performance.now()
const RUN = 'bench-run'
await runtime.meta.jobRun.create({
  data: { id: RUN, kind: 'backtest', job: 'backtest', trigger: 'cli', host: 'bench', pid: 1, status: 'succeeded' },
})
await runtime.meta.backtestRun.create({
  data: {
    id: RUN,
    ruleSetHash: 'bench',
    ruleSetRef: 'binance-um',
    venue: 'bench',
    markets: ['BTCUSDT'],
    fromTs: new Date('2025-10-01T00:00:00Z'),
    toTs: new Date(Date.parse('2025-10-01T00:00:00Z') + DAYS * 86_400_000),
    positionsSource: 'synthetic',
    seed: 1,
    summary: { liquidations: LIQUIDATIONS, totalBadDebt: '0', outputHash: 'bench' },
  },
})
await runtime.duck.use(async (c) => {
  await c.run(
    `INSERT INTO backtest_liquidations SELECT $1, i, TIMESTAMP '2025-10-01' + to_microseconds(i * 1000),
       'acct-' || (i % 997), 'BTCUSDT', CASE WHEN i % 3 = 0 THEN 'long' ELSE 'short' END,
       ['full', 'partial', 'takeover'][i % 3 + 1], 1.5, (((i * 37) % 100003) + 0.5)::DECIMAL(18, 6), 100, NULL, NULL,
       100, 99, 1, 0.5, 10, 0, 0, 0, (i % 7)::DECIMAL(18, 6)
     FROM range(0, $2) t(i)`,
    [RUN, LIQUIDATIONS],
  )
  await c.run(
    `INSERT INTO detections SELECT 'det-' || lpad(i::VARCHAR, 7, '0'), 'self-trading', '1', 'bench', 'BTCUSDT',
       TIMESTAMP '2025-10-01' + to_seconds(i * 30), TIMESTAMP '2025-10-01' + to_seconds(i * 30 + 60), ['a', 'b'],
       i * 0.1, 'warning', '{"z": 1}', NULL, NULL, NULL, 'h', TIMESTAMP '2025-10-01', TIMESTAMP '2025-10-31',
       TIMESTAMP '2025-10-31'
     FROM range(0, $1) t(i)`,
    [INCIDENTS * 2],
  )
  await c.run(
    `INSERT INTO incidents SELECT 'inc-' || lpad(i::VARCHAR, 6, '0'), 'bench', NULL, ['BTCUSDT'],
       TIMESTAMP '2025-10-01' + to_seconds(i * 60), TIMESTAMP '2025-10-01' + to_seconds(i * 60 + 60), 'warning',
       'incident ' || i, 10.5, -3, 0, ['a'], 2, 2, 3600, TIMESTAMP '2025-10-31'
     FROM range(0, $1) t(i)`,
    [INCIDENTS],
  )
  await c.run(
    `INSERT INTO incident_members SELECT 'inc-' || lpad((i // 2)::VARCHAR, 6, '0'), (i % 2)::INTEGER, 'detection',
       'det-' || lpad(i::VARCHAR, 7, '0'), TIMESTAMP '2025-10-01', TIMESTAMP '2025-10-01', 'BTCUSDT', ['a'], 'warning',
       'one line', '{}'
     FROM range(0, $1) t(i)`,
    [INCIDENTS * 2],
  )
  const seconds = DAYS * 86_400
  await c.run(
    `INSERT INTO bars BY NAME SELECT 'bench' AS venue, 'BTCUSDT' AS market, TIMESTAMP '2025-10-01' + to_seconds(i) AS ts,
       1 AS interval_s, p AS open, p + 1 AS high, p - 1 AS low, p AS close, 1.0 AS volume, p AS quote_volume,
       1 AS trades, p AS vwap, 'trades' AS source, 'bench' AS partition_id
     FROM (SELECT i, 100000 + 1000 * sin(i / 3600.0) AS p FROM range(0, $1) t(i))`,
    [seconds],
  )
  await c.run(
    `INSERT INTO prices BY NAME SELECT 'bench' AS venue, 'BTCUSDT' AS market, TIMESTAMP '2025-10-01' + to_seconds(i) AS ts,
       k AS kind, 'bench' AS source, 100000 + 1000 * sin(i / 3600.0) + (k = 'oracle')::INTEGER * 5 AS price,
       'bench' AS partition_id
     FROM range(0, $1) t(i), (VALUES ('mark'), ('oracle')) k(k)
     WHERE k = 'mark' OR i % 5 = 0`,
    [seconds],
  )
  // the manifest behind accountsConnection and dataCoverageConnection: MARKETS markets × DAYS days × 2 datasets, and
  // 1000 accounts' fills
  await c.run(
    `INSERT INTO partitions BY NAME
       SELECT 'bench/' || d || '/' || m || '/' || day AS partition_id, 'bench' AS source, d AS dataset, 'bench' AS venue,
              'M' || lpad(m::VARCHAR, 4, '0') AS market, strftime(DATE '2025-10-01' + day::INTEGER, '%Y-%m-%d') AS period,
              CASE d WHEN 'aggTrades' THEN 'trades' ELSE 'funding' END AS target_table, 'loaded' AS status,
              86400 AS rows, TIMESTAMP '2025-10-01' + to_days(day::INTEGER) AS min_ts,
              TIMESTAMP '2025-10-01' + to_days(day::INTEGER) + INTERVAL 86399 SECOND AS max_ts, now()::TIMESTAMP AS loaded_at
         FROM range(0, $1) a(m), range(0, $2) b(day), (VALUES ('aggTrades'), ('fundingRate')) c(d)
       UNION ALL
       SELECT 'acct/' || a, 'bench', 'fills', 'bench', '0x' || lpad(a::VARCHAR, 40, '0'), '2025-10-01', 'fills', 'loaded',
              100, TIMESTAMP '2025-10-01', TIMESTAMP '2025-10-02', now()::TIMESTAMP
         FROM range(0, 1000) t(a)`,
    [MARKETS, DAYS],
  )
  // what the loader does for every partition it writes: the series' per-minute rollups of its bars and prices
  const rollupStarted = performance.now()
  await writeMinuteRollups(c, ['bench'])
  console.log(
    `per-minute series rollups of the seeded bars and prices in ${(performance.now() - rollupStarted).toFixed(0)} ms`,
  )
  await c.run('CHECKPOINT')
})
const apiKey = (await issueApiKey(runtime.meta, { name: 'bench', role: 'reader' })).secret
console.log(
  `seeded ${LIQUIDATIONS} liquidations, ${INCIDENTS} incidents (${INCIDENTS * 2} detections), ${DAYS} days of 1 s bars, mark and 5 s oracle prices in ${((performance.now() - started) / 1000).toFixed(1)} s`,
)

const deepCursor = encodeCursor(['seq:ASC'], [String(LIQUIDATIONS - 2000)])
const from = '2025-10-01T00:00:00Z'
const to = new Date(Date.parse(from) + DAYS * 86_400_000).toISOString()
const SUMMARY = `query($id: ID!) { backtestRun(id: $id) { id status ruleSetHash venue markets from to summaryJson run { status } } }`
const OPERATIONS: Array<{
  name: string
  floorMs: number
  query: string
  variables: Record<string, unknown>
  /** Sent with an API key (over HTTP): the key's lookup is part of the request. */
  keyed?: boolean
}> = [
  { name: '(a) run summary', floorMs: 50, query: SUMMARY, variables: { id: RUN } },
  { name: '(a) run summary, with an API key', floorMs: 50, query: SUMMARY, variables: { id: RUN }, keyed: true },
  {
    name: '(b) 100 incidents with detections',
    floorMs: 50,
    query: `{ incidents(first: 100) { nodes { id title severity totalDeficit detections { id score severity } } pageInfo { endCursor } } }`,
    variables: {},
  },
  {
    name: '(d) 1000 liquidations deep in the run',
    floorMs: 50,
    query: `query($id: ID!, $after: String) { runLiquidations(runId: $id, first: 1000, after: $after) { nodes { seq ts account notional } pageInfo { endCursor } } }`,
    variables: { id: RUN, after: deepCursor },
  },
  {
    name: '(d) 1000 liquidations, the last page (last)',
    floorMs: 50,
    query: `query($id: ID!) { runLiquidations(runId: $id, last: 1000) { nodes { seq ts account notional } pageInfo { startCursor } } }`,
    variables: { id: RUN },
  },
  {
    name: '100 accounts (accountsConnection)',
    floorMs: 50,
    query: `{ accountsConnection(first: 100) { nodes { venue account rows } pageInfo { endCursor } totalCount } }`,
    variables: {},
  },
  {
    name: "one market's coverage (dataCoverageConnection)",
    floorMs: 50,
    query: `{ dataCoverageConnection(filter: { venue: { equals: "bench" }, market: { equals: "M0007" } }) { nodes { dataset partitions rows ranges { from to } } } }`,
    variables: {},
  },
  {
    name: '100 coverage rows of every market',
    floorMs: 200,
    query: `{ dataCoverageConnection(first: 100) { nodes { market dataset partitions rows } pageInfo { endCursor } totalCount } }`,
    variables: {},
  },
  {
    name: '(c) 30-day hourly mark vs oracle',
    floorMs: 200,
    query: `query($from: DateTime!, $to: DateTime!) { marketSeries(venue: "bench", market: "BTCUSDT", from: $from, to: $to, granularity: HOUR) { nodes { bucket mark oracle } } }`,
    variables: { from, to },
  },
]

// Apollo against bare graphql-js: the same schema and resolvers, one operation at a time.
const apollo = createApollo(runtime)
await apollo.start()
const schema = buildSchema(typeDefs)
for (const [name, scalar] of Object.entries(resolvers)) {
  const type = schema.getType(name)
  if (scalar instanceof GraphQLScalarType && type instanceof GraphQLScalarType) {
    type.serialize = scalar.serialize.bind(scalar)
    type.parseValue = scalar.parseValue.bind(scalar)
    type.parseLiteral = scalar.parseLiteral.bind(scalar)
  }
}
const map = resolvers as unknown as Record<string, Record<string, GraphQLFieldResolver<unknown, ApiContext>>>
const fieldResolver: GraphQLFieldResolver<unknown, ApiContext> = (source, args, context, info) =>
  (map[info.parentType.name]?.[info.fieldName] ?? defaultFieldResolver)(source, args, context, info)
const ROUNDS = 40
console.log(`\nin process, ${ROUNDS} runs each, mean per operation:`)
// the key is checked over HTTP only: in process the keyed operation is (a) again
for (const op of OPERATIONS.filter((o) => !o.keyed)) {
  const document = parse(op.query)
  const context = (): ApiContext => ({
    runtime,
    log: runtime.log,
    requestId: 'bench',
    principal: { kind: 'local', role: 'admin' },
  })
  let t = performance.now()
  for (let i = 0; i < ROUNDS; i++) {
    const r = await execute({ schema, document, variableValues: op.variables, contextValue: context(), fieldResolver })
    if (r.errors) throw new Error(`${op.name} (bare): ${String(r.errors[0])}`)
  }
  const bare = (performance.now() - t) / ROUNDS
  t = performance.now()
  for (let i = 0; i < ROUNDS; i++)
    await apollo.executeOperation({ query: op.query, variables: op.variables }, { contextValue: context() })
  const viaApollo = (performance.now() - t) / ROUNDS
  console.log(
    `${op.name.padEnd(40)} graphql ${bare.toFixed(2).padStart(7)} ms  apollo ${viaApollo.toFixed(2).padStart(7)} ms  overhead ${(viaApollo - bare).toFixed(2)} ms`,
  )
}
await apollo.stop()

// Over HTTP, (c) last: a request it leaves queued in DuckDB when autocannon stops would slow the next operation.
// Each operation twice, side by side: misses (a server with the response cache off: every request executes, as a
// query with new variables would) and hits (the cache on, the same query repeated, as a dashboard refreshed by many
// viewers sends it: after the first request every answer comes from memory until the next write).
// autocannon runs in a process of its own (its CLI, --json), so the server's event loop and CPU time are the
// server's alone: the CPU time this process spends per request is printed beside the latencies (load disturbs it
// less than it disturbs req/s).
async function loadFromChild(url: string, headers: Record<string, string>, body: string): Promise<autocannon.Result> {
  const args = ['-c', String(CONNECTIONS), '-d', String(SECONDS), '-t', '30', '-m', 'POST', '-b', body, '--json']
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}=${value}`)
  const child = spawn(path.join(projectRoot, 'node_modules', '.bin', 'autocannon'), [...args, url], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let out = ''
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')))
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  if (code !== 0) throw new Error(`autocannon exited with ${code}`)
  return JSON.parse(out) as autocannon.Result
}

const servers = {
  miss: await startApiServer({ ...runtime, config: { ...runtime.config, apiResponseCache: false } }),
  hit: await startApiServer(runtime),
}
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')
console.log(
  `\nover HTTP, ${CONNECTIONS} connections, ${SECONDS} s each; load average (1 5 15 min) ${load()}, ${os.cpus().length} CPUs`,
)
const rows: string[] = []
for (const op of OPERATIONS) {
  const body = JSON.stringify({ query: op.query, variables: op.variables })
  // the same headers for the checks (fetch) and autocannon: Accept is part of the cache key, and fetch sends */*
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json',
    ...(op.keyed ? { authorization: `Bearer ${apiKey}` } : {}),
  }
  for (const mode of ['miss', 'hit'] as const) {
    const url = servers[mode].url
    // the answer must be data, not an error, or the figures mean nothing; and each mode must be what it says
    for (let i = 0; i < 2; i++) {
      const res = await fetch(url, { method: 'POST', headers, body })
      const check = (await res.json()) as { errors?: unknown }
      if (check.errors) throw new Error(`${op.name} answered errors: ${JSON.stringify(check.errors).slice(0, 500)}`)
      const cache = res.headers.get('x-cache')
      if (i === 1 && cache !== (mode === 'hit' ? 'hit' : null))
        throw new Error(`${op.name}: the ${mode} server answered X-Cache ${cache}`)
    }
    const cpu = process.cpuUsage()
    const result = await loadFromChild(url, headers, body)
    // requests still executing when autocannon stopped (DuckDB reads queued behind each other) finish before the
    // next measurement starts, and count towards this one's CPU time
    const drainedBy = performance.now() + 120_000
    while (runtime.duck.openConnections > 0 && performance.now() < drainedBy)
      await new Promise((r) => setTimeout(r, 20))
    const { user, system } = process.cpuUsage(cpu)
    const cpuMs = (user + system) / 1000 / Math.max(1, result.requests.total)
    const p99 = result.latency.p99
    const label = mode === 'miss' ? 'miss (cache off)' : 'hit (repeated)'
    rows.push(
      `${op.name.padEnd(40)} ${label.padEnd(17)} ${result.requests.average.toFixed(0).padStart(6)} req/s  p50 ${String(result.latency.p50).padStart(5)} ms  p99 ${String(p99).padStart(5)} ms  server CPU ${cpuMs.toFixed(3).padStart(7)} ms/req  (floor ${op.floorMs} ms: ${result.requests.total === 0 ? 'no answer in the time' : p99 < op.floorMs ? 'met' : 'NOT met'}; ${result.non2xx} non-2xx, ${result.errors} errors)`,
    )
    console.log(rows[rows.length - 1])
  }
}
console.log(`load average at the end ${load()}`)
await servers.miss.stop()
await servers.hit.stop()

await closeRuntime(runtime)
fs.rmSync(dir, { recursive: true, force: true })
