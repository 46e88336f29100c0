// The attackCost kind: the smallest attacker capital that breaks a rule set under an attack pattern injected at a
// time on a market [issue 18]. Prepared at submission (bad input is refused before any run exists), executed by
// src/replay/attack with the run's signal and a progress event per search step, its document written once it
// succeeded, and discarded otherwise.
import { z } from 'zod'
import { AttackCostCancelled, executeAttackCost, MAX_STEPS } from '../src/replay/attack/execute.ts'
import { prepareAttackCost, type PreparedAttackCost } from '../src/replay/attack/prepare.ts'
import { deleteAttackCostResult, writeAttackCostResult } from '../src/store/results/attackCostResults.ts'
import { defineJob, emptyOutcome } from './job.ts'

export const attackCostJob = defineJob<unknown, PreparedAttackCost>({
  name: 'attackCost',
  kind: 'attackCost',
  description:
    'Search the smallest attacker capital that produces a deficit under a rule set (the request of `runAttackCost`).',
  // the request schema (src/replay/attack/request.ts) validates it in prepare, with every problem listed
  params: z.unknown(),
  exclusive: false,
  retryOnCrash: false,
  // rule-set files only from the command line: the API must not read the server's disk
  prepare: ({ runtime, trigger }, request) => prepareAttackCost(runtime, request, { allowFiles: trigger === 'cli' }),
  async run({ runtime, runId, signal, progress }, prepared) {
    try {
      const { document, timings } = await executeAttackCost({ duck: runtime.duck }, prepared, {
        signal,
        onProgress: (p) =>
          progress.update({
            phase:
              p.phase === 'reading'
                ? 'reading the window'
                : `step ${p.step}: ${p.phase === 'grow' ? 'doubling' : 'bisecting'}, capital ${p.capital}`,
            done: p.events,
            total: p.totalEvents || null,
            unit: 'events',
            counts: { step: p.step, maxSteps: MAX_STEPS },
          }),
      })
      await writeAttackCostResult(runtime.duck, runId, {
        pattern: document.attack.pattern,
        venue: document.attack.venue,
        market: document.attack.market,
        costOfAttack: document.costOfAttack,
        profitAtCost: document.profitAtCost,
        document: JSON.stringify(document),
      })
      return {
        ...emptyOutcome(),
        result: {
          costOfAttack: document.costOfAttack,
          profitAtCost: document.profitAtCost,
          statement: document.statement,
          steps: document.steps.length,
          totalMs: timings.totalMs,
        },
      }
    } catch (error) {
      if (error instanceof AttackCostCancelled && signal.aborted) throw signal.reason
      throw error
    }
  },
  discard: (runtime, runId) => deleteAttackCostResult(runtime.duck, runId),
})
