// The human text summary of `backstop backtest` names the price streams the run used per market (the mark and where
// it came from, the oracle, the index) and says plainly when a mark method fell back for lack of data. Pure: built
// from stored summaries, no store and no replay (milliseconds).
import { describe, expect, test } from 'vitest'
import { backtestText } from '../src/cli/commands/backtest.ts'
import type { BacktestTimings } from '../src/replay/backtest/execute.ts'
import { markFallbackIn, markFallbackWarning } from '../src/replay/backtest/plan.ts'
import { priceStreamLines } from '../src/replay/backtest/priceStreamsText.ts'
import type { BacktestSummary } from '../src/replay/backtest/summary.ts'

type Prices = BacktestSummary['prices']

describe('price streams in words', () => {
  test("Binance's computed mark names its index and bars; no fallback line when nothing fell back", () => {
    const prices: Prices = [
      { market: 'BTCUSDT', markMethod: 'medianFundingBasis', bars: '1s trades', streams: ['index:binance-um@10s'] },
    ]
    expect(priceStreamLines({ prices, warnings: [] })).toEqual([
      [
        'prices BTCUSDT',
        'mark: computed (medianFundingBasis) from the index, binance-um (10 s), and the last trade price (1 s trades bars)',
      ],
      ['', 'oracle: none used; index: binance-um (10 s)'],
    ])
  })

  test('a method that fell back says which it wanted, what it needed and what it used instead', () => {
    const warning = markFallbackWarning('BTCUSDT', 'medianFundingBasis', 'last')
    expect(markFallbackIn([warning], 'BTCUSDT')).toEqual({ wanted: 'medianFundingBasis', method: 'last' })
    // another market's fallback (whose name starts the same) is not this one's
    expect(markFallbackIn([warning], 'BTC')).toBeNull()
    const prices: Prices = [{ market: 'BTCUSDT', markMethod: 'last', bars: '60s klines', streams: [] }]
    expect(priceStreamLines({ prices, warnings: ['something else', warning] })).toEqual([
      ['prices BTCUSDT', 'mark: last trade price (60 s klines bars)'],
      ['', 'oracle: none used; index: none used'],
      [
        '',
        "fallback: the rule set's medianFundingBasis mark needs index prices, which the store does not have in the window: the mark was last instead",
      ],
    ])
  })

  test('oracleEmaBasis without an oracle stream says its reference fell back to the last trade; with one it does not', () => {
    const without: Prices = [{ market: 'ETH', markMethod: 'oracleEmaBasis', bars: '1s trades', streams: [] }]
    expect(priceStreamLines({ prices: without, warnings: [] })).toEqual([
      ['prices ETH', 'mark: computed (oracleEmaBasis) from the last trade price alone (1 s trades bars)'],
      ['', 'oracle: none used; index: none used'],
      [
        '',
        'fallback: oracleEmaBasis had no oracle stream: its oracle reference fell back to the last trade price, so the mark was the last trade price',
      ],
    ])
    const withOracle: Prices = [
      { market: 'ETH', markMethod: 'oracleEmaBasis', bars: '1s trades', streams: ['oracle:hyperliquid@3s'] },
    ]
    expect(priceStreamLines({ prices: withOracle, warnings: [] })).toEqual([
      [
        'prices ETH',
        'mark: computed (oracleEmaBasis) from the oracle, hyperliquid (3 s), and the last trade price (1 s trades bars)',
      ],
      ['', 'oracle: hyperliquid (3 s); index: none used'],
    ])
  })

  test('proxied streams name their venue, market and what they were stored as', () => {
    const prices: Prices = [
      {
        market: 'ETH',
        markMethod: 'published',
        bars: null,
        streams: ['mark:binance-um/ETHUSDT bars:trades@1s', 'oracle:chainlink/ETH/USD oracle:chainlink'],
        proxies: [
          { kind: 'mark', venue: 'binance-um', market: 'ETHUSDT', stored: 'bars', source: 'trades', intervalS: 1 },
          {
            kind: 'oracle',
            venue: 'chainlink',
            market: 'ETH/USD',
            stored: 'oracle',
            source: 'chainlink',
            intervalS: null,
          },
        ],
      },
    ]
    expect(priceStreamLines({ prices, warnings: [] })).toEqual([
      ['prices ETH', "mark: published mark, proxy binance-um ETHUSDT 1 s trades bars' close"],
      ['', 'oracle: proxy chainlink ETH/USD oracle (chainlink, ticks); index: none used'],
    ])
  })

  test('the CLI text carries the lines under the mode line, labels padded like every other figure', () => {
    const summary = {
      stress: { label: 'fidelity replay' },
      prices: [{ market: 'ETH', markMethod: 'oracleEmaBasis', bars: '1s trades', streams: [] }],
      eventsReplayed: 10,
      positionsOpened: 1,
      maxOpenPositions: 1,
      liquidations: 0,
      partialLiquidations: 0,
      liquidatedNotional: '0',
      bankruptcies: 0,
      totalShortfall: '0',
      coveredByFund: '0',
      coveredByFeePool: '0',
      coveredByAdl: '0',
      socializedLoss: '0',
      totalBadDebt: '0',
      fund: { initial: '1', final: '1', maxDrawdown: '0', maxDrawdownFraction: 0 },
      adlFills: 0,
      guardrailTriggers: {},
      firstDeficitAt: null,
      distanceToFailure: { text: 'far' },
      outputHash: 'abc',
      warnings: ['a warning'],
    } as unknown as BacktestSummary
    const text = backtestText({
      runId: 'r1',
      status: 'succeeded',
      error: null,
      ruleSet: 'hyperliquid@2025-03-12',
      ruleSetHash: 'h',
      summary,
      timings: { totalMs: 1000, eventsPerSecond: 10 } as BacktestTimings,
    }).split('\n')
    const at = text.findIndex((l) => l.startsWith('mode'))
    expect(text.slice(at + 1, at + 4)).toEqual([
      'prices ETH         mark: computed (oracleEmaBasis) from the last trade price alone (1 s trades bars)',
      '                   oracle: none used; index: none used',
      '                   fallback: oracleEmaBasis had no oracle stream: its oracle reference fell back to the last trade price, so the mark was the last trade price',
    ])
    expect(text.at(-1)).toBe('warning: a warning')
  })
})
