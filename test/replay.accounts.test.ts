// Account reconstruction in the kernel: exact size units (thousands of random fills end flat where binary64 sums
// leave dust), margin mode and leverage per account·market, estimated fees, excluded accounts, shadow mode and
// divergence.
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { accountKey, type PositionSetup } from '../src/replay/kernel/accountReplay.ts'
import { allocBatch, EventKind, FillFlag, LedgerKind, pushEvent } from '../src/replay/kernel/events.ts'
import { LIQUIDATION_KINDS } from '../src/replay/kernel/outputs.ts'
import { barsBatch, flat, kernelWith, micros, rows, rulesFrom, SEC, T0 } from './support/replay.ts'

const HL = rulesFrom('hyperliquid')

/** A kernel with named accounts on BTC (Hyperliquid rules: 40x max, MMR 1.25%). */
function accountsKernel(
  accounts: Array<{ name: string; cross: boolean; wallet: number }>,
  setup: { decimals?: number; positions?: Map<number, PositionSetup>; excluded?: boolean[]; shadow?: boolean } = {},
) {
  const kernel = kernelWith(HL, ['BTC'], null)
  for (const a of accounts) kernel.addAccount(a.name, a.cross, micros(a.wallet))
  kernel.configureAccounts({
    sizeDecimals: [setup.decimals ?? 5],
    positions: setup.positions ?? new Map(),
    ...(setup.excluded ? { excluded: setup.excluded } : {}),
    feeRates: HL.accounts!.fillFees,
  })
  kernel.shadowMode = setup.shadow ?? false
  kernel.process(barsBatch(0, flat(0, 5, 100_000)))
  return kernel
}

function fills(list: Array<{ s: number; acc: number; price: number; units: number; fee?: number; flags?: number }>) {
  const batch = allocBatch(list.length)
  for (const f of list)
    pushEvent(batch, T0 + f.s * SEC, EventKind.FILL, 0, f.price, f.units, f.fee ?? 0, f.flags ?? 0, f.acc)
  return batch
}

const liquidations = (kernel: ReturnType<typeof accountsKernel>) => rows(kernel.outputs.liquidations)

describe('exact quantities', () => {
  test('thousands of random fills that net to zero leave every position flat (binary64 sums of them do not)', () => {
    let dusty = 0
    let runs = 0
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(
          fc.integer({ min: -50_000, max: 50_000 }).filter((x) => x !== 0),
          { minLength: 20, maxLength: 200 },
        ),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 20, maxLength: 200 }),
        (decimals, sizes, owners) => {
          runs++
          const n = Math.min(sizes.length, owners.length)
          const scale = 10 ** decimals
          const kernel = accountsKernel(
            [0, 1, 2, 3].map((i) => ({ name: `a${i}`, cross: i % 2 === 0, wallet: 1e9 })),
            { decimals },
          )
          // each account's fills, then the fill that closes what is left: the account ends flat
          const list: Array<{ s: number; acc: number; price: number; units: number }> = []
          const held = [0, 0, 0, 0]
          const asDouble = [0, 0, 0, 0]
          for (let i = 0; i < n; i++) {
            const acc = owners[i]!
            list.push({ s: 10 + i, acc, price: 100_000 + (i % 7), units: sizes[i]! })
            held[acc]! += sizes[i]!
            asDouble[acc]! += sizes[i]! / scale
          }
          for (let acc = 0; acc < 4; acc++) {
            if (held[acc] === 0) continue
            list.push({ s: 10 + n + acc, acc, price: 100_000, units: -held[acc]! })
            asDouble[acc]! += -held[acc]! / scale
          }
          if (asDouble.some((x) => x !== 0)) dusty++
          kernel.process(fills(list))
          expect(kernel.openPositions()).toBe(0)
          for (let acc = 0; acc < 4; acc++) expect(kernel.historicalUnits(acc, 0)).toBe(0)
          expect(kernel.totals.liquidations).toBe(0)
        },
      ),
      { numRuns: 60, seed: 42 },
    )
    // the same sizes summed as binary64 base quantities leave dust in many of the runs
    expect(dusty / runs).toBeGreaterThan(0.3)
  })

  test('a position closed in three fills of 0.1, 0.2 and 0.3 closes (0.1 + 0.2 − 0.3 ≠ 0 in binary64)', () => {
    expect(0.1 + 0.2 - 0.3).not.toBe(0)
    const kernel = accountsKernel([{ name: 'a', cross: true, wallet: 10_000 }], { decimals: 1 })
    kernel.process(
      fills([
        { s: 10, acc: 0, price: 100_000, units: 1 },
        { s: 11, acc: 0, price: 100_000, units: 2 },
        { s: 12, acc: 0, price: 100_000, units: -3 },
      ]),
    )
    expect(kernel.openPositions()).toBe(0)
    kernel.process(barsBatch(0, flat(20, 60, 1)))
    expect(kernel.totals.liquidations).toBe(0)
  })
})

