// Sweeps over stored accounts (`--positions accounts`): every point replays the window's accounts, set up as
// `backtest --positions accounts` sets them up (history before the window followed without liquidating), and a
// point's outputs hash like the same rule set run alone as an account backtest. A small store: two hours of 1 s bars
// with a crash, three accounts. Costs a few seconds (two worker threads, one single backtest).
import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { executeBacktest } from '../src/replay/backtest/execute.ts'
import { prepareBacktest } from '../src/replay/backtest/prepare.ts'
import { executeSweep } from '../src/replay/sweep/execute.ts'
import { prepareSweep } from '../src/replay/sweep/prepare.ts'
import { barsFromCloses, insertBars, insertFills, insertLedger } from './support/marketData.ts'
import { testRuntime } from './support/runtime.ts'
import { tempDir } from './support/tmp.ts'

const runtime = await testRuntime()
const T0 = Date.UTC(2025, 9, 10) * 1000
const H = 3600e6
const V = 'hyperliquid'

beforeAll(async () => {
  // two hours of BTC at 1 s around 100: a drift, then a one-minute crash of about −15% after an hour
  const closes: number[] = []
  let p = 100
  let x = 7
  for (let i = 0; i < 7_200; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0
    p *= 1 + ((x >>> 8) / 2 ** 24 - 0.5) * 0.0006
    if (i >= 3_600 && i < 3_660) p *= 0.9973
    closes.push(p)
  }
  await insertBars(runtime.duck, V, 'BTC', 1, barsFromCloses(T0, closes, {}, 5e5))
  // A deposits and opens 40x an hour before the window (only the warm-up opens it); B is short; C trades inside
  await insertLedger(runtime.duck, V, [
    { tsUs: T0 - 2 * H, account: '0xA', delta: '2500', kind: 'deposit' },
    { tsUs: T0 - 2 * H, account: '0xB', delta: '50000', kind: 'deposit' },
    { tsUs: T0 + 0.1 * H, account: '0xC', delta: '1000', kind: 'deposit' },
  ])
  await insertFills(runtime.duck, V, [
    { tsUs: T0 - H, account: '0xA', market: 'BTC', side: 'buy', price: '100', qty: '1000', fee: '5' },
    { tsUs: T0 - H, account: '0xB', market: 'BTC', side: 'sell', price: '100', qty: '500' },
    { tsUs: T0 + 0.25 * H, account: '0xC', market: 'BTC', side: 'buy', price: '100', qty: '60' },
  ])
}, 120_000)

const window = { from: new Date(T0 / 1000), to: new Date((T0 + 2 * H) / 1000) }

describe('a sweep over stored accounts', () => {
  test("every point replays the accounts; a point's outputs hash like the same rule set run alone", async () => {
    const prepared = await prepareSweep(
      runtime,
      {
        ruleSet: 'hyperliquid',
        venue: V,
        markets: ['BTC'],
        windows: [window],
        positions: 'accounts',
        vary: ['maintenanceScale=0.5,1,1.9'],
      },
      { allowFiles: false },
    )
    const { document } = await executeSweep(runtime, prepared)
    expect(document.sweep.positions).toBe('accounts')
    expect(document.points.map((p) => p.status)).toEqual(['evaluated', 'evaluated', 'evaluated'])
    const [half, same, high] = document.points.map((p) => p.windows[0]!)
    // A's 40x position, opened before the window, is liquidated in the crash: the warm-up opened it
    expect(same!.liquidations).toBeGreaterThan(0)
    expect(document.base[0]!.outputHash).toBe(same!.outputHash)
    // the points behave differently (the rules reach the accounts)
    expect(new Set([half!.outputHash, same!.outputHash, high!.outputHash]).size).toBe(3)

    const file = path.join(tempDir(), 'point.json')
    fs.writeFileSync(file, prepared.points[2]!.ruleSet!.body)
    const single = await prepareBacktest(
      runtime,
      { ruleSet: file, venue: V, markets: ['BTC'], ...window, positions: 'accounts' },
      { allowFiles: true },
    )
    const run = await executeBacktest(runtime, single, { runId: 'sweep-accounts-single' })
    expect(high!.outputHash).toBe(run.summary.outputHash)
    expect(high!.liquidations).toBe(run.summary.liquidations)
    expect(high!.risk.badDebt).toBe(run.summary.totalBadDebt)
  }, 180_000)
})
