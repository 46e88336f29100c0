// Reconciliation figures (`npm run bench:reconcile`): recall, precision, median offset and notional agreement of an
// account replay's liquidations against what happened — on generated accounts whose liquidations are known by
// construction (overall and per kind of account), and on the real Hyperliquid data in ../shared/data (the node fills
// sample; the 2023 info-API fills), skipped with a message when absent. It needs only the engine's liquidation rows:
// `--prepare DIR` writes the real data as normalized rows with this version's parsers, and `--before --real DIR`
// measures a version without them (no shadow mode, no dated preset; the "before" figures in ARCHITECTURE were taken
// so on main at 7083b2f, with this script as of de06ab2, whose backtests ran through src/replay/backtest/run.ts).
// `--json` prints the figures as JSON.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { ColumnType, LoadRequest, SourceColumn } from '../src/domain/loadSpec.ts'
import { loadAccountsWithTruth } from '../src/ingest/accountTruthLoader.ts'
import {
  groupEvents,
  matchEvents,
  quantile,
  type LiquidationEvent,
  type LiquidationRecord,
} from '../src/replay/backtest/matchEvents.ts'
import { executeBacktest } from '../src/replay/backtest/execute.ts'
import { prepareBacktest } from '../src/replay/backtest/prepare.ts'
import { DuckStore } from '../src/store/duck/open.ts'
import { migrateDuck } from '../src/store/duck/schema.ts'
import { loadPartition } from '../src/store/ingest/loadPartition.ts'
import { createMetaClient, type MetaClient } from '../src/store/meta/client.ts'
import { migrateDeploy } from '../src/store/meta/migrate.ts'

const argv = process.argv.slice(2)
const flag = (name: string) => argv.includes(`--${name}`)
const arg = (name: string) => {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? argv[i + 1]! : null
}
/** Matching window (±), as `backstop reconcile`'s default. */
const WINDOW_US = 3600e6
const SHARED = path.resolve(import.meta.dirname, '../../shared/data')

interface Figures {
  name: string
  observed: number
  engine: number
  matched: number
  recall: number | null
  precision: number | null
  medianOffsetS: number | null
  /** Σ engine notional / Σ venue notional over matched events. */
  notionalRatio: number | null
  /** Median of |engine notional / venue notional − 1| over matched events. */
  medianNotionalError: number | null
  runMs: number | null
  status: string
}

/** Recall, precision, offsets and notional agreement of engine rows against the truth (events, one-to-one). */
function figures(name: string, truth: LiquidationRecord[], engineRows: LiquidationRecord[], runMs: number | null) {
  const observed = groupEvents(truth)
  const engine = groupEvents(engineRows)
  const matched = matchEvents(observed, engine, WINDOW_US).filter(
    (p): p is { observed: LiquidationEvent; engine: LiquidationEvent } => p.observed !== null && p.engine !== null,
  )
  const offsets = matched.map((p) => (p.engine.ts - p.observed.ts) / 1e6).sort((a, b) => a - b)
  const errors = matched.map((p) => Math.abs(p.engine.notional / p.observed.notional - 1)).sort((a, b) => a - b)
  const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0)
  return {
    name,
    observed: observed.length,
    engine: engine.length,
    matched: matched.length,
    recall: observed.length ? matched.length / observed.length : null,
    precision: engine.length ? matched.length / engine.length : null,
    medianOffsetS: quantile(offsets, 0.5),
    notionalRatio: matched.length
      ? sum(matched.map((p) => p.engine.notional)) / sum(matched.map((p) => p.observed.notional))
      : null,
    medianNotionalError: quantile(errors, 0.5),
    runMs,
    status: 'succeeded',
  } satisfies Figures
}

async function stores(dir: string) {
  const duck = await DuckStore.open({ path: path.join(dir, 'reconcile.duckdb') })
  await migrateDuck(duck)
  const url = `file:${path.join(dir, 'meta.db')}`
  await migrateDeploy({ url })
  return { duck, meta: createMetaClient(url) }
}

async function readRecords(duck: DuckStore, sql: string, params: string[] = []): Promise<LiquidationRecord[]> {
  return duck.use(async (c) =>
    (await c.runAndReadAll(sql, params)).getRowObjectsJS().map((r) => ({
      account: String(r.account),
      market: String(r.market),
      ts: Number(r.ts),
      side: r.side === 'short' ? ('short' as const) : ('long' as const),
      qty: Number(r.qty),
      notional: Number(r.notional),
    })),
  )
}

let runs = 0

