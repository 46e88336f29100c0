// Kernel hosts: a kernel on a worker thread writes exactly what it writes on the main thread; one feed drives several
// kernels (the shape sweeps need); closing a host stops a busy kernel at once; a kernel's failure reaches the caller.
import { beforeAll, describe, expect, test } from 'vitest'
import { executeBacktest, kernelSpec } from '../src/replay/backtest/execute.ts'
import { prepareBacktest, type PreparedBacktest } from '../src/replay/backtest/prepare.ts'
import { inlineHost } from '../src/replay/host/inlineHost.ts'
import { KernelHostClosed } from '../src/replay/host/kernelHost.ts'
import { sharedBatch } from '../src/replay/host/protocol.ts'
import { allocBatch, pushEvent, type EventKindCode } from '../src/replay/kernel/events.ts'
import { workerHost } from '../src/replay/host/workerHost.ts'
import { sweepHost } from '../src/replay/sweep/sweepHost.ts'
import { readReplayFeed } from '../src/store/market/replayFeed.ts'
import { hashBacktestResults } from '../src/store/results/backtestResults.ts'
import { barsFromCloses, insertBars, insertFunding } from './support/marketData.ts'
import { testRuntime } from './support/runtime.ts'

const runtime = await testRuntime()
const T0 = Date.UTC(2025, 9, 10) * 1000
const H = 3600e6
const iso = (us: number) => new Date(us / 1000).toISOString()

beforeAll(async () => {
  // three hours of 1 s bars with a −12% minute after one hour, and funding
  const closes: number[] = []
  let p = 60_000
  let x = 11
  for (let i = 0; i < 10_800; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0
    p *= 1 + ((x >>> 8) / 2 ** 24 - 0.5) * 0.0008
    if (i >= 3_600 && i < 3_660) p *= 0.9979
    closes.push(p)
  }
  await insertBars(runtime.duck, 'host', 'BTCUSDT', 1, barsFromCloses(T0, closes, {}, 3e6))
  await insertFunding(runtime.duck, 'host', 'BTCUSDT', [
    [T0 + 1 * H, 0.0003],
    [T0 + 2 * H, -0.0002],
  ])
})

const request = (seed: number, initialPositions = 20_000, ruleSet = 'binance-um') => ({
  ruleSet,
  venue: 'host',
  markets: ['BTCUSDT'],
  from: iso(T0),
  to: iso(T0 + 3 * H),
  positions: 'synthetic',
  population: { initialPositions, meanHoldingHours: 2, leverageMax: 100 },
  seed,
})

const prepare = (seed: number, initialPositions?: number, ruleSet?: string) =>
  prepareBacktest(runtime, request(seed, initialPositions, ruleSet), { allowFiles: false })

/** The replay plan's feed over the whole window, as execute reads it. */
const feedOf = (p: PreparedBacktest, reuseBatches: boolean) =>
  readReplayFeed(runtime.duck, {
    ...p.plan.feed,
    fromUs: p.request.from.getTime() * 1000,
    toUs: p.request.to.getTime() * 1000,
    reuseBatches,
  })

