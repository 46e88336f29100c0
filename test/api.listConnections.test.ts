// Backward paging (last / before) on the shared list helpers, and the lists that became connections: accounts, data
// coverage, rule sets and their versions, presets, API keys. Each walk forward and backward must give the same
// sequence, cursors must stay valid while rows are appended, and the old flat fields must agree with the new ones.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createApollo } from '../src/api/server.ts'
import { listPresets } from '../src/replay/rules/catalog.ts'
import { issueApiKey, revokeApiKey } from '../src/store/meta/apiKeys.ts'
import { saveRuleSetVersion } from '../src/store/meta/ruleSets.ts'
import { gqlClient, type GqlResult } from './support/graphql.ts'
import { testRuntime } from './support/runtime.ts'
import { createRunRecord, insertLiquidations, liquidationRow } from './support/seededRuns.ts'

const runtime = await testRuntime()
const client = await gqlClient(runtime)
afterAll(() => client.stop())

interface Page<N> {
  nodes: N[]
  edges: Array<{ cursor: string }>
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null }
  totalCount: number
}

const PAGE_FIELDS = 'edges { cursor } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount'

async function ok(query: string, variables?: Record<string, unknown>): Promise<Record<string, unknown>> {
  const r = await client.run(query, variables)
  expect(r.errors).toBeUndefined()
  return r.data!
}

/** Every page of a connection, forward (first / after) or backward (last / before), as one sequence in list order. */
async function walk<N>(
  read: (vars: Record<string, unknown>) => Promise<Page<N>>,
  direction: 'forward' | 'backward',
  size: number,
): Promise<N[]> {
  const out: N[] = []
  let cursor: string | null = null
  for (let guard = 0; guard < 200; guard++) {
    if (direction === 'forward') {
      const p: Page<N> = await read({ first: size, after: cursor })
      out.push(...p.nodes)
      if (!p.pageInfo.hasNextPage) return out
      cursor = p.pageInfo.endCursor
    } else {
      const p: Page<N> = await read({ last: size, before: cursor })
      out.unshift(...p.nodes)
      if (!p.pageInfo.hasPreviousPage) return out
      cursor = p.pageInfo.startCursor
    }
  }
  throw new Error('the walk did not end')
}

describe('backward paging on a results table (DuckDB keyset)', () => {
  const LIQ = `query($run: ID!, $first: Int, $after: String, $last: Int, $before: String, $filter: BacktestLiquidationFilter, $orderBy: [BacktestLiquidationOrder!]) {
    runLiquidations(runId: $run, first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
      nodes { seq } ${PAGE_FIELDS} } }`
  const N = 33
  beforeAll(async () => {
    await createRunRecord(runtime, 'run-back')
    await insertLiquidations(runtime, 'run-back', 0, N)
  })
  const read = (extra: Record<string, unknown>) => async (vars: Record<string, unknown>) =>
    (await ok(LIQ, { run: 'run-back', ...extra, ...vars })).runLiquidations as Page<{ seq: number }>

  test('last / before pages concatenate to the forward sequence, under the default and a custom order', async () => {
    const seqs = Array.from({ length: N }, (_, i) => i)
    for (const size of [4, 33, 40]) {
      expect((await walk(read({}), 'backward', size)).map((n) => n.seq)).toEqual(seqs)
    }
    const custom = {
      orderBy: [{ field: 'notional', direction: 'DESC' }],
      filter: { OR: [{ kind: { equals: 'full' } }, { market: { equals: 'ETHUSDT' } }] },
    }
    const forward = await walk(read(custom), 'forward', 4)
    expect(forward.length).toBe(seqs.filter((i) => liquidationRow(i).kind === 'full' || i % 2 === 1).length)
    expect(await walk(read(custom), 'backward', 4)).toEqual(forward)
  })

  test('the last page, the page before a cursor, and the flags', async () => {
    const tail = await read({})({ last: 5 })
    expect(tail.nodes.map((n) => n.seq)).toEqual([28, 29, 30, 31, 32])
    expect(tail.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false })
    expect(tail.totalCount).toBe(N)
    // a forward page's cursor works as `before`: the rows just before that row
    const head = await read({})({ first: 21 })
    const before = await read({})({ last: 3, before: head.edges[20]!.cursor })
    expect(before.nodes.map((n) => n.seq)).toEqual([17, 18, 19])
    expect(before.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true })
    const start = await read({})({ last: 10, before: head.edges[4]!.cursor })
    expect(start.nodes.map((n) => n.seq)).toEqual([0, 1, 2, 3])
    expect(start.pageInfo.hasPreviousPage).toBe(false)
  })

  test('a before cursor stays valid while rows are appended', async () => {
    await createRunRecord(runtime, 'run-back-grow')
    await insertLiquidations(runtime, 'run-back-grow', 0, 12)
    const grow = (vars: Record<string, unknown>) =>
      ok(LIQ, { run: 'run-back-grow', ...vars }).then((d) => d.runLiquidations as Page<{ seq: number }>)
    const tail = await grow({ last: 4 })
    expect(tail.nodes.map((n) => n.seq)).toEqual([8, 9, 10, 11])
    await insertLiquidations(runtime, 'run-back-grow', 12, 20)
    const again = await grow({ last: 4, before: tail.pageInfo.startCursor })
    expect(again.nodes.map((n) => n.seq)).toEqual([4, 5, 6, 7])
    expect((await grow({ last: 3 })).nodes.map((n) => n.seq)).toEqual([17, 18, 19])
  })

  test('after with before, a bad last and a foreign before cursor are BAD_USER_INPUT naming the argument', async () => {
    const head = await read({})({ first: 2 })
    const both = await client.run(LIQ, {
      run: 'run-back',
      after: head.pageInfo.endCursor,
      before: head.edges[0]!.cursor,
    })
    expect(both.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' })
    expect(JSON.stringify(both.errors?.[0]?.extensions)).toContain('"path":"after"')
    const tooMany = await client.run(LIQ, { run: 'run-back', last: 5001 })
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' })
    expect(JSON.stringify(tooMany.errors?.[0]?.extensions)).toContain('"path":"last"')
    const otherOrder = await client.run(LIQ, {
      run: 'run-back',
      last: 2,
      before: head.edges[0]!.cursor,
      orderBy: [{ field: 'notional', direction: 'ASC' }],
    })
    expect(otherOrder.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' })
    expect(JSON.stringify(otherOrder.errors?.[0]?.extensions)).toContain('"path":"before"')
  })
})

