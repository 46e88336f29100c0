// Hyperliquid node_fills_by_block hour files: the LZ4 frame decoder (checksums, linked blocks, damage), the real
// 81-second sample laid out as the archive (YYYYMMDD/H.lz4 and a plain hour file) loaded as fills of both sides,
// one liquidation and one trade per trade id with their bars, idempotent re-runs, and bad lines failing only their hour.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import { describe, expect, test } from 'vitest'
import { ingestJob } from '../jobs/ingest/index.ts'
import type { JobDefinition } from '../jobs/job.ts'
import { runJob } from '../jobs/runner.ts'
import { inflateLz4, Lz4FormatError, xxh32 } from '../src/ingest/lz4Frame.ts'
import { findHourFiles } from '../src/ingest/hyperliquid/nodeFills.ts'
import { lz4Frame } from './support/lz4Writer.ts'
import { testRuntime } from './support/runtime.ts'
import { sharedDataDir } from './support/sharedData.ts'
import { tempDir } from './support/tmp.ts'

const hyperliquidNodeFillsJob = ingestJob('hyperliquid-node-fills')

const inflate = (bytes: Uint8Array) => {
  const parts: Uint8Array[] = []
  inflateLz4(bytes, 'test.lz4', (c) => parts.push(c))
  return Buffer.concat(parts)
}

describe('LZ4 frames', () => {
  test('xxHash32 matches the reference vectors', () => {
    const b = (s: string) => new TextEncoder().encode(s)
    expect(xxh32(b(''))).toBe(0x02cc5d05)
    expect(xxh32(b('a'))).toBe(0x550d7456)
    expect(xxh32(b('abc'))).toBe(0x32d153ff)
    expect(xxh32(b('Nobody inspects the spammish repetition'))).toBe(0xe2293b2f)
  })

  test('every frame layout round-trips: linked and independent blocks, stored blocks, checksums, frames in a row', () => {
    // repetitive text (long matches, overlapping copies) and noise (literal runs), over several 64 KiB blocks
    const rng = crypto.createHash('sha256')
    const noise = Buffer.concat(Array.from({ length: 2000 }, (_x, i) => rng.copy().update(String(i)).digest()))
    const text = Buffer.from(
      '{"coin":"BTC","px":"111850.0","sz":"0.1"}\n'.repeat(4000) + 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    )
    const data = Buffer.concat([text, noise, text.subarray(0, 70_000)])
    for (const options of [
      {},
      { independent: true },
      { blockChecksum: true, contentChecksum: false },
      { stored: true },
      { blockSize: 256 as const, independent: true, blockChecksum: true },
    ]) {
      const frame = lz4Frame(data, options)
      if (!options.stored) expect(frame.length).toBeLessThan(data.length)
      expect(inflate(frame).equals(data)).toBe(true)
    }
    const two = Buffer.concat([lz4Frame(text), lz4Frame(noise, { independent: true })])
    expect(inflate(two).equals(Buffer.concat([text, noise]))).toBe(true)
  })

  test('damage is refused with the byte where the frame starts: checksums, truncation, not LZ4 at all', () => {
    const data = Buffer.from('hello hello hello hello hello hello hello\n'.repeat(100))
    const frame = Buffer.from(lz4Frame(data, { blockChecksum: true }))
    const flip = (at: number) => {
      const copy = Buffer.from(frame)
      copy[at] = copy[at]! ^ 0x01
      return copy
    }
    expect(() => inflate(flip(frame.length - 2))).toThrow(/content checksum/)
    expect(() => inflate(flip(12))).toThrow(/block checksum/)
    expect(() => inflate(flip(6))).toThrow(/header checksum/)
    expect(() => inflate(frame.subarray(0, frame.length - 9))).toThrow(/truncated/)
    expect(() => inflate(Buffer.from('{"not":"lz4"}'))).toThrow(Lz4FormatError)
  })

  test('files written by the lz4 command line tool decode (skipped when it is not installed)', () => {
    let has = true
    try {
      execFileSync('lz4', ['--version'], { stdio: 'ignore' })
    } catch {
      has = false
    }
    if (!has) return console.warn('skipping: no lz4 binary')
    const dir = tempDir()
    const data = Buffer.from(Array.from({ length: 30_000 }, (_x, i) => `line ${i % 977} ${i % 13}\n`).join(''))
    fs.writeFileSync(path.join(dir, 'in'), data)
    for (const flags of [[], ['-BD'], ['-BX', '-B4'], ['--no-frame-crc', '-9']]) {
      execFileSync('lz4', ['-q', '-f', ...flags, path.join(dir, 'in'), path.join(dir, 'out.lz4')])
      expect(inflate(fs.readFileSync(path.join(dir, 'out.lz4'))).equals(data)).toBe(true)
    }
  })
})

const sample = sharedDataDir('hyperliquid-node-fills')

