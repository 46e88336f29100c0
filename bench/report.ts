// Report generation time (`npm run bench:report`): one day of 1 s bars with a crash, a squeeze and a dip (the report
// tests' day, test/support/reportData.ts), a backtest of a thin-fund rule set over it, then `--repeat` report runs
// (job report.generate, all three formats) timed per step from the run's own progress events. Prints each step's
// median and the whole run's median and spread, and the size of what was written.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { openRunSystem } from '../jobs/open.ts'
import { loadConfig } from '../src/config/load.ts'
import { createLogger } from '../src/obs/logger.ts'
import { deriveStoredRuleSet } from '../src/replay/rules/catalog.ts'
import { REPORT_JOB } from '../src/report/reportRun.ts'
import { REPORT_MARKET, REPORT_VENUE, reportPopulation, seedReportDay } from '../test/support/reportData.ts'

const argv = process.argv.slice(2)
const arg = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? argv[i + 1]! : fallback
}
const REPEAT = Number(arg('repeat', '5'))
const POSITIONS = Number(arg('positions', String(reportPopulation.initialPositions)))
const DAY = Date.UTC(2025, 9, 10)

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backstop-bench-report-'))
const config = loadConfig({ DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'silent' })
const system = await openRunSystem(config, { migrate: true, log: createLogger('silent') })
try {
  const { runtime, runs } = system
  let t = performance.now()
  await seedReportDay(runtime.duck, DAY)
  console.log(`seeded one day of 1 s bars (${REPORT_MARKET}) in ${((performance.now() - t) / 1000).toFixed(1)} s`)
  await deriveStoredRuleSet(runtime.meta, {
    from: 'binance-um',
    name: 'thin-fund',
    set: [{ path: 'insuranceFund.initialBalance', value: '150000' }],
  })
  t = performance.now()
  const backtest = await runs.run(
    'backtest',
    {
      ruleSet: 'thin-fund',
      venue: REPORT_VENUE,
      markets: [REPORT_MARKET],
      from: new Date(DAY).toISOString(),
      to: new Date(DAY + 86_400_000).toISOString(),
      positions: 'synthetic',
      seed: 7,
      population: { ...reportPopulation, initialPositions: POSITIONS },
    },
    { trigger: 'cli' },
  )
  if (backtest.status !== 'succeeded') throw new Error(`backtest ${backtest.status}: ${backtest.error}`)
  console.log(`backtest of one day, ${POSITIONS} positions: ${((performance.now() - t) / 1000).toFixed(1)} s`)

  const steps = new Map<string, number[]>()
  const totals: number[] = []
  let written = { files: 0, bytes: 0 }
  for (let i = 0; i < REPEAT; i++) {
    let phase: string | null = null
    let phaseAt = 0
    const close = (now: number) => {
      if (phase) steps.set(phase, [...(steps.get(phase) ?? []), now - phaseAt])
    }
    const off = runs.on((event) => {
      if (event.type !== 'progress' || event.progress.phase === phase) return
      const now = performance.now()
      close(now)
      phase = event.progress.phase
      phaseAt = now
    })
    const t0 = performance.now()
    const result = await runs.run(REPORT_JOB, { runId: backtest.runId }, { trigger: 'cli' })
    const end = performance.now()
    off()
    close(end)
    if (result.status !== 'succeeded') throw new Error(`report ${result.status}: ${result.error}`)
    totals.push(end - t0)
    written = result.outcome.result as { files: number; bytes: number }
  }
  console.log(`\nreport of that run (html, md with charts, json), ${REPEAT} runs:`)
  for (const [name, ms] of steps) if (name !== 'done') console.log(`  ${name.padEnd(20)} ${median(ms).toFixed(0)} ms`)
  console.log(
    `  ${'whole run'.padEnd(20)} ${median(totals).toFixed(0)} ms median (min ${Math.min(...totals).toFixed(0)}, max ${Math.max(...totals).toFixed(0)})`,
  )
  console.log(`  ${written.files} files, ${(written.bytes / 1024).toFixed(0)} KiB`)
  console.log(`\n(machine: ${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)}; shared machine)`)
} finally {
  await system.close()
  fs.rmSync(dir, { recursive: true, force: true })
}
