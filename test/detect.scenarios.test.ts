// Detectors on the scenario library with seeds 1–2 (the eval harness uses 101–105): each pattern a scenario plants
// is found inside its attack window, naming its accounts where the pattern has accounts, and a calm control shows
// nothing above info. The scenarios come loaded from the shared copies (test/support/scenarioStore.ts): seed 2 is
// the whole library, as scenarios.signals reads it.
import { describe, expect, test } from 'vitest'
import { runDetectors } from '../src/detect/run.ts'
import type { DetectorId } from '../src/domain/detection.ts'
import { scenarioNames } from '../src/ingest/scenarios/index.ts'
import { readDetections } from '../src/store/detect/detections.ts'
import { scenarioRuntime, scenarioTruth } from './support/scenarioStore.ts'

/** Each planted pattern: a warning or critical in the attack window; where it names accounts, one of the attackers. */
const planted: Array<[string, DetectorId[], DetectorId[]]> = [
  [
    'mango-self-trade-pump',
    ['self-trading', 'oracle-deviation', 'thin-market-push', 'withdrawal-to-maintenance'],
    ['self-trading', 'thin-market-push', 'withdrawal-to-maintenance'],
  ],
  ['cascade-crash', ['liquidation-cascade'], []],
  ['yfi-oi-growth', ['oi-concentration'], ['oi-concentration']],
  ['funding-squeeze', ['funding-manipulation'], []],
  ['oracle-front-run', ['oracle-front-running'], ['oracle-front-running']],
]

const runtimes = {
  1: await scenarioRuntime([...planted.map(([name]) => name), 'calm-high-volume'], 1),
  2: await scenarioRuntime(scenarioNames(), 2),
}

async function scan(scenario: string, seed: 1 | 2, detectors?: DetectorId[]) {
  const runtime = runtimes[seed]
  const truth = await scenarioTruth(runtime, scenario)
  expect(truth.seed).toBe(seed)
  const summary = await runDetectors(runtime, {
    venue: truth.venue,
    markets: truth.markets,
    from: truth.from,
    to: truth.to,
    ...(detectors ? { detectors } : {}),
  })
  expect(summary.detectors.filter((d) => d.status === 'failed')).toEqual([])
  const found = (await readDetections(runtime.duck, { venue: truth.venue, runId: null })).filter(
    (d) => truth.markets.includes(d.market) && d.scopeFromUs === truth.from.getTime() * 1000 && d.severity !== 'info',
  )
  return { truth, found }
}

describe.each(planted)('%s', (scenario, patterns, withAccounts) => {
  test.each([1, 2] as const)(
    'seed %i: every planted pattern is found in the attack window',
    { timeout: 300_000 },
    async (seed) => {
      const { truth, found } = await scan(scenario, seed, patterns)
      expect(truth.patterns).toEqual(expect.arrayContaining(patterns))
      const from = truth.attackFrom.getTime() * 1000
      const to = truth.attackTo.getTime() * 1000
      for (const id of patterns) {
        const hits = found.filter((d) => d.detector === id && d.windowToUs >= from && d.windowFromUs <= to)
        expect(hits.length, `${id} in ${scenario} seed ${seed}`).toBeGreaterThan(0)
        if (withAccounts.includes(id)) {
          const named = hits.flatMap((d) => d.accounts).filter((a) => truth.accounts.includes(a))
          expect(named.length, `${id} names an attacker`).toBeGreaterThan(0)
        }
      }
    },
  )
})

test.each([1, 2] as const)(
  'calm-high-volume seed %i: nothing above info from any detector',
  { timeout: 300_000 },
  async (seed) => {
    const { found } = await scan('calm-high-volume', seed)
    expect(found.map((d) => `${d.detector} ${d.severity} ${d.market}`)).toEqual([])
  },
)
