// A detect run that committed its detections and died before rebuilding the incidents left them stale: crash recovery
// (the detect job's discard) rebuilds them from the detections that stand, and a failed run's discard does the same.
import { spawnSync } from 'node:child_process'
import os from 'node:os'
import { describe, expect, test } from 'vitest'
import { recoverRuns } from '../jobs/recovery.ts'
import { jobRegistry } from '../jobs/registry.ts'
import { rebuildIncidentScopes } from '../src/incidents/rebuild.ts'
import { replaceDetections, type DetectionRecord } from '../src/store/detect/detections.ts'
import { readIncident, readIncidents } from '../src/store/detect/incidents.ts'
import { MIN, T0 } from './support/detectData.ts'
import { testRuntime } from './support/runtime.ts'

const runtime = await testRuntime()
const deadPid = () => spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid!
const DAY_US = 1440 * MIN

function detection(venue: string, id: string, fromMin: number): DetectionRecord {
  return {
    id,
    detector: 'oracle-deviation',
    detectorVersion: '1.0.0',
    venue,
    market: 'M',
    windowFromUs: T0 + fromMin * MIN,
    windowToUs: T0 + (fromMin + 5) * MIN,
    accounts: [],
    score: 0.3,
    severity: 'warning',
    evidence: { statistic: 'test' },
    estimatedCostQuote: null,
    estimatedProfitQuote: null,
    runId: null,
    paramsHash: 'p',
    scopeFromUs: T0,
    scopeToUs: T0 + DAY_US,
  }
}

/** Replaces the scope's detections as a detect run's write does, without the incidents' rebuild after it. */
async function writeOnly(venue: string, rows: DetectionRecord[]) {
  const scope = {
    detector: 'oracle-deviation',
    venue,
    market: 'M',
    runId: null,
    paramsHash: 'p',
    fromUs: T0,
    toUs: T0 + DAY_US,
  }
  await replaceDetections(runtime.duck, [{ scope, rows }], new Date(0))
}

const memberRefs = async (venue: string) => {
  const out: string[][] = []
  for (const i of await readIncidents(runtime.duck, { venue, runId: null }))
    out.push((await readIncident(runtime.duck, i.id))!.timeline.map((m) => m.ref))
  return out
}

async function detectRun(venue: string, status: 'running' | 'succeeded') {
  return runtime.meta.jobRun.create({
    data: {
      job: 'detect',
      kind: 'detect',
      trigger: 'api',
      host: os.hostname(),
      pid: deadPid(),
      params: { venue, from: new Date(T0 / 1000).toISOString(), to: new Date((T0 + DAY_US) / 1000).toISOString() },
      status,
    },
  })
}

describe('incidents after a detect run that died between its write and the rebuild', () => {
  test('crash recovery rebuilds them from the detections that stand', async () => {
    const venue = 'rec-crash'
    await writeOnly(venue, [detection(venue, 'det_a', 100)])
    await rebuildIncidentScopes(runtime, { venue, runId: null, gapSeconds: 3600 })
    expect(await memberRefs(venue)).toEqual([['det_a']])
    // the next run replaces det_a by two detections far apart, then its process dies before the rebuild
    await writeOnly(venue, [detection(venue, 'det_b', 300), detection(venue, 'det_c', 900)])
    expect(await memberRefs(venue)).toEqual([['det_a']])
    const crashed = await detectRun(venue, 'running')
    const recovered = await recoverRuns(runtime, jobRegistry)
    expect(recovered).toContainEqual({ id: crashed.id, job: 'detect', status: 'failed' })
    expect(await memberRefs(venue)).toEqual([['det_b'], ['det_c']])
  })

  test('the same detections rebuilt again give the same incidents (a run that wrote nothing changes nothing)', async () => {
    const venue = 'rec-crash'
    const before = await readIncidents(runtime.duck, { venue, runId: null })
    await detectRun(venue, 'running')
    await recoverRuns(runtime, jobRegistry)
    const after = await readIncidents(runtime.duck, { venue, runId: null })
    expect(after.map((i) => ({ ...i, createdAt: null }))).toEqual(before.map((i) => ({ ...i, createdAt: null })))
  })

  test('a succeeded run is left alone, and a run whose parameters name no venue is recovered without a rebuild', async () => {
    const venue = 'rec-other'
    await writeOnly(venue, [detection(venue, 'det_x', 100)])
    await detectRun(venue, 'succeeded')
    const odd = await runtime.meta.jobRun.create({
      data: {
        job: 'detect',
        kind: 'detect',
        trigger: 'api',
        host: os.hostname(),
        pid: deadPid(),
        params: { x: 1 },
        status: 'running',
      },
    })
    const recovered = await recoverRuns(runtime, jobRegistry)
    expect(recovered).toContainEqual({ id: odd.id, job: 'detect', status: 'failed' })
    expect(await memberRefs(venue)).toEqual([])
  })
})
