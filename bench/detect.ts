// Detector benchmark (`npm run bench:detect`): every detector over 30 days of one market in a temp DuckDB file —
// 1 s bars (bench/synthetic.ts) and 10 M trades, plus the account-level and reference data the other detectors read
// (oracle and index prices, open interest, funding, 1 M fills of 2,000 accounts, their ledger, liquidations) — and
// prints the total time and rows scanned per second. Options: --days 30 --trades 10000000 --reps 1.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { runDetectors } from '../src/detect/run.ts'
import { observeDetectQueries } from '../src/store/detect/read.ts'
import { DuckStore } from '../src/store/duck/open.ts'
import { migrateDuck } from '../src/store/duck/schema.ts'
import { createMetaClient } from '../src/store/meta/client.ts'
import { migrateDeploy } from '../src/store/meta/migrate.ts'
import { DAY, generate, MARKET, T0, VENUE } from './synthetic.ts'

const argv = process.argv.slice(2)
const arg = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? argv[i + 1]! : fallback
}
const DAYS = Number(arg('days', '30'))
const TRADES = Number(arg('trades', '10000000'))
const REPS = Number(arg('reps', '1'))
/** --profile: time every detector query (query and conversion to JS apart) and print the costliest. */
const PROFILE = argv.includes('--profile')
/** --data DIR: keep the generated store in DIR and, when it is already there, run on a copy instead of generating. */
const DATA = argv.includes('--data') ? arg('data', '') : null
const FILL_TRADES = 500_000
const ACCOUNTS = 2000
// every n-th trade has named sides (two fills)
const FILL_EVERY = Math.max(1, Math.round(TRADES / FILL_TRADES))

const fmt = (n: number) => n.toLocaleString('en', { maximumFractionDigits: 1 })

/** Trades, prices, OI, fills, ledger and liquidations beside the bars, all derived in SQL from the bar path. */
async function generateRest(store: DuckStore) {
  const span = DAYS * DAY * 1e6
  await store.use(async (c) => {
    const t = performance.now()
    await c.run(`INSERT INTO trade_parts VALUES (1, 'bench/trades', '${VENUE}', '${MARKET}')`)
    // trades spread evenly over the window, priced at their second's bar close with a little noise
    await c.run(`
      INSERT INTO trades_data
      SELECT 1, make_timestamp(${T0}::BIGINT + ((i::HUGEINT * ${span}) // ${TRADES})::BIGINT),
             b.close * (1 + ((hash(i * 7) % 2001)::DOUBLE - 1000) * 1e-7),
             0.001 + ((hash(i * 13) % 100000)::DOUBLE / 100000) ^ 4 * 2,
             hash(i * 17) % 2 = 0, i, NULL, NULL
        FROM range(${TRADES}) t(i)
        JOIN bars b ON b.venue = '${VENUE}' AND b.interval_s = 1
         AND b.ts = make_timestamp(${T0}::BIGINT + ((i::HUGEINT * ${span}) // ${TRADES})::BIGINT // 1000000 * 1000000)`)
    console.log(`  trades ${fmt(TRADES)} in ${((performance.now() - t) / 1000).toFixed(1)} s`)
    await c.run(`
      INSERT INTO prices
      SELECT '${VENUE}', '${MARKET}', ts, 'oracle', 'pyth', close, NULL, NULL, NULL, NULL, NULL, 'bench'
        FROM bars WHERE venue = '${VENUE}' AND interval_s = 1 AND epoch(ts)::BIGINT % 10 = 0
      UNION ALL
      SELECT '${VENUE}', '${MARKET}', ts, 'index', 'ref-a', close * (1 + ((hash(epoch(ts)) % 201)::DOUBLE - 100) * 1e-6),
             NULL, NULL, NULL, NULL, NULL, 'bench'
        FROM bars WHERE venue = '${VENUE}' AND interval_s = 1 AND epoch(ts)::BIGINT % 60 = 0`)
    await c.run(`
      INSERT INTO open_interest
      SELECT '${VENUE}', '${MARKET}', ts, 5000 + 500 * sin(epoch(ts) / 86400.0), NULL, 'bench'
        FROM bars WHERE venue = '${VENUE}' AND interval_s = 1 AND epoch(ts)::BIGINT % 300 = 0`)
    // 500k of the trades have named sides: 1 M fills between 2,000 accounts
    await c.run(`
      INSERT INTO fills (venue, market, ts, account, side, price, qty, fee, liquidation, trade_id, partition_id)
      SELECT '${VENUE}', '${MARKET}', ts, 'acct-' || (hash(trade_id * 3) % ${ACCOUNTS}),
             CASE WHEN is_buy THEN 'buy' ELSE 'sell' END, price::DECIMAL(38, 18), qty::DECIMAL(38, 18), 0, false,
             CAST(trade_id AS VARCHAR), 'bench'
        FROM trades_data WHERE trade_id % ${FILL_EVERY} = 0
      UNION ALL
      SELECT '${VENUE}', '${MARKET}', ts, 'acct-' || (hash(trade_id * 5 + 1) % ${ACCOUNTS}),
             CASE WHEN is_buy THEN 'sell' ELSE 'buy' END, price::DECIMAL(38, 18), qty::DECIMAL(38, 18), 0, false,
             CAST(trade_id AS VARCHAR), 'bench'
        FROM trades_data WHERE trade_id % ${FILL_EVERY} = 0`)
    // deposits from 50 funding sources, then 5,000 withdrawals
    await c.run(`
      INSERT INTO ledger (venue, ts, account, delta_quote, kind, counterparty, partition_id)
      SELECT '${VENUE}', make_timestamp(${T0}::BIGINT - 3600000000), 'acct-' || i, 1000000, 'deposit',
             'source-' || (i % 50), 'bench'
        FROM range(${ACCOUNTS}) t(i)
      UNION ALL
      SELECT '${VENUE}', make_timestamp(${T0}::BIGINT + ((hash(i) % ${span})::BIGINT)), 'acct-' || (i % ${ACCOUNTS}),
             -1000, 'withdrawal', NULL, 'bench'
        FROM range(5000) t(i)`)
    await c.run(`
      INSERT INTO liquidations (venue, market, ts, side, price, qty, kind, source, partition_id)
      SELECT '${VENUE}', '${MARKET}', make_timestamp(${T0}::BIGINT + ((hash(i * 11) % ${span})::BIGINT)),
             CASE WHEN i % 2 = 0 THEN 'long' ELSE 'short' END, 60000, 0.1 + (i % 7) * 0.05, 'liquidation', 'bench', 'bench'
        FROM range(20000) t(i)`)
    await c.run('CHECKPOINT')
  })
}

