// runDetectors: re-running replaces a scope's rows (same ids, never duplicates), other parameters keep their own
// rows, a detector without its data is reported by table and range while the others run, and bad input — unknown
// detector or parameter, empty or reversed window, missing data, a run that does not exist — is a clear error that
// writes nothing; as a `detect` run of the run system it reports progress, and a cancelled run writes nothing.
import { describe, expect, test } from 'vitest'
import { jobRegistry } from '../jobs/registry.ts'
import type { RunEvent } from '../jobs/progress.ts'
import { RunManager } from '../jobs/runManager.ts'
import { runDetectors, type DetectSummary } from '../src/detect/run.ts'
import { InvalidInputError } from '../src/errors.ts'
import { readDetections } from '../src/store/detect/detections.ts'
import { readIncident, readIncidents } from '../src/store/detect/incidents.ts'
import { queryRows } from '../src/store/detect/read.ts'
import { backtestRunRecord, gauss, HOUR, insertPriceRows, MIN, rng, SEC, T0 } from './support/detectData.ts'
import { testRuntime } from './support/runtime.ts'

const runtime = await testRuntime()
const date = (us: number) => new Date(us / 1000)
const FROM = date(T0 + 2 * HOUR)
const TO = date(T0 + 8 * HOUR)

/** A mark 30 % off two references for 10 minutes (an oracle-deviation warning), nothing else. */
async function market(venue: string) {
  const r = rng(7)
  const mark = []
  const ref = []
  let p = 100
  for (let i = 0; i < 8 * 60; i++) {
    const t = T0 + i * MIN
    p *= 1 + 0.0005 * gauss(r)
    mark.push({ tsUs: t, price: p * (i >= 400 && i < 410 ? 1.3 : 1) })
    ref.push({ tsUs: t + 5 * SEC, price: p * (1 + 0.0002 * gauss(r)) })
  }
  await insertPriceRows(runtime.duck, venue, 'M', 'mark', venue, mark)
  await insertPriceRows(runtime.duck, venue, 'M', 'index', 'ref', ref)
}

const count = async (table: string) =>
  Number((await queryRows(runtime.duck, `SELECT count(*)::INTEGER AS n FROM ${table}`))[0]!.n)

async function rejected(input: Record<string, unknown>): Promise<InvalidInputError> {
  const before = [await count('detections'), await count('incidents')]
  const error = await runDetectors(runtime, input).catch((e: unknown) => e)
  expect(error).toBeInstanceOf(InvalidInputError)
  expect([await count('detections'), await count('incidents')]).toEqual(before)
  return error as InvalidInputError
}

await market('v')

