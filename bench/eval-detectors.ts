// Detector evaluation (`npm run eval:detectors`): a benchmark-style report, not a test. Loads every scenario of the
// library with 5 seeds (101–105 by default; the tests use seeds 1–2), runs all detectors over each scenario's markets
// and window, and prints per detector: true positives, misses and false positives against the ground truth, the
// accounts named, and the time from the attack's start to the first detection. Then runs the detectors over the real
// files in ../shared/data (when present) and reports everything that fires, with its evidence.
//
// Scoring (detections at warning or critical; info is context, never a hit nor a false positive):
//   TP    a scenario × seed whose patterns include the detector, with a detection of it on the scenario's markets
//         overlapping the attack window;
//   miss  such a scenario × seed without one;
//   FP    a detection of it outside the attack window, or on a scenario whose patterns do not include it (calm
//         controls: any detection above info at all is a failure of the target, listed separately);
//   secondary  a scenario's documented secondary pattern (a data signal of its incident, venue-rules §2.1, that it
//         need not trigger): a detection overlapping the attack window is counted as such, neither TP nor FP, and
//         none is no miss; outside the window it is an FP.
//
// Options: --seeds 101,102 --scenarios a,b --no-real --keep DIR (keep the store).
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { closeRuntime, openRuntime, type Runtime } from '../src/app/runtime.ts'
import { loadConfig } from '../src/config/load.ts'
import { runDetectors } from '../src/detect/run.ts'
import { DETECTOR_IDS, type DetectorId } from '../src/domain/detection.ts'
import { listScenarios, loadScenario, readScenarioTruth } from '../src/ingest/scenarios/index.ts'
import { createLogger } from '../src/obs/logger.ts'
import { readDetections, type StoredDetection } from '../src/store/detect/detections.ts'
import { readIncidents } from '../src/store/detect/incidents.ts'
import { loadRealData } from './realData.ts'

const argv = process.argv.slice(2)
const arg = (name: string) => {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? argv[i + 1] : undefined
}
const SEEDS = (arg('seeds') ?? '101,102,103,104,105').split(',').map(Number)
const ONLY = arg('scenarios')?.split(',')
const REAL = !argv.includes('--no-real')

const iso = (us: number) => new Date(Math.floor(us / 1000)).toISOString().replace('.000Z', 'Z')
const minutes = (us: number) => (us / 60e6).toFixed(1)
const above = (d: StoredDetection) => d.severity !== 'info'

interface Outcome {
  scenario: string
  seed: number
  calm: boolean
  pattern: boolean
  /** A documented secondary pattern of the scenario: may fire in the attack window, not required. */
  secondary: boolean
  hit: boolean
  delayUs: number | null
  accountsFound: number
  accountsTruth: number
  falsePositives: StoredDetection[]
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)))
  return rows
    .map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '))
    .join('\n')
}

/**
 * sha256 per detector over everything its detections say (all but created_at), scenario by scenario: a change meant to
 * be a pure optimisation must leave every line equal; a tuning changes its own detector's line only.
 */
const contentHashes = new Map<DetectorId, ReturnType<typeof createHash>>(
  DETECTOR_IDS.map((d) => [d, createHash('sha256')]),
)
const detectionCounts = new Map<DetectorId, number>(DETECTOR_IDS.map((d) => [d, 0]))
function hashDetections(found: StoredDetection[]) {
  for (const d of [...found].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const { createdAt: _createdAt, ...content } = d
    contentHashes.get(d.detector as DetectorId)?.update(`${JSON.stringify(content)}\n`)
    detectionCounts.set(d.detector as DetectorId, (detectionCounts.get(d.detector as DetectorId) ?? 0) + 1)
  }
}

