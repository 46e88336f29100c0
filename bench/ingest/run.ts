// `npm run bench:ingest`: a generated aggTrades month (≥ 30 M rows, daily zips + CHECKSUM) served over local HTTP,
// ingested end to end, next to DuckDB's bare read_csv count of the same files and the ceilings (DuckDB alone inserting
// the CSVs in one statement, DuckDB alone doing the pipeline's loads, Node's inflate alone); each measurement is its
// own process (peak RSS per run), A/B runs alternate, and medians are printed. Figures, not a pass/fail test.
// Env: BENCH_DAYS (30), BENCH_ROWS_PER_DAY (1000000), BENCH_REPEATS (3), BENCH_SMALL_DAYS (10),
// BENCH_DUCKDB_MEMORY_LIMIT (256MB); for A/B runs of the ingest alone: BENCH_CONCURRENCY (3), BENCH_LOAD_CONCURRENCY
// (the orchestrator's default, 2), BENCH_DUCKDB_THREADS (DuckDB's default, one per core).
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import yauzl from 'yauzl'
import { rewrapSingleMemberAsGzip } from '../../src/ingest/archive.ts'
import { BENCH_OUT, SYMBOL, dayList, generateMonth, zipPathOf } from './generate.ts'

const DAYS = Number(process.env.BENCH_DAYS ?? 30)
const ROWS = Number(process.env.BENCH_ROWS_PER_DAY ?? 1_000_000)
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3)
const SMALL = Number(process.env.BENCH_SMALL_DAYS ?? 10)
const here = import.meta.dirname
// Children run node itself with tsx's loader, so killing a child kills the process that does the work.
const node = (script: string, args: string[]) =>
  [process.execPath, ['--import', 'tsx', path.join(here, script), ...args]] as const

function child(args: string[]): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const p = spawn(...node('once.ts', args), { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    p.stdout.on('data', (d) => (out += d))
    p.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? ''
      if (code !== 0) reject(new Error(`once.ts ${args.join(' ')} exited ${code}: ${out}`))
      else resolve(JSON.parse(line) as Record<string, number>)
    })
  })
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

async function unzipAll(csvDir: string): Promise<void> {
  fs.mkdirSync(csvDir, { recursive: true })
  for (const day of dayList(DAYS)) {
    const dest = path.join(csvDir, `${SYMBOL}-aggTrades-${day}.csv`)
    if (fs.existsSync(dest)) continue
    const zip = await new Promise<yauzl.ZipFile>((res, rej) =>
      yauzl.open(zipPathOf(day), { lazyEntries: true }, (e, z) => (e ? rej(e) : res(z))),
    )
    const entry = await new Promise<yauzl.Entry>((res) => {
      zip.once('entry', res)
      zip.readEntry()
    })
    const stream = await new Promise<NodeJS.ReadableStream>((res, rej) =>
      zip.openReadStream(entry, (e, s) => (e ? rej(e) : res(s))),
    )
    await pipeline(stream, fs.createWriteStream(dest))
    zip.close()
  }
}

/** The members as the pipeline hands them to DuckDB (deflate stream wrapped as gzip), for the DuckDB-only ceilings. */
async function rewrapAll(gzDir: string): Promise<void> {
  fs.mkdirSync(gzDir, { recursive: true })
  for (const day of dayList(DAYS)) {
    const dest = path.join(gzDir, `${SYMBOL}-aggTrades-${day}.csv`)
    if (!fs.existsSync(`${dest}.gz`)) await rewrapSingleMemberAsGzip(zipPathOf(day), dest)
  }
}

console.log(`ingest benchmark: ${DAYS} days × ${ROWS.toLocaleString('en-US')} aggTrades rows, ${REPEATS} repeats`)
await generateMonth(DAYS, ROWS)
// Extracted copies for the bare-read comparisons, keyed like the mirror so stale files are never reused.
const csvDir = path.join(BENCH_OUT, `csv-v2-${ROWS}`)
await unzipAll(csvDir)
const gzDir = path.join(BENCH_OUT, `gz-v1-${ROWS}`)
await rewrapAll(gzDir)
const zipMb = dayList(DAYS).reduce((s, d) => s + fs.statSync(zipPathOf(d)).size, 0) / 1e6
const csvMb =
  dayList(DAYS).reduce((s, d) => s + fs.statSync(path.join(csvDir, `${SYMBOL}-aggTrades-${d}.csv`)).size, 0) / 1e6
console.log(`data: ${zipMb.toFixed(0)} MB of zips, ${csvMb.toFixed(0)} MB of CSV`)

