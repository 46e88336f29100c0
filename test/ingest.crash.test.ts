// Crash safety: the ingest process killed (SIGKILL) mid-partition leaves no partial rows; the next run completes the
// range with no duplicates, taking over the dead run's lock.
import path from 'node:path'
import { expect, test } from 'vitest'
import { DuckStore } from '../src/store/duck/open.ts'
import { ArchiveServer } from './support/archiveServer.ts'
import { spawnBackstop } from './support/process.ts'
import { tempDir } from './support/tmp.ts'

const DAYS = ['2024-05-01', '2024-05-02', '2024-05-03', '2024-05-04', '2024-05-05']
const ROWS: Record<string, number> = {
  '2024-05-01': 3000,
  '2024-05-02': 400_000,
  '2024-05-03': 3000,
  '2024-05-04': 3000,
  '2024-05-05': 3000,
}
const zipPath = (day: string) => `/data/futures/um/daily/aggTrades/BTCUSDT/BTCUSDT-aggTrades-${day}.zip`

function day(d: string, rows: number, firstId: number): string {
  const start = Date.parse(`${d}T00:00:00Z`)
  const out = ['agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker']
  for (let i = 0; i < rows; i++) {
    out.push(
      `${firstId + i},${(60000 + (i % 500) / 10).toFixed(1)},0.01,${i},${i},${start + Math.floor((i * 86_400_000) / rows)},${i % 2 === 0}`,
    )
  }
  return out.join('\n') + '\n'
}

test('kill -9 mid-partition, then the next run completes with no duplicates', { timeout: 120_000 }, async () => {
  const server = await ArchiveServer.start()
  let id = 1
  for (const d of DAYS) {
    await server.putZip(zipPath(d), `BTCUSDT-aggTrades-${d}.csv`, day(d, ROWS[d]!, id))
    id += ROWS[d]!
  }
  // 2024-05-04 stalls half way through its body until the process is gone
  let release = () => undefined as void
  server.fail(zipPath('2024-05-04'), { stall: new Promise<void>((r) => (release = r)) })
  const served = server.whenServed(zipPath('2024-05-02'))

  const data = path.join(tempDir(), 'data')
  const env = { DATA_DIR: data, INGEST_CONCURRENCY: '2', INGEST_RETRY_BASE_MS: '10', LOG_LEVEL: 'warn' }
  const args = [
    'ingest',
    'binance-um',
    '--markets',
    'BTCUSDT',
    '--datasets',
    'aggTrades',
    '--from',
    DAYS[0]!,
    '--to',
    DAYS.at(-1)!,
    '--base-url',
    server.url,
  ]
  const first = spawnBackstop(args, env)
  // the big day has been sent: kill while it is being loaded (or right after), with another download stalled
  await served
  await new Promise((r) => setTimeout(r, 150))
  first.child.kill('SIGKILL')
  const killed = await first.exited
  release()
  expect(killed.code).toBe(137)

  // Right after the kill: every partition is all or nothing, and the stalled one is not there.
  const afterKill = await DuckStore.open({ path: path.join(data, 'backstop.duckdb') })
  const states = await afterKill.use(async (c) =>
    (
      await c.runAndReadAll(
        `SELECT t.partition_id, count(*)::BIGINT AS n, any_value(p.rows)::BIGINT AS manifest
           FROM trades t LEFT JOIN partitions p USING (partition_id) GROUP BY ALL`,
      )
    ).getRowObjectsJS(),
  )
  afterKill.close()
  for (const s of states) expect(s.n).toBe(s.manifest)
  expect(states.map((s) => s.partition_id)).not.toContain('binance-um/aggTrades/BTCUSDT/2024-05-04')

  const second = spawnBackstop(args, env)
  const done = await second.exited
  expect(done.code, second.output()).toBe(0)
  expect(second.output()).toMatch(/partitions: \d+ loaded, \d+ skipped, 0 missing at source, 0 failed/)

  const store = await DuckStore.open({ path: path.join(data, 'backstop.duckdb') })
  try {
    const rows = await store.use(async (c) =>
      (
        await c.runAndReadAll(
          `SELECT p.period, p.rows::BIGINT AS manifest, count(t.trade_id)::BIGINT AS trades,
                  count(DISTINCT t.trade_id)::BIGINT AS distinct_ids
             FROM partitions p LEFT JOIN trades t USING (partition_id)
            GROUP BY ALL ORDER BY p.period`,
        )
      ).getRowObjectsJS(),
    )
    expect(rows).toEqual(
      DAYS.map((d) => ({
        period: d,
        manifest: BigInt(ROWS[d]!),
        trades: BigInt(ROWS[d]!),
        distinct_ids: BigInt(ROWS[d]!),
      })),
    )
    const [bars] = await store.use(async (c) =>
      (
        await c.runAndReadAll(
          `SELECT count(*)::BIGINT AS n, count(DISTINCT (partition_id, interval_s, ts))::BIGINT AS d FROM bars`,
        )
      ).getRowObjectsJS(),
    )
    expect(bars!.n).toBe(bars!.d)
  } finally {
    store.close()
  }
})
