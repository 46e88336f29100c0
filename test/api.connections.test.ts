// Connections over backtest outputs and runs: keyset pages (stable while rows are appended), typed filters with
// AND / OR / NOT, orderBy with the id tiebreak, and the errors: bad cursor / filter / first (BAD_USER_INPUT naming
// what is valid), unknown run (NOT_FOUND), a run that has not succeeded (CONFLICT).
import { afterAll, describe, expect, test } from 'vitest'
import { encodeCursor } from '../src/api/common/pagination.ts'
import { createApollo } from '../src/api/server.ts'
import { gqlClient } from './support/graphql.ts'
import { testRuntime } from './support/runtime.ts'
import { createRunRecord, insertLiquidations, liquidationRow } from './support/seededRuns.ts'

const runtime = await testRuntime()
const client = await gqlClient(runtime)
afterAll(() => client.stop())

const N = 40
await createRunRecord(runtime, 'run-a')
await insertLiquidations(runtime, 'run-a', 0, N)
await createRunRecord(runtime, 'run-running', { status: 'running' })
await insertLiquidations(runtime, 'run-running', 0, 3)

interface Page {
  edges: Array<{ cursor: string; node: { seq: number; kind: string; notional: string; shortfall: string } }>
  nodes: Array<{ seq: number }>
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null }
  totalCount: number
}

const LIQ = `query($run: ID!, $first: Int, $after: String, $filter: BacktestLiquidationFilter, $orderBy: [BacktestLiquidationOrder!]) {
  runLiquidations(runId: $run, first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    edges { cursor node { seq kind notional shortfall } }
    nodes { seq }
    pageInfo { hasNextPage hasPreviousPage endCursor }
    totalCount
  }
}`

async function page(vars: Record<string, unknown>): Promise<Page> {
  const r = await client.run(LIQ, { run: 'run-a', ...vars })
  expect(r.errors).toBeUndefined()
  return r.data!.runLiquidations as Page
}

/** Every page of a query, following endCursor. */
async function all(vars: Record<string, unknown>, first: number): Promise<number[]> {
  const seqs: number[] = []
  let after: string | null = null
  for (let guard = 0; guard < 100; guard++) {
    const p: Page = await page({ ...vars, first, after })
    seqs.push(...p.nodes.map((n) => n.seq))
    if (!p.pageInfo.hasNextPage) return seqs
    after = p.pageInfo.endCursor
  }
  throw new Error('no last page')
}

const rows = Array.from({ length: N }, (_, i) => liquidationRow(i))

describe('pages', () => {
  test('first / after walk the run in seq order; hasNextPage, totalCount and cursors agree', async () => {
    const p1 = await page({ first: 15 })
    expect(p1.nodes.map((n) => n.seq)).toEqual(rows.slice(0, 15).map((r) => r.seq))
    expect(p1.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false })
    expect(p1.pageInfo.endCursor).toBe(p1.edges[14]!.cursor)
    expect(p1.totalCount).toBe(N)
    const p3 = await page({
      first: 15,
      after: (await page({ first: 15, after: p1.pageInfo.endCursor })).pageInfo.endCursor,
    })
    expect(p3.nodes.map((n) => n.seq)).toEqual(rows.slice(30).map((r) => r.seq))
    expect(p3.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true })
    expect(await all({}, 7)).toEqual(rows.map((r) => r.seq))
    // exact amounts come back as the stored decimal text
    expect(p1.edges[3]!.node.notional).toBe(`${(3 * 37) % 11}000.500000`)
  })

  test('a cursor stays valid while rows are appended: no row is repeated or skipped', async () => {
    await createRunRecord(runtime, 'run-grow')
    await insertLiquidations(runtime, 'run-grow', 0, 20)
    const byNotional = { orderBy: [{ field: 'notional', direction: 'DESC' }] }
    const read = (vars: Record<string, unknown>) => client.run(LIQ, { run: 'run-grow', ...vars })
    const first = (await read({ ...byNotional, first: 8 })).data!.runLiquidations as Page
    const bySeq = (await read({ first: 8 })).data!.runLiquidations as Page
    // rows appended after the first pages were read: some sort before the cursor, some after
    await insertLiquidations(runtime, 'run-grow', 20, 30)
    const seen = first.nodes.map((n) => n.seq)
    let after = first.pageInfo.endCursor
    for (;;) {
      const p = (await read({ ...byNotional, first: 8, after })).data!.runLiquidations as Page
      seen.push(...p.nodes.map((n) => n.seq))
      if (!p.pageInfo.hasNextPage) break
      after = p.pageInfo.endCursor
    }
    expect(new Set(seen).size).toBe(seen.length)
    for (let i = 0; i < 20; i++) expect(seen).toContain(i)
    const rest = (await read({ first: 100, after: bySeq.pageInfo.endCursor })).data!.runLiquidations as Page
    expect(rest.nodes.map((n) => n.seq)).toEqual(Array.from({ length: 22 }, (_, i) => i + 8))
  })
})

