// Golden-output check (`npm run bench:golden`): replays fixed synthetic data through every linear preset end to end
// and through the bare kernel, and hashes every output, so an optimisation can be proven not to change a byte.
// `-- --write FILE` records the hashes, `-- --check FILE` compares against a recording (exit 1 on any difference).
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { outputColumns } from '../src/replay/backtest/outputs.ts'
import { executeBacktest } from '../src/replay/backtest/execute.ts'
import { prepareBacktest } from '../src/replay/backtest/prepare.ts'
import type { EventBatch } from '../src/replay/kernel/events.ts'
import { findPreset, presetNames } from '../src/replay/rules/presets/index.ts'
import { DuckStore } from '../src/store/duck/open.ts'
import { migrateDuck } from '../src/store/duck/schema.ts'
import { readReplayFeed } from '../src/store/market/replayFeed.ts'
import { createMetaClient } from '../src/store/meta/client.ts'
import { migrateDeploy } from '../src/store/meta/migrate.ts'
import { hashBacktestResults } from '../src/store/results/backtestResults.ts'
import { benchKernel, DAY, feedSpec, generate, MARKET, T0, VENUE } from './synthetic.ts'

const argv = process.argv.slice(2)
const arg = (name: string) => {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? argv[i + 1]! : null
}
// 3 days with two added gaps and 10k positions: every liquidation path, each run in seconds
const DAYS = 3
const POSITIONS = 10_000
const sha = (s: string) => crypto.createHash('sha256').update(s).digest('hex')

