// A report's stored headline is checked as it leaves the metadata store: run and sweep headlines pass as they are
// written, a row that holds something else is an error naming the report and the field.
import { describe, expect, test } from 'vitest'
import { parseStoredHeadline } from '../src/report/storedHeadline.ts'

const runHeadline = {
  liquidations: 12,
  liquidatedNotional: '1234.500000',
  bankruptcies: 1,
  totalBadDebt: '10.000000',
  fundLow: '990.000000',
  maxFundDrawdown: '10.000000',
  maxFundDrawdownFraction: 0.01,
  adlFills: 0,
  timeToFirstDeficitSeconds: 3600,
}

describe('stored report headlines', () => {
  test("a run's headline and a sweep's (no drawdown fraction, no first deficit) read back unchanged", () => {
    expect(parseStoredHeadline(runHeadline, 'r1')).toEqual(runHeadline)
    const sweep = { ...runHeadline, maxFundDrawdownFraction: null, timeToFirstDeficitSeconds: null }
    expect(parseStoredHeadline(sweep, 'r2')).toEqual(sweep)
    const { maxFundDrawdownFraction: _dropped, ...older } = runHeadline
    expect(parseStoredHeadline(older, 'r3').maxFundDrawdownFraction).toBeUndefined()
  })

  test('anything else is refused with the report id and the field', () => {
    expect(() => parseStoredHeadline({ ...runHeadline, totalBadDebt: 10 }, 'r4')).toThrow(/report r4: .*totalBadDebt/)
    expect(() => parseStoredHeadline(null, 'r5')).toThrow(/report r5: its stored headline is not a report headline/)
  })
})
