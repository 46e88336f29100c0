// Sweeps over GraphQL: runSweep returns a sweep run at once (bad input: BAD_USER_INPUT, no run), sweep(id) serves
// the definition, the points as a keyset-paged connection, the frontier and the recommendation once it succeeded;
// an unknown run is NOT_FOUND.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { jobRegistry } from '../jobs/registry.ts'
import { RunManager } from '../jobs/runManager.ts'
import { gqlClient } from './support/graphql.ts'
import { barsFromCloses, insertBars } from './support/marketData.ts'
import { testRuntime } from './support/runtime.ts'
import { createRunRecord } from './support/seededRuns.ts'
import { writeSweepResults, type StoredSweepPoint } from '../src/store/results/sweepResults.ts'

const runtime = await testRuntime()
const runs = new RunManager(runtime, jobRegistry)
const client = await gqlClient(runtime, runs)
afterAll(async () => {
  await client.stop()
  await runs.stop(5000)
})

const T0 = Date.UTC(2025, 9, 10)
beforeAll(async () => {
  const closes: number[] = []
  let p = 60_000
  for (let i = 0; i < 1_800; i++) {
    if (i >= 900 && i < 960) p *= 0.9985
    closes.push(p)
  }
  await insertBars(runtime.duck, 'apiv', 'BTCUSDT', 1, barsFromCloses(T0 * 1000, closes, {}, 2e6))
})

const mutation = `mutation($input: SweepInput!) { runSweep(input: $input) { id kind status } }`
const input = (extra: Record<string, unknown> = {}) => ({
  ruleSet: 'binance-um',
  venue: 'apiv',
  markets: ['BTCUSDT'],
  vary: ['maintenanceScale=1,1.3,1.6'],
  windows: [{ from: new Date(T0).toISOString(), to: new Date(T0 + 1_800_000).toISOString() }],
  positions: 'synthetic',
  population: { initialPositions: 300 },
  ...extra,
})

describe('runSweep and sweep(id)', () => {
  test('bad input is BAD_USER_INPUT naming the path and starts nothing', async () => {
    const bad = await client.run(mutation, { input: input({ vary: ['margin.default.nope=1'], budget: '-1' }) })
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT')
    expect(JSON.stringify(bad.errors?.[0]?.extensions)).toContain('budget')
    expect(await runtime.meta.jobRun.count({ where: { kind: 'sweep' } })).toBe(0)
  })

  test('a sweep run, then its points page by page, its frontier and its recommendation', async () => {
    const ok = await client.run(mutation, { input: input() })
    expect(ok.errors).toBeUndefined()
    const run = ok.data!.runSweep as { id: string; kind: string }
    expect(run.kind).toBe('sweep')
    await runs.idle()
    const query = `query($id: ID!, $after: String) { sweep(id: $id) {
        id run { status } definition base
        points(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor }
          nodes { index status onFrontier values badDebt initialMarginPerNotional refusedOrLiquidatedEarlierShare windows } }
        frontier { index badDebt }
        recommendation { point statement set command } } }`
    const first = await client.run(query, { id: run.id })
    expect(first.errors).toBeUndefined()
    const s = first.data!.sweep as {
      run: { status: string }
      definition: { axes: Array<{ path: string }> }
      points: {
        totalCount: number
        pageInfo: { hasNextPage: boolean; endCursor: string }
        nodes: Array<{ index: number; values: unknown; windows: Array<{ outputHash: string }> }>
      }
      frontier: Array<{ index: number }>
      recommendation: { statement: string }
    }
    expect(s.run.status).toBe('succeeded')
    expect(s.definition.axes[0]!.path).toBe('maintenanceScale')
    expect(s.points.totalCount).toBe(3)
    expect(s.points.nodes.map((n) => n.index)).toEqual([0, 1])
    expect(s.points.nodes[0]!.values).toEqual([{ path: 'maintenanceScale', value: 1 }])
    expect(s.points.nodes[0]!.windows[0]!.outputHash).toMatch(/^[0-9a-f]{64}$/)
    expect(s.points.pageInfo.hasNextPage).toBe(true)
    expect(s.frontier.length).toBeGreaterThan(0)
    expect(s.recommendation.statement.length).toBeGreaterThan(0)
    const next = await client.run(query, { id: run.id, after: s.points.pageInfo.endCursor })
    const page2 = (
      next.data!.sweep as { points: { nodes: Array<{ index: number }>; pageInfo: { hasNextPage: boolean } } }
    ).points
    expect(page2.nodes.map((n) => n.index)).toEqual([2])
    expect(page2.pageInfo.hasNextPage).toBe(false)

    // backward: the last two points, then the one before them, still in index order
    const back = `query($id: ID!, $before: String) { sweep(id: $id) {
        points(last: 2, before: $before) { nodes { index } pageInfo { hasPreviousPage hasNextPage startCursor } } } }`
    type BackPage = {
      nodes: Array<{ index: number }>
      pageInfo: { hasPreviousPage: boolean; hasNextPage: boolean; startCursor: string }
    }
    const tail = ((await client.run(back, { id: run.id })).data!.sweep as { points: BackPage }).points
    expect(tail.nodes.map((n) => n.index)).toEqual([1, 2])
    expect(tail.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false })
    const head = (
      (await client.run(back, { id: run.id, before: tail.pageInfo.startCursor })).data!.sweep as { points: BackPage }
    ).points
    expect(head.nodes.map((n) => n.index)).toEqual([0])
    expect(head.pageInfo).toMatchObject({ hasPreviousPage: false, hasNextPage: true })
  }, 120_000)

  test('an unknown run is NOT_FOUND', async () => {
    const r = await client.run(`{ sweep(id: "nope") { id } }`)
    expect(r.errors?.[0]?.extensions?.code).toBe('NOT_FOUND')
  })
})

