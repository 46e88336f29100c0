// Runs across real processes: a backtest killed with SIGKILL mid-run is ended by the next process that opens the
// stores and leaves no rows; a server's backtests are cancelled from another process (`backstop runs cancel`),
// queued or running; and on SIGTERM a server cancels the backtest it is running, records it cancelled and deletes
// its rows before the stores close, within the shutdown budget.
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { DuckStore } from '../src/store/duck/open.ts'
import { migrateDuck } from '../src/store/duck/schema.ts'
import { issueApiKey } from '../src/store/meta/apiKeys.ts'
import { createMetaClient, type MetaClient } from '../src/store/meta/client.ts'
import { RESULT_TABLES } from '../src/store/results/backtestResults.ts'
import { barsFromCloses, insertBars } from './support/marketData.ts'
import { spawnBackstop, type Spawned } from './support/process.ts'
import { tempDir } from './support/tmp.ts'

const dir = tempDir()
const duckFile = path.join(dir, 'market.duckdb')
const dataDir = path.join(dir, 'data')
// small flushes: a run has rows in DuckDB soon after its first liquidations
const env = {
  DATA_DIR: dataDir,
  DUCKDB_PATH: duckFile,
  LOG_LEVEL: 'info',
  PORT: '0',
  BACKTEST_FLUSH_ROWS: '1000',
  SCHEDULER_ENABLED: 'false',
}
const T0 = Date.UTC(2025, 9, 10) * 1000
const H = 3600e6
const HOURS = 48
const iso = (us: number) => new Date(us / 1000).toISOString()
/** The server's SHUTDOWN_TIMEOUT_MS (default 4 s) in the SIGTERM test. */
const SHUTDOWN_MS = 20_000

let meta: MetaClient
const running: Spawned[] = []
afterEach(() => {
  for (const p of running.splice(0)) p.child.kill('SIGKILL')
})
afterAll(() => meta?.$disconnect())

beforeAll(async () => {
  // two days of BTCUSDT at 1 s with a −15% minute after one hour (long enough to be caught replaying on a quiet machine)
  const closes: number[] = []
  let p = 60_000
  let x = 7
  for (let i = 0; i < HOURS * 3_600; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0
    p *= 1 + ((x >>> 8) / 2 ** 24 - 0.5) * 0.0006
    if (i >= 3_600 && i < 3_660) p *= 0.9973
    closes.push(p)
  }
  const store = await DuckStore.open({ path: duckFile })
  await migrateDuck(store)
  await insertBars(store, 'binance-um', 'BTCUSDT', 1, barsFromCloses(T0, closes, {}, 2e6))
  await store.close()
})

/** A backtest heavy enough to be caught mid-run: 400k synthetic positions open first, then churn for two days. */
const heavy = {
  ruleSet: 'binance-um',
  venue: 'binance-um',
  markets: ['BTCUSDT'],
  from: iso(T0),
  to: iso(T0 + HOURS * H),
  positions: 'synthetic',
  population: { initialPositions: 400_000, meanHoldingHours: 1, leverageMax: 75 },
}

function metaStore(): MetaClient {
  meta ??= createMetaClient(`file:${path.join(dataDir, 'backstop.db')}`)
  return meta
}

/** The run's record, polled until `ready` holds (the last record is in the error otherwise). */
async function runUntil(id: string, ready: (run: { status: string; progress: unknown }) => boolean, timeout = 60_000) {
  const deadline = performance.now() + timeout
  let last: { status: string; progress: unknown } | null = null
  while (performance.now() < deadline) {
    last = await metaStore().jobRun.findUnique({ where: { id }, select: { status: true, progress: true } })
    if (last && ready(last)) return last
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`run ${id} not ready within ${timeout} ms; last record: ${JSON.stringify(last)}`)
}

/** Market seconds the run has replayed, from its saved progress. */
const replayed = (run: { progress: unknown }) => {
  const p = run.progress as { phase?: string; done?: number } | null
  return p?.phase === 'replaying' ? (p.done ?? 0) : 0
}

/** Result rows of `ids` in the DuckDB file (no process may hold it). */
async function rowsOf(...ids: string[]): Promise<number> {
  const store = await DuckStore.open({ path: duckFile })
  try {
    return await store.use(async (c) => {
      let n = 0
      for (const t of RESULT_TABLES)
        for (const id of ids)
          n += Number(
            (await c.runAndReadAll(`SELECT count(*) AS n FROM ${t} WHERE run_id = $1`, [id])).getRowObjectsJS()[0]!.n,
          )
      return n
    })
  } finally {
    await store.close()
  }
}

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  const p = spawnBackstop(args, { ...env, LOG_LEVEL: 'warn' }, dir)
  running.push(p)
  const { code } = await p.exited
  return { code, out: p.output() }
}

