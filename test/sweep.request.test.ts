// Sweep requests: every kind of bad input is refused at submission with the path, the value received and what is
// valid, and nothing is recorded; a point whose values are each valid but whose rule set is not is reported as
// skipped with its problems; grid and Latin-hypercube points; a sweep run's results are stored whole and served.
import { beforeAll, describe, expect, test } from 'vitest'
import { jobRegistry } from '../jobs/registry.ts'
import { RunManager } from '../jobs/runManager.ts'
import { InvalidInputError } from '../src/errors.ts'
import { parseAxis, type Axis } from '../src/replay/sweep/axes.ts'
import { executeSweep, type SweepDocument } from '../src/replay/sweep/execute.ts'
import { gridPoints, latinHypercubePoints } from '../src/replay/sweep/points.ts'
import { prepareSweep } from '../src/replay/sweep/prepare.ts'
import { readAllSweepPoints, readSweepDocument, readSweepPoints } from '../src/store/results/sweepResults.ts'
import { barsFromCloses, insertBars } from './support/marketData.ts'
import { testRuntime } from './support/runtime.ts'

const runtime = await testRuntime()
const runs = new RunManager(runtime, jobRegistry)
const T0 = Date.UTC(2025, 9, 10)
const iso = (ms: number) => new Date(ms).toISOString()

beforeAll(async () => {
  // an hour of 1 s bars with a −8% minute in the middle
  const closes: number[] = []
  let p = 60_000
  for (let i = 0; i < 3_600; i++) {
    if (i >= 1_800 && i < 1_860) p *= 0.9986
    closes.push(p)
  }
  await insertBars(runtime.duck, 'sweepv', 'BTCUSDT', 1, barsFromCloses(T0 * 1000, closes, {}, 2e6))
})

const request = (extra: Record<string, unknown> = {}) => ({
  ruleSet: 'binance-um',
  venue: 'sweepv',
  markets: ['BTCUSDT'],
  windows: [{ from: iso(T0), to: iso(T0 + 3_600_000) }],
  positions: 'synthetic',
  population: { initialPositions: 500 },
  vary: ['maintenanceScale=1,1.5'],
  ...extra,
})

/** The problems of a refused submission; and no run was recorded for it. */
async function refused(extra: Record<string, unknown>) {
  const before = await runtime.meta.jobRun.count()
  const error = await runs.submit('sweep', request(extra), { trigger: 'api' }).catch((e: unknown) => e)
  expect(error).toBeInstanceOf(InvalidInputError)
  expect(await runtime.meta.jobRun.count()).toBe(before)
  return (error as InvalidInputError).problems
}