async function evaluateScenarios(runtime: Runtime): Promise<Map<DetectorId, Outcome[]>> {
  const outcomes = new Map<DetectorId, Outcome[]>(DETECTOR_IDS.map((d) => [d, []]))
  const scenarios = listScenarios().filter((s) => !ONLY || ONLY.includes(s.name))
  for (const scenario of scenarios) {
    for (const seed of SEEDS) {
      const t0 = performance.now()
      await loadScenario(runtime, scenario.name, { seed })
      const [truth] = await readScenarioTruth(runtime.duck, { scenario: scenario.name, seed })
      const t1 = performance.now()
      const summary = await runDetectors(runtime, {
        venue: truth!.venue,
        markets: truth!.markets,
        from: truth!.from,
        to: truth!.to,
      })
      const t2 = performance.now()
      const found = (await readDetections(runtime.duck, { venue: truth!.venue, runId: null })).filter(
        (d) => truth!.markets.includes(d.market) && d.scopeFromUs === truth!.from.getTime() * 1000,
      )
      hashDetections(found)
      const attackFrom = truth!.attackFrom.getTime() * 1000
      const attackTo = truth!.attackTo.getTime() * 1000
      const calm = truth!.patterns.length === 0
      const failed = summary.detectors.filter((d) => d.status === 'failed')
      console.error(
        `${scenario.name} seed ${seed}: load ${((t1 - t0) / 1000).toFixed(1)} s, detect ${((t2 - t1) / 1000).toFixed(1)} s, ` +
          `${found.filter(above).length} above info${failed.length ? `, FAILED ${failed.map((f) => `${f.detector}: ${f.error}`).join('; ')}` : ''}`,
      )
      for (const id of DETECTOR_IDS) {
        const mine = found.filter((d) => d.detector === id && above(d))
        const pattern = truth!.patterns.includes(id)
        const secondary = !pattern && scenario.secondaryPatterns.includes(id)
        const inWindow = mine.filter((d) => d.windowToUs >= attackFrom && d.windowFromUs <= attackTo)
        const named = new Set(inWindow.flatMap((d) => d.accounts))
        outcomes.get(id)!.push({
          scenario: scenario.name,
          seed,
          calm,
          pattern,
          secondary,
          hit: (pattern || secondary) && inWindow.length > 0,
          delayUs:
            pattern && inWindow.length
              ? Math.max(0, Math.min(...inWindow.map((d) => d.windowFromUs)) - attackFrom)
              : null,
          accountsFound: truth!.accounts.filter((a) => named.has(a)).length,
          accountsTruth: truth!.accounts.length,
          falsePositives: pattern || secondary ? mine.filter((d) => !inWindow.includes(d)) : mine,
        })
      }
    }
  }
  return outcomes
}

function report(outcomes: Map<DetectorId, Outcome[]>) {
  let targetsMet = true
  for (const id of DETECTOR_IDS) {
    const rows = [
      ['scenario', 'seeds', 'TP', 'miss', 'FP', 'accounts named', 'first detection (min after attack start)'],
    ]
    const byScenario = new Map<string, Outcome[]>()
    for (const o of outcomes.get(id)!) byScenario.set(o.scenario, [...(byScenario.get(o.scenario) ?? []), o])
    const lines: string[] = []
    for (const [scenario, list] of byScenario) {
      const pattern = list[0]!.pattern
      const secondary = list[0]!.secondary
      const fp = list.reduce((a, o) => a + o.falsePositives.length, 0)
      if (!pattern && !secondary && fp === 0) continue
      const delays = list.filter((o) => o.delayUs !== null).map((o) => o.delayUs!)
      rows.push([
        `${scenario}${pattern ? ' *' : secondary ? ' °' : list[0]!.calm ? ' (calm)' : ''}`,
        String(list.length),
        pattern || secondary ? String(list.filter((o) => o.hit).length) : '-',
        pattern ? String(list.filter((o) => !o.hit).length) : '-',
        String(fp),
        pattern && list[0]!.accountsTruth
          ? `${list.reduce((a, o) => a + o.accountsFound, 0)}/${list.reduce((a, o) => a + o.accountsTruth, 0)}`
          : '-',
        delays.length ? `${delays.map(minutes).join(' ')}` : '-',
      ])
      if (pattern && list.some((o) => !o.hit)) targetsMet = false
      for (const o of list) {
        for (const d of o.falsePositives) {
          if (o.calm) targetsMet = false
          lines.push(
            `    FP ${o.calm ? '(calm control!) ' : ''}${scenario} seed ${o.seed}: ${d.severity} ${d.market} ${iso(d.windowFromUs)} → ` +
              `${iso(d.windowToUs)} score ${Number(d.score.toPrecision(4))}${d.accounts.length ? ` accounts ${d.accounts.length}` : ''}`,
          )
        }
      }
    }
    console.log(
      `\n## ${id}   (* = a scenario whose ground truth includes this pattern; ° = a documented secondary pattern of it: ` +
        'TP counts the seeds where it fired in the attack window, none is no miss)',
    )
    console.log(table(rows))
    for (const l of lines.slice(0, 30)) console.log(l)
    if (lines.length > 30) console.log(`    … ${lines.length - 30} more`)
  }
  return targetsMet
}

