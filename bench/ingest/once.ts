// One measured benchmark process: `ingest <baseUrl> <days>` runs the real pipeline (download, verify, unzip, parse,
// load with derived bars) into a fresh DuckDB file; `bare <days>` counts the same CSVs with DuckDB's read_csv;
// `insert`, `loads` and `inflate` measure ceilings (DuckDB alone; Node's inflate alone). Prints one JSON line with
// rows, seconds and peak RSS.
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import pLimit from 'p-limit'
import yauzl from 'yauzl'
import { datasetLayout } from '../../src/ingest/binance/datasets.ts'
import { planBinanceUm } from '../../src/ingest/binance/connector.ts'
import { detectCsvLayout } from '../../src/ingest/csvLayout.ts'
import { periodRange } from '../../src/ingest/dates.ts'
import { firstLines } from '../../src/ingest/peek.ts'
import { HttpClient } from '../../src/ingest/http.ts'
import { ingestPartitions } from '../../src/ingest/orchestrator.ts'
import { createLogger } from '../../src/obs/logger.ts'
import { DuckStore } from '../../src/store/duck/open.ts'
import { migrateDuck } from '../../src/store/duck/schema.ts'
import { loadPartition } from '../../src/store/ingest/loadPartition.ts'
import { BENCH_OUT, SYMBOL, dayList, zipPathOf } from './generate.ts'

const [mode, ...args] = process.argv.slice(2)
const peakRssMb = () => process.resourceUsage().maxRSS / 1024
// DuckDB's buffer pool caches written blocks up to its memory limit (80% of RAM by default); a fixed limit makes
// peak RSS say whether the pipeline itself grows with the number of days.
const memoryLimit = process.env.BENCH_DUCKDB_MEMORY_LIMIT ?? '256MB'
let peakHeapMb = 0
// RSS sampled while partitions load, apart from the process peak (which also covers the final CHECKPOINT and counts).
let loading = false
let peakLoadRssMb = 0
const sampler = setInterval(() => {
  const m = process.memoryUsage()
  peakHeapMb = Math.max(peakHeapMb, m.heapUsed / 1e6)
  if (loading) peakLoadRssMb = Math.max(peakLoadRssMb, m.rss / 1024 / 1024)
}, 100)
sampler.unref()