describe('bad sweep input is refused before any run exists', () => {
  test('an axis path the rule-set schema does not have', async () => {
    const [p] = await refused({ vary: ['margin.default.brackets[0].mmx=0.01'] })
    expect(p).toMatchObject({ path: 'vary[0] margin.default.brackets[0].mmx', received: 'mmx' })
    expect(p!.expected).toContain('mmr')
    const [q] = await refused({ vary: ['nonsense=1,2'] })
    expect(q).toMatchObject({ path: 'vary[0] nonsense', received: 'nonsense' })
    expect(q!.expected).toContain('margin')
  })

  test('a value that makes the rule set invalid names the path, the value and why', async () => {
    const problems = await refused({ vary: ['margin.default.brackets[0].mmr=0.004,0.009'] })
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatchObject({ path: 'vary[0] margin.default.brackets[0].mmr', received: 0.009 })
    expect(problems[0]!.expected).toContain('initial margin rate')
    // maintenanceScale 2.5 puts some bracket's mmr at or above its imr
    const [s] = await refused({ vary: ['maintenanceScale=1,2.5'] })
    expect(s).toMatchObject({ path: 'vary[0] maintenanceScale', received: 2.5 })
  })

  test('an empty range, a step that is not positive, an empty value', async () => {
    expect(await refused({ vary: ['maintenanceScale=1.4..0.8:0.2'] })).toEqual([
      {
        path: 'vary[0] maintenanceScale',
        received: '1.4..0.8:0.2',
        expected: 'a non-empty range: TO at least FROM (1.4)',
      },
    ])
    const [step] = await refused({ vary: ['fees.liquidationFeeRate=0..0.01:0'] })
    expect(step).toMatchObject({ received: '0..0.01:0', expected: 'a range FROM..TO:STEP with a positive STEP' })
    const [empty] = await refused({ vary: ['fees.liquidationFeeRate=0.01,,0.02'] })
    expect(empty).toMatchObject({ path: 'vary[0] fees.liquidationFeeRate', received: '0.01,,0.02' })
  })

  test('a negative budget', async () => {
    const [p] = await refused({ budget: '-5' })
    expect(p).toMatchObject({ path: 'budget', received: '-5' })
    expect(p!.expected).toContain('non-negative')
  })

  test('more points than the maximum, as a grid or as a sample', async () => {
    const [grid] = await refused({
      vary: ['maintenanceScale=1..1.5:0.1', 'fees.liquidationFeeRate=0.001,0.002'],
      maxPoints: 10,
    })
    expect(grid).toMatchObject({ path: 'vary', received: '12 points (6 × 2)' })
    expect(grid!.expected).toContain('at most maxPoints = 10')
    const [sample] = await refused({ samples: 300 })
    expect(sample).toMatchObject({ path: 'samples', received: 300, expected: 'at most maxPoints (256)' })
    const [ceiling] = await refused({ maxPoints: 5000 })
    expect(ceiling).toMatchObject({ path: 'maxPoints', received: 5000 })
  })

  test('an unknown positions source, the same path on two axes, and a window that ends before it starts', async () => {
    const [positions] = await refused({ positions: 'everyone' })
    expect(positions).toMatchObject({ path: 'positions', received: 'everyone' })
    expect(positions!.expected).toContain('accounts')
    expect((await refused({ vary: ['maintenanceScale=1', 'maintenanceScale=2'] }))[0]).toMatchObject({
      path: 'vary',
      received: 'maintenanceScale',
    })
    const [w] = await refused({ windows: [{ from: iso(T0 + 1000), to: iso(T0) }] })
    expect(w).toMatchObject({ path: 'windows[0].to' })
  })
})

describe('points', () => {
  const axis = (path: string, values: unknown[]): Axis => ({ path, special: null, values })

  test('a grid is every combination, the last axis fastest', () => {
    expect(gridPoints([axis('a', [1, 2]), axis('b', ['x', 'y', 'z'])])).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      [1, 0],
      [1, 1],
      [1, 2],
    ])
  })

  test('a Latin-hypercube sample uses each stratum of each axis once and depends only on the seed', () => {
    const axes = [
      axis(
        'a',
        Array.from({ length: 20 }, (_, i) => i),
      ),
      axis(
        'b',
        Array.from({ length: 20 }, (_, i) => i),
      ),
    ]
    const sample = latinHypercubePoints(axes, 20, 7)
    expect(sample).toHaveLength(20)
    for (const a of [0, 1]) expect(new Set(sample.map((p) => p[a])).size).toBe(20)
    expect(latinHypercubePoints(axes, 20, 7)).toEqual(sample)
    expect(latinHypercubePoints(axes, 20, 8)).not.toEqual(sample)
  })

  test('ranges are exact decimals', () => {
    const problems: never[] = []
    expect(parseAxis('maintenanceScale=0.8..1.4:0.2', 'vary[0]', problems)!.values).toEqual([0.8, 1, 1.2, 1.4])
    expect(parseAxis('fees.liquidationFeeRate=0.001..0.003:0.001', 'vary[0]', problems)!.values).toEqual([
      0.001, 0.002, 0.003,
    ])
    expect(problems).toEqual([])
  })
})