describe('points ordered by a nullable figure', () => {
  // 23 points written straight to the store: every fourth skipped (figures null), bad debt in five tied values
  const N = 23
  const debt = (i: number) => (i % 4 === 0 ? null : `${((i * 7) % 5) * 10}.000000`)
  const drawdown = (i: number) => (i % 4 === 0 ? null : `${(i * 3) % 4}.500000`)
  beforeAll(async () => {
    await createRunRecord(runtime, 'sweep-nulls', { kind: 'sweep' })
    const points: StoredSweepPoint[] = Array.from({ length: N }, (_, i) => ({
      index: i,
      status: i % 4 === 0 ? 'skipped' : 'evaluated',
      onFrontier: false,
      badDebt: debt(i),
      worstWindowBadDebt: debt(i),
      initialMarginPerNotional: null,
      refusedOrLiquidatedEarlierShare: null,
      liquidationFees: null,
      cheapestAttackCost: null,
      attackSearchesBroken: i % 3 === 0 ? null : i % 2,
      point: JSON.stringify(
        i % 4 === 0
          ? { values: [], problems: [] }
          : { values: [], windows: [{ risk: { fundMaxDrawdown: drawdown(i) } }] },
      ),
    }))
    const doc = { sweep: {}, base: {}, frontier: [], recommendation: null }
    await writeSweepResults(runtime.duck, 'sweep-nulls', JSON.stringify(doc), points)
  })

  const pageQuery = `query($first: Int, $after: String, $last: Int, $before: String, $orderBy: [SweepPointOrder!]) {
    sweep(id: "sweep-nulls") { points(first: $first, after: $after, last: $last, before: $before, orderBy: $orderBy) {
      nodes { index } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }`
  interface Page {
    nodes: Array<{ index: number }>
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string; endCursor: string }
  }
  const read = async (vars: Record<string, unknown>): Promise<Page> => {
    const r = await client.run(pageQuery, vars)
    expect(r.errors).toBeUndefined()
    return (r.data!.sweep as { points: Page }).points
  }

  /** Every point by following endCursor forward, and by following startCursor backward (pages put back in order). */
  async function walk(orderBy: unknown, size: number) {
    const forward: number[] = []
    let after: string | null = null
    for (let guard = 0; guard < 50; guard++) {
      const p: Page = await read({ first: size, after, orderBy })
      forward.push(...p.nodes.map((n) => n.index))
      if (!p.pageInfo.hasNextPage) break
      after = p.pageInfo.endCursor
    }
    const backward: number[][] = []
    let before: string | null = null
    for (let guard = 0; guard < 50; guard++) {
      const p: Page = await read({ last: size, before, orderBy })
      backward.unshift(p.nodes.map((n) => n.index))
      if (!p.pageInfo.hasPreviousPage) break
      before = p.pageInfo.startCursor
    }
    return { forward, backward: backward.flat() }
  }

  /** The order SQL must give: the figure with nulls last in either direction, then index in the same direction. */
  const expected = (value: (i: number) => string | number | null, direction: 'ASC' | 'DESC') => {
    const sign = direction === 'ASC' ? 1 : -1
    return Array.from({ length: N }, (_, i) => i).sort((a, b) => {
      const [x, y] = [value(a), value(b)]
      if (x === null || y === null) return x === y ? sign * (a - b) : x === null ? 1 : -1
      return sign * (Number(x) - Number(y)) || sign * (a - b)
    })
  }

  test.each([
    ['badDebt', 'ASC', debt, 4],
    ['badDebt', 'DESC', debt, 3],
    ['worstWindowFundDrawdown', 'DESC', drawdown, 5],
    ['attackSearchesBroken', 'ASC', (i: number) => (i % 3 === 0 ? null : i % 2), 2],
  ] as const)(
    '%s %s: forward and backward visit every point once, in the same order',
    async (field, dir, value, size) => {
      const want = expected(value, dir)
      const { forward, backward } = await walk([{ field, direction: dir }], size)
      expect(forward).toEqual(want)
      expect(backward).toEqual(want)
      expect(new Set(forward).size).toBe(N)
    },
  )

  test('a null in a cursor is refused for a field that cannot be null', async () => {
    const cursor = Buffer.from(JSON.stringify({ o: ['index:ASC'], v: [null] })).toString('base64url')
    const r = await client.run(pageQuery, { first: 2, after: cursor })
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT')
  })
})