const server = spawn(...node('server.ts', []), { stdio: ['ignore', 'pipe', 'inherit'] })
const baseUrl = await new Promise<string>((resolve) => server.stdout.once('data', (d) => resolve(String(d).trim())))
try {
  const full: Record<string, number>[] = []
  const bare: Record<string, number>[] = []
  const small: Record<string, number>[] = []
  const insert: Record<string, number>[] = []
  const loads: Record<string, number>[] = []
  const inflate: Record<string, number>[] = []
  for (let i = 0; i < REPEATS; i++) {
    // Alternate A (end to end) and B (bare read) so drifting machine load hits both alike.
    full.push(await child(['ingest', baseUrl, String(DAYS)]))
    bare.push(await child(['bare', String(DAYS), csvDir, gzDir]))
    small.push(await child(['ingest', baseUrl, String(SMALL)]))
    insert.push(await child(['insert', String(DAYS), csvDir]))
    loads.push(await child(['loads', String(DAYS), gzDir]))
    inflate.push(await child(['inflate', String(SMALL)]))
    const f = full.at(-1)!
    const b = bare.at(-1)!
    console.log(
      `run ${i + 1}: end-to-end ${f.seconds!.toFixed(2)} s (${(f.rows! / f.seconds! / 1e6).toFixed(2)} M rows/s, ${f.cpuSeconds!.toFixed(1)} core-s, fetch Σ ${f.fetchSeconds!.toFixed(1)} s, load Σ ${f.loadSeconds!.toFixed(1)} s, peak RSS ${f.peakRssMb!.toFixed(0)} MB); ` +
        `bare read_csv count typed ${b.typedSeconds!.toFixed(2)} s, auto-detect ${b.autoSeconds!.toFixed(2)} s; ` +
        `DuckDB-only INSERT ${insert.at(-1)!.seconds!.toFixed(2)} s, loads ${loads.at(-1)!.seconds!.toFixed(2)} s; ${SMALL}-day run peak RSS ${small.at(-1)!.peakRssMb!.toFixed(0)} MB`,
    )
    if (f.failed) throw new Error(`${f.failed} partitions failed`)
  }
  const rows = full[0]!.rows!
  const e2e = median(full.map((r) => r.seconds!))
  const typed = median(bare.map((r) => r.typedSeconds!))
  const auto = median(bare.map((r) => r.autoSeconds!))
  console.log('\nmedians')
  console.log(
    `  rows ingested          ${rows.toLocaleString('en-US')} trades (+ ${full[0]!.bars!.toLocaleString('en-US')} derived 1 s / 1 min bars)`,
  )
  console.log(
    `  end to end             ${e2e.toFixed(2)} s = ${(rows / e2e / 1e6).toFixed(2)} M rows/s (${(zipMb / e2e).toFixed(0)} MB/s of zips)`,
  )
  console.log(
    `    CPU of the ingest process (Node + DuckDB)  ${median(full.map((r) => r.cpuSeconds!)).toFixed(1)} core-s = ${((median(full.map((r) => r.cpuSeconds!)) / rows) * 1e6).toFixed(2)} core-s per M rows`,
  )
  console.log(
    `    fetch (download+verify+unzip), summed over partitions  ${median(full.map((r) => r.fetchSeconds!)).toFixed(1)} s`,
  )
  console.log(
    `    load (parse+insert+bars+manifest), summed (two loads at a time)  ${median(full.map((r) => r.loadSeconds!)).toFixed(1)} s`,
  )
  for (const stage of ['download', 'unzip', 'delete', 'insert', 'checks', 'bars', 'finish']) {
    const key = `stage_${stage}`
    if (full[0]![key] === undefined) continue
    const s = median(full.map((r) => r[key]!))
    console.log(`      ${stage.padEnd(9)} Σ ${s.toFixed(2)} s (${(s / DAYS).toFixed(3)} s per partition)`)
  }
  console.log(
    `  bare read_csv count    typed ${typed.toFixed(2)} s = ${(rows / typed / 1e6).toFixed(2)} M rows/s; auto-detect ${auto.toFixed(2)} s = ${(rows / auto / 1e6).toFixed(2)} M rows/s`,
  )
  const ins = median(insert.map((r) => r.seconds!))
  console.log(
    `  DuckDB alone: one INSERT … SELECT of the same CSVs into trades  ${ins.toFixed(2)} s = ${(rows / ins / 1e6).toFixed(2)} M rows/s`,
  )
  const ld = median(loads.map((r) => r.seconds!))
  console.log(
    `  DuckDB alone: the pipeline's loads (gzip members, rows + bars + manifest, two at a time)  ${ld.toFixed(2)} s = ${(rows / ld / 1e6).toFixed(2)} M rows/s, ${median(loads.map((r) => r.cpuSeconds!)).toFixed(1)} core-s`,
  )
  const gzTyped = median(bare.map((r) => r.gzTypedSeconds!))
  console.log(
    `  bare read_csv count of the gzip members  ${gzTyped.toFixed(2)} s = ${(rows / gzTyped / 1e6).toFixed(2)} M rows/s`,
  )
  const inf = median(inflate.map((r) => r.seconds!))
  console.log(
    `  Node inflate alone (${SMALL} members in memory, one core)  ${(median(inflate.map((r) => r.mb!)) / inf).toFixed(0)} MB/s = ${((SMALL * ROWS) / inf / 1e6).toFixed(2)} M rows/s per core`,
  )
  console.log(
    `  ratio end-to-end / bare read   ${(e2e / typed).toFixed(2)}× (typed), ${(e2e / auto).toFixed(2)}× (auto-detect)`,
  )
  console.log(
    `  peak RSS (DuckDB memory_limit ${process.env.BENCH_DUCKDB_MEMORY_LIMIT ?? '256MB'})  ${SMALL} days: ${median(small.map((r) => r.peakRssMb!)).toFixed(0)} MB; ${DAYS} days: ${median(full.map((r) => r.peakRssMb!)).toFixed(0)} MB; peak JS heap ${median(small.map((r) => r.peakHeapMb!)).toFixed(0)} / ${median(full.map((r) => r.peakHeapMb!)).toFixed(0)} MB`,
  )
  console.log(
    `    while loading (sampled every 100 ms): ${SMALL} days: ${median(small.map((r) => r.peakLoadRssMb!)).toFixed(0)} MB; ${DAYS} days: ${median(full.map((r) => r.peakLoadRssMb!)).toFixed(0)} MB; RSS when the last load returned ${median(small.map((r) => r.rssAfterLoadMb!)).toFixed(0)} / ${median(full.map((r) => r.rssAfterLoadMb!)).toFixed(0)} MB`,
  )
  console.log(`  targets: ≥ 3 M rows/s end to end, within 2× of the bare read`)
  console.log(
    `  machine load average at the end (1/5/15 min): ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} on ${os.availableParallelism()} cores`,
  )
} finally {
  server.kill()
}
