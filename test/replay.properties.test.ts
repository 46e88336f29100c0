// Property tests over random price paths, positions and presets: equity is never negative without a deficit record,
// value is conserved exactly (what the liquidated lose = what the market, fund, fee recipients, ADL counterparties and
// socialized loss receive), a higher MMR never liquidates fewer accounts on the same path, and replays are
// deterministic.
import crypto from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import type { ReplayKernel } from '../src/replay/kernel/engine.ts'
import { allocBatch, EventKind, pushEvent } from '../src/replay/kernel/events.ts'
import { PosState } from '../src/replay/kernel/book.ts'
import { populationRuntime, populationSchema } from '../src/replay/kernel/population.ts'
import { findPreset } from '../src/replay/rules/presets/index.ts'
import { kernelWith, PRESET_MARKET, rows, rulesFrom, SEC, T0 } from './support/replay.ts'

const MARKET = PRESET_MARKET

const step = fc.record({
  dt: fc.integer({ min: 1, max: 40 }),
  ret: fc.double({ min: -0.08, max: 0.08, noNaN: true }),
  ret2: fc.double({ min: -0.08, max: 0.08, noNaN: true }),
  wick: fc.double({ min: 0, max: 0.05, noNaN: true }),
  funding: fc.option(fc.double({ min: -0.003, max: 0.003, noNaN: true }), { freq: 8 }),
})

const position = fc.record({
  side: fc.constantFrom('long' as const, 'short' as const),
  leverage: fc.double({ min: 1.5, max: 80, noNaN: true }),
  notional: fc.double({ min: 200, max: 3_000_000, noNaN: true }),
  cross: fc.boolean(),
})

const scenario = fc.record({
  preset: fc.constantFrom(...Object.keys(MARKET)),
  /** How liquidations fill: at the trigger or along the bar's path, with a legacy slippage or the impact model. */
  execution: fc.constantFrom<Record<string, unknown>>(
    { 'execution.impact': null, 'execution.intrabar.path': 'trigger', 'execution.slippage': { model: 'none' } },
    { 'execution.impact': null, 'execution.slippage': { model: 'fixed', fraction: 0.01 } },
    {
      'execution.impact': null,
      'execution.slippage': { model: 'sqrtVolume', coefficient: 0.01, maxFraction: 0.2, volumeWindowS: 60 },
    },
    {},
    { 'execution.impact.coefficient': 20, 'execution.intrabar.reactionS': 5 },
  ),
  fund: fc.constantFrom('0', '5000', '1000000'),
  /** A per-block loss cap small enough to bind, or the preset's own (dYdX $1M, others none). */
  blockCap: fc.constantFrom<object | undefined>(undefined, { amount: '2000', blockS: 1 }),
  path: fc.array(step, { minLength: 10, maxLength: 120 }),
  positions: fc.array(position, { minLength: 2, maxLength: 25 }),
  /** Cross accounts with a position in each of two markets (checked as one account). */
  spread: fc.array(fc.record({ a: position, b: position }), { maxLength: 6 }),
})

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never

function build(sc: Scenario, overrides: Record<string, unknown> = {}, seed = 1, withSpread = true) {
  const market = MARKET[sc.preset]!
  const second = `${market}-2`
  const rules = rulesFrom(sc.preset, {
    ...sc.execution,
    'insuranceFund.initialBalance': sc.fund,
    ...(sc.blockCap ? { 'insuranceFund.blockLossCap': sc.blockCap } : {}),
    ...overrides,
  })
  const spread = (withSpread ? sc.spread : []).map((x, i) => ({
    id: `x${i}`,
    mode: 'cross' as const,
    wallet: ((x.a.notional / x.a.leverage + x.b.notional / x.b.leverage) / 2).toFixed(6),
    positions: [
      { market, side: x.a.side, qty: x.a.notional / 100, entry: 100 },
      { market: second, side: x.b.side, qty: x.b.notional / 100, entry: 100 },
    ],
  }))
  const accounts = sc.positions.map((p, i) => {
    const qty = p.notional / 100
    const margin = (p.notional / p.leverage).toFixed(6)
    return p.cross
      ? { id: `a${i}`, mode: 'cross' as const, wallet: margin, positions: [{ market, side: p.side, qty, entry: 100 }] }
      : { id: `a${i}`, mode: 'isolated' as const, positions: [{ market, side: p.side, qty, entry: 100, margin }] }
  })
  return kernelWith(rules, [market, second], { accounts: [...accounts, ...spread] }, { seed })
}