describe('categories', () => {
  test('a shadow liquidation (reconciliation runs) is served and filtered like the other kinds', async () => {
    await createRunRecord(runtime, 'run-shadow')
    await insertLiquidations(runtime, 'run-shadow', 0, 3)
    await runtime.duck.use((c) =>
      c.run(`UPDATE backtest_liquidations SET kind = 'shadow' WHERE run_id = 'run-shadow' AND seq = 1`),
    )
    const r = await client.run(
      `{ runLiquidations(runId: "run-shadow", filter: { kind: { equals: shadow } }) { nodes { seq kind } totalCount } }`,
    )
    expect(r.errors).toBeUndefined()
    expect(r.data!.runLiquidations).toEqual({ nodes: [{ seq: 1, kind: 'shadow' }], totalCount: 1 })
  })
})

describe('query cost', () => {
  test('the largest page with many columns is not refused as too costly; a page of pages is', async () => {
    const columns = 'seq kind side market account notional shortfall fee fillPrice liquidationPrice bankruptcyPrice ts'
    const whole = await client.run(
      `{ runLiquidations(runId: "run-a", first: 5000) { nodes { ${columns} } pageInfo { hasNextPage } totalCount } }`,
    )
    expect(whole.errors).toBeUndefined()
    expect((whole.data!.runLiquidations as { totalCount: number }).totalCount).toBe(N)
    const nested = await client.run(
      `{ incidents(first: 5000) { nodes { id detections(first: 5000) { nodes { id severity } } } } }`,
    )
    expect(nested.errors?.[0]?.extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', limit: 'maxCost' })
  })
})

describe('filters', () => {
  const seqsWhere = (pred: (r: (typeof rows)[number]) => boolean) => rows.filter(pred).map((r) => r.seq)

  test('field conditions: enum in, string equals, decimal and time comparisons', async () => {
    expect(await all({ filter: { kind: { in: ['partial', 'takeover'] } } }, 50)).toEqual(
      seqsWhere((r) => r.kind !== 'full'),
    )
    expect(await all({ filter: { account: { equals: 'acct-1' }, market: { notIn: ['BTCUSDT'] } } }, 50)).toEqual(
      seqsWhere((r) => r.account === 'acct-1' && r.market !== 'BTCUSDT'),
    )
    expect(await all({ filter: { notional: { gte: '5000.5', lt: '9000' } } }, 50)).toEqual(
      seqsWhere((r) => r.notional >= 5000.5 && r.notional < 9000),
    )
    expect(await all({ filter: { shortfall: { gt: '0' } } }, 50)).toEqual(seqsWhere((r) => r.shortfall > 0))
    const from = new Date(rows[5]!.tsMs).toISOString()
    const to = new Date(rows[12]!.tsMs).toISOString()
    expect(await all({ filter: { ts: { gt: from, lte: to } } }, 50)).toEqual(seqsWhere((r) => r.seq > 5 && r.seq <= 12))
    expect((await page({ filter: { kind: { equals: 'full' } }, first: 1 })).totalCount).toBe(
      seqsWhere((r) => r.kind === 'full').length,
    )
  })

  test('AND, OR and NOT combine as they say', async () => {
    const filter = {
      OR: [
        { kind: { equals: 'full' }, side: { equals: 'long' } },
        { AND: [{ market: { equals: 'ETHUSDT' } }, { NOT: { account: { in: ['acct-1'] } } }] },
      ],
      NOT: { shortfall: { gt: '0' } },
    }
    expect(await all({ filter }, 6)).toEqual(
      seqsWhere(
        (r) =>
          ((r.kind === 'full' && r.side === 'long') || (r.market === 'ETHUSDT' && r.account !== 'acct-1')) &&
          !(r.shortfall > 0),
      ),
    )
    // an empty in-list matches nothing; an empty notIn everything
    expect(await all({ filter: { kind: { in: [] } } }, 50)).toEqual([])
    expect(await all({ filter: { kind: { notIn: [] } } }, 50)).toEqual(rows.map((r) => r.seq))
    expect(await all({ filter: { OR: [] } }, 50)).toEqual([])
  })
})

describe('ordering', () => {
  test('ties are broken by seq in the direction of the last key, across pages', async () => {
    const asc = await all({ orderBy: [{ field: 'kind' }] }, 4)
    const expectAsc = [...rows].sort((a, b) => a.kind.localeCompare(b.kind) || a.seq - b.seq).map((r) => r.seq)
    expect(asc).toEqual(expectAsc)
    const desc = await all({ orderBy: [{ field: 'notional', direction: 'DESC' }] }, 3)
    expect(desc).toEqual([...rows].sort((a, b) => b.notional - a.notional || b.seq - a.seq).map((r) => r.seq))
    const mixed = await all(
      {
        orderBy: [
          { field: 'kind', direction: 'DESC' },
          { field: 'notional', direction: 'ASC' },
        ],
      },
      5,
    )
    expect(mixed).toEqual(
      [...rows]
        .sort((a, b) => b.kind.localeCompare(a.kind) || a.notional - b.notional || a.seq - b.seq)
        .map((r) => r.seq),
    )
    // seq named explicitly ends the order
    expect(await all({ orderBy: [{ field: 'seq', direction: 'DESC' }] }, 9)).toEqual(rows.map((r) => r.seq).reverse())
  })
})

describe('errors', () => {
  const err = async (vars: Record<string, unknown>, run = 'run-a') => {
    const r = await client.run(LIQ, { run, ...vars })
    expect(r.data ?? null).toBeNull()
    return r.errors![0]!
  }

  test('a cursor that is not ours, or was made for another order, is BAD_USER_INPUT naming what is valid', async () => {
    const junk = await err({ after: 'not a cursor!' })
    expect(junk.extensions).toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ path: 'after' }] })
    expect(junk.message).toContain('a cursor from edges.cursor or pageInfo.endCursor')
    const bySeq = (await page({ first: 2 })).pageInfo.endCursor
    const other = await err({ after: bySeq, orderBy: [{ field: 'notional' }] })
    expect(other.message).toContain('same orderBy (notional:ASC, seq:ASC)')
    const wrongType = await err({ after: encodeCursor(['seq:ASC'], ['twelve']) })
    expect(wrongType.message).toContain('a cursor value of type bigint for seq')
    const badDate = await err({
      after: encodeCursor(['ts:ASC', 'seq:ASC'], ['2025-02-30 00:00:00', '1']),
      orderBy: [{ field: 'ts' }],
    })
    expect(badDate.extensions?.code).toBe('BAD_USER_INPUT')
  })

  test('a bad filter or page size is BAD_USER_INPUT naming the limit', async () => {
    const huge = await err({ filter: { notional: { gt: '1'.repeat(40) } } })
    expect(huge.extensions).toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ path: 'filter.notional.gt' }] })
    expect(huge.message).toContain('at most 24 integer and 12 fraction digits')
    const first = await err({ first: 5001 })
    expect(first.message).toContain('an integer from 0 to 5000')
    const enumValue = await client.run(LIQ, { run: 'run-a', filter: { kind: { equals: 'sideways' } } })
    expect(enumValue.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT')
    const many = await err({ filter: { account: { in: Array.from({ length: 1001 }, (_, i) => `a${i}`) } } })
    expect(many.message).toContain('at most 1000 values')
  })

  test('an unknown run is NOT_FOUND; a run that has not succeeded is CONFLICT, also as a BacktestRun field', async () => {
    expect((await err({}, 'no-such-run')).extensions?.code).toBe('NOT_FOUND')
    expect((await err({}, 'run-running')).extensions).toMatchObject({ code: 'CONFLICT', status: 'running' })
    const nested = await client.run(`{ backtestRun(id: "run-running") { status liquidations { totalCount } } }`)
    expect(nested.data).toEqual({ backtestRun: { status: 'running', liquidations: null } })
    expect(nested.errors?.[0]?.extensions?.code).toBe('CONFLICT')
  })
})

