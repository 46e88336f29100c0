// The account dictionary of an account replay: the accounts that traded the replayed markets, indexed the same way
// in the warm-up before the window as inside it. An account first seen inside the window sorts among the others; if
// the warm-up indexed accounts as of the window's start, that account's arrival would shift the later accounts'
// indices and hand one account's pre-window deposit to another (the first-start demo's NaN wallets and outputs that
// changed with the other scenarios loaded). A small store: one hour of 1 s bars, three accounts. Costs ~2 s.
import { beforeAll, describe, expect, test } from 'vitest'
import { executeBacktest } from '../src/replay/backtest/execute.ts'
import { prepareBacktest } from '../src/replay/backtest/prepare.ts'
import { listReplayAccounts } from '../src/store/market/replayData.ts'
import { barsFromCloses, insertBars, insertFills, insertLedger } from './support/marketData.ts'
import { testRuntime } from './support/runtime.ts'

const runtime = await testRuntime()
const T0 = Date.UTC(2025, 7, 26) * 1000
const H = 3600e6
const V = 'hyperliquid'

beforeAll(async () => {
  // BTC drifts from 100 down 1.5 % over the hour
  const closes = Array.from({ length: 3_600 }, (_, i) => 100 * (1 - (0.015 * i) / 3_599))
  await insertBars(runtime.duck, V, 'BTC', 1, barsFromCloses(T0, closes, {}, 5e5))
  await insertLedger(runtime.duck, V, [
    // an account of another market (ledger only): nothing of this replay
    { tsUs: T0 - 3 * H, account: '0x000other', delta: '5000', kind: 'deposit' },
    // 0xbbb funds a 30x long before the window: 1,000 behind 30,000, which the 1.5 % drift leaves above maintenance
    { tsUs: T0 - 2 * H, account: '0xbbb', delta: '1000', kind: 'deposit' },
    // 0x0aa, sorted before 0xbbb, is first seen inside the window
    { tsUs: T0 + 0.1 * H, account: '0x0aa', delta: '10000', kind: 'deposit' },
  ])
  await insertFills(runtime.duck, V, [
    { tsUs: T0 - H, account: '0xbbb', market: 'BTC', side: 'buy', price: '100', qty: '300' },
    { tsUs: T0 + 0.2 * H, account: '0x0aa', market: 'BTC', side: 'buy', price: '99.9', qty: '10' },
  ])
}, 60_000)

describe('the account dictionary of an account replay', () => {
  test('holds the accounts that traded the markets, whatever else the venue holds', async () => {
    expect(await listReplayAccounts(runtime.duck, V, ['BTC'], T0 + H)).toEqual(['0x0aa', '0xbbb'])
  })

  test("the warm-up credits each account its own deposits: an account first seen in the window shifts nobody's", async () => {
    const prepared = await prepareBacktest(
      runtime,
      {
        ruleSet: 'hyperliquid',
        venue: V,
        markets: ['BTC'],
        from: new Date(T0 / 1000),
        to: new Date((T0 + H) / 1000),
        positions: 'accounts',
        mode: 'cross',
      },
      { allowFiles: false },
    )
    const run = await executeBacktest(runtime, prepared, { runId: 'account-dictionary' })
    // with 0xbbb's deposit handed to 0x0aa, 0xbbb would enter the window with no wallet and be liquidated at once
    expect(run.summary.liquidations).toBe(0)
    expect(run.summary.positionsOpened).toBe(2)
  }, 60_000)
})