describe('accountsConnection', () => {
  beforeAll(async () => {
    await runtime.duck.use((c) =>
      c.run(`INSERT INTO partitions BY NAME
        SELECT 'acct' || i AS partition_id, 'src' AS source, d AS dataset, v AS venue, a AS market, '2025-10-10' AS period,
               t AS target_table, 'loaded' AS status, r::BIGINT AS rows, TIMESTAMP '2025-10-10' AS min_ts,
               TIMESTAMP '2025-10-11' AS max_ts, now()::TIMESTAMP AS loaded_at
          FROM (VALUES (1, 'hl', '0xaaa', 'fills', 'fills,liquidations', 7), (2, 'hl', '0xbbb', 'fills', 'fills', 3),
                       (3, 'hl', '0xaaa', 'ledger', 'ledger', 2), (4, 'dydx', '0xccc/0', 'fills', 'fills', 11),
                       (5, 'hl', 'BTC', 'trades', 'trades', 500)) x(i, v, a, d, t, r)`),
    )
  })
  const Q = `query($first: Int, $after: String, $last: Int, $before: String, $f: AccountFilter, $o: [AccountOrder!]) {
    accountsConnection(first: $first, after: $after, last: $last, before: $before, filter: $f, orderBy: $o) {
      nodes { venue account datasets rows } ${PAGE_FIELDS} } }`
  type Acct = { venue: string; account: string; datasets: string[]; rows: number }
  const read = (extra: Record<string, unknown>) => async (vars: Record<string, unknown>) =>
    (await ok(Q, { ...extra, ...vars })).accountsConnection as Page<Acct>

  test('accounts, not markets, by venue and account; filters, orderBy and pages both ways; the flat field agrees', async () => {
    const all = await walk(read({}), 'forward', 2)
    expect(all).toEqual([
      { venue: 'dydx', account: '0xccc/0', datasets: ['fills'], rows: 11 },
      { venue: 'hl', account: '0xaaa', datasets: ['fills', 'ledger'], rows: 9 },
      { venue: 'hl', account: '0xbbb', datasets: ['fills'], rows: 3 },
    ])
    expect(await walk(read({}), 'backward', 2)).toEqual(all)
    expect((await ok('{ accounts { venue account datasets rows } }')).accounts).toEqual(all)
    const big = await read({ f: { rows: { gte: 5 } }, o: [{ field: 'rows', direction: 'DESC' }] })({})
    expect(big.nodes.map((n) => n.account)).toEqual(['0xccc/0', '0xaaa'])
    expect(big.totalCount).toBe(2)
    const notHl = await read({ f: { NOT: { venue: { equals: 'hl' } } } })({})
    expect(notHl.nodes.map((n) => n.account)).toEqual(['0xccc/0'])
  })
})