/** The path as single-event batches (so invariants can be checked after every event). */
function* events(sc: Scenario) {
  let t = 0
  const price = [100, 100]
  const one = () => allocBatch(1)
  for (const m of [0, 1]) {
    let b = one()
    pushEvent(b, T0, EventKind.ORACLE, m, 100)
    yield b
    b = one()
    pushEvent(b, T0, EventKind.BAR, m, 100, 100, 100, 5e5)
    yield b
  }
  for (const s of sc.path) {
    t += s.dt
    for (const m of [0, 1]) {
      const prev = price[m]!
      const close = Math.max(prev * (1 + (m === 0 ? s.ret : s.ret2)), 1e-3)
      const low = Math.min(prev, close) * (1 - s.wick)
      const high = Math.max(prev, close) * (1 + s.wick / 2)
      let b = one()
      pushEvent(b, T0 + t * SEC, EventKind.ORACLE, m, close)
      yield b
      b = one()
      pushEvent(b, T0 + t * SEC, EventKind.BAR, m, low, high, close, 5e5)
      yield b
      if (s.funding !== null) {
        b = one()
        pushEvent(b, T0 + t * SEC, EventKind.FUNDING, m, s.funding, Number.NaN, 8)
        yield b
      }
      price[m] = close
    }
  }
}

/** Open positions (or multi-market accounts) with negative equity at the mark that no deficit row records. */
function silentNegatives(k: ReplayKernel): number[] {
  const b = k.book
  const bad: number[] = []
  for (let p = 0; p < b.extent; p++) {
    if (b.state[p] !== PosState.OPEN || b.negativeRecorded[p] === 1) continue
    const s = k.markets[b.market[p]!]!
    if (Number.isNaN(s.mark)) continue
    const acc = b.account[p]!
    if (acc >= 0 && k.accounts.multi[acc] === 1) {
      // a multi-market cross account: its equity over every position
      let equity = k.accounts.wallet[acc]!
      for (let q = k.accounts.head[acc]!; q >= 0; q = b.nextInAccount[q]!) {
        equity += Math.round(b.side[q]! * b.qty[q]! * (k.markets[b.market[q]!]!.mark - b.entry[q]!) * 1e6)
      }
      if (equity < -2) bad.push(p)
      continue
    }
    const collateral = acc >= 0 && k.accounts.cross[acc] === 1 ? k.accounts.wallet[acc]! : b.margin[p]!
    const equity = collateral + Math.round(b.side[p]! * b.qty[p]! * (s.mark - b.entry[p]!) * 1e6)
    if (equity < -1) bad.push(p)
  }
  return bad
}

function conservationErrors(k: ReplayKernel): string[] {
  const errors: string[] = []
  const liqs = rows(k.outputs.liquidations)
  const deficits = rows(k.outputs.deficits)
  const fund = rows(k.outputs.fund)
  const adl = rows(k.outputs.adl)
  const social = rows(k.outputs.social)
  const sum = (xs: number[]) => xs.reduce((a, x) => a + BigInt(x), 0n)
  for (const l of liqs) {
    if (l.kind === 1) continue // a clip: what stays with the position is `returned`
    const split = BigInt(l.slippage) + BigInt(l.fee) + BigInt(l.surplus) + BigInt(l.returned) - BigInt(l.shortfall)
    if (split !== BigInt(l.equity)) errors.push(`liquidation ${l.seq}: equity ${l.equity} ≠ ${split}`)
  }
  for (const d of deficits.filter((x) => x.kind === 0)) {
    const covered = BigInt(d.fund) + BigInt(d.feePool) + BigInt(d.adl) + BigInt(d.socialized) + BigInt(d.uncovered)
    if (covered !== BigInt(d.shortfall)) errors.push(`deficit ${d.seq}: ${d.shortfall} ≠ ${covered}`)
  }
  const shortfalls = deficits.filter((x) => x.kind === 0)
  if (sum(liqs.map((l) => l.shortfall)) !== sum(shortfalls.map((d) => d.shortfall))) errors.push('Σ shortfall differs')
  if (sum(shortfalls.map((d) => d.fund)) !== -sum(fund.filter((f) => f.reason === 3).map((f) => f.delta)))
    errors.push('fund payouts differ')
  if (sum(shortfalls.map((d) => d.adl)) !== sum(adl.filter((a) => a.liquidationSeq >= 0).map((a) => a.covered)))
    errors.push('ADL cover differs')
  if (sum(shortfalls.map((d) => d.socialized)) !== sum(social.map((s) => s.amount))) errors.push('socialized differs')
  if (sum(liqs.map((l) => l.feeToFund)) !== sum(fund.filter((f) => f.reason === 1).map((f) => f.delta)))
    errors.push('fees to fund differ')
  if (sum(liqs.map((l) => l.surplus)) !== sum(fund.filter((f) => f.reason === 2).map((f) => f.delta)))
    errors.push('surplus differs')
  k.funds.names.forEach((_, i) => {
    const moves = fund.filter((f) => f.fund === i)
    const final = BigInt(k.funds.initial[i]!) + sum(moves.map((f) => f.delta))
    if (final !== BigInt(k.funds.balance[i]!)) errors.push(`fund ${i}: ${final} ≠ ${k.funds.balance[i]}`)
    if (moves.length && moves.at(-1)!.balance !== k.funds.balance[i]) errors.push(`fund ${i} series ends off balance`)
  })
  const t = k.totals
  if (
    t.shortfall.value !==
    t.coveredByFund.value + t.coveredByFeePool.value + t.coveredByAdl.value + t.socialized.value + t.badDebt.value
  ) {
    errors.push('totals do not add up')
  }
  if (t.shortfall.value !== sum(shortfalls.map((d) => d.shortfall)))
    errors.push('total shortfall differs from the deficit rows')
  return errors
}

