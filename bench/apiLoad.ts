// API latency while a heavy backtest runs (`npm run bench:api-load`): a real `backstop serve` on synthetic data
// (bench/synthetic.ts), probed by a few clients (`{ health { status } }`, /healthz, a page of results) with no run,
// then during a backtest of 400k synthetic positions with its kernel on a worker thread, then on the main thread
// (BACKTEST_KERNEL_THREAD=main, the design it replaced). Prints p50 / p99 / max per probe and the backtest's end-to-end
// time in each mode, side by side.
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { issueApiKey } from '../src/store/meta/apiKeys.ts'
import { createMetaClient } from '../src/store/meta/client.ts'
import { migrateDeploy } from '../src/store/meta/migrate.ts'
import { DuckStore } from '../src/store/duck/open.ts'
import { migrateDuck } from '../src/store/duck/schema.ts'
import { projectRoot } from '../src/project.ts'
import { DAY, generate, MARKET, T0, VENUE } from './synthetic.ts'

const argv = process.argv.slice(2)
const arg = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? argv[i + 1]! : fallback
}
const DAYS = Number(arg('days', '3'))
const POSITIONS = Number(arg('positions', '400000'))
const CLIENTS = Number(arg('clients', '4'))
const IDLE_S = Number(arg('idle-seconds', '10'))
/** Pause of each client between two requests: a steady probe, not a throughput test. */
const THINK_MS = 25

interface Server {
  child: ChildProcess
  url: string
  base: string
  stop(): Promise<void>
}

async function serve(env: Record<string, string>): Promise<Server> {
  const child = spawn(process.execPath, [path.join(projectRoot, 'bin', 'backstop.js'), 'start'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      TZ: 'UTC',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let out = ''
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      for (const line of out.split('\n')) {
        if (!line.startsWith('{')) continue
        const log = JSON.parse(line) as { url?: string }
        if (log.url) resolve(log.url)
      }
    })
    child.once('exit', (code) => reject(new Error(`the server exited (${code}) before serving:\n${out}`)))
  })
  // keep draining its logs
  child.stdout!.removeAllListeners('data')
  child.stdout!.resume()
  return {
    child,
    url,
    base: url.replace(/\/graphql$/, ''),
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}

/** An operator key in the bench's metadata store: runBacktest needs one. */
let apiKey = ''
async function issueOperatorKey(dataDir: string): Promise<string> {
  const url = `file:${path.join(dataDir, 'backstop.db')}`
  await migrateDeploy({ url })
  const meta = createMetaClient(url)
  try {
    return (await issueApiKey(meta, { name: 'bench api-load', role: 'operator' })).secret
  } finally {
    await meta.$disconnect()
  }
}

async function gql<T>(server: Server, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ query, variables }),
  })
  const body = (await res.json()) as { data?: T; errors?: Array<{ message: string }> }
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '))
  return body.data!
}

const request = (days: number, positions: number, seed: number) => ({
  ruleSet: 'binance-um',
  venue: VENUE,
  markets: [MARKET],
  from: new Date(T0 / 1000).toISOString(),
  to: new Date((T0 + days * DAY * 1e6) / 1000).toISOString(),
  positions: 'synthetic',
  population: { initialPositions: positions, meanHoldingHours: 24, leverageMax: 75, maxOpen: positions * 2 },
  seed,
})

interface RunInfo {
  status: string
  timings: { totalMs: number; kernelMs: number; eventLoopDelayP99Ms: number; eventLoopDelayMaxMs: number } | null
  summary: { eventsReplayed: number; liquidations: number; outputHash: string } | null
  error: string | null
}

async function backtest(server: Server, input: unknown): Promise<{ id: string; wallMs: number; run: RunInfo }> {
  const t = performance.now()
  const { runBacktest } = await gql<{ runBacktest: { id: string } }>(
    server,
    `mutation($i: BacktestInput!) { runBacktest(input: $i) { id } }`,
    { i: input },
  )
  for (;;) {
    const { backtestRun } = await gql<{ backtestRun: RunInfo }>(
      server,
      `query($id: ID!) { backtestRun(id: $id) { status timings summary { eventsReplayed liquidations outputHash } error } }`,
      { id: runBacktest.id },
    )
    if (!['queued', 'running'].includes(backtestRun.status)) {
      if (backtestRun.status !== 'succeeded') throw new Error(`backtest ${backtestRun.status}: ${backtestRun.error}`)
      return { id: runBacktest.id, wallMs: performance.now() - t, run: backtestRun }
    }
    await new Promise((r) => setTimeout(r, 250))
  }
}

type Probe = 'health query' | '/healthz' | 'results page'
type Latencies = Record<Probe, number[]>