describe('dataCoverageConnection', () => {
  beforeAll(async () => {
    await runtime.duck.use((c) =>
      c.run(`INSERT INTO partitions BY NAME
        SELECT 'cov' || i AS partition_id, s AS source, d AS dataset, v AS venue, m AS market, p AS period,
               t AS target_table, st AS status, r::BIGINT AS rows,
               CASE WHEN st = 'loaded' THEN (p || CASE WHEN length(p) = 7 THEN '-01' ELSE '' END)::TIMESTAMP END AS min_ts,
               CASE WHEN st = 'loaded' THEN (p || CASE WHEN length(p) = 7 THEN '-01' ELSE '' END)::TIMESTAMP
                 + INTERVAL 1 DAY - INTERVAL 1 SECOND END AS max_ts,
               now()::TIMESTAMP AS loaded_at
          FROM (VALUES (1, 'bn', 'bn', 'aggTrades', 'BTCUSDT', '2025-10-01', 'trades', 'loaded', 100),
                       (2, 'bn', 'bn', 'aggTrades', 'BTCUSDT', '2025-10-02', 'trades', 'loaded', 50),
                       (3, 'bn', 'bn', 'fundingRate', 'BTCUSDT', '2025-10', 'funding', 'loaded', 90),
                       (4, 'bn', 'bn', 'aggTrades', 'ETHUSDT', '2025-10-01', 'trades', 'loaded', 70),
                       (5, 'bn', 'bn', 'metrics', 'ETHUSDT', '2025-10-01', 'open_interest', 'missing', 0),
                       (6, 'by', 'by', 'trades', 'BTCUSDT', '2025-10-01', 'trades', 'loaded', 30)) x(i, s, v, d, m, p, t, st, r)`),
    )
  })
  const Q = `query($first: Int, $after: String, $last: Int, $before: String, $f: DatasetCoverageFilter, $o: [DatasetCoverageOrder!]) {
    dataCoverageConnection(first: $first, after: $after, last: $last, before: $before, filter: $f, orderBy: $o) {
      nodes { venue market dataset table partitions missingPartitions rows firstTs ranges { from to } } ${PAGE_FIELDS} } }`
  type Cov = { venue: string; market: string; dataset: string; rows: number; firstTs: string | null }
  const read = (extra: Record<string, unknown>) => async (vars: Record<string, unknown>) =>
    (await ok(Q, { ...extra, ...vars })).dataCoverageConnection as Page<Cov>
  const names = (rows: Cov[]) => rows.map((c) => `${c.venue}/${c.market}/${c.dataset}`)
  const mine = { f: { venue: { in: ['bn', 'by'] } } }

  test('one row per venue, market and dataset across markets, in order, both ways', async () => {
    const all = await walk(read(mine), 'forward', 2)
    expect(names(all)).toEqual([
      'bn/BTCUSDT/aggTrades',
      'bn/BTCUSDT/fundingRate',
      'bn/ETHUSDT/aggTrades',
      'bn/ETHUSDT/metrics',
      'by/BTCUSDT/trades',
    ])
    expect(all[0]).toMatchObject({ partitions: 2, rows: 150, firstTs: '2025-10-01T00:00:00.000Z' })
    expect(await walk(read(mine), 'backward', 3)).toEqual(all)
    expect((await read(mine)({ first: 1 })).totalCount).toBe(5)
  })

  test('one market through the connection equals the flat dataCoverage field', async () => {
    const f = { venue: { equals: 'bn' }, market: { equals: 'BTCUSDT' } }
    const fields =
      'source dataset table partitions missingPartitions rows firstTs lastTs ranges { from to } gaps { from to kind reason } holes { from to } missingRows'
    const flat = await ok(`{ dataCoverage(venue: "bn", market: "BTCUSDT") { ${fields} } }`)
    const conn = await ok(
      `query($f: DatasetCoverageFilter) { dataCoverageConnection(filter: $f) { nodes { ${fields} } } }`,
      {
        f,
      },
    )
    expect((conn.dataCoverageConnection as { nodes: unknown[] }).nodes).toEqual(flat.dataCoverage)
    expect(flat.dataCoverage).toHaveLength(2)
  })

  test('filters on numbers and times, NOT with a null time, orderBy with the key tiebreak', async () => {
    const byRows = await read({ ...mine, o: [{ field: 'rows', direction: 'DESC' }] })({})
    expect(byRows.nodes.map((c) => c.rows)).toEqual([150, 90, 70, 30, 0])
    const busy = await read({ f: { AND: [mine.f, { rows: { gt: 60 } }] } })({})
    expect(names(busy.nodes)).toEqual(['bn/BTCUSDT/aggTrades', 'bn/BTCUSDT/fundingRate', 'bn/ETHUSDT/aggTrades'])
    // the metrics dataset has no firstTs: neither a condition on it nor its NOT matches (SQL's unknown)
    const late = await read({ f: { AND: [mine.f, { NOT: { firstTs: { lt: '2025-10-01T00:00:00Z' } } }] } })({})
    expect(names(late.nodes)).not.toContain('bn/ETHUSDT/metrics')
    expect(late.nodes).toHaveLength(4)
    const byTable = await read({ ...mine, o: [{ field: 'table', direction: 'ASC' }] })({ first: 2 })
    expect(names(byTable.nodes)).toEqual(['bn/BTCUSDT/fundingRate', 'bn/ETHUSDT/metrics'])
    const next = await read({ ...mine, o: [{ field: 'table', direction: 'ASC' }] })({
      first: 5,
      after: byTable.pageInfo.endCursor,
    })
    expect(names(next.nodes)).toEqual(['bn/BTCUSDT/aggTrades', 'bn/ETHUSDT/aggTrades', 'by/BTCUSDT/trades'])
  })

  test('holes count in SQL as in the summary: inside loaded partitions only, filtered and ordered on', async () => {
    // 10 minutes missing inside a loaded day of bn/BTCUSDT/aggTrades, 5 more the day after; one recorded against the
    // missing metrics partition, which coverage does not count
    await runtime.duck.use((c) =>
      c.run(`INSERT INTO partition_gaps VALUES
        ('cov1', 'trades', TIMESTAMP '2025-10-01 01:00:00', TIMESTAMP '2025-10-01 01:10:00', 600, 1),
        ('cov2', 'trades', TIMESTAMP '2025-10-02 03:00:00', TIMESTAMP '2025-10-02 03:05:00', 5, 60),
        ('cov5', 'open_interest', TIMESTAMP '2025-10-01 00:00:00', TIMESTAMP '2025-10-01 01:00:00', 12, 300)`),
    )
    const HOLES = `query($f: DatasetCoverageFilter, $o: [DatasetCoverageOrder!]) {
      dataCoverageConnection(first: 2, filter: $f, orderBy: $o) { nodes { venue market dataset missingRows missingMinutes } } }`
    const holed = await ok(HOLES, { f: { AND: [mine.f, { missingMinutes: { gt: 0 } }] } })
    expect((holed.dataCoverageConnection as { nodes: unknown[] }).nodes).toEqual([
      { venue: 'bn', market: 'BTCUSDT', dataset: 'aggTrades', missingRows: 605, missingMinutes: 15 },
    ])
    const most = await ok(HOLES, { f: mine.f, o: [{ field: 'missingRows', direction: 'DESC' }] })
    // ties (no holes) broken by the key in the direction of the last order key
    expect(names((most.dataCoverageConnection as { nodes: Cov[] }).nodes)).toEqual([
      'bn/BTCUSDT/aggTrades',
      'by/BTCUSDT/trades',
    ])
  })

  test('a bad filter field or value is BAD_USER_INPUT naming what is valid', async () => {
    const r: GqlResult = await client.run(Q, { f: { firstTs: { gt: 'yesterday' } } })
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' })
  })
})

