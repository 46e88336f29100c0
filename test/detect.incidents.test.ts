// Incidents: the grouping rule (time overlap within the gap, same market or linked accounts, venue-wide cascades,
// attachments that never bridge), determinism, and a rebuild from a run's deficits, guardrail triggers and ADL fills
// plus detections: exact totals, a title, a timeline, and the same ids and rows when rebuilt again.
import { describe, expect, test } from 'vitest'
import { groupMembers, linkClusters, type GroupMember } from '../src/incidents/group.ts'
import { rebuildIncidents } from '../src/incidents/rebuild.ts'
import { incidentTitle } from '../src/incidents/title.ts'
import { replaceDetections, type DetectionRecord } from '../src/store/detect/detections.ts'
import { readIncident, readIncidents } from '../src/store/detect/incidents.ts'
import { backtestRunRecord, insertLedgerRows, MIN, T0 } from './support/detectData.ts'
import { testRuntime } from './support/runtime.ts'

const GAP = 3600 * 1_000_000

function member(ref: string, fromMin: number, toMin: number, o: Partial<GroupMember> = {}): GroupMember {
  return {
    ref,
    fromUs: T0 + fromMin * MIN,
    toUs: T0 + toMin * MIN,
    market: 'M',
    accounts: [],
    seed: true,
    venueWide: false,
    ...o,
  }
}

const refs = (groups: GroupMember[][]) => groups.map((g) => g.map((m) => m.ref))

describe('grouping', () => {
  test('members of one market join while the next starts within the gap of the group’s end', () => {
    expect(refs(groupMembers([member('a', 0, 10), member('b', 69, 70)], new Map(), GAP))).toEqual([['a', 'b']])
    expect(refs(groupMembers([member('a', 0, 10), member('b', 71, 72)], new Map(), GAP))).toEqual([['a'], ['b']])
    // a long member keeps the group open until its own end
    expect(refs(groupMembers([member('a', 0, 200), member('b', 5, 6), member('c', 250, 251)], new Map(), GAP))).toEqual(
      [['a', 'b', 'c']],
    )
  })

  test('different markets join only through linked accounts (or as venue-wide cascades)', () => {
    const x = member('x', 0, 10, { market: 'M1', accounts: ['acct-1'] })
    const y = member('y', 20, 30, { market: 'M2', accounts: ['acct-2'] })
    expect(refs(groupMembers([x, y], new Map(), GAP))).toEqual([['x'], ['y']])
    expect(refs(groupMembers([x, y], linkClusters([['acct-2', 'acct-1']]), GAP))).toEqual([['x', 'y']])
    const c1 = member('c1', 0, 10, { market: 'BTC', venueWide: true })
    const c2 = member('c2', 5, 15, { market: 'ETH', venueWide: true })
    expect(refs(groupMembers([c1, c2], new Map(), GAP))).toEqual([['c1', 'c2']])
  })

  test('attachments join a seed they overlap but never bridge two groups; alone they make no incident', () => {
    const a = member('a', 0, 10)
    const b = member('b', 100, 110)
    const info = member('i', 50, 60, { seed: false })
    const lonely = member('l', 500, 510, { seed: false })
    expect(refs(groupMembers([a, b, info, lonely], new Map(), GAP))).toEqual([['a', 'i'], ['b']])
  })

  test('the same members in any order give the same groups', () => {
    const members = Array.from({ length: 60 }, (_, i) =>
      member(`m${i}`, (i * 37) % 500, ((i * 37) % 500) + (i % 7) * 9, {
        market: `M${i % 3}`,
        accounts: i % 5 === 0 ? [`acct-${i % 4}`] : [],
        seed: i % 4 !== 0,
      }),
    )
    const clusters = linkClusters([
      ['acct-0', 'acct-1'],
      ['acct-2', 'acct-3'],
    ])
    const expected = refs(groupMembers(members, clusters, 20 * MIN))
    for (const k of [7, 13, 29]) {
      const shuffled = [...members].sort(
        (p, q) => ((Number(p.ref.slice(1)) * k) % 61) - ((Number(q.ref.slice(1)) * k) % 61),
      )
      expect(refs(groupMembers(shuffled, clusters, 20 * MIN))).toEqual(expected)
    }
    expect(expected.length).toBeGreaterThan(1)
  })

  test('titles name the pattern, the market, linked accounts and the deficit', () => {
    expect(
      incidentTitle({
        venue: 'mango',
        patterns: ['thin-market-push', 'self-trading'],
        markets: ['MNGO-PERP'],
        accounts: 2,
        linked: true,
        deficit: 110_200_000,
        deficits: 3,
        guardrails: 0,
      }),
    ).toBe('Oracle push + self-trading on MNGO-PERP by 2 linked accounts; deficit 110.2 M')
    expect(
      incidentTitle({
        venue: 'synthetic',
        patterns: [],
        markets: ['A', 'B', 'C'],
        accounts: 0,
        linked: false,
        deficit: 950,
        deficits: 1,
        guardrails: 2,
      }),
    ).toBe('[synthetic] Deficits on A +2 markets; deficit 950')
  })
})

