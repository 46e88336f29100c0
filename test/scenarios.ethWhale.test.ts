// eth-whale-withdrawal's whale withdraws unrealized profit, as in the incident: the rally it rides from its build to
// its withdrawal leaves the mid at the withdrawal above its average entry whatever the path did meanwhile.
import { describe, expect, test } from 'vitest'
import { rallyToWithdraw, WHALE_MIN_PROFIT } from '../src/ingest/scenarios/ethWhaleWithdrawal.ts'
import { addOverlay, generatePath, ramp } from '../src/ingest/scenarios/pricePath.ts'
import { Rng } from '../src/ingest/scenarios/random.ts'

const FROM = Date.UTC(2025, 2, 11)
const AT = { buildStart: 80_000, buildEnd: 87_000, buildLift: 0.01, withdrawEnd: 92_000 }
const WITHDRAW_START = 91_000

/** Log-return from the build's average log mid to the withdrawal, after the rally and the lift are overlaid. */
function profitAfterRally(fall: number, seed: number): { rally: number; profit: number } {
  const path = generatePath(Rng.stream(seed, 'whale-test/path'), FROM, 36 * 3600, {
    startPrice: 1900,
    dailyVol: 0.035,
    jumpsPerDay: 0.5,
  })
  // the market falls by `fall` between the build and the withdrawal, before the rally is sized
  addOverlay(path, (s) => -fall * ramp(s, AT.buildEnd, AT.withdrawEnd))
  const rally = rallyToWithdraw(path, Rng.stream(seed, 'whale-test/rally'), AT)
  addOverlay(path, (s) => Math.log(1 + AT.buildLift * ramp(s, AT.buildStart, AT.buildEnd)))
  addOverlay(path, (s) => rally * ramp(s, AT.buildEnd, WITHDRAW_START))
  let sum = 0
  for (let s = AT.buildStart; s < AT.buildEnd; s++) sum += path.logMid[s]!
  return { rally, profit: path.logMid[AT.withdrawEnd]! - sum / (AT.buildEnd - AT.buildStart) }
}

describe('eth-whale-withdrawal: the whale has profit to withdraw', () => {
  test('a market that fell 4 % after the build still leaves the whale WHALE_MIN_PROFIT up at its withdrawal', () => {
    for (const seed of [5, 6, 7]) {
      const { rally, profit } = profitAfterRally(0.04, seed)
      expect(rally).toBeGreaterThan(0.03)
      expect(profit).toBeGreaterThanOrEqual(WHALE_MIN_PROFIT - 1e-3)
    }
  })

  test('a market that rose on its own gets only the drawn 1–3 % rally', () => {
    const { rally, profit } = profitAfterRally(-0.05, 5)
    expect(rally).toBeGreaterThanOrEqual(0.01)
    expect(rally).toBeLessThanOrEqual(0.03)
    expect(profit).toBeGreaterThan(0.05)
  })
})