describe('re-runs', () => {
  test('the same detector and parameters over the same data replace their rows: same ids, no duplicates', async () => {
    const first = await runDetectors(runtime, { venue: 'v', from: FROM, to: TO, detectors: ['oracle-deviation'] })
    expect(first.written).toEqual({ deleted: 0, inserted: 1 })
    const ids = (await readDetections(runtime.duck, { venue: 'v' })).map((d) => d.id)
    const second = await runDetectors(runtime, { venue: 'v', from: FROM, to: TO, detectors: ['oracle-deviation'] })
    expect(second.written).toEqual({ deleted: 1, inserted: 1 })
    expect((await readDetections(runtime.duck, { venue: 'v' })).map((d) => d.id)).toEqual(ids)
    expect(await readIncidents(runtime.duck, { venue: 'v' })).toHaveLength(1)
    expect(first.detectors[0]!.paramsHash).toBe(second.detectors[0]!.paramsHash)
  })

  test('other parameters keep their own rows (another params hash), and re-running one leaves the other alone', async () => {
    const params = { 'oracle-deviation': { band: 0.2 } }
    const other = await runDetectors(runtime, {
      venue: 'v',
      from: FROM,
      to: TO,
      detectors: ['oracle-deviation'],
      params,
    })
    const all = await readDetections(runtime.duck, { venue: 'v' })
    expect(new Set(all.map((d) => d.paramsHash)).size).toBe(2)
    expect(all).toHaveLength(2)
    // written equal defaults give the same hash as no parameters at all
    const same = await runDetectors(runtime, {
      venue: 'v',
      from: FROM,
      to: TO,
      detectors: ['oracle-deviation'],
      params: { 'oracle-deviation': { band: 0.1 } },
    })
    const defaults = await runDetectors(runtime, { venue: 'v', from: FROM, to: TO, detectors: ['oracle-deviation'] })
    expect(same.detectors[0]!.paramsHash).toBe(defaults.detectors[0]!.paramsHash)
    expect(same.detectors[0]!.paramsHash).not.toBe(other.detectors[0]!.paramsHash)
    expect(await readDetections(runtime.duck, { venue: 'v' })).toHaveLength(2)
  })

  test('a detector without its data is reported by table and range while the others run', async () => {
    const s = await runDetectors(runtime, {
      venue: 'v',
      from: FROM,
      to: TO,
      detectors: ['oracle-deviation', 'self-trading', 'funding-manipulation'],
    })
    const byId = Object.fromEntries(s.detectors.map((d) => [d.detector, d]))
    expect(byId['oracle-deviation']!.status).toBe('ran')
    expect(byId['self-trading']!.status).toBe('missing-data')
    expect(byId['self-trading']!.missing).toEqual([
      {
        table: 'fills',
        venue: 'v',
        market: 'M',
        note: 'account fills of the market (both sides of trades)',
        from: FROM.toISOString(),
        to: TO.toISOString(),
      },
    ])
    expect(byId['funding-manipulation']!.missing.map((m) => m.table)).toEqual(['funding', 'trades'])
  })
})

describe('bad input writes nothing', () => {
  test('unknown detector and unknown or invalid parameters are listed together', async () => {
    const e = await rejected({
      venue: 'v',
      from: FROM,
      to: TO,
      detectors: ['oracle-deviation', 'spoofing'],
      params: { spoofing: {}, 'oracle-deviation': { band: -1, bucketSecs: 60 } },
    })
    expect(e.problems.map((p) => p.path)).toEqual([
      'detectors',
      'params.spoofing',
      'params.oracle-deviation.band',
      'params.oracle-deviation',
    ])
    expect(e.problems[0]!.received).toBe('spoofing')
    expect(e.problems[0]!.expected).toContain('oracle-deviation')
  })

  test('an empty or reversed window, and no window at all', async () => {
    expect((await rejected({ venue: 'v', from: FROM, to: FROM })).problems[0]!.expected).toContain(
      'the window is empty',
    )
    expect((await rejected({ venue: 'v', from: TO, to: FROM })).problems[0]!.expected).toContain('reversed')
    expect((await rejected({ venue: 'v' })).problems.map((p) => p.path)).toEqual(['from', 'to'])
    expect((await rejected({ venue: 'v', from: 'yesterday', to: TO })).problems[0]!.path).toBe('from')
  })

  test('a market or venue without data in the window says what data exists', async () => {
    const m = await rejected({ venue: 'v', markets: ['NOPE'], from: FROM, to: TO })
    expect(m.problems[0]).toMatchObject({ path: 'markets', received: 'NOPE' })
    expect(m.problems[0]!.expected).toContain('M')
    const w = await rejected({ venue: 'v', from: date(T0 + 30 * HOUR), to: date(T0 + 31 * HOUR) })
    expect(w.problems[0]!.expected).toContain('M 2025-03-03T00:00:00.000Z')
  })

  test('when no requested detector has its data: which tables and ranges are missing', async () => {
    const e = await rejected({ venue: 'v', from: FROM, to: TO, detectors: ['self-trading', 'oi-concentration'] })
    expect(e.message).toContain('no detector has the data it needs; nothing was written')
    expect(e.problems.map((p) => [p.path, p.received])).toEqual([
      ['self-trading M', `no fills rows for v M in ${FROM.toISOString()} → ${TO.toISOString()}`],
      ['oi-concentration M', `no open_interest rows for v M in ${FROM.toISOString()} → ${TO.toISOString()}`],
    ])
  })

  test('a run id that does not exist, one that did not succeed, and one of another venue', async () => {
    const missing = await rejected({ venue: 'v', runId: 'no-such-run' })
    expect(missing.problems[0]).toMatchObject({ path: 'runId', received: 'no-such-run' })
    const queued = await backtestRunRecord(
      runtime.meta,
      {
        venue: 'elsewhere',
        markets: ['M'],
        fromTs: FROM,
        toTs: TO,
        positionsSource: 'explicit',
      },
      'queued',
    )
    const e = await rejected({ venue: 'v', runId: queued.id })
    expect(e.problems.map((p) => p.path)).toEqual(['runId', 'venue'])
    expect(e.problems[0]!.expected).toContain('queued')
    expect(e.problems[1]!.expected).toContain('elsewhere')
  })

  test('a rule set that does not exist for the withdrawal detector', async () => {
    const e = await rejected({
      venue: 'v',
      from: FROM,
      to: TO,
      detectors: ['withdrawal-to-maintenance'],
      params: { 'withdrawal-to-maintenance': { rules: 'no-such-rules' } },
    })
    expect(e.problems[0]).toMatchObject({ path: 'params.withdrawal-to-maintenance.rules', received: 'no-such-rules' })
  })
})

