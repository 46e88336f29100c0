// CSV and Parquet exports over HTTP: filters in the query string mean what the API's filters mean (bound, so
// hostile text is just text), the file is named after its table and scope, market data needs its scope, errors are
// JSON with 400 / 404 / 409, a row cap refuses an export naming the count, and the temporary file DuckDB wrote is
// gone after every request, also when the client leaves mid-download. Files keep stored types (exact decimals,
// integer ids) without the `…Approx` twins unless `columns=` names them.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { startApiServer } from '../src/api/server.ts'
import { insertBars, barsFromCloses } from './support/marketData.ts'
import { createRunRecord, insertLiquidations, liquidationRow } from './support/seededRuns.ts'
import { testRuntime } from './support/runtime.ts'
import { tempDir } from './support/tmp.ts'

const CAP = 150_000
const runtime = await testRuntime({ PORT: '0', SCHEDULER_ENABLED: 'false', EXPORT_MAX_ROWS: String(CAP) })
// the exports' temporary files go to the OS temp directory, read at each request: watch one of our own
const exportsDir = tempDir()
const previousTmp = process.env.TMPDIR
process.env.TMPDIR = exportsDir
const server = await startApiServer(runtime)
const origin = new URL(server.url).origin
afterAll(async () => {
  await server.stop()
  process.env.TMPDIR = previousTmp
})

const RUN = 'run-export-1'
const BIG = 'run-export-big'
await createRunRecord(runtime, RUN)
await insertLiquidations(runtime, RUN, 0, 400)
await createRunRecord(runtime, BIG)
await insertLiquidations(runtime, BIG, 0, 200_000)
await createRunRecord(runtime, 'run-running', { status: 'running' })
const BAR_T0 = Date.UTC(2025, 9, 10) * 1000
await insertBars(
  runtime.duck,
  'bin',
  'BTCUSDT',
  1,
  barsFromCloses(
    BAR_T0,
    Array.from({ length: 120 }, (_, i) => 100 + i),
  ),
)

const get = (pathAndQuery: string, init?: RequestInit) => fetch(`${origin}${pathAndQuery}`, init)
const leftovers = () => fs.readdirSync(exportsDir).filter((f) => f.startsWith('backstop-export-'))

/** Minimal CSV reading as a BI tool does: header row, then rows (the exported values hold no quotes or commas). */
function parseCsv(text: string): Array<Record<string, string>> {
  const [header, ...lines] = text.trimEnd().split('\n')
  const names = header!.split(',')
  return lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [names[i]!, v])))
}

async function readParquet(bytes: ArrayBuffer): Promise<Array<Record<string, unknown>>> {
  const file = path.join(tempDir(), 'x.parquet')
  fs.writeFileSync(file, Buffer.from(bytes))
  return runtime.duck.use(async (c) =>
    (await c.runAndReadAll(`SELECT * FROM read_parquet($1) ORDER BY seq`, [file])).getRowObjectsJS(),
  )
}

