// Sweep benchmark (`npm run bench:sweep`): on the engine bench's synthetic window (1 s bars, a crash every 10 days)
// with its synthetic population, one single backtest end to end (plan, feed, kernel, result writes), then a sweep of
// 32 points (maintenanceScale × liquidation fee, 8 × 4) over the same window in the same process: total time, the
// ratio to the single backtest, feed reads, peak RSS. Wall and CPU time (all threads of the process, DuckDB's too) are
// both given: on a shared machine the wall ratio follows the load, the CPU ratio the work; each sweep thread's own CPU
// (Linux) gives a point's share directly: its CPU over the kernels it ran. Options: --days N (30),
// --positions N (100000), --threads N, --vary AXIS (repeatable, replaces the default axes). The default fee axis is
// accounting only (BTCUSDT's own rate; the fund never runs dry): each maintenance scale's four fee points run as
// accounting lanes of one kernel (kernel/accountingLanes.ts), and the line "on N kernel(s) with M accounting
// lane(s)" says so. Axes that move positions on both dimensions (e.g. --vary maintenanceScale=1..1.7:0.1 --vary
// execution.intrabar.reactionS=1,2,3,5) measure 33 kernels instead; `--vary fees.liquidationFeeRate=…` shows points
// sharing one kernel outright (binance-um's own BTCUSDT rate shadows the default).
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { executeBacktest } from '../src/replay/backtest/execute.ts'
import { prepareBacktest } from '../src/replay/backtest/prepare.ts'
import { executeSweep } from '../src/replay/sweep/execute.ts'
import { prepareSweep } from '../src/replay/sweep/prepare.ts'
import { threadCpuMs } from '../src/replay/sweep/threadCpu.ts'
import { DuckStore } from '../src/store/duck/open.ts'
import { migrateDuck } from '../src/store/duck/schema.ts'
import { createMetaClient } from '../src/store/meta/client.ts'
import { migrateDeploy } from '../src/store/meta/migrate.ts'
import { DAY, generate, MARKET, T0, VENUE } from './synthetic.ts'

