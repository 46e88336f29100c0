// Detections and incidents over GraphQL: connections with filters and pages, incident(id) with its timeline, the
// member detections of a page of incidents loaded in one read per request (DataLoader) with the columns the query
// selects, NOT_FOUND, runDetectors.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { jobRegistry } from '../jobs/registry.ts'
import { RunManager } from '../jobs/runManager.ts'
import { prepareDetectors } from '../src/detect/run.ts'
import { findPreset } from '../src/replay/rules/presets/index.ts'
import { gqlClient } from './support/graphql.ts'
import { barsFromCloses, insertBars } from './support/marketData.ts'
import { testRuntime } from './support/runtime.ts'
import { tempDir } from './support/tmp.ts'

const runtime = await testRuntime()
const runs = new RunManager(runtime, jobRegistry)
const client = await gqlClient(runtime, runs)
afterAll(async () => {
  await client.stop()
  await runs.stop(5000)
})

const DETECTORS = ['self-trading', 'oracle-deviation', 'liquidation-cascade']
const SEVERITY = ['info', 'warning', 'critical']
const N = 12
const det = (i: number) => ({
  id: `d${String(i).padStart(2, '0')}`,
  detector: DETECTORS[i % 3]!,
  severity: SEVERITY[(i >> 1) % 3]!,
  market: i % 2 ? 'ETHUSDT' : 'BTCUSDT',
  score: i * 1.5,
})

await runtime.duck.use(async (c) => {
  for (let i = 0; i < N; i++) {
    const d = det(i)
    await c.run(
      `INSERT INTO detections VALUES ($1, $2, '1', 'bin', $3, TIMESTAMP '2025-10-10 00:00:00' + to_minutes($4::BIGINT),
         TIMESTAMP '2025-10-10 00:01:00' + to_minutes($4::BIGINT), ['a', 'b'], $5, $6, '{"z": 9}', 12.5, NULL, NULL,
         'h', TIMESTAMP '2025-10-10', TIMESTAMP '2025-10-11', TIMESTAMP '2025-10-11')`,
      [d.id, d.detector, d.market, i, d.score, d.severity],
    )
  }
  for (const [id, from, sev] of [
    ['inc-0', 0, 'critical'],
    ['inc-1', 5, 'warning'],
    ['inc-2', 9, 'info'],
  ] as const)
    await c.run(
      `INSERT INTO incidents VALUES ($1, 'bin', NULL, ['BTCUSDT'], TIMESTAMP '2025-10-10' + to_minutes($2::BIGINT),
         TIMESTAMP '2025-10-10 00:10:00' + to_minutes($2::BIGINT), $3, 'title ' || $1, 100.5, -20, 0, ['a'], 2, 3, 300,
         TIMESTAMP '2025-10-11')`,
      [id, from, sev],
    )
  const member = (inc: string, seq: number, kind: string, ref: string) =>
    c.run(
      `INSERT INTO incident_members VALUES ($1, $2, $3, $4, TIMESTAMP '2025-10-10', TIMESTAMP '2025-10-10 00:01:00',
         'BTCUSDT', ['a'], 'warning', 'one line', '{"n": 1}')`,
      [inc, seq, kind, ref],
    )
  await member('inc-0', 0, 'detection', 'd03')
  await member('inc-0', 1, 'deficit', 'backtest_deficits:0-4')
  await member('inc-0', 2, 'detection', 'd00')
  await member('inc-1', 0, 'detection', 'd05')
})

describe('detections', () => {
  const Q = `query($f: DetectionFilter, $o: [DetectionOrder!], $after: String) {
    detections(first: 4, filter: $f, orderBy: $o, after: $after) {
      nodes { id detector severity score evidence estimatedCostQuote estimatedCostQuoteApprox } pageInfo { hasNextPage endCursor } totalCount } }`
  type Page = {
    nodes: Array<{ id: string }>
    pageInfo: { hasNextPage: boolean; endCursor: string }
    totalCount: number
  }

  test('filters and pages; every detection once, in window order', async () => {
    const f = { severity: { in: ['warning', 'critical'] }, NOT: { detector: { equals: 'oracle-deviation' } } }
    const want = Array.from({ length: N }, (_, i) => det(i))
      .filter((d) => d.severity !== 'info' && d.detector !== 'oracle-deviation')
      .map((d) => d.id)
    const seen: string[] = []
    let after: string | null = null
    for (;;) {
      const r = await client.run(Q, { f, after })
      expect(r.errors).toBeUndefined()
      const p = r.data!.detections as Page
      expect(p.totalCount).toBe(want.length)
      seen.push(...p.nodes.map((n) => n.id))
      if (!p.pageInfo.hasNextPage) break
      after = p.pageInfo.endCursor
    }
    expect(seen).toEqual(want)
    const top = await client.run(Q, { o: [{ field: 'score', direction: 'DESC' }] })
    expect((top.data!.detections as Page).nodes[0]).toEqual({
      id: 'd11',
      detector: det(11).detector,
      severity: det(11).severity,
      score: 16.5,
      evidence: { z: 9 },
      estimatedCostQuote: '12.500000',
      estimatedCostQuoteApprox: 12.5,
    })
  })

  test('an unknown detector id is BAD_USER_INPUT listing the ids', async () => {
    const r = await client.run(Q, { f: { detector: { equals: 'nope' } } })
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT')
    expect(r.errors?.[0]?.message).toContain('self-trading')
  })
})