describe.skipIf(!sample)('the real node_fills_by_block sample, laid out as the archive', () => {
  test('fills of both sides, one liquidation, one trade per trade id, bars; re-runs skip; --force replaces', async () => {
    const raw = fs.readFileSync(path.join(sample!, 'node_fills_by_block_sample_20251027.jsonl'), 'utf8')
    const lines = raw.split('\n').filter(Boolean)
    // expected from the raw lines, independently of the connector
    let perp = 0
    let spot = 0
    const takerTids = new Set<number>()
    for (const line of lines) {
      for (const [, f] of (JSON.parse(line) as { events: Array<[string, Record<string, unknown>]> }).events) {
        if (String(f.coin).startsWith('@')) {
          spot++
          continue
        }
        perp++
        if (f.crossed === true) takerTids.add(f.tid as number)
      }
    }
    expect([perp, spot]).toEqual([6766, 516])
    // the archive splits blocks into hour files; hour 16 as a plain file, hour 17 compressed
    const dir = tempDir()
    const day = path.join(dir, 'node_fills_by_block', 'hourly', '20251027')
    fs.mkdirSync(day, { recursive: true })
    const hourOf = (line: string) => (JSON.parse(line) as { block_time: string }).block_time.slice(11, 13)
    fs.writeFileSync(path.join(day, '16'), lines.filter((l) => hourOf(l) === '16').join('\n') + '\n')
    fs.writeFileSync(
      path.join(day, '17.lz4'),
      lz4Frame(Buffer.from(lines.filter((l) => hourOf(l) === '17').join('\n') + '\n')),
    )
    expect(findHourFiles(dir).map((f) => f.hour)).toEqual(['2025-10-27T16', '2025-10-27T17'])

    const runtime = await testRuntime()
    const job = hyperliquidNodeFillsJob as JobDefinition<never>
    const first = await runJob(runtime, job, { dir }, { trigger: 'cli' })
    expect(first.status).toBe('succeeded')
    expect(first.outcome.partitionsLoaded).toBe(2)
    const q = async (sql: string) =>
      runtime.duck.use(async (c) => (await c.runAndReadAll(sql)).getRowObjectsJS() as Array<Record<string, unknown>>)
    const counts = async () =>
      (
        await q(`SELECT (SELECT count(*) FROM fills WHERE venue = 'hyperliquid')::INT AS fills,
                        (SELECT count(*) FROM trades WHERE venue = 'hyperliquid')::INT AS trades,
                        (SELECT count(*) FROM liquidations WHERE venue = 'hyperliquid')::INT AS liquidations,
                        (SELECT count(*) FROM bars WHERE venue = 'hyperliquid' AND interval_s = 1)::INT AS bars`)
      )[0]!
    const after = await counts()
    expect(after).toMatchObject({ fills: perp, trades: takerTids.size, liquidations: 1 })
    expect(Number(after.bars)).toBeGreaterThan(100)
    const [liq] = await q(
      `SELECT account, market, side, qty::VARCHAR AS qty, mark_price::VARCHAR AS mark FROM liquidations`,
    )
    expect(liq).toMatchObject({
      account: '0xa59f55114ccb120487c4fb5766cb89b123c13563',
      market: 'WLFI',
      side: 'short',
    })
    expect(Number(liq!.qty)).toBe(890)
    // both sides of the liquidation trade are flagged in fills; only the liquidated user's is the liquidation row
    const flagged = await q(`SELECT account FROM fills WHERE liquidation ORDER BY account`)
    expect(flagged.map((r) => r.account)).toEqual([
      '0x622450a3048ae44a5c54e2b54c91b082313e1d23',
      '0xa59f55114ccb120487c4fb5766cb89b123c13563',
    ])
    // exact decimals: every fill's start position plus its signed size chains to the account's next fill
    const [chain] = await q(`WITH f AS (
        SELECT account, market, ts, side, qty, start_position, trade_id,
               lead(start_position) OVER (PARTITION BY account, market ORDER BY ts, CASE WHEN side = 'buy' THEN start_position ELSE -start_position END) AS next
          FROM fills)
      SELECT count(*) FILTER (WHERE next IS NOT NULL)::INT AS pairs,
             count(*) FILTER (WHERE next IS NOT NULL AND next = start_position + CASE WHEN side = 'buy' THEN qty ELSE -qty END)::INT AS chained
        FROM f`)
    expect(Number(chain!.chained) / Number(chain!.pairs)).toBeGreaterThan(0.95)

    const again = await runJob(runtime, job, { dir }, { trigger: 'cli' })
    expect(again.outcome).toMatchObject({ partitionsLoaded: 0, partitionsSkipped: 2 })
    const forced = await runJob(runtime, job, { dir, force: true }, { trigger: 'cli' })
    expect(forced.outcome.partitionsLoaded).toBe(2)
    expect(await counts()).toEqual(after)

    // with a day range every hour is a partition: the 22 absent hours are gaps, not errors
    const ranged = await runJob(runtime, job, { dir, from: '2025-10-27', to: '2025-10-27' }, { trigger: 'cli' })
    expect(ranged.status).toBe('succeeded')
    expect(ranged.outcome.partitionsSkipped).toBe(24)
  })

  test('a damaged line fails its hour with the file and line; the other hour loads', async () => {
    const raw = fs.readFileSync(path.join(sample!, 'node_fills_by_block_sample_20251027.jsonl'), 'utf8')
    const lines = raw.split('\n').filter(Boolean)
    const dir = tempDir()
    const day = path.join(dir, '20251027')
    fs.mkdirSync(day, { recursive: true })
    fs.writeFileSync(path.join(day, '16'), lines.slice(0, 3).join('\n') + '\n')
    fs.writeFileSync(
      path.join(day, '17'),
      [lines[3], '{"block_number": 5, "events": [["0xabc", {"coin": "BTC"}]]}'].join('\n'),
    )
    const runtime = await testRuntime()
    const result = await runJob(runtime, hyperliquidNodeFillsJob as JobDefinition<never>, { dir }, { trigger: 'cli' })
    expect(result.status).toBe('failed')
    expect(result.outcome.partitionsLoaded).toBe(1)
    expect(result.outcome.errors.map((e) => e.message).join('\n')).toMatch(/20251027\/17.*line 2/)
  })
})