/** Runs a backtest (no run record: the rows are read by their run id); its liquidation rows or why it failed. */
async function runRows(
  deps: { duck: DuckStore; meta: MetaClient },
  request: Record<string, unknown>,
): Promise<{ rows: LiquidationRecord[]; runMs: number } | { error: string }> {
  const t = performance.now()
  const runId = `reconcile-${++runs}`
  try {
    const prepared = await prepareBacktest(deps, request, { allowFiles: true })
    await executeBacktest({ duck: deps.duck }, prepared, { runId })
  } catch (error) {
    return { error: `failed: ${(error as Error).message}` }
  }
  const runMs = performance.now() - t
  const rows = await readRecords(
    deps.duck,
    `SELECT account, market, epoch_us(ts)::DOUBLE AS ts, side, qty::DOUBLE AS qty, notional::DOUBLE AS notional
       FROM backtest_liquidations WHERE run_id = $1 ORDER BY seq`,
    [runId],
  )
  return { rows, runMs }
}

async function measure(
  name: string,
  deps: { duck: DuckStore; meta: MetaClient },
  request: Record<string, unknown>,
  truth: LiquidationRecord[],
): Promise<Figures> {
  const r = await runRows(deps, request)
  if ('error' in r)
    return {
      ...figures(name, truth, [], null),
      engine: 0,
      recall: null,
      precision: null,
      status: r.error,
    }
  return figures(name, truth, r.rows, r.runMs)
}

const col = (name: string, type: ColumnType): SourceColumn => ({ name, type })
const DEC = 'DECIMAL(38,18)'

/** Loads NDJSON rows written by --prepare (normalized names, ms times) into one table. */
async function loadPrepared(duck: DuckStore, file: string, table: 'fills' | 'trades' | 'liquidations', venue: string) {
  const columns: Record<string, SourceColumn[]> = {
    fills: [
      col('time', 'BIGINT'),
      col('market', 'VARCHAR'),
      col('account', 'VARCHAR'),
      col('side', 'VARCHAR'),
      col('price', DEC),
      col('qty', DEC),
      col('fee', DEC),
      col('fee_asset', 'VARCHAR'),
      col('liquidation', 'BOOLEAN'),
      col('liquidity', 'VARCHAR'),
      col('closed_pnl', DEC),
      col('start_position', DEC),
      col('dir', 'VARCHAR'),
      col('trade_id', 'VARCHAR'),
      col('order_id', 'VARCHAR'),
    ],
    trades: [
      col('time', 'BIGINT'),
      col('market', 'VARCHAR'),
      col('price', 'DOUBLE'),
      col('qty', 'DOUBLE'),
      col('side', 'VARCHAR'),
      col('trade_id', 'BIGINT'),
    ],
    liquidations: [
      col('time', 'BIGINT'),
      col('market', 'VARCHAR'),
      col('account', 'VARCHAR'),
      col('side', 'VARCHAR'),
      col('price', DEC),
      col('qty', DEC),
      col('trade_id', 'VARCHAR'),
    ],
  }
  const names = columns[table]!.map((c) => c.name).filter((n) => n !== 'time')
  const request: LoadRequest = {
    partition: { source: 'bench', dataset: table, venue, market: 'all', period: path.basename(file) },
    file: { path: file, name: path.basename(file), format: 'ndjson', columns: columns[table]! },
    loads: [
      {
        kind: 'rows',
        table,
        values: {
          ...Object.fromEntries(names.map((n) => [n, { column: n }])),
          ts: { epoch: 'time', unit: 'ms' },
          ...(table === 'liquidations' ? { source: { literal: venue } } : {}),
        },
      },
    ],
    upstream: { file, checksum: null },
    ...(table === 'trades' ? { tradeBars: {} } : {}),
  }
  await loadPartition(duck, request)
}

