import { DuckDBInstance } from '@duckdb/node-api'
const db = await DuckDBInstance.create('/tmp/keepcv/backstop.duckdb', { access_mode: 'READ_ONLY' })
const c = await db.connect()
const sql = process.argv[2]!
const r = await c.runAndReadAll(sql)
console.table(r.getRowObjects().map((o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v?.toString?.() ?? v]))))
