// The real files in ../shared/data, loaded through `ingest file` (the normalized layout) for the detector eval and
// the real-data tests: Binance USDⓈ-M 1m klines of the 2020-03-12 and 2025-10-10 crashes (as bars, source
// 'klines'), the BTCUSDT funding files of those months, and the Hyperliquid node fills sample (both sides of every
// trade, with addresses). Each source is converted to the normalized CSV in a scratch directory, then loaded by the
// `ingest.file` job like any user file.
import fs from 'node:fs'
import path from 'node:path'
import { runJob } from '../jobs/runner.ts'
import { ingestJob } from '../jobs/ingest/index.ts'
import type { Runtime } from '../src/app/runtime.ts'
import { projectRoot } from '../src/project.ts'

export const SHARED_DATA = path.resolve(projectRoot, '../shared/data')

export interface RealWindow {
  name: string
  venue: string
  markets: string[]
  from: Date
  to: Date
  /** What a detector must show here (the crash minutes), for the report. */
  expect: string
}

const utc = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '')

/** Raw Binance kline lines (with or without the header) → normalized bars rows. */
function klinesToBars(text: string, market: string): string[] {
  return text
    .split('\n')
    .filter((l) => /^\d/.test(l))
    .map((l) => {
      const f = l.split(',')
      return [market, utc(Number(f[0])), 60, f[1], f[2], f[3], f[4], f[5], f[7], f[8], f[9], 'klines'].join(',')
    })
}

async function loadFile(runtime: Runtime, table: string, venue: string, file: string): Promise<number> {
  const result = await runJob(
    runtime,
    ingestJob('file'),
    { table, venue, paths: [file], force: true },
    { trigger: 'cli' },
  )
  if (result.status !== 'succeeded')
    throw new Error(`loading ${file} failed: ${result.error ?? JSON.stringify(result.outcome.errors)}`)
  return result.outcome.rows
}

/** Loads whatever of the real files exists; returns the windows to scan (empty when ../shared/data is absent). */
export async function loadRealData(
  runtime: Runtime,
  scratch: string,
): Promise<{ windows: RealWindow[]; rows: number }> {
  const windows: RealWindow[] = []
  let rows = 0
  fs.mkdirSync(scratch, { recursive: true })
  const klines = path.join(SHARED_DATA, 'binance-um-klines-1m-crash-excerpts')
  if (fs.existsSync(klines)) {
    const header = 'market,ts,interval_s,open,high,low,close,volume,quote_volume,trades,taker_buy_volume,source'
    for (const f of fs
      .readdirSync(klines)
      .filter((x) => x.endsWith('.csv'))
      .sort()) {
      const out = path.join(scratch, `bars-${f}`)
      fs.writeFileSync(
        out,
        [header, ...klinesToBars(fs.readFileSync(path.join(klines, f), 'utf8'), 'BTCUSDT')].join('\n') + '\n',
      )
      rows += await loadFile(runtime, 'bars', 'binance-um', out)
    }
    windows.push(
      {
        name: 'Binance BTCUSDT 2020-03-12/13 (Black Thursday, 1m klines 22:03–05:13)',
        venue: 'binance-um',
        markets: ['BTCUSDT'],
        from: new Date('2020-03-12T22:00:00Z'),
        to: new Date('2020-03-13T05:14:00Z'),
        expect: 'cascade incidents in the crash minutes (23:10–23:40 and 01:50–02:45, low 3,621.81 at 02:16)',
      },
      {
        name: 'Binance BTCUSDT 2025-10-10 (tariff crash, 1m klines 19:13–23:34)',
        venue: 'binance-um',
        markets: ['BTCUSDT'],
        from: new Date('2025-10-10T19:00:00Z'),
        to: new Date('2025-10-10T23:35:00Z'),
        expect: 'a cascade incident covering 21:15 UTC (−13 % 21:08–21:20, low 101,516.5 at 21:20)',
      },
    )
  }
  const funding = path.join(SHARED_DATA, 'binance-um-fundingRate')
  for (const month of ['2020-03', '2025-10']) {
    const f = path.join(funding, `BTCUSDT-fundingRate-${month}.csv`)
    if (!fs.existsSync(f)) continue
    const lines = fs
      .readFileSync(f, 'utf8')
      .split('\n')
      .filter((l) => /^\d/.test(l))
    const out = path.join(scratch, `funding-${month}.csv`)
    fs.writeFileSync(
      out,
      [
        'market,ts,rate,interval_h',
        ...lines.map((l) => {
          const [t, h, r] = l.split(',')
          return `BTCUSDT,${utc(Number(t))},${r},${h}`
        }),
      ].join('\n') + '\n',
    )
    rows += await loadFile(runtime, 'funding', 'binance-um', out)
  }
  const nodeFills = path.join(SHARED_DATA, 'hyperliquid-node-fills', 'node_fills_by_block_sample_20251027.jsonl')
  if (fs.existsSync(nodeFills)) {
    const out = path.join(scratch, 'hyperliquid-node-fills.csv')
    const csv = [
      'market,ts,account,side,price,qty,fee,fee_asset,liquidation,liquidity,closed_pnl,start_position,dir,trade_id,order_id',
    ]
    const markets = new Set<string>()
    for (const line of fs.readFileSync(nodeFills, 'utf8').split('\n')) {
      if (!line.trim()) continue
      const block = JSON.parse(line) as { events: Array<[string, Record<string, unknown>]> }
      for (const [user, f] of block.events) {
        markets.add(String(f.coin))
        csv.push(
          [
            JSON.stringify(String(f.coin)),
            utc(Number(f.time)),
            user,
            f.side === 'B' ? 'buy' : 'sell',
            f.px,
            f.sz,
            f.fee,
            f.feeToken ?? '',
            f.liquidation ? 'true' : 'false',
            f.crossed ? 'taker' : 'maker',
            f.closedPnl,
            f.startPosition,
            JSON.stringify(String(f.dir)),
            f.tid,
            f.oid,
          ].join(','),
        )
      }
    }
    fs.writeFileSync(out, csv.join('\n') + '\n')
    rows += await loadFile(runtime, 'fills', 'hyperliquid', out)
    windows.push({
      name: `Hyperliquid node fills 2025-10-27 16:59:59–17:01:21 (${markets.size} coins, both sides of every trade)`,
      venue: 'hyperliquid',
      markets: [...markets].sort(),
      from: new Date('2025-10-27T16:59:00Z'),
      to: new Date('2025-10-27T17:02:00Z'),
      expect: 'no known manipulation: a quiet-period control for self-trading and linked accounts',
    })
  }
  return { windows, rows }
}