describe('margin mode and leverage per account·market', () => {
  test('an isolated position posts notional / leverage; its liquidation leaves the rest of the wallet alone', () => {
    const positions = new Map([[accountKey(0, 0), { cross: false, leverage: 10 }]])
    const kernel = accountsKernel([{ name: 'iso', cross: true, wallet: 50_000 }], { positions })
    // 0.5 BTC at 100k isolated at 10x: 5,000 posted, 45,000 left in the wallet
    kernel.process(fills([{ s: 10, acc: 0, price: 100_000, units: 50_000 }]))
    expect(kernel.accounts.wallet[0]).toBe(micros(45_000))
    // liquidated below ≈ 100k × (1 − 0.1) / (1 − 0.0125) ≈ 91,139: at 91,000, not at 92,000
    kernel.process(barsBatch(0, flat(20, 5, 92_000)))
    expect(kernel.totals.liquidations).toBe(0)
    kernel.process(barsBatch(0, [[30, 91_000, 92_000, 91_000, 1e9]]))
    const liq = liquidations(kernel)
    expect(liq).toHaveLength(1)
    expect(liq[0]!.triggerMark).toBeCloseTo((100_000 * (1 - 0.1)) / (1 - 0.0125), 0)
    // the cross wallet only gets back what the isolated margin had left
    expect(kernel.accounts.wallet[0]).toBeGreaterThanOrEqual(micros(45_000))
    expect(kernel.accounts.wallet[0]).toBeLessThan(micros(45_000 + 600))
  })

  test('the same fill in cross mode has the whole wallet behind it and survives the same move', () => {
    const positions = new Map([[accountKey(0, 0), { cross: true, leverage: 10 }]])
    const kernel = accountsKernel([{ name: 'cross', cross: false, wallet: 50_000 }], { positions })
    kernel.process(fills([{ s: 10, acc: 0, price: 100_000, units: 50_000 }]))
    expect(kernel.accounts.wallet[0]).toBe(micros(50_000))
    kernel.process(barsBatch(0, flat(30, 5, 91_000)))
    expect(kernel.totals.liquidations).toBe(0)
  })

  test('one account, two modes: the isolated market is liquidated alone, the cross one keeps the wallet', () => {
    const kernel = kernelWith(HL, ['BTC', 'ETH'], null)
    kernel.addAccount('mixed', true, micros(20_000))
    kernel.configureAccounts({
      sizeDecimals: [5, 4],
      positions: new Map([
        [accountKey(0, 0), { cross: false, leverage: 20 }],
        [accountKey(0, 1), { cross: true, leverage: null }],
      ]),
    })
    const batch = allocBatch(16)
    pushEvent(batch, T0 + SEC, EventKind.BAR, 0, 100_000, 100_000, 100_000, 1e9)
    pushEvent(batch, T0 + SEC, EventKind.BAR, 1, 4_000, 4_000, 4_000, 1e9)
    pushEvent(batch, T0 + 2 * SEC, EventKind.FILL, 0, 100_000, 100_000, 0, 0, 0) // 1 BTC isolated 20x: 5,000 posted
    pushEvent(batch, T0 + 2 * SEC, EventKind.FILL, 1, 4_000, 10_000, 0, 0, 0) // 1 ETH cross
    pushEvent(batch, T0 + 3 * SEC, EventKind.BAR, 0, 94_000, 94_000, 94_000, 1e9) // the isolated BTC goes
    pushEvent(batch, T0 + 3 * SEC, EventKind.BAR, 1, 4_000, 4_000, 4_000, 1e9)
    kernel.process(batch)
    const liq = rows(kernel.outputs.liquidations)
    expect(liq.map((r) => r.market)).toEqual([0])
    expect(kernel.openPositions()).toBe(1)
    // the wallet kept its 15,000 (the ETH position is cross and untouched)
    expect(kernel.accounts.wallet[0]).toBeGreaterThanOrEqual(micros(15_000))
  })
})