function describe(d: StoredDetection): string {
  const e = d.evidence as Record<string, unknown>
  const peak = e.peak as Record<string, unknown> | undefined
  const parts = [
    `${d.severity.padEnd(8)} ${d.detector} ${d.market} ${iso(d.windowFromUs)} → ${iso(d.windowToUs)} score ${Number(d.score.toPrecision(4))}`,
  ]
  if (e.mode) parts.push(`      mode: ${String(e.mode)}`)
  if (peak) parts.push(`      peak: ${JSON.stringify(peak)}`)
  if (e.hawkes) parts.push(`      hawkes: ${JSON.stringify(e.hawkes)}`)
  if (e.push) parts.push(`      push: ${JSON.stringify(e.push)}`)
  if (d.accounts.length)
    parts.push(`      accounts: ${d.accounts.slice(0, 6).join(', ')}${d.accounts.length > 6 ? ' …' : ''}`)
  if (!peak && !e.push) parts.push(`      evidence: ${JSON.stringify(e).slice(0, 400)}`)
  return parts.join('\n')
}

async function evaluateReal(runtime: Runtime, scratch: string) {
  const { windows, rows } = await loadRealData(runtime, scratch)
  if (!windows.length) {
    console.log('\n# Real data: ../shared/data is absent, skipped')
    return
  }
  console.log(`\n# Real data (../shared/data, ${rows} rows loaded through ingest file)`)
  for (const w of windows) {
    const t = performance.now()
    const s = await runDetectors(runtime, { venue: w.venue, markets: w.markets, from: w.from, to: w.to })
    const ran = s.detectors.filter((d) => d.status === 'ran')
    console.log(`\n## ${w.name}`)
    console.log(`expected: ${w.expect}`)
    console.log(
      `ran ${new Set(ran.map((d) => d.detector)).size} detectors over ${w.markets.length} market(s) in ${((performance.now() - t) / 1000).toFixed(1)} s; ` +
        `missing data: ${[...new Set(s.detectors.filter((d) => d.status === 'missing-data').map((d) => `${d.detector} (${d.missing.map((m) => m.table).join('+')})`))].join(', ') || 'none'}`,
    )
    const found = (await readDetections(runtime.duck, { venue: w.venue, runId: null })).filter(
      (d) => w.markets.includes(d.market) && d.scopeFromUs === w.from.getTime() * 1000,
    )
    console.log(
      `detections: ${found.length} (${found.filter((d) => d.severity === 'critical').length} critical, ` +
        `${found.filter((d) => d.severity === 'warning').length} warning, ${found.filter((d) => d.severity === 'info').length} info)`,
    )
    for (const d of found) console.log(describe(d))
    const incidents = (await readIncidents(runtime.duck, { venue: w.venue, runId: null })).filter(
      (i) => i.toUs > w.from.getTime() * 1000 && i.fromUs < w.to.getTime() * 1000,
    )
    for (const i of incidents)
      console.log(`  incident ${i.id} ${i.severity} ${iso(i.fromUs)} → ${iso(i.toUs)}: ${i.title}`)
  }
}

const dir = arg('keep') ?? fs.mkdtempSync(path.join(os.tmpdir(), 'backstop-eval-'))
const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent', DUCKDB_MEMORY_LIMIT: '2GB' })
const { runtime } = await openRuntime(config, { migrate: true, log: createLogger('silent') })
const started = performance.now()
try {
  console.log(`# Detector evaluation: seeds ${SEEDS.join(', ')} (tests use 1–2), ${new Date().toISOString()}`)
  const outcomes = await evaluateScenarios(runtime)
  const met = report(outcomes)
  console.log(
    `\ntargets (every pattern found in every seed of its scenarios; nothing above info on calm controls): ${met ? 'MET' : 'NOT MET'}`,
  )
  console.log('\ncontent of the scenario detections (count, sha256 prefix), per detector:')
  for (const id of DETECTOR_IDS)
    console.log(
      `  ${id.padEnd(26)} ${String(detectionCounts.get(id)).padStart(5)}  ${contentHashes.get(id)!.digest('hex').slice(0, 16)}`,
    )
  if (REAL) await evaluateReal(runtime, path.join(dir, 'real'))
  console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s (shared 2-core machine)`)
} finally {
  await closeRuntime(runtime)
  if (!arg('keep')) fs.rmSync(dir, { recursive: true, force: true })
}