describe('BacktestRun fields, deprecated lists, runs', () => {
  test('BacktestRun.liquidations is the same connection; the deprecated flat list still answers', async () => {
    const r = await client.run(`{
      backtestRun(id: "run-a") { liquidations(first: 3, filter: { kind: { equals: takeover } }) { nodes { seq kind } totalCount } }
      backtestLiquidations(runId: "run-a", limit: 2, offset: 1) { seq kind notional notionalApprox }
    }`)
    expect(r.errors).toBeUndefined()
    expect(r.data!.backtestRun).toEqual({
      liquidations: {
        nodes: [2, 5, 8].map((seq) => ({ seq, kind: 'takeover' })),
        totalCount: rows.filter((x) => x.kind === 'takeover').length,
      },
    })
    expect(r.data!.backtestLiquidations).toEqual(
      [1, 2].map((i) => ({
        seq: i,
        kind: rows[i]!.kind,
        notional: `${rows[i]!.notional.toFixed(6)}`,
        notionalApprox: rows[i]!.notional,
      })),
    )
  })

  test('a page reads only the fields a query selects: through fragments and aliases, the same values as all fields', async () => {
    const ALL = `seq ts account market side kind qty notional notionalApprox triggerMark liquidationPrice bankruptcyPrice
      fillPrice marketPrice fee feeApprox equity equityApprox slippage slippageApprox surplusToFund surplusToFundApprox
      returned returnedApprox shortfall shortfallApprox`
    const full = await client.run(`{ runLiquidations(runId: "run-a", last: 6) { nodes { ${ALL} } } }`)
    expect(full.errors).toBeUndefined()
    const every = (full.data!.runLiquidations as { nodes: Array<Record<string, unknown>> }).nodes
    const picked = await client.run(`
      fragment Amounts on BacktestLiquidation { shortfall feeApprox }
      query { backtestRun(id: "run-a") { liquidations(last: 6) {
        nodes { seq ... on BacktestLiquidation { kind } }
        edges { node { ts ...Amounts at: ts } }
        pageInfo { startCursor }
      } } }`)
    expect(picked.errors).toBeUndefined()
    const page = (picked.data!.backtestRun as { liquidations: Record<string, Array<Record<string, unknown>>> })
      .liquidations
    expect(page.nodes).toEqual(every.map((r) => ({ seq: r.seq, kind: r.kind })))
    expect(page.edges!.map((e) => e.node)).toEqual(
      every.map((r) => ({ ts: r.ts, shortfall: r.shortfall, feeApprox: r.feeApprox, at: r.ts })),
    )
    // no row field selected at all: the page still pages
    const bare = await client.run(
      `{ runLiquidations(runId: "run-a", first: 2) { pageInfo { hasNextPage } totalCount } }`,
    )
    expect(bare.data!.runLiquidations).toEqual({ pageInfo: { hasNextPage: true }, totalCount: N })
  })

  test('answers still say cache-control: no-store with the cache-control plugin off', async () => {
    const apollo = createApollo(runtime)
    await apollo.start()
    try {
      const contextValue = { runtime, log: runtime.log, requestId: 't', principal: { kind: 'local', role: 'admin' } }
      const ok = await apollo.executeOperation({ query: '{ health { status } }' }, { contextValue } as never)
      expect(ok.http.headers.get('cache-control')).toBe('no-store')
      const bad = await apollo.executeOperation({ query: '{ runLiquidations(runId: "nope") { totalCount } }' }, {
        contextValue,
      } as never)
      expect(bad.http.headers.get('cache-control')).toBe('no-store')
    } finally {
      await apollo.stop()
    }
  })

  test('runsConnection and backtestRunsConnection: newest first, filters, pages', async () => {
    for (let i = 0; i < 5; i++)
      await createRunRecord(runtime, `ingest-${i}`, {
        kind: 'ingest',
        status: i % 2 ? 'failed' : 'succeeded',
        queuedAt: new Date(Date.UTC(2030, 0, 1, 0, i)),
      })
    await createRunRecord(runtime, 'bt-bybit', { venue: 'bybit' })
    const q = `query($f: RunFilter, $after: String) { runsConnection(first: 2, filter: $f, after: $after) {
      nodes { id } pageInfo { hasNextPage endCursor } totalCount } }`
    const p1 = await client.run(q, { f: { kind: { equals: 'ingest' } } })
    const c1 = p1.data!.runsConnection as {
      nodes: Array<{ id: string }>
      pageInfo: { endCursor: string }
      totalCount: number
    }
    expect(c1.nodes.map((n) => n.id)).toEqual(['ingest-4', 'ingest-3'])
    expect(c1.totalCount).toBe(5)
    const p2 = await client.run(q, { f: { kind: { equals: 'ingest' } }, after: c1.pageInfo.endCursor })
    expect((p2.data!.runsConnection as { nodes: Array<{ id: string }> }).nodes.map((n) => n.id)).toEqual([
      'ingest-2',
      'ingest-1',
    ])
    const failed = await client.run(q, { f: { kind: { equals: 'ingest' }, NOT: { status: { equals: 'succeeded' } } } })
    expect((failed.data!.runsConnection as { nodes: Array<{ id: string }> }).nodes.map((n) => n.id)).toEqual([
      'ingest-3',
      'ingest-1',
    ])
    const bt = await client.run(
      `{ backtestRunsConnection(filter: { venue: { equals: "bybit" } }) { nodes { id status } totalCount } }`,
    )
    expect(bt.data).toEqual({
      backtestRunsConnection: { nodes: [{ id: 'bt-bybit', status: 'succeeded' }], totalCount: 1 },
    })
    const running = await client.run(
      `{ backtestRunsConnection(filter: { status: { equals: running } }) { nodes { id } } }`,
    )
    expect(running.data).toEqual({ backtestRunsConnection: { nodes: [{ id: 'run-running' }] } })
  })

  test('runsConnection by trigger: runs the server starts itself are system; an unknown trigger is BAD_USER_INPUT naming them', async () => {
    const at = (m: number) => new Date(Date.UTC(2031, 0, 1, 0, m))
    await createRunRecord(runtime, 'demo-1', { kind: 'demo', trigger: 'system', queuedAt: at(0) })
    await createRunRecord(runtime, 'demo-load', { kind: 'scenario', trigger: 'system', queuedAt: at(1) })
    await createRunRecord(runtime, 'nightly', { kind: 'schedule', trigger: 'cron', queuedAt: at(2) })
    const q = `query($f: RunFilter) { runsConnection(filter: $f) { nodes { id trigger } totalCount } }`
    const system = await client.run(q, { f: { trigger: { equals: 'system' } } })
    expect(system.errors).toBeUndefined()
    expect(system.data!.runsConnection).toEqual({
      nodes: [
        { id: 'demo-load', trigger: 'system' },
        { id: 'demo-1', trigger: 'system' },
      ],
      totalCount: 2,
    })
    const notApi = await client.run(q, { f: { trigger: { notIn: ['api', 'migrated'] } } })
    expect((notApi.data!.runsConnection as { totalCount: number }).totalCount).toBe(3)
    const unknown = await client.run(q, { f: { trigger: { in: ['system', 'scheduler'] } } })
    expect(unknown.data ?? null).toBeNull()
    expect(unknown.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      problems: [{ path: 'filter.trigger.in[1]', received: 'scheduler' }],
    })
    expect(unknown.errors?.[0]?.message).toContain('one of cron, cli, api, recovery, system, migrated')
  })
})