describe('runs across processes', () => {
  test(
    'kill -9 of a CLI backtest: the next process that opens the stores marks it failed and deletes its rows',
    { timeout: 240_000 },
    async () => {
      const args = ['backtest', '--rules', heavy.ruleSet, '--venue', heavy.venue, '--markets', 'BTCUSDT']
      args.push('--from', heavy.from, '--to', heavy.to, '--positions', 'synthetic')
      // one-hour slabs: progress moves hour by hour, so the run is seen between 3 h and its end (with the default
      // slab the whole window is one read and the run can finish between two polls)
      args.push('--population', JSON.stringify(heavy.population), '--slab-hours', '1', '--json')
      const child = spawnBackstop(args, env, dir)
      running.push(child)
      const queued = await child.waitForLog((l) => l.msg === 'run queued', 60_000)
      const id = String(queued.runId)
      // past the crash: it has liquidated, and written some of its rows
      await runUntil(id, (r) => r.status === 'running' && replayed(r) > 3 * 3_600, 180_000)
      child.child.kill('SIGKILL')
      expect((await child.exited).code).toBe(137)
      expect((await metaStore().jobRun.findUniqueOrThrow({ where: { id } })).status).toBe('running')
      // what an interrupted run used to leave behind
      expect(await rowsOf(id)).toBeGreaterThan(0)

      const listed = await cli(['runs', 'list', '--kind', 'backtest'])
      expect(listed.code).toBe(0)
      expect(listed.out).toMatch(new RegExp(`${id}\\tbacktest\\tbacktest\\trunning\\tcli\\t.*process gone`))
      // any process that opens both stores recovers it
      expect((await cli(['migrate'])).code).toBe(0)
      const after = await metaStore().jobRun.findUniqueOrThrow({ where: { id } })
      expect(after.status).toBe('failed')
      expect(after.error).toMatch(/^interrupted: process \d+ on .* stopped before the run finished/)
      expect(await rowsOf(id)).toBe(0)
      const shown = await cli(['runs', 'show', id, '--json'])
      expect(JSON.parse(shown.out.slice(shown.out.indexOf('{')))).toMatchObject({
        id,
        status: 'failed',
        kind: 'backtest',
      })
    },
  )

  test(
    'a server: backtests cancelled from the CLI (queued at once, running within a second); SIGTERM cancels the running one before the stores close',
    { timeout: 300_000 },
    async () => {
      // a shutdown budget a busy sibling (another test file, a second vitest worker) cannot exhaust: the test is that
      // the running backtest is cancelled and its rows deleted before the stores close, within the budget
      const server = spawnBackstop(['start'], { ...env, SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_MS) }, dir)
      running.push(server)
      const url = String((await server.waitForLog((l) => typeof l.url === 'string', 60_000)).url)
      // runBacktest needs an operator key (the server has migrated the metadata store by now)
      const { secret } = await issueApiKey(metaStore(), { name: 'process test', role: 'operator' })
      const gql = async (query: string, variables: Record<string, unknown> = {}) =>
        (await (
          await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
            body: JSON.stringify({ query, variables }),
          })
        ).json()) as {
          data?: Record<string, unknown>
          errors?: Array<{ message: string; extensions: { code: string } }>
        }
      const submit = async () => {
        const r = await gql(`mutation($i: BacktestInput!) { runBacktest(input: $i) { id status } }`, { i: heavy })
        expect(r.errors).toBeUndefined()
        return (r.data!.runBacktest as { id: string }).id
      }

      // one backtest at a time (RUN_CONCURRENCY): the second waits queued
      const first = await submit()
      const second = await submit()
      await runUntil(first, (r) => r.status === 'running')
      expect((await metaStore().jobRun.findUniqueOrThrow({ where: { id: second } })).status).toBe('queued')

      const cancelQueued = await cli(['runs', 'cancel', second])
      expect(cancelQueued.code, cancelQueued.out).toBe(0)
      expect(cancelQueued.out).toContain(`run ${second}: cancelled`)
      const cancelRunning = await cli(['runs', 'cancel', first, '--wait'])
      expect(cancelRunning.code, cancelRunning.out).toBe(0)
      expect(cancelRunning.out).toContain(`run ${first}: cancel requested`)
      expect(cancelRunning.out).toContain(`run ${first}: cancelled`)
      const state = await gql(`query($id: ID!) { backtestRun(id: $id) { status run { status } } }`, { id: first })
      expect(state.data!.backtestRun).toEqual({ status: 'cancelled', run: { status: 'cancelled' } })
      const refused = await gql(`query($id: ID!) { backtestLiquidations(runId: $id) { seq } }`, { id: first })
      expect(refused.errors?.[0]?.extensions.code).toBe('CONFLICT')
      expect(refused.errors?.[0]?.message).toMatch(/was cancelled \(cancelled on request/)

      // a third, caught by SIGTERM after it has written rows
      const third = await submit()
      await runUntil(third, (r) => r.status === 'running' && replayed(r) > 3_700, 180_000)
      const sent = performance.now()
      server.child.kill('SIGTERM')
      const { code, at } = await server.exited
      expect(code, server.output()).toBe(0)
      // exit 0: done within SHUTDOWN_TIMEOUT_MS (the process exits 1 past it)
      expect(at - sent).toBeLessThan(SHUTDOWN_MS + 2_000)
      const logs = server.logs()
      const finished = logs.findIndex((l) => l.msg === 'run finished' && l.runId === third)
      const stopped = logs.findIndex((l) => l.msg === 'stopped')
      expect(finished, server.output().slice(-4000)).toBeGreaterThanOrEqual(0)
      expect(logs[finished]).toMatchObject({ status: 'cancelled' })
      expect(finished).toBeLessThan(stopped)
      const record = await metaStore().jobRun.findUniqueOrThrow({ where: { id: third } })
      expect(record).toMatchObject({ status: 'cancelled', error: 'cancelled: the process is shutting down' })
      const left = { first: await rowsOf(first), second: await rowsOf(second), third: await rowsOf(third) }
      expect(left).toEqual({
        first: 0,
        second: 0,
        third: 0,
      })
    },
  )
})