describe('a sweep run', () => {
  test('a point whose rule set is invalid as a whole is skipped with its problems; the rest run and are stored', async () => {
    // mmr 0.0045 is valid with the base's imr 0.008, imr 0.0045 with the base's mmr 0.004, but not together
    const input = request({
      vary: ['margin.default.brackets[0].mmr=0.004,0.0045', 'margin.default.brackets[0].imr=0.008,0.0045'],
    })
    const prepared = await prepareSweep(runtime, input, { allowFiles: false })
    expect(prepared.points.map((p) => p.skipped === null)).toEqual([true, true, true, false])
    expect(prepared.points[3]!.skipped![0]).toMatchObject({ path: 'margin.default.brackets[0].mmr', received: 0.0045 })

    const submitted = await runs.submit('sweep', input, { trigger: 'api' })
    const result = await submitted.done
    expect(result.status).toBe('succeeded')
    const stored = await runtime.meta.jobRun.findUniqueOrThrow({ where: { id: submitted.runId } })
    expect([stored.kind, stored.job]).toEqual(['sweep', 'sweep'])
    const head = JSON.parse((await readSweepDocument(runtime, submitted.runId))!) as SweepDocument
    expect(head.frontier.length).toBeGreaterThan(0)
    const points = (await readAllSweepPoints(runtime.duck, submitted.runId)).map((p) => JSON.parse(p))
    expect(points.map((p) => p.status)).toEqual(['evaluated', 'evaluated', 'evaluated', 'skipped'])
    expect(points[3].problems[0]).toMatchObject({ path: 'margin.default.brackets[0].mmr', received: 0.0045 })
    // a page of points, filtered
    const page = await readSweepPoints(runtime, submitted.runId, {
      first: 2,
      after: null,
      filter: { status: { equals: 'evaluated' } },
      orderBy: [],
    })
    expect(page.rows.map((r) => r.index)).toEqual([0, 1])
    expect(page.hasNextPage).toBe(true)
    expect(await page.totalCount()).toBe(3)
  }, 120_000)

  test('a sweep run reports progress over its points and, cancelled while replaying, keeps nothing', async () => {
    const submitted = await runs.submit(
      'sweep',
      request({
        population: { initialPositions: 20_000 },
        vary: ['maintenanceScale=1..1.9:0.1'],
        // two windows: a window's kernels replay it in groups of batches, so progress first moves when a group is
        // done — with one window that is its end, and the cancel could land after the run had finished; with two it
        // lands while the second is replaying
        windows: [
          { from: iso(T0), to: iso(T0 + 1_800_000) },
          { from: iso(T0 + 1_800_000), to: iso(T0 + 3_600_000) },
        ],
      }),
      { trigger: 'api' },
    )
    let cancelled = false
    let progress: { done: number; total: number | null; unit: string } | null = null
    for await (const event of runs.watch(submitted.runId)) {
      if (event.type !== 'progress') continue
      progress = event.progress
      if (!cancelled && event.progress.done > 0) {
        cancelled = true
        await runs.cancel(submitted.runId)
      }
    }
    const result = await submitted.done
    expect(result.status).toBe('cancelled')
    expect(progress).toMatchObject({ unit: 'point-windows', total: 20 })
    expect(progress!.done).toBeLessThan(20)
    const rows = await runtime.duck.use(async (c) =>
      (
        await c.runAndReadAll('SELECT count(*)::DOUBLE AS n FROM sweep_points WHERE run_id = $1', [submitted.runId])
      ).getRowObjectsJS(),
    )
    expect(rows[0]!.n).toBe(0)
    await expect(readSweepDocument(runtime, submitted.runId)).rejects.toThrow(/cancelled/)
  }, 120_000)

  test('explicit positions: each point opens the same positions; a higher maintenance rate liquidates them earlier', async () => {
    const explicitPositions = {
      accounts: [
        {
          id: 'whale',
          positions: [{ market: 'BTCUSDT', side: 'long', qty: 10, entry: 60_000, margin: '12000' }],
        },
      ],
    }
    const prepared = await prepareSweep(
      runtime,
      request({ positions: 'explicit', explicitPositions, population: undefined, vary: ['maintenanceScale=1,1.9'] }),
      { allowFiles: false },
    )
    const { document } = await executeSweep(runtime, prepared)
    const [base, higher] = document.points.map((p) => p.windows[0]!)
    expect(base!.positionsOpened).toBe(1)
    expect(higher!.positionsOpened).toBe(1)
    // 12,000 on 600,000 of notional: 2 % of initial margin per unit, whatever the maintenance rate
    expect(base!.cost.initialMarginPerNotional).toBe('0.02000000')
    expect(higher!.cost.initialMarginPerNotional).toBe('0.02000000')
    expect(base!.liquidations).toBe(1)
    expect(base!.cost.refusedOrLiquidatedEarlier).toBe(0)
    expect(higher!.cost.refusedOrLiquidatedEarlier).toBe(1)
    expect(higher!.cost.refusedOrLiquidatedEarlierShare).toBe('1.00000000')
  }, 120_000)
})
