import fs from 'node:fs'
import { closeRuntime, openRuntime } from '../src/app/runtime.ts'
import { loadConfig } from '../src/config/load.ts'
import { runDetectors } from '../src/detect/run.ts'
import { loadScenario, readScenarioTruth } from '../src/ingest/scenarios/index.ts'
import { createLogger } from '../src/obs/logger.ts'
import { readDetections } from '../src/store/detect/detections.ts'
const dir = fs.mkdtempSync('/tmp/yfiq-')
const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent', DUCKDB_MEMORY_LIMIT: '2GB' })
const { runtime } = await openRuntime(config, { migrate: true, log: createLogger('silent') })
const seeds = process.argv.slice(2).map(Number)
for (const seed of seeds) {
  await loadScenario(runtime, 'yfi-oi-growth', { seed })
  const [t] = await readScenarioTruth(runtime.duck, { scenario: 'yfi-oi-growth', seed })
  await runDetectors(runtime, { venue: t!.venue, markets: t!.markets, from: t!.from, to: t!.to, detectors: ['liquidation-cascade'] } as never)
  const found = (await readDetections(runtime.duck, { venue: t!.venue, runId: null })).filter((d) => d.detector === 'liquidation-cascade')
  console.log(`seed ${seed} attack ${t!.attackFrom.toISOString()} → ${t!.attackTo.toISOString()} markets ${t!.markets}`)
  for (const d of found) {
    const e = d.evidence as any
    if (d.severity === 'info' && (e.feedback?.trend?.liquidations ?? 0) < 15) continue
    const { feedback, thresholds, statistic, ...rest } = e
    console.log(' ', d.severity, new Date(d.windowFromUs / 1000).toISOString(), new Date(d.windowToUs / 1000).toISOString(), e.verdict, JSON.stringify({ fb: { after: feedback?.liquidationsAfterShock, beyond: feedback?.beyondShockExtreme, move: feedback?.continuedMoveAgainstSide, p: feedback?.trend?.pAgainstSide, n: feedback?.trend?.liquidations }, ...rest }).slice(0, 1400))
  }
}
await closeRuntime(runtime)
fs.rmSync(dir, { recursive: true, force: true })
