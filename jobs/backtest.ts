// The backtest kind: a replay of stored history against a rule set, submitted from the CLI or the API. Prepared at
// submission (bad input is refused before any run exists), recorded with its BacktestRun, executed by the pure
// prepare / execute of src/replay/backtest, and discarded (every result row deleted) unless it succeeded.
import { z } from 'zod'
import { BacktestCancelled, executeBacktest, type BacktestProgress } from '../src/replay/backtest/execute.ts'
import { backtestRecord, prepareBacktest, type PreparedBacktest } from '../src/replay/backtest/prepare.ts'
import { inlineHost } from '../src/replay/host/inlineHost.ts'
import { workerHost } from '../src/replay/host/workerHost.ts'
import { createBacktestRun, saveBacktestOutcome } from '../src/store/meta/backtestRuns.ts'
import { deleteBacktestResults } from '../src/store/results/backtestResults.ts'
import { defineJob, emptyOutcome } from './job.ts'

const PHASES = {
  warmup: 'warming up accounts',
  replay: 'replaying',
  writing: 'writing results',
  search: 'distance to failure',
} as const

/** The phase line: for the distance-to-failure search, which shocked re-run is replaying. */
function phaseText(p: BacktestProgress): string {
  if (p.phase !== 'search' || !p.search) return PHASES[p.phase]
  const { axis, factor, rerun, of } = p.search
  const shock = axis === 'returns' ? `returns ×${+factor.toFixed(3)}` : `liquidity ×${+factor.toFixed(3)}`
  return `${PHASES.search}: ${shock} (re-run ${rerun} of at most ${of} on this axis)`
}

export const backtestJob = defineJob<unknown, PreparedBacktest>({
  name: 'backtest',
  kind: 'backtest',
  description: 'Replay a window of stored market data against a rule set (the request of `runBacktest`).',
  // the request schema (src/replay/backtest/request.ts) validates it in prepare, with every problem listed
  params: z.unknown(),
  // backtests queue (RUN_CONCURRENCY) rather than refuse one another, and are not re-run after a crash
  exclusive: false,
  retryOnCrash: false,
  // rule-set files only from the command line: the API must not read the server's disk
  prepare: ({ runtime, trigger }, request) => prepareBacktest(runtime, request, { allowFiles: trigger === 'cli' }),
  async recorded({ runtime, runId }, prepared) {
    await createBacktestRun(runtime.meta, runId, backtestRecord(prepared))
  },
  async run({ runtime, runId, signal, progress, log }, prepared) {
    try {
      const { summary, timings } = await executeBacktest({ duck: runtime.duck, log }, prepared, {
        runId,
        signal,
        flushRows: runtime.config.backtestFlushRows,
        host: runtime.config.backtestKernelThread === 'main' ? inlineHost : workerHost,
        onProgress: (p) =>
          progress.update({
            phase: phaseText(p),
            done: p.doneSeconds,
            total: p.totalSeconds,
            unit: 'market seconds',
            counts: { events: p.events },
            rateOf: { count: p.events, unit: 'events/s' },
          }),
      })
      await saveBacktestOutcome(runtime.meta, runId, { summary, timings })
      return {
        ...emptyOutcome(),
        result: {
          ruleSet: `${prepared.ruleSet.rules.name}@${prepared.ruleSet.rules.effective.from}`,
          outputHash: summary.outputHash,
          eventsReplayed: summary.eventsReplayed,
          totalMs: timings.totalMs,
        },
      }
    } catch (error) {
      // the run system records the cancellation from its signal
      if (error instanceof BacktestCancelled && signal.aborted) throw signal.reason
      throw error
    }
  },
  discard: (runtime, runId) => deleteBacktestResults(runtime.duck, runId),
})
