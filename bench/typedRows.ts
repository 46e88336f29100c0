// The typed row reader against DuckDB's own row objects on one 100 k-row result: in-process CPU ms per read (median
// of several, the readers alternated in one run so load disturbs them alike).
// Usage: npx tsx bench/typedRows.ts [--rows 100000] [--reps 9]
import { DuckStore } from '../src/store/duck/open.ts'
import { readRows, type ColumnsOf } from '../src/store/duck/typedRows.ts'

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}
const ROWS = arg('rows', 100_000)
const REPS = arg('reps', 9)

/** A detection-like row: text, a timestamp, doubles, decimal text, a nullable column and a list. */
interface Row {
  id: string
  market: string
  ts: Date
  score: number
  amount: string
  amountApprox: number
  runId: string | null
  accounts: string[]
}
const COLUMNS: ColumnsOf<Row> = {
  id: 'text',
  market: 'text',
  ts: 'timestamp',
  score: 'double',
  amount: 'text',
  amountApprox: 'double',
  runId: 'text?',
  accounts: 'text[]',
}
const SQL = `SELECT 'd' || i::VARCHAR AS id, 'BTCUSDT' AS market,
    TIMESTAMP '2025-01-01' + to_microseconds(i * 1000) AS ts, i / 7.0 AS score,
    (i * 1.25)::DECIMAL(38, 6)::VARCHAR AS amount, (i * 1.25)::DECIMAL(38, 6)::DOUBLE AS "amountApprox",
    CASE WHEN i % 2 = 0 THEN 'run-1' END AS "runId", ['0xa' || (i % 97)::VARCHAR, '0xb'] AS accounts
  FROM range(${ROWS}) t(i)`

const duck = await DuckStore.open({ path: ':memory:' })
const readers: Record<string, (r: Awaited<ReturnType<typeof read>>) => unknown[]> = {
  getRowObjectsJS: (r) => r.getRowObjectsJS(),
  'typed readRows': (r) => readRows<Row>(r, COLUMNS, 'bench'),
}
const read = () => duck.use((c) => c.runAndReadAll(SQL))
const cpuMs = (from: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(from)
  return (u.user + u.system) / 1000
}
const times: Record<string, number[]> = Object.fromEntries(Object.keys(readers).map((k) => [k, []]))
for (let rep = 0; rep < REPS + 1; rep++) {
  for (const [name, reader] of Object.entries(readers)) {
    const result = await read() // materialised before the clock starts: only the conversion to rows is timed
    const start = process.cpuUsage()
    const rows = reader(result)
    const ms = cpuMs(start)
    if (rows.length !== ROWS) throw new Error(`${name}: ${rows.length} rows, expected ${ROWS}`)
    if (rep > 0) times[name]!.push(ms) // the first rep warms both up
  }
}
await duck.close()
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const base = median(times.getRowObjectsJS!)
console.log(`${ROWS} rows × 8 columns (text, timestamp, double, decimal text, nullable text, VARCHAR[]), ${REPS} reps`)
for (const [name, xs] of Object.entries(times))
  console.log(
    `${name.padEnd(16)} median ${median(xs).toFixed(1)} ms CPU  (${(median(xs) / base).toFixed(2)}× getRowObjectsJS; reps ${xs.map((x) => x.toFixed(0)).join(' ')})`,
  )