describe('cancellation and progress', () => {
  test('progress counts detector steps then writing; an abort between steps throws its reason and writes nothing', async () => {
    const seen: string[] = []
    await runDetectors(
      runtime,
      { venue: 'v', from: FROM, to: TO, detectors: ['oracle-deviation', 'liquidation-cascade'] },
      { onProgress: (p) => seen.push(`${p.phase} ${p.done}/${p.total}${p.detector ? ` ${p.detector}` : ''}`) },
    )
    expect(seen).toEqual([
      'detecting 0/2',
      'detecting 1/2 oracle-deviation',
      'detecting 2/2 liquidation-cascade',
      'writing 2/2',
      'incidents 2/2',
    ])
    const before = [await count('detections'), await count('incidents')]
    const stop = new AbortController()
    const reason = new Error('stop here')
    const error = await runDetectors(
      runtime,
      // other parameters: a scope of its own, which an execution that went on would write
      { venue: 'v', from: FROM, to: TO, params: { 'oracle-deviation': { band: 0.25 } } },
      { signal: stop.signal, onProgress: (p) => p.done === 1 && stop.abort(reason) },
    ).catch((e: unknown) => e)
    expect(error).toBe(reason)
    expect([await count('detections'), await count('incidents')]).toEqual(before)
  })
})

describe('the detect run kind', () => {
  const runs = new RunManager(runtime, jobRegistry)
  const runCount = async () => runtime.meta.jobRun.count()

  test('a detect run is recorded with its kind, reports progress per detector step and keeps its summary', async () => {
    const submitted = await runs.submit(
      'detect',
      { venue: 'v', from: FROM.toISOString(), to: TO.toISOString(), detectors: ['oracle-deviation'] },
      { trigger: 'cli' },
    )
    const events: RunEvent[] = []
    for await (const event of runs.watch(submitted.runId)) events.push(event)
    const result = await submitted.done
    expect(result.status).toBe('succeeded')
    expect(result.outcome.rows).toBe(1)
    expect((result.outcome.result as DetectSummary).detections.warning).toBe(1)
    const progress = events.flatMap((e) => (e.type === 'progress' ? [e.progress] : []))
    expect(progress.map((p) => p.phase)).toContain('running detectors')
    expect(progress.at(-1)).toMatchObject({ phase: 'rebuilding incidents', done: 1, total: 1, unit: 'detector steps' })
    const stored = await runtime.meta.jobRun.findUniqueOrThrow({ where: { id: submitted.runId } })
    expect([stored.kind, stored.job, stored.status]).toEqual(['detect', 'detect', 'succeeded'])
    expect((stored.result as { detections: { warning: number } }).detections.warning).toBe(1)
  })

  test('bad input is refused at submission: no run recorded, nothing written', async () => {
    const before = [await runCount(), await count('detections')]
    await expect(runs.submit('detect', { venue: 'v', window: 'all' }, { trigger: 'cli' })).rejects.toThrow(
      InvalidInputError,
    )
    await expect(
      runs.submit('detect', { venue: 'v', from: TO.toISOString(), to: FROM.toISOString() }, { trigger: 'cli' }),
    ).rejects.toThrow(/reversed/)
    expect([await runCount(), await count('detections')]).toEqual(before)
  })

  test('cancelled while running: recorded cancelled, and its detections and incidents are not written', async () => {
    const before = [await count('detections'), await count('incidents')]
    const submitted = await runs.submit(
      'detect',
      // parameters of their own: a run that went on would add rows
      { venue: 'v', from: FROM.toISOString(), to: TO.toISOString(), params: { 'oracle-deviation': { band: 0.2 } } },
      { trigger: 'cli' },
    )
    for await (const event of runs.watch(submitted.runId)) {
      if (event.type === 'progress' && event.progress.phase === 'running detectors') {
        await runs.cancel(submitted.runId)
        break
      }
    }
    const result = await submitted.done
    expect(result.status).toBe('cancelled')
    expect([await count('detections'), await count('incidents')]).toEqual(before)
    expect((await runtime.meta.jobRun.findUniqueOrThrow({ where: { id: submitted.runId } })).status).toBe('cancelled')
  })
})