describe('rule sets, versions and presets', () => {
  beforeAll(async () => {
    for (const [name, versions] of [
      ['beta', 3],
      ['alpha', 1],
      ['gamma', 2],
    ] as const)
      for (let v = 1; v <= versions; v++)
        await saveRuleSetVersion(runtime.meta, { name, body: `{"v":${v}}`, hash: `${name}-${v}` })
  })

  test('ruleSetsConnection by name, both ways; versionsConnection newest first, filtered and paged', async () => {
    const Q = `query($first: Int, $after: String, $last: Int, $before: String) {
      ruleSetsConnection(first: $first, after: $after, last: $last, before: $before) {
        nodes { name versionsConnection(first: 2) { nodes { version } totalCount pageInfo { hasNextPage } } } ${PAGE_FIELDS} } }`
    type RS = { name: string; versionsConnection: { nodes: Array<{ version: number }>; totalCount: number } }
    const read = async (vars: Record<string, unknown>) => (await ok(Q, vars)).ruleSetsConnection as Page<RS>
    const all = await walk(read, 'forward', 2)
    expect(all.map((r) => r.name)).toEqual(['alpha', 'beta', 'gamma'])
    expect(await walk(read, 'backward', 2)).toEqual(all)
    expect(all[1]!.versionsConnection).toMatchObject({ nodes: [{ version: 3 }, { version: 2 }], totalCount: 3 })
    const flat = (await ok('{ ruleSets { name versions { version } } }')).ruleSets as Array<{ name: string }>
    expect(flat.map((r) => r.name)).toEqual(['alpha', 'beta', 'gamma'])
    const old = await ok(`{ ruleSetsConnection(filter: { name: { equals: "beta" } }) { nodes {
      versionsConnection(filter: { version: { lte: 2 } }, orderBy: [{ field: version, direction: ASC }], last: 1) {
        nodes { version hash } pageInfo { hasPreviousPage } } } } }`)
    expect(old).toEqual({
      ruleSetsConnection: {
        nodes: [
          { versionsConnection: { nodes: [{ version: 2, hash: 'beta-2' }], pageInfo: { hasPreviousPage: true } } },
        ],
      },
    })
  })

  test('rulePresetsConnection holds every preset once, by venue and date, both ways; filters on venue', async () => {
    const Q = `query($first: Int, $after: String, $last: Int, $before: String, $f: RulePresetFilter) {
      rulePresetsConnection(first: $first, after: $after, last: $last, before: $before, filter: $f) {
        nodes { id venue effectiveFrom } ${PAGE_FIELDS} } }`
    type P = { id: string; venue: string; effectiveFrom: string }
    const read = (f?: unknown) => async (vars: Record<string, unknown>) =>
      (await ok(Q, { ...vars, f })).rulePresetsConnection as Page<P>
    const all = await walk(read(), 'forward', 3)
    expect(all.map((p) => p.id).sort()).toEqual(
      listPresets()
        .map((p) => p.id)
        .sort(),
    )
    const key = (p: P) => `${p.venue}\u0000${p.effectiveFrom}\u0000${p.id}`
    expect(all.map(key)).toEqual(all.map(key).sort())
    expect(await walk(read(), 'backward', 4)).toEqual(all)
    const venue = listPresets()[0]!.rules.venue
    const binance = await read({ venue: { equals: venue } })({ first: 100 })
    const flat = (await ok(`{ rulePresets(venue: "${venue}") { id } }`)).rulePresets as Array<{ id: string }>
    expect(binance.nodes.map((p) => p.id).sort()).toEqual(flat.map((p) => p.id).sort())
    expect(binance.totalCount).toBeGreaterThan(0)
  })
})