/** Writes the real data as normalized NDJSON with this version's parsers (run once, on a version that has them). */
async function prepare(out: string): Promise<void> {
  const { writeNodeFills, hourFileLines } = await import('../src/ingest/hyperliquid/nodeFills.ts')
  const { parseFills } = await import('../src/ingest/hyperliquid/fills.ts')
  fs.mkdirSync(out, { recursive: true })
  const shared = SHARED
  const fills: string[] = []
  const trades: string[] = []
  const liquidations: string[] = []
  writeNodeFills(
    'sample',
    hourFileLines(path.join(shared, 'hyperliquid-node-fills/node_fills_by_block_sample_20251027.jsonl')),
    (r) => {
      fills.push(JSON.stringify(r))
      if (r.trade_side !== null)
        trades.push(
          JSON.stringify({
            time: r.time,
            market: r.market,
            price: r.price,
            qty: r.qty,
            side: r.trade_side,
            trade_id: r.trade_tid,
          }),
        )
      if (r.liq_side !== null)
        liquidations.push(
          JSON.stringify({
            time: r.time,
            market: r.market,
            account: r.liq_account,
            side: r.liq_side,
            price: r.price,
            qty: r.qty,
            trade_id: r.trade_id,
          }),
        )
    },
  )
  fs.writeFileSync(path.join(out, 'node-fills.ndjson'), fills.join('\n') + '\n')
  fs.writeFileSync(path.join(out, 'node-trades.ndjson'), trades.join('\n') + '\n')
  fs.writeFileSync(path.join(out, 'node-liquidations.ndjson'), liquidations.join('\n') + '\n')
  const user = '0xb7b6f3cea3f66bf525f5d8f965f6dbf6d9b017b2'
  const body = JSON.parse(fs.readFileSync(path.join(shared, 'hyperliquid-info-api/userFills_0xb7b6f3ce.json'), 'utf8'))
  const parsed = parseFills('userFills', body, user).sort((a, b) => a.time - b.time)
  fs.writeFileSync(path.join(out, 'api-fills.ndjson'), parsed.map((f) => JSON.stringify(f.row)).join('\n') + '\n')
  // the account's own fills are the only prints of those markets in the sample: they stand for the trades
  fs.writeFileSync(
    path.join(out, 'api-trades.ndjson'),
    parsed
      .map((f, i) =>
        JSON.stringify({
          time: f.time,
          market: f.row.market,
          price: f.row.price,
          qty: f.row.qty,
          side: f.row.side,
          trade_id: i + 1,
        }),
      )
      .join('\n') + '\n',
  )
}

const NODE_WINDOW = { from: '2025-10-27T16:59:59Z', to: '2025-10-27T17:01:21Z' }
const API_WINDOW = { from: '2023-05-05T00:12:35Z', to: '2023-05-05T00:18:05Z' }

/** Generated accounts: one run per seed (and a shadow-mode run), then the same rows per kind of account. */
async function generated(work: string, before: boolean): Promise<Figures[]> {
  const seeds = (arg('seeds') ?? '1,2,3').split(',').map(Number)
  const accounts = Number(arg('accounts') ?? 160)
  const out: Figures[] = []
  const allTruth: LiquidationRecord[] = []
  const allEngine: LiquidationRecord[] = []
  const kindOf = new Map<string, string>()
  for (const seed of seeds) {
    const deps = await stores(fs.mkdtempSync(path.join(work, `seed-${seed}-`)))
    try {
      const g = await loadAccountsWithTruth(deps.duck, { seed, accounts, hours: 4, tmpDir: work })
      for (const a of g.accounts) kindOf.set(a.account, a.kind)
      const truth: LiquidationRecord[] = g.truth.map((t) => ({ ...t, notional: t.qty * t.price }))
      const base = {
        ruleSet: 'hyperliquid',
        venue: g.venue,
        markets: [...g.markets],
        from: new Date(g.fromUs / 1000).toISOString(),
        to: new Date(g.toUs / 1000).toISOString(),
        positions: 'accounts',
      }
      const name = `generated seed ${seed} (${accounts} accounts)`
      const r = await runRows(deps, base)
      if ('error' in r) {
        out.push({ ...figures(name, truth, [], null), engine: 0, recall: null, precision: null, status: r.error })
        continue
      }
      out.push(figures(name, truth, r.rows, r.runMs))
      allTruth.push(...truth)
      allEngine.push(...r.rows)
      if (!before)
        out.push(await measure(`generated seed ${seed}, shadow mode`, deps, { ...base, shadow: true }, truth))
    } finally {
      deps.duck.close()
      await deps.meta.$disconnect()
    }
  }
  if (allTruth.length || allEngine.length) {
    out.push(figures(`generated, all seeds`, allTruth, allEngine, null))
    for (const kind of new Set(kindOf.values())) {
      const of = (rows: LiquidationRecord[]) => rows.filter((r) => kindOf.get(r.account) === kind)
      out.push(figures(`  kind ${kind}`, of(allTruth), of(allEngine), null))
    }
    const other = allEngine.filter((r) => !kindOf.has(r.account))
    if (other.length) out.push(figures('  accounts not generated as users', [], other, null))
  }
  return out
}