describe('cash flows and accounts left out', () => {
  test('fills without a fee pay the schedule (maker or taker); fills with one pay theirs', () => {
    const kernel = accountsKernel([{ name: 'a', cross: true, wallet: 10_000 }])
    kernel.process(
      fills([
        { s: 10, acc: 0, price: 100_000, units: 10_000, flags: FillFlag.feeMissing | FillFlag.maker },
        { s: 11, acc: 0, price: 100_000, units: 10_000, flags: FillFlag.feeMissing | FillFlag.taker },
        { s: 12, acc: 0, price: 100_000, units: -20_000, fee: micros(3), flags: FillFlag.taker },
      ]),
    )
    // 10,000 notional each: maker 0.015% = 1.5, taker 0.045% = 4.5, then the fill's own 3
    expect(kernel.accounts.wallet[0]).toBe(micros(10_000 - 1.5 - 4.5 - 3))
    expect(kernel.accountStats.estimatedFees).toBe(2)
    expect(kernel.accountStats.estimatedFeeMicros.value).toBe(BigInt(micros(6)))
  })

  test('an excluded account (venue-internal) is never opened, so never liquidated', () => {
    const kernel = accountsKernel(
      [
        { name: 'hlp', cross: true, wallet: 0 },
        { name: 'user', cross: true, wallet: 0 },
      ],
      { excluded: [true, false] },
    )
    kernel.process(
      fills([
        { s: 10, acc: 0, price: 100_000, units: 5_000_000 },
        { s: 10, acc: 1, price: 100_000, units: 100_000 },
      ]),
    )
    kernel.process(barsBatch(0, flat(20, 5, 100_000)))
    expect(liquidations(kernel).map((r) => r.account)).toEqual([1])
    expect(kernel.accountStats.fillsOfExcludedAccounts).toBe(1)
  })

  test('ledger rows apply in order with fills at the same instant (a deposit at T funds a fill at T)', () => {
    const kernel = accountsKernel([{ name: 'a', cross: true, wallet: 0 }])
    const batch = allocBatch(4)
    pushEvent(batch, T0 + 10 * SEC, EventKind.LEDGER, 0, micros(5_000), LedgerKind.deposit, NaN, NaN, 0)
    pushEvent(batch, T0 + 10 * SEC, EventKind.FILL, 0, 100_000, 100_000, 0, 0, 0)
    kernel.process(batch)
    kernel.process(barsBatch(0, flat(20, 5, 100_000)))
    expect(kernel.totals.liquidations).toBe(0)
  })
})

describe('divergence and shadow mode', () => {
  const crash = () => barsBatch(0, flat(30, 5, 97_000))
  const open = fills([{ s: 10, acc: 0, price: 100_000, units: 100_000 }]) // 1 BTC on 2,000

  test('shadow mode records the liquidation once and keeps following the real fills', () => {
    const kernel = accountsKernel([{ name: 'a', cross: true, wallet: 2_000 }], { shadow: true })
    kernel.process(open)
    kernel.process(crash())
    const first = liquidations(kernel)
    expect(first).toHaveLength(1)
    expect(LIQUIDATION_KINDS[first[0]!.kind]).toBe('shadow')
    expect(kernel.openPositions()).toBe(1)
    // the real account keeps trading: the position follows, no stream of liquidations, and it has diverged
    kernel.process(fills([{ s: 40, acc: 0, price: 97_000, units: 50_000 }]))
    kernel.process(barsBatch(0, flat(50, 5, 96_000)))
    expect(liquidations(kernel)).toHaveLength(1)
    expect(kernel.book.qty[0]).toBeCloseTo(1.5, 12)
    expect(kernel.accountStats.divergences).toHaveLength(1)
    // flat in history: re-armed, a new position is checked again
    kernel.process(fills([{ s: 60, acc: 0, price: 96_000, units: -150_000 }]))
    expect(kernel.openPositions()).toBe(0)
  })

  test("the venue's own liquidation right after the engine's is a match, not a divergence", () => {
    const kernel = accountsKernel([{ name: 'a', cross: true, wallet: 2_000 }], { shadow: true })
    kernel.process(open)
    kernel.process(crash())
    const own = FillFlag.liquidation | FillFlag.ownLiquidation | FillFlag.taker
    kernel.process(fills([{ s: 36, acc: 0, price: 97_000, units: -100_000, flags: own }]))
    expect(kernel.accountStats.divergences).toHaveLength(0)
    expect(kernel.accountStats.venueLiquidationFills).toBe(1)
    expect(kernel.openPositions()).toBe(0)
  })

  test('applied mode: the account·market skips fills until its real position is flat again', () => {
    const kernel = accountsKernel([{ name: 'a', cross: true, wallet: 2_000 }])
    kernel.process(open)
    kernel.process(crash())
    expect(kernel.openPositions()).toBe(0)
    kernel.process(fills([{ s: 40, acc: 0, price: 97_000, units: 50_000 }]))
    expect(kernel.openPositions()).toBe(0)
    expect(kernel.totals.fillsSkippedDiverged).toBe(1)
    expect(kernel.accountStats.divergences).toHaveLength(1)
  })
})