describe('kernel hosts', () => {
  test('a kernel on a worker thread produces byte-identical outputs to one on the main thread', async () => {
    const p = await prepare(5)
    const inThread = await executeBacktest(runtime, p, { runId: 'host-inline', host: inlineHost, flushRows: 5_000 })
    const onWorker = await executeBacktest(runtime, p, { runId: 'host-worker', host: workerHost, flushRows: 5_000 })
    expect(inThread.summary.liquidations).toBeGreaterThan(100)
    expect(onWorker.summary).toEqual(inThread.summary)
    expect(await hashBacktestResults(runtime.duck, 'host-worker')).toBe(
      await hashBacktestResults(runtime.duck, 'host-inline'),
    )
    expect(onWorker.timings.kernelThread).toBe('worker')
    expect(inThread.timings.kernelThread).toBe('main')
  })

  test('one feed drives several kernels on their own threads, each with its own outputs', async () => {
    const specs = [await prepare(3), await prepare(3), await prepare(4)].map((p) => kernelSpec(p, 4_000))
    const rows = [0, 0, 0]
    let replayed = 0
    const host = workerHost(specs, {
      onOutputs: async (kernel, batch) => {
        rows[kernel]! += batch.liquidations.length + batch.fund.length
      },
      onReplayed: (events) => (replayed = events),
    })
    host.start()
    let fed = 0
    for await (const batch of feedOf(await prepare(3), false)) {
      fed += batch.length
      await host.feed(batch)
    }
    const [a, b, c] = await host.finish()
    await host.close()
    expect(replayed).toBe(fed)
    expect(a!.summary.eventsReplayed).toBe(fed)
    expect(a!.summary.outputHash).toBe(b!.summary.outputHash)
    expect(c!.summary.outputHash).not.toBe(a!.summary.outputHash)
    expect(rows[0]).toBe(rows[1])
    expect(rows[0]).toBeGreaterThan(0)
  })

  test('a batch for several threads is copied once into shared memory, column for column', () => {
    const batch = allocBatch(64)
    // 37 events: every column's length, and so the next column's offset, is odd
    for (let i = 0; i < 37; i++)
      pushEvent(batch, T0 + i, (i % 8) as EventKindCode, i % 5, i + 0.5, -i, i * 3, i / 7, i - 20)
    const copy = sharedBatch(batch)
    const buffer = copy.ts.buffer
    expect(buffer).toBeInstanceOf(SharedArrayBuffer)
    expect(copy.length).toBe(37)
    for (const key of ['ts', 'kind', 'market', 'account', 'a', 'b', 'c', 'd'] as const) {
      expect(copy[key].buffer).toBe(buffer)
      expect(copy[key].length).toBe(37)
      expect(copy[key].byteOffset % copy[key].BYTES_PER_ELEMENT).toBe(0)
      expect([...copy[key]]).toEqual([...batch[key].subarray(0, 37)])
    }
  })

  test('a sweep host replays batches in groups, kernel after kernel, sharing draws, with the outputs of batch by batch', async () => {
    // on one thread: the first kernel records the population's draws; the second (other rules, same seed) reads
    // them; the third (another seed) never finds its generator's state on the tape and draws itself
    const prepared = [await prepare(3, 5_000), await prepare(3, 5_000, 'okx'), await prepare(4, 5_000)]
    const singles = await Promise.all(
      [1, 2].map((k) => executeBacktest(runtime, prepared[k]!, { runId: `host-sweep-${k}`, host: inlineHost })),
    )
    const hashesWith = async (group: { events: number; batches: number }) => {
      let replayed = 0
      const host = sweepHost(
        prepared.map((p) => ({ spec: kernelSpec(p, 2_048), accounts: null })),
        { threads: 1, group, onReplayed: (events) => (replayed = events) },
      )
      host.start()
      let fed = 0
      let batches = 0
      for await (const batch of feedOf(prepared[0]!, false)) {
        fed += batch.length
        batches++
        await host.feed(batch)
      }
      const results = await host.finish()
      await host.close()
      expect(replayed).toBe(fed)
      return { batches, hashes: results.map((r) => r.summary.outputHash) }
    }
    // interleaved at every batch (a group of one), then in groups of two batches
    const one = await hashesWith({ events: 1, batches: 1 })
    const two = await hashesWith({ events: Infinity, batches: 2 })
    // an odd count of batches: the last group is partial, and finish replays it
    expect(one.batches % 2).toBe(1)
    expect(one.batches).toBeGreaterThan(2)
    expect(new Set(one.hashes).size).toBe(3)
    expect(two.hashes).toEqual(one.hashes)
    expect(one.hashes.slice(1)).toEqual(singles.map((s) => s.summary.outputHash))
  })

  test('closing a worker host stops a kernel busy in one long call; waiting calls reject', async () => {
    // 400k positions open in the first events: seconds of work inside the kernel before it takes the next batch
    const p = await prepare(9, 400_000)
    let outputs = 0
    let replayed = 0
    const host = workerHost([kernelSpec(p, 250_000)], {
      onOutputs: async () => {
        outputs++
      },
      onReplayed: () => replayed++,
    })
    host.start()
    const batches = []
    for await (const batch of feedOf(p, false)) batches.push(batch)
    await host.feed(batches[0]!)
    const finishing = host.finish()
    finishing.catch(() => undefined)
    // The host closes while the thread boots or while its kernel opens the 400k positions of the first batch: either
    // way before that batch can be replayed (a fixed wait of seconds raced a fast machine, which finished the batch
    // first). What is checked holds from either moment: nothing replayed, nothing output, every call refused.
    await new Promise((r) => setTimeout(r, 100))
    await host.close()
    expect(replayed).toBe(0)
    await expect(finishing).rejects.toThrow(KernelHostClosed)
    await expect(host.feed(batches[1]!)).rejects.toThrow(KernelHostClosed)
    expect(() => host.start()).toThrow(KernelHostClosed)
    expect(outputs).toBe(0)
  })

  test("a kernel's failure on its thread reaches the caller with its message", async () => {
    const p = await prepare(1)
    // a configuration the kernel cannot replay with: it throws on its thread as the batches arrive
    const spec = kernelSpec(p, 1000)
    const broken = { ...spec, config: { ...spec.config, markets: [] as string[], markMethods: ['nope' as never] } }
    const drive = async (factory: typeof workerHost) => {
      const host = factory([broken], { onOutputs: async () => undefined })
      try {
        host.start()
        for await (const batch of feedOf(p, false)) await host.feed(batch)
        await host.finish()
        return 'no error'
      } catch (error) {
        return (error as Error).message
      } finally {
        await host.close()
      }
    }
    // the same error as on the main thread
    const expected = await drive(inlineHost)
    expect(expected).not.toBe('no error')
    expect(await drive(workerHost)).toBe(expected)
  })
})