const argv = process.argv.slice(2)
const arg = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? argv[i + 1]! : fallback
}
const DAYS = Number(arg('days', '30'))
const POSITIONS = Number(arg('positions', '100000'))
const THREADS = argv.includes('--threads') ? Number(arg('threads', '2')) : undefined
const VARY = argv.flatMap((a, i) => (a === '--vary' ? [argv[i + 1]!] : []))
// the fee axis is BTCUSDT's own rate (binance-um's default is shadowed there, so points along it would be one kernel)
const AXES = VARY.length ? VARY : ['maintenanceScale=1..1.7:0.1', 'fees.marketRates.BTCUSDT=0.002..0.008:0.002']
const fmt = (n: number) => n.toLocaleString('en', { maximumFractionDigits: 2 })
/** CPU seconds this process (every thread) has used since `from`. */
const cpuSince = (from: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(from)
  return (u.user + u.system) / 1e6
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backstop-bench-sweep-'))
  console.log(
    `Backstop sweep benchmark — ${DAYS} days of 1 s bars, ${fmt(POSITIONS)} synthetic positions, ${AXES.join(' × ')}`,
  )
  console.log(
    `node ${process.version}, ${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? '?'}), temp ${dir}\n`,
  )
  const url = `file:${path.join(dir, 'meta.db')}`
  await migrateDeploy({ url })
  const meta = createMetaClient(url)
  const duck = await DuckStore.open({ path: path.join(dir, 'bench.duckdb'), memoryLimit: '256MB' })
  try {
    await migrateDuck(duck)
    let t = performance.now()
    const bars = await generate(duck, DAYS)
    console.log(`generated ${fmt(bars)} bars + funding in ${fmt((performance.now() - t) / 1000)} s`)
    const window = {
      from: new Date(T0 / 1000).toISOString(),
      to: new Date((T0 + DAYS * DAY * 1e6) / 1000).toISOString(),
    }
    const common = {
      ruleSet: 'binance-um',
      venue: VENUE,
      markets: [MARKET],
      positions: 'synthetic',
      population: { initialPositions: POSITIONS, meanHoldingHours: 24, leverageMax: 75, maxOpen: POSITIONS * 2 },
      seed: 1,
    }

    t = performance.now()
    let cpu = process.cpuUsage()
    const single = await prepareBacktest({ duck, meta }, { ...common, ...window }, { allowFiles: false })
    const run = await executeBacktest({ duck }, single, { runId: `bench-${crypto.randomUUID()}` })
    const singleMs = performance.now() - t
    const singleCpu = cpuSince(cpu)
    console.log(
      `single backtest: ${fmt(singleMs / 1000)} s, CPU ${fmt(singleCpu)} s (${fmt(run.summary.eventsReplayed)} events, ${fmt(run.summary.liquidations)} liquidations, kernel ${fmt(run.timings.kernelMs / 1000)} s)`,
    )

    t = performance.now()
    cpu = process.cpuUsage()
    const mainCpu = threadCpuMs()
    const prepared = await prepareSweep(
      { duck, meta },
      {
        ...common,
        windows: [window],
        vary: AXES,
        ...(THREADS ? { threads: THREADS } : {}),
      },
      { allowFiles: false },
    )
    const { document, timings } = await executeSweep({ duck }, prepared)
    const sweepMs = performance.now() - t
    const sweepCpu = cpuSince(cpu)
    const sweepMainCpu = (threadCpuMs() - mainCpu) / 1000
    const evaluated = document.points.filter((p) => p.status === 'evaluated').length
    console.log(
      `sweep: ${fmt(sweepMs / 1000)} s, CPU ${fmt(sweepCpu)} s for ${evaluated} points (+ the base) on ${timings.kernels} kernel(s) with ${timings.lanes} accounting lane(s) (${timings.divergedLanes} diverged and replayed again), ${timings.feedReads} feed read(s), ${fmt(timings.events)} events read`,
    )
    const threads = timings.threads
    const each = (f: (t: (typeof threads)[number]) => number) => threads.map((x) => fmt(f(x) / 1000)).join(' / ')
    const threadCpu = threads.reduce((sum, x) => sum + x.cpuMs, 0) / 1000
    console.log(
      `sweep threads: CPU ${each((x) => x.cpuMs)} = ${fmt(threadCpu)} s for ${timings.kernels} kernels (${fmt(threadCpu / timings.kernels)} CPU-s each; wall inside the kernels ${fmt(timings.kernelMs / 1000)} s)`,
    )
    // where the wall time goes: a thread is booting, replaying, or idle (nothing to replay yet); the main thread
    // waits for the reader (the feed is the bottleneck) or holds a batch until the threads have room (they are)
    console.log(
      `sweep timeline: threads booted in ${each((x) => x.bootMs)} s, replayed ${each((x) => x.busyMs)} s, idle ${each((x) => x.idleMs)} s; main thread waited ${fmt(timings.main.readMs / 1000)} s for the reader, held batches ${fmt(timings.main.heldMs / 1000)} s for the threads, figures after the kernels ${fmt(timings.main.figuresMs / 1000)} s`,
    )
    console.log(
      `sweep CPU outside the sweep threads: main thread ${fmt(sweepMainCpu)} s (prepare, merge, figures), other threads ${fmt(sweepCpu - threadCpu - sweepMainCpu)} s (V8's GC helpers, DuckDB's readers)`,
    )
    console.log(`ratio sweep / single backtest: ${fmt(sweepMs / singleMs)}× (issue floor < 6×, aim < 3×)`)
    console.log(`CPU ratio sweep / single backtest: ${fmt(sweepCpu / singleCpu)}× (load-independent: the work done)`)
    console.log(`frontier ${document.frontier.length} points; ${document.recommendation.statement}`)
    console.log(`peak RSS ${fmt(process.resourceUsage().maxRSS / 1024)} MB (this process; worker threads included)`)
  } finally {
    duck.close()
    await meta.$disconnect()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

await main()
