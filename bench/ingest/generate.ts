// Generates a realistic Binance USDⓈ-M aggTrades month for the ingest benchmark: one header+CSV zip per day with its
// .CHECKSUM, in the archive's URL layout under bench/out/mirror (kept out of git). Reused when already present.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import { DuckDBInstance } from '@duckdb/node-api'
import yazl from 'yazl'

export const BENCH_OUT = path.resolve(import.meta.dirname, '..', 'out')
export const MIRROR = path.join(BENCH_OUT, 'mirror')
export const SYMBOL = 'BTCUSDT'

export const dayList = (days: number): string[] =>
  Array.from({ length: days }, (_, i) => new Date(Date.UTC(2025, 9, 1) + i * 86_400_000).toISOString().slice(0, 10))

export const zipPathOf = (day: string) =>
  path.join(MIRROR, 'data/futures/um/daily/aggTrades', SYMBOL, `${SYMBOL}-aggTrades-${day}.zip`)

/** Writes the days that are missing (or were generated with another row count); returns the zip paths. */
export async function generateMonth(days: number, rowsPerDay: number): Promise<string[]> {
  // The marker names the generator version too, so a change to the data regenerates it.
  const marker = path.join(MIRROR, `v2-rows-per-day-${rowsPerDay}`)
  if (!fs.existsSync(marker)) fs.rmSync(MIRROR, { recursive: true, force: true })
  fs.mkdirSync(path.dirname(zipPathOf('x')), { recursive: true })
  fs.writeFileSync(marker, '')
  const db = await DuckDBInstance.create(':memory:')
  const c = await db.connect()
  const out: string[] = []
  for (const [i, day] of dayList(days).entries()) {
    const zip = zipPathOf(day)
    out.push(zip)
    if (fs.existsSync(`${zip}.CHECKSUM`)) continue
    const started = performance.now()
    const csv = path.join(BENCH_OUT, `${SYMBOL}-aggTrades-${day}.csv`)
    const t0 = Date.parse(`${day}T00:00:00Z`)
    const firstId = 2_800_000_000 + i * rowsPerDay
    // Real column layout; a seeded random walk in 0.1 price ticks, bursty times, 1–5 trades per aggregate.
    await c.run(`SELECT setseed(${(i + 1) / (days + 1)})`)
    await c.run(`COPY (
      WITH r AS (
        SELECT n, random() AS u, random() AS v, random() AS w FROM range(${rowsPerDay}) t(n)
      ), walk AS (
        SELECT n, u, v, w,
               sum(CASE WHEN u < 0.5 THEN -1 ELSE 1 END * (1 + floor(v * 3))) OVER (ORDER BY n ROWS UNBOUNDED PRECEDING) AS steps,
               sum(1 + floor(w * 5)) OVER (ORDER BY n ROWS UNBOUNDED PRECEDING) AS trades_so_far
          FROM r
      )
      SELECT ${firstId} + n AS agg_trade_id,
             round(112000 + steps * 0.1, 1) AS price,
             round(0.001 + pow(v, 3) * 2, 3) AS quantity,
             CAST(${firstId * 3} + trades_so_far - (1 + floor(w * 5)) AS BIGINT) AS first_trade_id,
             CAST(${firstId * 3} + trades_so_far - 1 AS BIGINT) AS last_trade_id,
             CAST(${t0} + floor(n * 86400000.0 / ${rowsPerDay}) AS BIGINT) AS transact_time,
             u < 0.5 AS is_buyer_maker
        FROM walk ORDER BY n
    ) TO '${csv}' (HEADER true)`)
    await zipFile(csv, zip, `${SYMBOL}-aggTrades-${day}.csv`)
    fs.rmSync(csv)
    const hash = crypto.createHash('sha256')
    await pipeline(fs.createReadStream(zip), hash)
    fs.writeFileSync(`${zip}.CHECKSUM`, `${hash.digest('hex')}  ${path.basename(zip)}\n`)
    console.log(
      `generated ${day}: ${rowsPerDay} rows, ${(fs.statSync(zip).size / 1e6).toFixed(1)} MB zip in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    )
  }
  c.closeSync()
  db.closeSync()
  return out
}

function zipFile(src: string, dest: string, member: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const zip = new yazl.ZipFile()
    zip.addFile(src, member, { compressionLevel: 6 })
    zip.end()
    const out = fs.createWriteStream(dest)
    zip.outputStream
      .pipe(out)
      .on('close', () => resolve())
      .on('error', reject)
  })
}