if (mode === 'ingest') {
  const [baseUrl, daysText] = args as [string, string]
  const days = dayList(Number(daysText))
  const file = path.join(BENCH_OUT, `bench-${process.pid}.duckdb`)
  const threads = process.env.BENCH_DUCKDB_THREADS ? Number(process.env.BENCH_DUCKDB_THREADS) : undefined
  const store = await DuckStore.open({ path: file, memoryLimit, ...(threads ? { threads } : {}) })
  await migrateDuck(store)
  const tmp = path.join(BENCH_OUT, 'tmp')
  const planned = planBinanceUm({
    baseUrl,
    markets: [SYMBOL],
    datasets: ['aggTrades'],
    from: days[0]!,
    to: days.at(-1)!,
    interval: '1m',
  })
  const started = performance.now()
  const cpuStarted = process.cpuUsage()
  loading = true
  const result = await ingestPartitions(store, planned, {
    source: 'binance-um',
    http: new HttpClient({ timeoutMs: 60_000, retries: 2, backoffMs: 200, maxBackoffMs: 2000, concurrency: 5 }),
    log: createLogger('warn', 2),
    concurrency: Number(process.env.BENCH_CONCURRENCY ?? 3),
    ...(process.env.BENCH_LOAD_CONCURRENCY ? { loadConcurrency: Number(process.env.BENCH_LOAD_CONCURRENCY) } : {}),
    tmpDir: tmp,
  })
  loading = false
  const rssAfterLoadMb = process.memoryUsage().rss / 1024 / 1024
  await store.use((c) => c.run('CHECKPOINT'))
  const seconds = (performance.now() - started) / 1000
  const cpu = process.cpuUsage(cpuStarted)
  const [counts] = await store.use(async (c) =>
    (
      await c.runAndReadAll(
        `SELECT (SELECT count(*) FROM trades)::DOUBLE AS trades, (SELECT count(*) FROM bars)::DOUBLE AS bars`,
      )
    ).getRowObjectsJS(),
  )
  store.close()
  fs.rmSync(file, { force: true })
  fs.rmSync(`${file}.wal`, { force: true })
  console.log(
    JSON.stringify({
      mode,
      days: days.length,
      rows: result.rows,
      failed: result.failed,
      trades: counts!.trades,
      bars: counts!.bars,
      mb: result.bytes / 1e6,
      seconds,
      // Core-seconds of this process (Node and DuckDB threads), load and final CHECKPOINT included: less sensitive to
      // other work on the machine than the wall time.
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      fetchSeconds: result.timings.fetchSeconds,
      loadSeconds: result.timings.loadSeconds,
      // Per step, summed over partitions: download (+ streamed sha256), unzip, delete, insert, bars, finish.
      ...Object.fromEntries(Object.entries(result.timings.stages).map(([stage, s]) => [`stage_${stage}`, s])),
      peakRssMb: peakRssMb(),
      peakHeapMb,
      peakLoadRssMb,
      rssAfterLoadMb,
    }),
  )
} else if (mode === 'bare') {
  const [daysText, csvDir, gzDir] = args as [string, string, string]
  const files = dayList(Number(daysText)).map((d) => path.join(csvDir, `${SYMBOL}-aggTrades-${d}.csv`))
  const gzFiles = dayList(Number(daysText)).map((d) => path.join(gzDir, `${SYMBOL}-aggTrades-${d}.csv.gz`))
  const store = await DuckStore.open({ path: ':memory:' })
  const list = `[${files.map((f) => `'${f}'`).join(', ')}]`
  const columns = `{'agg_trade_id': 'BIGINT', 'price': 'DOUBLE', 'quantity': 'DOUBLE', 'first_trade_id': 'BIGINT',
    'last_trade_id': 'BIGINT', 'transact_time': 'BIGINT', 'is_buyer_maker': 'BOOLEAN'}`
  const time = async (sql: string) => {
    const t = performance.now()
    const r = await store.use(async (c) => (await c.runAndReadAll(sql)).getRows())
    return { seconds: (performance.now() - t) / 1000, rows: Number(r[0]![0]) }
  }
  const auto = await time(`SELECT count(*) FROM read_csv(${list})`)
  const typed = await time(
    `SELECT count(*) FROM read_csv(${list}, header = true, columns = ${columns}, auto_detect = false)`,
  )
  // The same count over the members as the pipeline hands them to DuckDB (gzip-wrapped deflate): adds DuckDB's inflate.
  const gzList = `[${gzFiles.map((f) => `'${f}'`).join(', ')}]`
  const gz = await time(
    `SELECT count(*) FROM read_csv(${gzList}, header = true, columns = ${columns}, auto_detect = false)`,
  )
  store.close()
  console.log(
    JSON.stringify({
      mode,
      days: files.length,
      rows: auto.rows,
      autoSeconds: auto.seconds,
      typedSeconds: typed.seconds,
      gzTypedSeconds: gz.seconds,
      peakRssMb: peakRssMb(),
    }),
  )
} else if (mode === 'insert') {
  // DuckDB alone: one INSERT … SELECT of the same CSVs into the trades rows (trades_data) (no download, unzip, bars or
  // manifest): the ceiling the pipeline's load step can approach.
  const [daysText, csvDir] = args as [string, string]
  const files = dayList(Number(daysText)).map((d) => path.join(csvDir, `${SYMBOL}-aggTrades-${d}.csv`))
  const file = path.join(BENCH_OUT, `insert-${process.pid}.duckdb`)
  const store = await DuckStore.open({ path: file, memoryLimit })
  await migrateDuck(store)
  const list = `[${files.map((f) => `'${f}'`).join(', ')}]`
  const columns = `{'agg_trade_id': 'BIGINT', 'price': 'DOUBLE', 'quantity': 'DOUBLE', 'first_trade_id': 'BIGINT',
    'last_trade_id': 'BIGINT', 'transact_time': 'BIGINT', 'is_buyer_maker': 'BOOLEAN'}`
  const started = performance.now()
  await store.use((c) =>
    // trades is a view over trades_data (DDL 0102); one part number stands for the month here.
    c.run(`INSERT INTO trades_data SELECT 1, make_timestamp(transact_time * 1000), price, quantity, NOT is_buyer_maker,
             agg_trade_id, NULL, last_trade_id - first_trade_id + 1
             FROM read_csv(${list}, header = true, columns = ${columns}, auto_detect = false)`),
  )
  await store.use((c) => c.run('CHECKPOINT'))
  const seconds = (performance.now() - started) / 1000
  store.close()
  fs.rmSync(file, { force: true })
  fs.rmSync(`${file}.wal`, { force: true })
  console.log(JSON.stringify({ mode, days: files.length, seconds, peakRssMb: peakRssMb() }))
} else if (mode === 'loads') {
  // DuckDB alone doing the pipeline's loads: every day's gzip-wrapped member through loadPartition (rows, bars,
  // manifest; one transaction each, two at a time, as the orchestrator runs them), without download or HTTP.
  const [daysText, gzDir] = args as [string, string]
  const file = path.join(BENCH_OUT, `loads-${process.pid}.duckdb`)
  const store = await DuckStore.open({ path: file, memoryLimit })
  await migrateDuck(store)
  const layout = datasetLayout('aggTrades', '1m')
  const limit = pLimit(2)
  const started = performance.now()
  const cpuStarted = process.cpuUsage()
  let rows = 0
  await Promise.all(
    dayList(Number(daysText)).map((day) =>
      limit(async () => {
        const name = `${SYMBOL}-aggTrades-${day}.csv`
        const gz = path.join(gzDir, `${name}.gz`)
        const csv = detectCsvLayout(name, await firstLines(gz, 2), layout.csv)
        const { start, end } = periodRange(day)
        const done = await loadPartition(store, {
          partition: { source: 'binance-um', dataset: 'aggTrades', venue: 'binance-um', market: SYMBOL, period: day },
          file: { path: gz, name, format: 'csv', header: csv.header, columns: csv.columns },
          loads: layout.loads(csv.unit),
          upstream: { file: name, checksum: null },
          tradeBars: layout.tradeBars!,
          periodStart: start,
          periodEnd: end,
        })
        rows += done.rows
      }),
    ),
  )
  await store.use((c) => c.run('CHECKPOINT'))
  const seconds = (performance.now() - started) / 1000
  const cpu = process.cpuUsage(cpuStarted)
  store.close()
  fs.rmSync(file, { force: true })
  fs.rmSync(`${file}.wal`, { force: true })
  console.log(JSON.stringify({ mode, rows, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 }))
} else if (mode === 'inflate') {
  // Node's zlib alone: each zip member's raw deflate stream (read into memory first, not timed) inflated in memory.
  let seconds = 0
  let bytes = 0
  for (const day of dayList(Number(args[0]))) {
    const zip = await yauzl.openPromise(zipPathOf(day), { lazyEntries: true })
    const entry = await new Promise<yauzl.Entry>((resolve) => {
      zip.once('entry', resolve)
      zip.readEntry()
    })
    const chunks: Buffer[] = []
    for await (const chunk of await zip.openReadStreamPromise(entry, { decodeFileData: false })) chunks.push(chunk)
    zip.close()
    const deflated = Buffer.concat(chunks)
    const started = performance.now()
    bytes += zlib.inflateRawSync(deflated, { chunkSize: 1 << 20 }).length
    seconds += (performance.now() - started) / 1000
  }
  console.log(JSON.stringify({ mode, seconds, mb: bytes / 1e6 }))
} else {
  throw new Error(
    'usage: once.ts ingest <baseUrl> <days> | bare <days> <csvDir> <gzDir> | insert <days> <csvDir> | ' +
      'loads <days> <gzDir> | inflate <days>',
  )
}
