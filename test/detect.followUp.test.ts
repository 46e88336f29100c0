// Detectors after a backtest (jobs/detect.ts detectAfterBacktest): a refusal at submission or a failed detect run is
// returned with its error, never thrown, so the backtest (or the schedule) that asked for them stands.
import { describe, expect, test } from 'vitest'
import type { ChildRuns } from '../jobs/job.ts'
import { detectAfterBacktest } from '../jobs/detect.ts'
import { jobRegistry } from '../jobs/registry.ts'
import { RunManager } from '../jobs/runManager.ts'
import { testRuntime } from './support/runtime.ts'

const runtime = await testRuntime()

describe('detectAfterBacktest', () => {
  test('a backtest run that does not exist: the detect run is refused, with what was received', async () => {
    const runs = new RunManager(runtime, jobRegistry)
    try {
      const r = await detectAfterBacktest(
        { submit: (job, params, o) => runs.submit(job, params, o) },
        { runId: 'no-such-run', venue: 'synthetic' },
        { trigger: 'api' },
      )
      expect(r).toMatchObject({ backtestRunId: 'no-such-run', detectRunId: null, status: 'refused' })
      expect(r.error).toMatch(/invalid detect request/)
      expect(await runtime.meta.jobRun.count({ where: { kind: 'detect' } })).toBe(0)
    } finally {
      await runs.stop(5000)
    }
  })

  test('a detect run that fails is returned as failed with its error and run id', async () => {
    const submitted: Array<{ job: string; params: unknown }> = []
    const runs: ChildRuns = {
      submit: async (job, params) => {
        submitted.push({ job, params })
        return {
          runId: 'detect-1',
          done: Promise.resolve({
            runId: 'detect-1',
            status: 'failed' as const,
            outcome: { partitionsLoaded: 0, partitionsSkipped: 0, partitionsFailed: 0, rows: 0, errors: [] },
            error: 'every detector that had its data failed',
          }),
        }
      },
    }
    const r = await detectAfterBacktest(runs, { runId: 'bt-1', venue: 'v' }, { trigger: 'cron', scheduleId: 's' })
    expect(submitted).toEqual([{ job: 'detect', params: { venue: 'v', runId: 'bt-1' } }])
    expect(r).toEqual({
      backtestRunId: 'bt-1',
      detectRunId: 'detect-1',
      status: 'failed',
      error: 'every detector that had its data failed',
      detections: 0,
      incidents: 0,
    })
  })
})