/** CLIENTS loops of probes until `until` settles; every request's latency in ms, by probe. */
async function probe(server: Server, pageRunId: string, until: Promise<unknown>): Promise<Latencies> {
  const out: Latencies = { 'health query': [], '/healthz': [], 'results page': [] }
  let done = false
  void until.finally(() => (done = true))
  const probes: Array<[Probe, () => Promise<unknown>]> = [
    ['health query', () => gql(server, '{ health { status } }')],
    ['/healthz', async () => (await fetch(`${server.base}/healthz`)).text()],
    [
      'results page',
      () =>
        gql(
          server,
          `query($id: ID!, $o: Int) { backtestLiquidations(runId: $id, limit: 100, offset: $o) { seq ts account kind equity shortfall } }`,
          { id: pageRunId, o: Math.floor(Math.random() * 1000) },
        ),
    ],
  ]
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      for (let i = c; !done; i++) {
        const [name, call] = probes[i % probes.length]!
        const t = performance.now()
        await call()
        out[name].push(performance.now() - t)
        await new Promise((r) => setTimeout(r, THINK_MS))
      }
    }),
  )
  return out
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : Number.NaN
}
const ms = (x: number) => (Number.isNaN(x) ? '-' : x < 10 ? x.toFixed(1) : Math.round(x).toLocaleString('en'))
const summary = (xs: number[]) => `${ms(pct(xs, 50))} / ${ms(pct(xs, 99))} / ${ms(Math.max(...xs))} (${xs.length})`

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backstop-api-load-'))
  const duckPath = path.join(dir, 'bench.duckdb')
  console.log(
    `Backstop API load during a backtest — ${DAYS} days of 1 s bars, ${POSITIONS.toLocaleString('en')} synthetic positions, ${CLIENTS} clients (${THINK_MS} ms between requests)`,
  )
  console.log(
    `node ${process.version}, ${os.cpus().length} CPUs, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}, temp ${dir}\n`,
  )
  try {
    const store = await DuckStore.open({ path: duckPath })
    await migrateDuck(store)
    await generate(store, DAYS)
    await store.close()
    const env = {
      DATA_DIR: path.join(dir, 'data'),
      DUCKDB_PATH: duckPath,
      PORT: '0',
      // the serving line (with the URL) is logged at info
      LOG_LEVEL: 'info',
      SCHEDULER_ENABLED: 'false',
      DUCKDB_MEMORY_LIMIT: '512MB',
    }
    apiKey = await issueOperatorKey(env.DATA_DIR)
    const columns: Array<{ name: string; latencies: Latencies; run?: { wallMs: number; run: RunInfo } }> = []
    let pageRunId = ''
    for (const thread of ['worker', 'main'] as const) {
      const server = await serve({ ...env, BACKTEST_KERNEL_THREAD: thread })
      try {
        if (!pageRunId) {
          // a finished run to page through
          pageRunId = (await backtest(server, request(1, 20_000, 2))).id
          const idle = new Promise((r) => setTimeout(r, IDLE_S * 1000))
          columns.push({ name: 'no run', latencies: await probe(server, pageRunId, idle) })
        }
        const running = backtest(server, request(DAYS, POSITIONS, 1))
        const latencies = await probe(server, pageRunId, running)
        columns.push({ name: `during a run, kernel on the ${thread} thread`, latencies, run: await running })
      } finally {
        await server.stop()
      }
    }

    console.log(`| p50 / p99 / max ms (requests) | ${columns.map((c) => c.name).join(' | ')} |`)
    console.log(`|---|${columns.map(() => '---').join('|')}|`)
    for (const probeName of ['health query', '/healthz', 'results page'] as const)
      console.log(`| ${probeName} | ${columns.map((c) => summary(c.latencies[probeName])).join(' | ')} |`)
    const runCell = (f: (r: { wallMs: number; run: RunInfo }) => string) =>
      columns.map((c) => (c.run ? f(c.run) : '-')).join(' | ')
    console.log(`| backtest end to end (submit → succeeded) | ${runCell((r) => `${(r.wallMs / 1000).toFixed(1)} s`)} |`)
    console.log(
      `| run's own time (kernel) | ${runCell((r) => `${(r.run.timings!.totalMs / 1000).toFixed(1)} s (${(r.run.timings!.kernelMs / 1000).toFixed(1)} s)`)} |`,
    )
    console.log(
      `| server event-loop delay during the run, p99 / max | ${runCell((r) => `${ms(r.run.timings!.eventLoopDelayP99Ms)} / ${ms(r.run.timings!.eventLoopDelayMaxMs)} ms`)} |`,
    )
    console.log(
      `| events, liquidations | ${runCell((r) => `${r.run.summary!.eventsReplayed.toLocaleString('en')}, ${r.run.summary!.liquidations.toLocaleString('en')}`)} |`,
    )
    const hashes = new Set(columns.flatMap((c) => (c.run ? [c.run.run.summary!.outputHash] : [])))
    console.log(`\noutput hashes of the two runs ${hashes.size === 1 ? 'equal' : 'DIFFER'}`)
    if (hashes.size !== 1) process.exitCode = 1
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

await main()