describe('over a backtest run', () => {
  test('the cascade detector reads the run’s liquidations (rows carry the run id) and the run’s incidents include them', async () => {
    const venue = 'runv'
    await market(venue)
    const run = await backtestRunRecord(runtime.meta, {
      venue,
      markets: ['M'],
      fromTs: new Date(T0 / 1000),
      toTs: TO,
      positionsSource: 'synthetic',
    })
    // a liquidation every 5 minutes for 7 hours, then 120 long liquidations in 3 minutes as the mark falls (feedback)
    const rows: string[] = []
    let seq = 0
    const row = (us: number, notional: number, side: string, mark = 100) =>
      rows.push(
        `('${run.id}', ${seq++}, make_timestamp(${Math.round(us)}::BIGINT), 'syn-${seq}', 'M', '${side}', 'full', 1, ${notional}, ${mark}, 99, 98, 97, 97, 1, 1, 5, 1, 0, 4, 0)`,
      )
    for (let t = T0; t < T0 + 7 * HOUR; t += 5 * MIN) row(t, 1000 + (seq % 7) * 100, seq % 2 ? 'long' : 'short')
    for (let k = 0; k < 120; k++) row(T0 + 7 * HOUR + 10 * MIN + k * 1.5 * SEC, 50_000, 'long', 100 - k * 0.05)
    await runtime.duck.use((c) => c.run(`INSERT INTO backtest_liquidations VALUES ${rows.join(', ')}`))
    const s = await runDetectors(runtime, {
      venue,
      runId: run.id,
      detectors: ['liquidation-cascade', 'oracle-deviation'],
    })
    expect(s.from).toBe(new Date(T0 / 1000).toISOString())
    expect(s.markets).toEqual(['M'])
    const [cascade] = await readDetections(runtime.duck, { venue, detectors: ['liquidation-cascade'] })
    expect(cascade!.runId).toBe(run.id)
    expect(cascade!.severity).toBe('critical')
    expect((cascade!.evidence as { mode: string }).mode).toBe('replayed liquidations')
    expect((await readDetections(runtime.duck, { venue, detectors: ['oracle-deviation'] }))[0]!.runId).toBeNull()
    // the deviation (6 h 40 m) and the replayed cascade (7 h 10 m) are within the 1 h gap on one market: one incident
    const incidents = await readIncidents(runtime.duck, { venue, runId: run.id })
    expect(incidents.map((i) => i.title)).toEqual(['Liquidation cascade + oracle/mark deviation on M'])
    const { timeline } = (await readIncident(runtime.duck, incidents[0]!.id))!
    expect(timeline.map((m) => m.ref)).toEqual([
      (await readDetections(runtime.duck, { venue, detectors: ['oracle-deviation'] }))[0]!.id,
      cascade!.id,
    ])
  })
})