/** The real Hyperliquid data, from rows written by prepare(): the node fills sample and one account's 2023 fills. */
async function real(work: string, dir: string, before: boolean): Promise<Figures[]> {
  const out: Figures[] = []
  const deps = await stores(fs.mkdtempSync(path.join(work, 'real-node-')))
  try {
    await loadPrepared(deps.duck, path.join(dir, 'node-fills.ndjson'), 'fills', 'hyperliquid')
    await loadPrepared(deps.duck, path.join(dir, 'node-trades.ndjson'), 'trades', 'hyperliquid')
    await loadPrepared(deps.duck, path.join(dir, 'node-liquidations.ndjson'), 'liquidations', 'hyperliquid')
    // a run takes at most 64 markets: those with the most fills, the markets with a liquidation first
    const markets = await deps.duck.use(async (c) =>
      (
        await c.runAndReadAll(
          `SELECT market FROM fills WHERE venue = 'hyperliquid' GROUP BY market
            ORDER BY (market IN (SELECT market FROM liquidations)) DESC, count(*) DESC, market LIMIT 64`,
        )
      )
        .getRowObjectsJS()
        .map((r) => String(r.market)),
    )
    const truth = (
      await readRecords(
        deps.duck,
        `SELECT account, market, epoch_us(ts)::DOUBLE AS ts, side, qty::DOUBLE AS qty,
                qty::DOUBLE * price::DOUBLE AS notional
           FROM liquidations`,
      )
    ).filter((r) => markets.includes(r.market))
    const request = { ruleSet: 'hyperliquid', venue: 'hyperliquid', markets, ...NODE_WINDOW, positions: 'accounts' }
    out.push(await measure(`real node fills 2025-10-27 (81 s, ${markets.length} markets)`, deps, request, truth))
    if (!before) out.push(await measure('real node fills, shadow mode', deps, { ...request, shadow: true }, truth))
  } finally {
    deps.duck.close()
    await deps.meta.$disconnect()
  }
  const deps2 = await stores(fs.mkdtempSync(path.join(work, 'real-api-')))
  try {
    await loadPrepared(deps2.duck, path.join(dir, 'api-fills.ndjson'), 'fills', 'hyperliquid')
    await loadPrepared(deps2.duck, path.join(dir, 'api-trades.ndjson'), 'trades', 'hyperliquid')
    const markets = await deps2.duck.use(async (c) =>
      (await c.runAndReadAll(`SELECT DISTINCT market FROM fills ORDER BY market`))
        .getRowObjectsJS()
        .map((r) => String(r.market)),
    )
    const request = {
      ruleSet: before ? 'hyperliquid' : 'hyperliquid@2023-07-17',
      venue: 'hyperliquid',
      markets,
      ...API_WINDOW,
      positions: 'accounts',
    }
    out.push(await measure('real info-API fills 2023-05-05 (one account, no liquidation)', deps2, request, []))
  } finally {
    deps2.duck.close()
    await deps2.meta.$disconnect()
  }
  return out
}

function table(all: Figures[]): string {
  const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)}%`)
  const lines = [
    '| data | venue events | engine events | matched | recall | precision | median offset | notional engine/venue | median notional error | run |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ]
  for (const f of all) {
    lines.push(
      `| ${f.name}${f.status === 'succeeded' ? '' : ` (${f.status})`} | ${f.observed} | ${f.engine} | ${f.matched} | ` +
        `${pct(f.recall)} | ${pct(f.precision)} | ${f.medianOffsetS === null ? '–' : `${f.medianOffsetS.toFixed(0)} s`} | ` +
        `${f.notionalRatio === null ? '–' : f.notionalRatio.toFixed(3)} | ${pct(f.medianNotionalError)} | ` +
        `${f.runMs === null ? '' : `${(f.runMs / 1000).toFixed(1)} s`} |`,
    )
  }
  return lines.join('\n')
}

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'backstop-reconcile-'))
  try {
    const prepareDir = arg('prepare')
    if (prepareDir) {
      await prepare(prepareDir)
      console.log(`prepared ${prepareDir}`)
      return
    }
    const before = flag('before')
    const all = await generated(work, before)
    let realDir = arg('real')
    if (!realDir && !before) {
      if (
        fs.existsSync(path.join(SHARED, 'hyperliquid-node-fills')) &&
        fs.existsSync(path.join(SHARED, 'hyperliquid-info-api'))
      ) {
        realDir = path.join(work, 'prepared')
        await prepare(realDir)
      } else
        console.error(
          `skipping the real Hyperliquid data: ${SHARED} has no hyperliquid-node-fills / hyperliquid-info-api`,
        )
    }
    if (realDir) all.push(...(await real(work, realDir, before)))
    else if (before) console.error('skipping the real Hyperliquid data: pass --real DIR written by --prepare DIR')
    console.log(flag('json') ? JSON.stringify(all, null, 2) : table(all))
  } finally {
    fs.rmSync(work, { recursive: true, force: true })
  }
}

await main()