describe('properties', () => {
  test('equity never negative without a deficit record; value is conserved exactly', () => {
    fc.assert(
      fc.property(scenario, (sc) => {
        const k = build(sc)
        for (const batch of events(sc)) {
          k.process(batch)
          const bad = silentNegatives(k)
          if (bad.length) throw new Error(`silent negative equity for positions ${bad.join(', ')} at ${k.now}`)
        }
        const errors = conservationErrors(k)
        if (errors.length) throw new Error(errors.join('\n'))
      }),
      { numRuns: 150, seed: 20251010 },
    )
  })

  test('a higher MMR never liquidates fewer accounts on the same path (independent positions)', () => {
    fc.assert(
      fc.property(
        scenario.filter((sc) => sc.preset === 'binance-um' || sc.preset === 'okx' || sc.preset === 'bybit'),
        fc.double({ min: 1, max: 1.9, noNaN: true }),
        (sc, factor) => {
          // a fund that covers everything and no clips: positions do not interact
          const base = {
            'insuranceFund.initialBalance': '1000000000',
            'insuranceFund.takeoverNotionalCap': null,
            'execution.partial': null,
          }
          const rules = findPreset(sc.preset).rules
          const tier = rules.margin.markets[MARKET[sc.preset]!] ?? rules.margin.default
          const scaled = tier.brackets.map((b) => ({ ...b, imr: b.imr ?? 1 / b.maxLeverage, mmr: b.mmr * factor }))
          const liquidated = (overrides: Record<string, unknown>) => {
            const k = build(sc, { ...base, ...overrides }, 1, false)
            for (const batch of events(sc)) k.process(batch)
            return new Set(rows(k.outputs.liquidations).map((l) => l.account))
          }
          const low = liquidated({})
          const high = liquidated({
            [`margin.${rules.margin.markets[MARKET[sc.preset]!] ? `markets.${MARKET[sc.preset]}` : 'default'}.brackets`]:
              scaled,
          })
          for (const a of low)
            if (!high.has(a)) throw new Error(`account ${a} liquidated at MMR×1 but not at MMR×${factor}`)
        },
      ),
      { numRuns: 100, seed: 7 },
    )
  })
})

describe('determinism', () => {
  function hashOutputs(k: ReplayKernel): string {
    const h = crypto.createHash('sha256')
    for (const buffer of [
      k.outputs.liquidations,
      k.outputs.deficits,
      k.outputs.fund,
      k.outputs.adl,
      k.outputs.social,
      k.outputs.guardrails,
    ]) {
      for (const n of buffer.names)
        h.update(new Uint8Array((buffer.cols as Record<string, Float64Array>)[n]!.buffer, 0, buffer.length * 8))
    }
    return h.digest('hex')
  }

  function run(seed: number) {
    const rules = rulesFrom('dydx-v4', { 'insuranceFund.initialBalance': '0', 'fees.liquidationFeeRate': 0 })
    const pop = populationRuntime(
      populationSchema.parse({ initialPositions: 3_000, meanHoldingHours: 0.5, leverageMax: 40 }),
      [5e5],
    )
    const k = kernelWith(rules, ['BTC-USD'], null, { seed, population: pop })
    const b = allocBatch(20_000)
    let price = 100
    let x = seed
    for (let i = 0; i < 20_000; i++) {
      // a fixed pseudo-random walk with crashes, so liquidations, deficits and deleveraging all happen
      x = (Math.imul(x, 1103515245) + 12345) >>> 0
      const r = ((x >>> 8) / 2 ** 24 - 0.5) * 0.004 + (i % 4000 === 3999 ? -0.12 : 0)
      const close = price * (1 + r)
      pushEvent(b, T0 + i * SEC, EventKind.BAR, 0, Math.min(price, close) * 0.998, Math.max(price, close), close, 5e5)
      price = close
    }
    k.process(b)
    return k
  }

  test('identical inputs and seed give byte-identical outputs; another seed gives another population', () => {
    const a = run(42)
    const b = run(42)
    expect(a.totals.liquidations).toBeGreaterThan(100)
    expect(a.totals.adlFills).toBeGreaterThan(0)
    expect(hashOutputs(a)).toBe(hashOutputs(b))
    expect(hashOutputs(run(43))).not.toBe(hashOutputs(a))
    expect(conservationErrors(a)).toEqual([])
  })
})