describe('incidents', () => {
  test('a page of incidents with their detections and timelines: one read per loader, not one per incident', async () => {
    const use = runtime.duck.use.bind(runtime.duck)
    let reads = 0
    runtime.duck.use = ((fn: Parameters<typeof use>[0]) => {
      reads++
      return use(fn)
    }) as typeof runtime.duck.use
    try {
      const r = await client.run(`{ incidents { nodes { id severity detectionCount totalDeficit
        detections { id } timeline { seq kind ref figures } } } }`)
      expect(r.errors).toBeUndefined()
      expect(r.data!.incidents).toEqual({
        nodes: [
          {
            id: 'inc-0',
            severity: 'critical',
            detectionCount: 2,
            totalDeficit: '100.500000',
            detections: [{ id: 'd03' }, { id: 'd00' }],
            timeline: [
              { seq: 0, kind: 'detection', ref: 'd03', figures: { n: 1 } },
              { seq: 1, kind: 'deficit', ref: 'backtest_deficits:0-4', figures: { n: 1 } },
              { seq: 2, kind: 'detection', ref: 'd00', figures: { n: 1 } },
            ],
          },
          expect.objectContaining({ id: 'inc-1', detections: [{ id: 'd05' }] }),
          expect.objectContaining({ id: 'inc-2', detections: [], timeline: [] }),
        ],
      })
      expect(reads).toBe(3)
    } finally {
      runtime.duck.use = use
    }
  })

  test('a page reads the columns its selection needs: lists and counts without id, fragments, two field sets', async () => {
    const r =
      await client.run(`{ incidents(first: 2) { nodes { detectionCount detections { ...D } brief: detections { id } } } }
      fragment D on Detection { score severity evidence }`)
    expect(r.errors).toBeUndefined()
    expect(r.data!.incidents).toEqual({
      nodes: [
        {
          detectionCount: 2,
          detections: [
            { score: 4.5, severity: 'warning', evidence: { z: 9 } },
            { score: 0, severity: 'info', evidence: { z: 9 } },
          ],
          brief: [{ id: 'd03' }, { id: 'd00' }],
        },
        {
          detectionCount: 2,
          detections: [{ score: 7.5, severity: 'critical', evidence: { z: 9 } }],
          brief: [{ id: 'd05' }],
        },
      ],
    })
  })

  test('incident(id) answers one incident; an unknown id is NOT_FOUND', async () => {
    const r = await client.run(`{ incident(id: "inc-1") { id title timeline { ref } } }`)
    expect(r.data).toEqual({ incident: { id: 'inc-1', title: 'title inc-1', timeline: [{ ref: 'd05' }] } })
    const missing = await client.run(`{ incident(id: "ghost") { id } }`)
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND')
  })
})

describe('runDetectors', () => {
  test('returns a detect run at once; bad input is BAD_USER_INPUT and starts nothing', async () => {
    const t0 = Date.parse('2025-10-10T00:00:00Z') * 1000
    await insertBars(
      runtime.duck,
      'bin',
      'BTCUSDT',
      1,
      barsFromCloses(
        t0,
        Array.from({ length: 120 }, (_, i) => 100 + (i % 7)),
      ),
    )
    const bad = await client.run(`mutation { runDetectors(input: { venue: "bin", detectors: ["nope"] }) { id } }`)
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT')
    expect(await runtime.meta.jobRun.count({ where: { kind: 'detect' } })).toBe(0)
    const ok = await client.run(
      `mutation { runDetectors(input: { venue: "bin", detectors: ["self-trading"], markets: ["BTCUSDT"],
        from: "2025-10-10T00:00:00Z", to: "2025-10-10T01:00:00Z" }) { id kind status } }`,
    )
    expect(ok.errors).toBeUndefined()
    expect(ok.data!.runDetectors).toMatchObject({ kind: 'detect', status: expect.stringMatching(/queued|running/) })
    await runs.idle()
    const done = await client.run(`query($id: ID!) { run(id: $id) { status } }`, {
      id: (ok.data!.runDetectors as { id: string }).id,
    })
    expect(done.data!.run).toMatchObject({ status: expect.stringMatching(/succeeded|failed/) })
  })

  test('a rule-set file named in detector parameters is read for the local CLI only: over the API it is refused', async () => {
    // a valid rule set under a name of its own: readable as a file, stored nowhere
    const file = path.join(tempDir('detect-rules'), 'house-rules.json')
    const document = JSON.parse(findPreset('binance-um').body) as Record<string, unknown>
    fs.writeFileSync(file, JSON.stringify({ ...document, name: 'house-rules' }))
    const input = {
      venue: 'bin',
      detectors: ['withdrawal-to-maintenance'],
      markets: ['BTCUSDT'],
      from: '2025-10-10T00:00:00Z',
      to: '2025-10-10T01:00:00Z',
      params: { 'withdrawal-to-maintenance': { rules: file } },
    }
    const before = await runtime.meta.jobRun.count({ where: { kind: 'detect' } })
    const refused = await client.run(`mutation($input: DetectInput!) { runDetectors(input: $input) { id } }`, {
      input,
    })
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT')
    expect(JSON.stringify(refused.errors)).toContain('params.withdrawal-to-maintenance.rules')
    expect(await runtime.meta.jobRun.count({ where: { kind: 'detect' } })).toBe(before)
    // the same request from this process's own CLI reads the file
    const prepared = await prepareDetectors({ ...runtime, allowRuleSetFiles: true }, input)
    expect(prepared.allowRuleSetFiles).toBe(true)
  })
})