describe('rebuild from a run', async () => {
  const runtime = await testRuntime()
  const venue = 'inc'
  const run = await backtestRunRecord(runtime.meta, {
    venue,
    markets: ['M', 'N'],
    fromTs: new Date(T0 / 1000),
    toTs: new Date((T0 + 1440 * MIN) / 1000),
    positionsSource: 'explicit',
  })

  const ts = (min: number) => `make_timestamp(${T0 + min * MIN}::BIGINT)`
  await runtime.duck.use(async (c) => {
    // two deficits on M a minute apart (one partly beyond the fund), one on N hours later
    await c.run(`INSERT INTO backtest_deficits VALUES
      ('${run.id}', 1, ${ts(600)}, 'B', 'M', 10, 'shortfall', 1000.5, 1000.5, 0, 0, 0, 0),
      ('${run.id}', 2, ${ts(601)}, 'syn-7', 'M', 11, 'shortfall', 250.25, 100, 0, 150.25, 0, 0),
      ('${run.id}', 3, ${ts(900)}, 'syn-9', 'N', 12, 'shortfall', 10, 10, 0, 0, 0, 0)`)
    await c.run(`INSERT INTO backtest_guardrail_triggers VALUES
      ('${run.id}', 1, ${ts(599)}, 'M', 'priceBand', 'pauseLiquidations', 0.2, 0.1, NULL)`)
    await c.run(`INSERT INTO backtest_adl_fills VALUES
      ('${run.id}', 1, ${ts(601)}, 'M', 11, 'C', 'long', 1, 100, 100, 1, 1.5, 0, 0, 150.25)`)
  })
  // a self-trading detection on M by A and B (linked through a transfer) an hour before the deficits
  await insertLedgerRows(runtime.duck, venue, [
    { tsUs: T0, account: 'A', delta: -5000, kind: 'transfer', counterparty: 'B' },
    { tsUs: T0, account: 'B', delta: 5000, kind: 'transfer', counterparty: 'A' },
  ])
  const detection: DetectionRecord = {
    id: 'det_test_1',
    detector: 'self-trading',
    detectorVersion: '1.0.0',
    venue,
    market: 'M',
    windowFromUs: T0 + 540 * MIN,
    windowToUs: T0 + 545 * MIN,
    accounts: ['A', 'B'],
    score: 0.3,
    severity: 'critical',
    evidence: { statistic: 'test' },
    estimatedCostQuote: null,
    estimatedProfitQuote: '5000',
    runId: null,
    paramsHash: 'p',
    scopeFromUs: T0,
    scopeToUs: T0 + 1440 * MIN,
  }
  await replaceDetections(
    runtime.duck,
    [{ scope: { ...detection, fromUs: T0, toUs: T0 + 1440 * MIN }, rows: [detection] }],
    new Date(0),
  )

  test('deficits, a guardrail trigger and a detection on one market become one incident with exact totals', async () => {
    const summary = await rebuildIncidents(runtime, { venue, runId: run.id, gapSeconds: 3600 })
    expect(summary.incidents).toBe(2)
    const [first, second] = await readIncidents(runtime.duck, { runId: run.id })
    expect(first!.markets).toEqual(['M'])
    expect(first!.severity).toBe('critical')
    expect(first!.totalDeficit).toBe('1250.75')
    expect(first!.insuranceFundImpact).toBe('-1100.5')
    expect(first!.adlCount).toBe(1)
    expect(first!.title).toBe('Self-trading on M by 2 linked accounts; deficit 1.3 k')
    expect(first!.fromUs).toBe(T0 + 540 * MIN)
    expect(second!.markets).toEqual(['N'])
    expect(second!.totalDeficit).toBe('10')
    const { timeline } = (await readIncident(runtime.duck, first!.id))!
    // deficits are grouped per market and minute: one member per minute
    expect(timeline.map((m) => [m.kind, m.severity, m.ref])).toEqual([
      ['detection', 'critical', 'det_test_1'],
      ['guardrail', 'info', 'backtest_guardrail_triggers:1-1'],
      ['deficit', 'warning', 'backtest_deficits:1-1'],
      ['deficit', 'critical', 'backtest_deficits:2-2'],
    ])
  })

  test('rebuilding gives the same incidents, ids and timelines, never duplicates', async () => {
    const before = await readIncidents(runtime.duck, { runId: run.id })
    const timeline = (await readIncident(runtime.duck, before[0]!.id))!.timeline
    await rebuildIncidents(runtime, { venue, runId: run.id, gapSeconds: 3600 })
    const after = await readIncidents(runtime.duck, { runId: run.id })
    expect(after.map((i) => ({ ...i, createdAt: null }))).toEqual(before.map((i) => ({ ...i, createdAt: null })))
    expect((await readIncident(runtime.duck, before[0]!.id))!.timeline).toEqual(timeline)
  })

  test('a smaller gap splits what a larger one joins', async () => {
    await rebuildIncidents(runtime, { venue, runId: run.id, gapSeconds: 60 })
    const split = await readIncidents(runtime.duck, { runId: run.id })
    expect(split.map((i) => i.markets.join())).toEqual(['M', 'M', 'N'])
    expect(split.every((i) => i.gapSeconds === 60)).toBe(true)
  })
})