describe('apiKeysConnection', () => {
  test('keys oldest first without secrets, filtered by role; admin only', async () => {
    const made = []
    for (const [name, role] of [
      ['k-one', 'reader'],
      ['k-two', 'operator'],
      ['k-three', 'reader'],
    ] as const)
      made.push(await issueApiKey(runtime.meta, { name, role }))
    await revokeApiKey(runtime.meta, made[2]!.key.id)
    const Q = `query($f: ApiKeyFilter, $first: Int, $after: String, $last: Int, $before: String) {
      apiKeysConnection(filter: $f, first: $first, after: $after, last: $last, before: $before) {
        nodes { name role prefix revokedAt } ${PAGE_FIELDS} } }`
    type K = { name: string; role: string; prefix: string; revokedAt: string | null }
    const read = (f?: unknown) => async (vars: Record<string, unknown>) =>
      (await ok(Q, { ...vars, f })).apiKeysConnection as Page<K>
    const mine = { name: { in: ['k-one', 'k-two', 'k-three'] } }
    const all = await walk(read(mine), 'forward', 1)
    expect(all.map((k) => k.name)).toEqual(['k-one', 'k-two', 'k-three'])
    expect(await walk(read(mine), 'backward', 2)).toEqual(all)
    expect(all[2]!.revokedAt).not.toBeNull()
    expect(JSON.stringify(all)).not.toContain(made[0]!.secret)
    const readers = await read({ AND: [mine, { role: { equals: 'reader' } }] })({})
    expect(readers.nodes.map((k) => k.name)).toEqual(['k-one', 'k-three'])

    const apollo = createApollo(runtime)
    await apollo.start()
    try {
      const asReader = await apollo.executeOperation(
        { query: '{ apiKeysConnection { totalCount } }' },
        {
          contextValue: {
            runtime,
            log: runtime.log,
            requestId: 'test',
            principal: { kind: 'key', role: 'reader', keyId: made[0]!.key.id, name: 'k-one' },
          },
        },
      )
      expect(asReader.body.kind === 'single' && asReader.body.singleResult.errors?.[0]?.extensions?.code).toBe(
        'FORBIDDEN',
      )
    } finally {
      await apollo.stop()
    }
  })
})
