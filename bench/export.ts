// Export throughput (`npm run bench:export`): 100 k liquidation rows of a succeeded run exported over loopback HTTP
// as CSV and as Parquet (GET /export/liquidations.{csv,parquet}: DuckDB COPY to a temp file, then streamed), each
// format 5 times after one warm-up, plus the CSV with every column including the `…Approx` twins (`columns=`);
// prints the median time, MB/s, rows/s and the process CPU per export (server, DuckDB's threads and this client:
// on a busy machine CPU moves less than wall time). Floor: 50 MB/s for the default CSV.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { startApiServer } from '../src/api/server.ts'
import { closeRuntime, openRuntime } from '../src/app/runtime.ts'
import { loadConfig } from '../src/config/load.ts'
import { createLogger } from '../src/obs/logger.ts'

const argv = process.argv.slice(2)
const arg = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? argv[i + 1]! : fallback
}
const ROWS = Number(arg('rows', '100000'))
const REPEATS = Number(arg('repeats', '5'))
const FLOOR_MB_S = 50

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backstop-bench-export-'))
const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent', PORT: '0', SCHEDULER_ENABLED: 'false' })
const { runtime } = await openRuntime(config, { migrate: true, log: createLogger('silent') })
const RUN = 'bench-export-run'
await runtime.meta.jobRun.create({
  data: { id: RUN, kind: 'backtest', job: 'backtest', trigger: 'cli', host: 'bench', pid: 1, status: 'succeeded' },
})
await runtime.duck.use((c) =>
  c.run(
    `INSERT INTO backtest_liquidations
       SELECT $1, i, TIMESTAMP '2025-10-10 00:00:00' + to_milliseconds(i * 250), 'acct-' || (i % 5000),
              CASE WHEN i % 2 = 0 THEN 'BTCUSDT' ELSE 'ETHUSDT' END, CASE WHEN i % 3 = 0 THEN 'long' ELSE 'short' END,
              ['full', 'partial', 'takeover'][i % 3 + 1], 0.001 * (i % 997 + 1),
              ((i * 37) % 100003 + 0.123456)::DECIMAL(18, 6), 60000 + i % 1000, 59000 + i % 900, 58000 + i % 800,
              60000.5, 60001, 1.25, 10.5, 0.75, 0, 0, 0, (CASE WHEN i % 5 = 0 THEN i * 1.25 ELSE 0 END)::DECIMAL(18, 6)
         FROM range(0, $2) t(i)`,
    [RUN, ROWS],
  ),
)
// the bench is the only client: anonymous reads (loopback development default) keep keys out of the figures
const server = await startApiServer(runtime)
const origin = new URL(server.url).origin

const TWINS =
  'seq,ts,account,market,side,kind,qty,triggerMark,liquidationPrice,bankruptcyPrice,fillPrice,marketPrice,' +
  'notional,notionalApprox,fee,feeApprox,equity,equityApprox,slippage,slippageApprox,surplusToFund,' +
  'surplusToFundApprox,returned,returnedApprox,shortfall,shortfallApprox'
const CASES = {
  csv: `liquidations.csv?runId=${RUN}`,
  parquet: `liquidations.parquet?runId=${RUN}`,
  'csv with twins': `liquidations.csv?runId=${RUN}&columns=${TWINS}`,
}

async function once(format: keyof typeof CASES): Promise<{ ms: number; cpuMs: number; bytes: number; rows: number }> {
  const t = performance.now()
  const cpu = process.cpuUsage()
  const res = await fetch(`${origin}/export/${CASES[format]}`)
  if (res.status !== 200) throw new Error(`export ${format}: ${res.status} ${await res.text()}`)
  let bytes = 0
  const reader = res.body!.getReader()
  for (let r = await reader.read(); !r.done; r = await reader.read()) bytes += r.value.byteLength
  const { user, system } = process.cpuUsage(cpu)
  const ms = performance.now() - t
  return { ms, cpuMs: (user + system) / 1000, bytes, rows: Number(res.headers.get('x-export-rows')) }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const results: Record<string, unknown> = {}
let floorMet = true
try {
  for (const format of Object.keys(CASES) as Array<keyof typeof CASES>) {
    await once(format) // warm-up
    const runs: Array<{ ms: number; cpuMs: number; bytes: number; rows: number }> = []
    for (let i = 0; i < REPEATS; i++) runs.push(await once(format))
    const ms = median(runs.map((r) => r.ms))
    const { bytes, rows } = runs[0]!
    if (rows !== ROWS) throw new Error(`export ${format} gave ${rows} rows, expected ${ROWS}`)
    const mbPerS = bytes / 1e6 / (ms / 1000)
    results[format] = {
      rows,
      bytes,
      medianMs: Math.round(ms),
      mbPerS: Number(mbPerS.toFixed(1)),
      rowsPerS: Math.round(rows / (ms / 1000)),
      allMs: runs.map((r) => Math.round(r.ms)),
      medianCpuMs: Math.round(median(runs.map((r) => r.cpuMs))),
    }
    if (format === 'csv' && mbPerS < FLOOR_MB_S) floorMet = false
  }
  console.log(
    JSON.stringify(
      { rows: ROWS, repeats: REPEATS, loadavg: os.loadavg().map((l) => l.toFixed(1)), ...results },
      null,
      2,
    ),
  )
  console.log(
    floorMet ? `CSV export at or above the ${FLOOR_MB_S} MB/s floor` : `CSV export BELOW the ${FLOOR_MB_S} MB/s floor`,
  )
} finally {
  await server.stop()
  await closeRuntime(runtime)
  fs.rmSync(dir, { recursive: true, force: true })
}
if (!floorMet) process.exitCode = 1