/** The kernel alone over in-memory batches (the bench's core loop), its outputs and totals hashed. */
function kernelHash(batches: EventBatch[], variant: 'static' | 'churn' | 'sliced'): string {
  const kernel = benchKernel(POSITIONS, variant === 'static' ? 'static' : 'churn', 7)
  const hash = crypto.createHash('sha256')
  // every column's bytes into one stream, flush by flush (the recorded hashes were taken this way)
  const sink = { update: (_table: string, _column: string, bytes: Uint8Array) => hash.update(bytes) }
  for (const b of batches) {
    // 'sliced' replays each batch in uneven slices, as the runner does: the slicing must not change anything
    if (variant === 'sliced')
      for (let from = 0; from < b.length; from += 777) kernel.process(b, from, Math.min(b.length, from + 777))
    else kernel.process(b)
    if (kernel.outputs.pending > 50_000) {
      outputColumns(kernel, sink)
      kernel.outputs.clear()
    }
  }
  kernel.settleOpenFunding()
  outputColumns(kernel, sink)
  hash.update(JSON.stringify(kernel.totals, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)))
  return hash.digest('hex')
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backstop-golden-'))
  const results: Record<string, string> = {}
  try {
    const duckPath = path.join(dir, 'golden.duckdb')
    const store = await DuckStore.open({ path: duckPath })
    await migrateDuck(store)
    await generate(store, DAYS)
    // two price gaps (−15% after 1.5 days, +12% after 2.5) so that bankruptcies reach the waterfall, ADL and social loss
    await store.use(async (c) => {
      for (const [day, factor] of [
        [1.5, 0.85],
        [2.5, 1.12],
      ] as const) {
        await c.run(
          `UPDATE bars SET open = open * ${factor}, high = high * ${factor}, low = low * ${factor}, close = close * ${factor}
            WHERE venue = '${VENUE}' AND ts >= make_timestamp(${T0 + day * DAY * 1e6}::BIGINT)`,
        )
      }
      await c.run('CHECKPOINT')
    })
    const batches: EventBatch[] = []
    const feed = feedSpec(DAYS)
    // one hash per column over the whole feed, so where the batches and slabs split it does not matter
    const columnHashes = Array.from({ length: 8 }, () => crypto.createHash('sha256'))
    for await (const b of readReplayFeed(store, feed)) {
      batches.push(b)
      ;[b.ts, b.kind, b.market, b.account, b.a, b.b, b.c, b.d].forEach((col, i) =>
        columnHashes[i]!.update(new Uint8Array(col.buffer, col.byteOffset, b.length * col.BYTES_PER_ELEMENT)),
      )
    }
    store.close()
    results['feed'] = sha(columnHashes.map((h) => h.digest('hex')).join(''))
    for (const v of ['static', 'churn', 'sliced'] as const) results[`kernel:${v}`] = kernelHash(batches, v)

    const url = `file:${path.join(dir, 'meta.db')}`
    await migrateDeploy({ url })
    const meta = createMetaClient(url)
    const duck = await DuckStore.open({ path: duckPath })
    try {
      const runs: Array<[string, string, Record<string, unknown>?]> = []
      for (const name of presetNames) {
        const preset = findPreset(name)
        if (preset.rules.contract.type !== 'linear') continue
        runs.push([name, name])
        // the same rules with empty funds: shortfalls go down the whole waterfall (fee pool, ADL, social loss)
        const file = path.join(dir, `${name}-stressed.json`)
        const input = structuredClone(preset.input) as unknown as {
          name: string
          insuranceFund: { initialBalance: string; marketInitialBalances?: Record<string, string> }
        }
        input.name = `${name}-stressed`
        input.insuranceFund.initialBalance = '0'
        input.insuranceFund.marketInitialBalances = {}
        fs.writeFileSync(file, JSON.stringify(input))
        runs.push([`${name}-stressed`, file])
      }
      // stress mode: the liquidations move the mark, returns ×1.5 and half the liquidity
      runs.push([
        'binance-um-feedback-shocked',
        'binance-um',
        { stressFeedback: true, shockReturns: 1.5, shockLiquidity: 0.5 },
      ])
      for (const [name, ruleSet, stress] of runs) {
        const prepared = await prepareBacktest(
          { duck, meta },
          {
            ruleSet,
            venue: VENUE,
            markets: [MARKET],
            from: new Date(T0 / 1000).toISOString(),
            to: new Date((T0 + DAYS * DAY * 1e6) / 1000).toISOString(),
            positions: 'synthetic',
            population: { initialPositions: POSITIONS, meanHoldingHours: 24, leverageMax: 100, maxOpen: POSITIONS * 2 },
            seed: 3,
            ...stress,
          },
          { allowFiles: true },
        )
        const t = performance.now()
        const runId = `golden-${name}`
        const { summary: s } = await executeBacktest({ duck }, prepared, { runId })
        results[`e2e:${name}:outputHash`] = s.outputHash
        results[`e2e:${name}:rows`] = await hashBacktestResults(duck, runId)
        results[`e2e:${name}:summary`] = sha(JSON.stringify(s))
        console.log(
          `${name}: ${s.eventsReplayed} events, ${s.liquidations} liquidations, ${s.bankruptcies} bankruptcies, ${s.adlFills} ADL fills, social ${s.socializedLoss}, bad debt ${s.totalBadDebt}, ${((performance.now() - t) / 1000).toFixed(1)} s`,
        )
      }
    } finally {
      duck.close()
      await meta.$disconnect()
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
  const write = arg('write')
  const check = arg('check')
  if (write) fs.writeFileSync(write, `${JSON.stringify(results, null, 2)}\n`)
  if (check) {
    const expected = JSON.parse(fs.readFileSync(check, 'utf8')) as Record<string, string>
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(results)])].sort()
    const diff = keys.filter((k) => expected[k] !== results[k])
    for (const k of diff) console.log(`DIFFERENT ${k}: expected ${expected[k] ?? '-'}, got ${results[k] ?? '-'}`)
    console.log(diff.length ? `${diff.length} of ${keys.length} hashes differ` : `all ${keys.length} hashes equal`)
    if (diff.length) process.exitCode = 1
  } else if (!write) console.log(JSON.stringify(results, null, 2))
}

await main()