describe('marketsConnection', () => {
  test('markets from the manifest: filters, order, pages; account partitions are not markets', async () => {
    await runtime.duck.use((c) =>
      c.run(`INSERT INTO partitions BY NAME
        SELECT 'p' || i AS partition_id, 'src' AS source, 'bars' AS dataset, v AS venue, m AS market, '2025-10-10' AS period,
               t AS target_table, 'loaded' AS status, r::BIGINT AS rows, TIMESTAMP '2025-10-10' AS min_ts,
               TIMESTAMP '2025-10-11' AS max_ts, now()::TIMESTAMP AS loaded_at
          FROM (VALUES (1, 'bybit', 'ETHUSDT', 'bars', 10), (2, 'bin', 'BTCUSDT', 'bars', 30), (3, 'bin', 'ETHUSDT', 'bars', 20),
                       (4, 'bin', 'ETHUSDT', 'trades', 5), (5, 'hl', '0xabc', 'fills', 99)) x(i, v, m, t, r)`),
    )
    type Markets = {
      nodes: Array<{ venue: string; market: string; rows: number }>
      pageInfo: { endCursor: string }
      totalCount: number
    }
    const q = `query($f: MarketFilter, $o: [MarketOrder!], $after: String) { marketsConnection(first: 2, filter: $f, orderBy: $o, after: $after) {
      nodes { venue market rows } pageInfo { endCursor } totalCount } }`
    const p1 = (await client.run(q)).data!.marketsConnection as Markets
    expect(p1.nodes).toEqual([
      { venue: 'bin', market: 'BTCUSDT', rows: 30 },
      { venue: 'bin', market: 'ETHUSDT', rows: 25 },
    ])
    expect(p1.totalCount).toBe(3)
    const p2 = (await client.run(q, { after: p1.pageInfo.endCursor })).data!.marketsConnection as Markets
    expect(p2.nodes).toEqual([{ venue: 'bybit', market: 'ETHUSDT', rows: 10 }])
    const eth = (
      await client.run(q, { f: { market: { equals: 'ETHUSDT' } }, o: [{ field: 'rows', direction: 'DESC' }] })
    ).data!.marketsConnection as Markets
    expect(eth.nodes.map((n) => n.venue)).toEqual(['bin', 'bybit'])
  })
})