/** Each column's type as DuckDB reads the Parquet file. */
async function parquetTypes(bytes: ArrayBuffer): Promise<Record<string, string>> {
  const file = path.join(tempDir(), 'types.parquet')
  fs.writeFileSync(file, Buffer.from(bytes))
  const rows = await runtime.duck.use(async (c) =>
    (await c.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet($1)`, [file])).getRowObjectsJS(),
  )
  return Object.fromEntries(rows.map((r) => [String(r.column_name), String(r.column_type)]))
}

/** One column of a Parquet file as DuckDB's exact text, in the file's order. */
async function parquetText(bytes: ArrayBuffer, column: 'notional'): Promise<string[]> {
  const file = path.join(tempDir(), 'text.parquet')
  fs.writeFileSync(file, Buffer.from(bytes))
  return runtime.duck.use(async (c) =>
    (await c.runAndReadAll(`SELECT ${column}::VARCHAR AS v FROM read_parquet($1) ORDER BY seq`, [file]))
      .getRowObjectsJS()
      .map((r) => String(r.v)),
  )
}

describe('run outputs', () => {
  const filtered = () =>
    Array.from({ length: 400 }, (_, i) => liquidationRow(i)).filter(
      (r) => r.side === 'long' && r.kind !== 'takeover' && r.notional >= 5000,
    )

  test('CSV: the filtered rows in seq order, a header row, named after the run', async () => {
    const res = await get(`/export/liquidations.csv?runId=${RUN}&side=long&kind.in=full,partial&notional.gte=5000`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="liquidations-${RUN}.csv"`)
    const rows = parseCsv(await res.text())
    const want = filtered()
    expect(want.length).toBeGreaterThan(5)
    expect(rows.map((r) => Number(r.seq))).toEqual(want.map((r) => r.seq))
    expect(rows.map((r) => r.notional)).toEqual(want.map((r) => r.notional.toFixed(6)))
    expect(rows[0]!.ts).toBe(new Date(want[0]!.tsMs).toISOString().replace('.000Z', '.000000Z'))
    expect(res.headers.get('x-export-rows')).toBe(String(want.length))
    await expect.poll(() => leftovers()).toEqual([])
  })

  test('a large export keeps its order through the projection: 30 k rows newest first', async () => {
    // rows are sorted before the amounts are cast to text (copyExport.ts): the cast must not reorder them
    const res = await get(`/export/liquidations.csv?runId=${BIG}&seq.lt=30000&orderBy=seq:DESC`)
    expect(res.status).toBe(200)
    const seqs = (await res.text())
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((line) => Number(line.slice(0, line.indexOf(','))))
    expect(seqs).toHaveLength(30_000)
    expect(seqs.every((seq, i) => seq === 29_999 - i)).toBe(true)
  })

  test('Parquet: the same rows and columns as the CSV, amounts as DECIMAL and ids as BIGINT', async () => {
    const q = `runId=${RUN}&side=long&kind.in=full,partial&notional.gte=5000`
    const csv = parseCsv(await (await get(`/export/liquidations.csv?${q}`)).text())
    const res = await get(`/export/liquidations.parquet?${q}&orderBy=seq:DESC`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="liquidations-${RUN}.parquet"`)
    const bytes = await res.arrayBuffer()
    const rows = await readParquet(bytes)
    expect(rows.map((r) => Number(r.seq))).toEqual(csv.map((r) => Number(r.seq)))
    expect(Object.keys(rows[0]!)).toEqual(Object.keys(csv[0]!))
    const types = await parquetTypes(bytes)
    expect(types).toMatchObject({ seq: 'BIGINT', ts: 'TIMESTAMP', notional: 'DECIMAL(18,6)', qty: 'DOUBLE' })
    expect(types).not.toHaveProperty('notionalApprox')
    expect(await parquetText(bytes, 'notional')).toEqual(csv.map((r) => r.notional))
  })

  test('the default file: every field but the …Approx twins; exact text and integer ids in CSV', async () => {
    const res = await get(`/export/liquidations.csv?runId=${RUN}&seq.lt=12`)
    const [header, first] = (await res.text()).split('\n')
    expect(header).toBe(
      'seq,ts,account,market,side,kind,qty,triggerMark,liquidationPrice,bankruptcyPrice,fillPrice,marketPrice,' +
        'notional,fee,equity,slippage,surplusToFund,returned,shortfall',
    )
    expect(first!.split(',')[0]).toBe('0') // a BIGINT, not the API's Float 0.0
  })

  test('columns= picks the file columns in order, twins included on request, in CSV and Parquet', async () => {
    const cols = 'shortfallApprox,seq,shortfall'
    const csv = parseCsv(
      await (await get(`/export/liquidations.csv?runId=${RUN}&shortfall.gt=0&columns=${cols}`)).text(),
    )
    expect(Object.keys(csv[0]!)).toEqual(cols.split(','))
    const want = Array.from({ length: 400 }, (_, i) => liquidationRow(i)).filter((r) => r.shortfall > 0)
    expect(csv.map((r) => [Number(r.seq), r.shortfall, Number(r.shortfallApprox)])).toEqual(
      want.map((r) => [r.seq, r.shortfall.toFixed(6), r.shortfall]),
    )
    const pq = await (await get(`/export/liquidations.parquet?runId=${RUN}&columns=${cols}`)).arrayBuffer()
    expect(await parquetTypes(pq)).toEqual({ shortfallApprox: 'DOUBLE', seq: 'BIGINT', shortfall: 'DECIMAL(18,6)' })
    const bars = await get(
      `/export/bars.csv?venue=bin&market=BTCUSDT&from=2025-10-10T00:00:00Z&to=2025-10-11T00:00:00Z&columns=ts,close`,
    )
    expect((await bars.text()).split('\n')[0]).toBe('ts,close')
  })

  test('columns= naming an unknown or repeated column, or none: 400 listing the valid ones', async () => {
    const unknown = await get(`/export/liquidations.csv?runId=${RUN}&columns=seq,colour`)
    expect(unknown.status).toBe(400)
    const body = (await unknown.json()) as { errors: Array<{ message: string }> }
    expect(body.errors[0]!.message).toMatch(/columns.*colour.*seq, ts, .*shortfall, shortfallApprox/s)
    expect((await get(`/export/liquidations.csv?runId=${RUN}&columns=seq,seq`)).status).toBe(400)
    expect((await get(`/export/liquidations.csv?runId=${RUN}&columns=`)).status).toBe(400)
    expect((await get(`/export/liquidations.parquet?runId=${RUN}&columns=seq&columns=ts`)).status).toBe(400)
    await expect.poll(() => leftovers()).toEqual([])
  })

  test('hostile text is a bound value: it matches nothing or is refused, never runs', async () => {
    const none = await get(`/export/liquidations.csv?runId=${RUN}&account=${encodeURIComponent("x' OR '1'='1")}`)
    expect(none.status).toBe(200)
    expect(parseCsv(await none.text())).toEqual([])
    const bad = await get(`/export/liquidations.csv?runId=${RUN}&side=${encodeURIComponent("long'; DROP TABLE x;--")}`)
    expect(bad.status).toBe(400)
    // a column list is checked against the table's fields before any SQL: an injected name is only a bad entry
    const column = `seq,"ts" FROM liquidations; DROP TABLE backtest_liquidations;--`
    const refused = await get(`/export/liquidations.csv?runId=${RUN}&columns=${encodeURIComponent(column)}`)
    expect(refused.status).toBe(400)
    expect(((await refused.json()) as { errors: Array<{ message: string }> }).errors[0]!.message).toContain(
      'DROP TABLE',
    )
    expect(
      parseCsv(await (await get(`/export/liquidations.csv?runId=${RUN}&columns=seq`)).text()).length,
    ).toBeGreaterThan(0)
  })

  test('errors: JSON with the right status and what is valid', async () => {
    const unknownParam = await get(`/export/liquidations.csv?runId=${RUN}&colour=red`)
    expect(unknownParam.status).toBe(400)
    const body = (await unknownParam.json()) as { errors: Array<{ message: string; extensions: { code: string } }> }
    expect(body.errors[0]!.extensions.code).toBe('BAD_USER_INPUT')
    expect(body.errors[0]!.message).toMatch(/colour.*runId, orderBy, .*account/s)
    expect((await get(`/export/liquidations.csv`)).status).toBe(400)
    expect((await get(`/export/liquidations.csv?runId=${RUN}&runId=x`)).status).toBe(400)
    expect((await get(`/export/liquidations.csv?runId=${RUN}&notional.gte=lots`)).status).toBe(400)
    expect((await get(`/export/liquidations.csv?runId=${RUN}&orderBy=colour`)).status).toBe(400)
    expect((await get(`/export/liquidations.csv?runId=no-such-run`)).status).toBe(404)
    expect((await get(`/export/liquidations.csv?runId=run-running`)).status).toBe(409)
    expect((await get(`/export/positions.csv?runId=${RUN}`)).status).toBe(404)
    expect((await get(`/export/liquidations.xlsx?runId=${RUN}`)).status).toBe(404)
    await expect.poll(() => leftovers()).toEqual([])
  })

  test('over the row cap: refused naming the count and the cap; nothing left behind', async () => {
    const res = await get(`/export/liquidations.csv?runId=${BIG}`)
    expect(res.status).toBe(400)
    const body = (await res.json()) as { errors: Array<{ message: string }> }
    expect(body.errors[0]!.message).toContain(`matches 200000 rows, more than the ${CAP}`)
    await expect.poll(() => leftovers()).toEqual([])
  })

  test('a client that leaves mid-download: the temporary file is removed', async () => {
    const controller = new AbortController()
    const res = await get(`/export/liquidations.csv?runId=${BIG}&seq.lt=${CAP}`, { signal: controller.signal })
    expect(res.status).toBe(200)
    expect(Number(res.headers.get('content-length'))).toBeGreaterThan(10_000_000)
    const reader = res.body!.getReader()
    await reader.read()
    controller.abort()
    await expect.poll(() => leftovers(), { timeout: 10_000 }).toEqual([])
  })
})

describe('detections and incidents', () => {
  test('incidents filtered by severity and venue, newest window first; list columns stay one CSV field', async () => {
    await runtime.duck.use(async (c) => {
      for (const [id, venue, minute, severity] of [
        ['inc-a', 'bin', 0, 'critical'],
        ['inc-b', 'bin', 5, 'info'],
        ['inc-c', 'bin', 9, 'warning'],
        ['inc-d', 'other', 3, 'critical'],
      ] as const)
        await c.run(
          `INSERT INTO incidents VALUES ($1, $2, NULL, ['BTCUSDT', 'ETHUSDT'], TIMESTAMP '2025-10-10' + to_minutes($3::BIGINT),
             TIMESTAMP '2025-10-10 00:10:00' + to_minutes($3::BIGINT), $4, 'title ' || $1, 100.5, -20, 0, ['a'], 2, 3,
             300, TIMESTAMP '2025-10-11')`,
          [id, venue, minute, severity],
        )
    })
    const res = await get('/export/incidents.csv?venue=bin&severity.in=warning,critical&orderBy=windowFrom:DESC')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="incidents.csv"')
    const lines = (await res.text()).trimEnd().split('\n')
    expect(lines[0]!.split(',').slice(0, 3)).toEqual(['id', 'venue', 'runId'])
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(['inc-c', 'inc-a'])
    expect(lines[1]).toContain('"[BTCUSDT, ETHUSDT]"')
    const detections = await get('/export/detections.parquet?severity=critical')
    expect(detections.status).toBe(200)
    expect((await get('/export/incidents.csv?severity=severe')).status).toBe(400)
  })
})

describe('market data', () => {
  test('bars of one market over [from, to), with a filter; scope required', async () => {
    const from = new Date(BAR_T0 / 1000 + 10_000).toISOString()
    const to = new Date(BAR_T0 / 1000 + 70_000).toISOString()
    const res = await get(`/export/bars.csv?venue=bin&market=BTCUSDT&from=${from}&to=${to}&close.gte=150`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="bars-bin-BTCUSDT-2025-10-10-2025-10-10.csv"`,
    )
    const rows = parseCsv(await res.text())
    // bars 10 … 69 are in the window; closes 100 + i ≥ 150 from bar 50
    expect(rows.map((r) => Number(r.close))).toEqual(Array.from({ length: 20 }, (_, i) => 150 + i))
    const missing = await get(`/export/bars.csv?venue=bin&market=BTCUSDT`)
    expect(missing.status).toBe(400)
    expect(((await missing.json()) as { errors: Array<{ message: string }> }).errors[0]!.message).toMatch(/from.*to/s)
    expect((await get(`/export/bars.csv?venue=bin&market=BTCUSDT&from=${to}&to=${from}`)).status).toBe(400)
  })
})
