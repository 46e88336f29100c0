import fs from 'node:fs'
import { closeRuntime, openRuntime } from '../src/app/runtime.ts'
import { loadConfig } from '../src/config/load.ts'
import { runDetectors } from '../src/detect/run.ts'
import { loadScenario, readScenarioTruth } from '../src/ingest/scenarios/index.ts'
import { createLogger } from '../src/obs/logger.ts'
import { readDetections } from '../src/store/detect/detections.ts'
const [scenario, seedText, detector] = process.argv.slice(2)
const dir = process.env.KEEP ?? fs.mkdtempSync('/tmp/oneq-')
const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent', DUCKDB_MEMORY_LIMIT: '2GB' })
const { runtime } = await openRuntime(config, { migrate: true, log: createLogger('silent') })
const seed = Number(seedText)
await loadScenario(runtime, scenario!, { seed })
const [t] = await readScenarioTruth(runtime.duck, { scenario, seed })
await runDetectors(runtime, { venue: t!.venue, markets: t!.markets, from: t!.from, to: t!.to, detectors: [detector] } as never)
const found = (await readDetections(runtime.duck, { venue: t!.venue, runId: null })).filter((d) => d.detector === detector && d.severity !== 'info')
console.log(`${scenario} ${seed} attack ${t!.attackFrom.toISOString()} → ${t!.attackTo.toISOString()} accounts ${JSON.stringify(t!.accounts).slice(0, 300)}`)
for (const d of found) console.log(d.severity, d.market, new Date(d.windowFromUs / 1000).toISOString(), new Date(d.windowToUs / 1000).toISOString(), d.accounts, d.estimatedCostQuote, d.estimatedProfitQuote, '\n', JSON.stringify(d.evidence, null, 1).slice(0, 9000))
await closeRuntime(runtime)
if (!process.env.KEEP) fs.rmSync(dir, { recursive: true, force: true })