/**
 * sha256 over every stored detection's content (all columns but created_at), per detector, and over the incidents
 * and their timelines: an optimisation must leave these equal.
 */
async function contentHashes(store: DuckStore): Promise<string> {
  return store.use(async (c) => {
    const d = await c.runAndReadAll(`
      SELECT detector, count(*)::INTEGER AS n, left(sha256(string_agg(concat_ws('|', id, detector_version, venue,
             market, window_from, window_to, accounts::VARCHAR, score, severity, evidence::VARCHAR,
             estimated_cost_quote, estimated_profit_quote, run_id, params_hash, scope_from, scope_to), chr(10)
             ORDER BY id)), 12) AS h
        FROM detections GROUP BY detector ORDER BY detector`)
    const i = await c.runAndReadAll(`
      SELECT count(*)::INTEGER AS n, left(sha256(coalesce(string_agg(concat_ws('|', i.id, i.venue, i.markets::VARCHAR,
             i.window_from, i.window_to, i.severity, i.title, i.total_deficit, i.accounts::VARCHAR, i.detections,
             i.members, (SELECT string_agg(concat_ws('|', seq, kind, ref, ts_from, ts_to, market, severity, summary,
             figures::VARCHAR), chr(10) ORDER BY seq) FROM incident_members m WHERE m.incident_id = i.id)), chr(10)
             ORDER BY i.id), '')), 12) AS h
        FROM incidents i`)
    const rows = d.getRowObjectsJS() as Array<{ detector: string; n: number; h: string }>
    const inc = i.getRowObjectsJS()[0] as { n: number; h: string }
    return `${rows.map((r) => `${r.detector} ${r.n} ${r.h}`).join(', ')}; incidents ${inc.n} ${inc.h}`
  })
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backstop-bench-detect-'))
  const url = `file:${path.join(dir, 'meta.db')}`
  await migrateDeploy({ url })
  const meta = createMetaClient(url)
  const kept = DATA ? path.join(path.resolve(DATA), `bench-${DAYS}d-${TRADES}.duckdb`) : null
  const reuse = kept !== null && fs.existsSync(kept)
  if (reuse) fs.copyFileSync(kept, path.join(dir, 'bench.duckdb'))
  const duck = await DuckStore.open({ path: path.join(dir, 'bench.duckdb'), memoryLimit: '2GB' })
  try {
    await migrateDuck(duck)
    console.log(
      `# bench:detect — ${DAYS} days of 1 s bars and ${fmt(TRADES)} trades of one market (shared 2-core machine)`,
    )
    const g = performance.now()
    let bars = 0
    if (reuse) {
      console.log(`  data: a copy of ${kept}`)
    } else {
      bars = await generate(duck, DAYS)
      await generateRest(duck)
      console.log(`  generated in ${((performance.now() - g) / 1000).toFixed(1)} s`)
      if (kept) {
        fs.mkdirSync(path.dirname(kept), { recursive: true })
        fs.copyFileSync(path.join(dir, 'bench.duckdb'), kept)
      }
    }
    const rows = await duck.use(async (c) => {
      const r = await c.runAndReadAll(`SELECT
        (SELECT count(*) FROM bars)::DOUBLE AS bars, (SELECT count(*) FROM trades_data)::DOUBLE AS trades,
        (SELECT count(*) FROM prices)::DOUBLE AS prices, (SELECT count(*) FROM fills)::DOUBLE AS fills,
        (SELECT count(*) FROM ledger)::DOUBLE AS ledger, (SELECT count(*) FROM open_interest)::DOUBLE AS oi,
        (SELECT count(*) FROM funding)::DOUBLE AS funding, (SELECT count(*) FROM liquidations)::DOUBLE AS liquidations`)
      return r.getRowObjectsJS()[0] as Record<string, number>
    })
    const total = Object.values(rows).reduce((a, n) => a + Number(n), 0)
    console.log(
      `  rows: ${Object.entries(rows)
        .map(([k, n]) => `${k} ${fmt(Number(n))}`)
        .join(', ')}${reuse ? '' : ` (bars ${fmt(bars)})`}`,
    )
    for (let rep = 0; rep < REPS; rep++) {
      const queries = new Map<string, { n: number; queryMs: number; convertMs: number; rows: number }>()
      if (PROFILE) {
        observeDetectQueries((sql, queryMs, convertMs, rows) => {
          const key = sql.replace(/\s+/g, ' ').trim().slice(0, 110)
          const q = queries.get(key) ?? { n: 0, queryMs: 0, convertMs: 0, rows: 0 }
          q.n++
          q.queryMs += queryMs
          q.convertMs += convertMs
          q.rows += rows
          queries.set(key, q)
        })
      }
      const t = performance.now()
      const summary = await runDetectors(
        { duck, meta },
        {
          venue: VENUE,
          markets: [MARKET],
          from: new Date(T0 / 1000),
          to: new Date((T0 + DAYS * DAY * 1e6) / 1000),
          // the bench venue has no default rule set
          params: { 'withdrawal-to-maintenance': { rules: 'binance-um' } },
        },
      )
      const ms = performance.now() - t
      console.log(
        `\nrun ${rep + 1}: ${(ms / 1000).toFixed(2)} s, ${fmt(total / (ms / 1000) / 1e6)} M rows scanned/s (every stored row once)`,
      )
      for (const d of summary.detectors) {
        console.log(
          `  ${d.detector.padEnd(26)} ${d.status.padEnd(12)} ${String(d.ms).padStart(7)} ms  ` +
            `${d.detections} detections${d.error ? ` ERROR ${d.error}` : ''}`,
        )
      }
      console.log(`  incidents rebuilt: ${summary.incidents.incidents}`)
      console.log(`  content: ${await contentHashes(duck)}`)
      if (PROFILE) {
        observeDetectQueries(null)
        console.log('  costliest queries (query ms + JS conversion ms, rows):')
        const top = [...queries.entries()].sort((a, b) => b[1].queryMs + b[1].convertMs - a[1].queryMs - a[1].convertMs)
        for (const [sql, q] of top.slice(0, 25)) {
          console.log(
            `    ${String(Math.round(q.queryMs)).padStart(7)} + ${String(Math.round(q.convertMs)).padStart(6)} ms ` +
              `${String(q.rows).padStart(9)} rows ×${q.n}  ${sql}`,
          )
        }
      }
    }
  } finally {
    duck.close()
    await meta.$disconnect()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

await main()
