// The pieces API connectors share: exact decimals, record errors, URL redaction, the weight budget, both pagers,
// hand-written ABI (selectors checked against keccak256), heartbeat gaps and Chainlink CSV dumps with header drift.
import fs from 'node:fs'
import path from 'node:path'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import {
  SELECTORS,
  SIGNATURES,
  decodeRoundData,
  decodeString,
  encodeGetRoundData,
  phaseOf,
  aggregatorRoundOf,
  roundIdOf,
} from '../src/ingest/chainlink/abi.ts'
import { CsvDumpError, readCsvDump } from '../src/ingest/chainlink/csvDump.ts'
import { heartbeatGaps, type Round } from '../src/ingest/chainlink/rounds.ts'
import { collectBackwards } from '../src/ingest/dydx/pager.ts'
import { canonicalDecimal, decimal38Problem, negateDecimal, scaleInteger } from '../src/ingest/decimal.ts'
import { HttpClient } from '../src/ingest/http.ts'
import { collectTimeWindow } from '../src/ingest/hyperliquid/timeWindows.ts'
import { redactUrl } from '../src/ingest/redact.ts'
import { FieldReader, SourceRecordError } from '../src/ingest/sourceRecord.ts'
import { WeightBudget } from '../src/ingest/weightBudget.ts'
import { ApiServer } from './support/apiServer.ts'
import { keccak256 } from './support/keccak.ts'
import { tempDir } from './support/tmp.ts'

describe('exact decimals', () => {
  test('canonical text, scaling by powers of ten, negation', () => {
    expect(canonicalDecimal('-0.250')).toBe('-0.25')
    expect(canonicalDecimal('007.0')).toBe('7')
    expect(canonicalDecimal('-0.000')).toBe('0')
    expect(scaleInteger('6140993501000', -8)).toBe('61409.93501')
    expect(scaleInteger('-5', -3)).toBe('-0.005')
    expect(scaleInteger('999692734093987600', -18)).toBe('0.9996927340939876')
    expect(scaleInteger('12', 2)).toBe('1200')
    expect(negateDecimal('0.5')).toBe('-0.5')
    expect(negateDecimal('-0.5')).toBe('0.5')
    expect(decimal38Problem('1.0000000000000000001')).toMatch(/18 decimal places/)
    expect(decimal38Problem('2340.7442700369913687')).toBeNull()
  })

  test('scaling is exact for any integer and exponent (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: 0, max: 18 }), (n, d) => {
        const text = scaleInteger(n.toString(), -d)
        const [int = '', frac = ''] = text.replace('-', '').split('.')
        const back = BigInt(int + frac.padEnd(d, '0')) * (text.startsWith('-') ? -1n : 1n)
        expect(back).toBe(n)
      }),
    )
  })
})

describe('record errors', () => {
  test('name the source, the record and the field, the value received and what was expected', () => {
    const r = new FieldReader('venue fills 0xabc 2024-01-01', 16, { px: '12x.5', tid: 7 })
    r.identity = 'tid 7'
    expect(() => r.decimal('px')).toThrow(
      new SourceRecordError(
        'venue fills 0xabc 2024-01-01',
        'record 17 (tid 7)',
        'px',
        '12x.5',
        'a decimal string such as "1.25"',
      ),
    )
    expect(() => r.decimal('px')).toThrow('venue fills 0xabc 2024-01-01: record 17 (tid 7): field px: received "12x.5"')
    expect(() => r.decimal('sz')).toThrow(/field sz: received nothing/)
    expect(() => new FieldReader('s', 0, [1])).toThrow(
      /record 1: field \(record\): received \[1\]; expected a JSON object/,
    )
  })

  test('ISO times keep microseconds; impossible dates are refused', () => {
    const r = new FieldReader('s', 0, {
      a: '2024-08-05T01:09:28.338Z',
      b: '2024-02-30T00:00:00Z',
      c: '2024-08-05T01:09:28.123456Z',
    })
    expect(r.isoMicros('a')).toBe(Date.parse('2024-08-05T01:09:28.338Z') * 1000)
    expect(r.isoMicros('c')).toBe(Date.parse('2024-08-05T01:09:28.123Z') * 1000 + 456)
    expect(() => r.isoMicros('b')).toThrow(/field b/)
  })
})

test('URLs that may carry keys are shown as scheme and host only', () => {
  expect(redactUrl('https://eth-mainnet.g.alchemy.com/v2/SECRETKEY')).toBe(
    'https://eth-mainnet.g.alchemy.com/[redacted]',
  )
  expect(redactUrl('https://user:pw@rpc.example.com')).toBe('https://rpc.example.com/[redacted]')
  expect(redactUrl('https://rpc.example.com/?apikey=SECRET')).toBe('https://rpc.example.com/[redacted]')
  expect(redactUrl('http://127.0.0.1:8545')).toBe('http://127.0.0.1:8545')
  expect(redactUrl('not a url SECRET')).toBe('[redacted URL]')
})

describe('weight budget', () => {
  const fakeClock = () => {
    let now = 0
    const sleeps: number[] = []
    return {
      now: () => now,
      sleep: async (ms: number) => {
        sleeps.push(ms)
        now += ms
      },
      sleeps,
      advance: (ms: number) => (now += ms),
    }
  }

  test('1200 per minute: 60 requests of weight 20 pass at once, the 61st waits for a refill of 20', async () => {
    const clock = fakeClock()
    const budget = new WeightBudget({ capacity: 1200, windowMs: 60_000, now: clock.now, sleep: clock.sleep })
    for (let i = 0; i < 60; i++) await budget.take(20)
    expect(clock.sleeps).toEqual([])
    await budget.take(20)
    expect(clock.sleeps).toEqual([1000]) // 20 weight at 20 per second
    expect(budget.spent).toBe(1220)
  })

  test('weight charged after a response (items returned) delays the next request', async () => {
    const clock = fakeClock()
    const budget = new WeightBudget({ capacity: 1200, windowMs: 60_000, now: clock.now, sleep: clock.sleep })
    await budget.take(20)
    budget.charge(1200) // e.g. 24000 items at 1 per 20
    await budget.take(20)
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBe(2000)
  })

  test('callers are served in order and an aborted wait does not block the next', async () => {
    const budget = new WeightBudget({ capacity: 10, windowMs: 60_000 })
    await budget.take(10)
    const stop = new AbortController()
    const waiting = budget.take(10, stop.signal)
    stop.abort(new Error('stop'))
    await expect(waiting).rejects.toThrow('stop')
    expect(budget.spent).toBe(10)
  })
})

describe('time-window paging over capped responses', () => {
  // 1234 items over 100 s with runs of equal milliseconds, as a market maker's fills look
  const items = Array.from({ length: 1234 }, (_, i) => ({ t: 1_000_000 + Math.floor(i / 3) * 81, i }))
  const server = (order: 'newest' | 'oldest', cap = 500) => {
    let requests = 0
    return {
      fetch: async (s: number, e: number) => {
        requests++
        const inside = items.filter((x) => x.t >= s && x.t <= e)
        const sorted = order === 'newest' ? [...inside].reverse() : inside
        return sorted.slice(0, cap)
      },
      requests: () => requests,
    }
  }

  for (const order of ['newest', 'oldest'] as const) {
    test(`a server returning the ${order} ${500} of a window: every item exactly once`, async () => {
      const s = server(order)
      const got = await collectTimeWindow({ start: 0, end: 2_000_000, fetch: s.fetch, time: (x) => x.t })
      expect(got.map((x) => x.i).sort((a, b) => a - b)).toEqual(items.map((x) => x.i))
      expect(s.requests()).toBeLessThanOrEqual(9)
    })
  }

  test('a server capping at 2000: one page, plus two edge checks (a long page is never trusted at its edges)', async () => {
    const s = server('newest', 2000)
    expect((await collectTimeWindow({ start: 0, end: 2_000_000, fetch: s.fetch, time: (x) => x.t })).length).toBe(1234)
    expect(s.requests()).toBe(3)
    const e = server('newest')
    expect(await collectTimeWindow({ start: 0, end: 10, fetch: e.fetch, time: (x) => x.t })).toEqual([])
  })

  test('more items in one millisecond than a page holds: reported, kept as served', async () => {
    const same = Array.from({ length: 600 }, (_, i) => ({ t: 5, i }))
    const seen: Array<[number, number]> = []
    const got = await collectTimeWindow({
      start: 0,
      end: 10,
      fetch: async (s, e) => same.filter((x) => x.t >= s && x.t <= e).slice(0, 500),
      time: (x) => x.t,
      onUnsplittable: (at, n) => seen.push([at, n]),
    })
    expect(got.length).toBe(500)
    expect(seen).toEqual([[5, 500]])
  })
})

describe('backward paging by block height', () => {
  // 250 items in blocks of 1–7, newest first, as the indexer lists trades
  const items: Array<{ id: string; height: number; ts: number }> = []
  for (let h = 1, n = 0; n < 250; h++)
    for (let k = 0; k < (h % 7) + 1 && n < 250; k++, n++) items.push({ id: `${h}-${k}`, height: h, ts: h * 1_000_000 })
  const fetcher =
    (log: Array<{ cursor: unknown; limit: number }>) =>
    async (cursor: { beforeOrAt?: string; beforeOrAtHeight?: number }, limit: number) => {
      log.push({ cursor, limit })
      const bound = cursor.beforeOrAt ? Date.parse(cursor.beforeOrAt) * 1000 : Infinity
      return items
        .filter((x) => (cursor.beforeOrAtHeight === undefined || x.height <= cursor.beforeOrAtHeight) && x.ts <= bound)
        .sort((a, b) => b.height - a.height)
        .slice(0, limit)
    }

  test('blocks split across pages are read whole; the period bounds are respected', async () => {
    const log: Array<{ cursor: unknown; limit: number }> = []
    const got = await collectBackwards({
      startUs: 10_000_000,
      endUs: 60_000_000,
      limit: 20,
      maxLimit: 100,
      fetch: fetcher(log),
      id: (x) => x.id,
    })
    const expected = items
      .filter((x) => x.ts >= 10_000_000 && x.ts < 60_000_000)
      .map((x) => x.id)
      .sort()
    expect(got.map((x) => x.id).sort()).toEqual(expected)
    expect(log[0]!.cursor).toEqual({ beforeOrAt: new Date(59_999).toISOString() })
  })

  test('a block larger than a page is re-read with the largest page; larger than that is an error', async () => {
    const big = Array.from({ length: 30 }, (_, i) => ({ id: `b${i}`, height: 9, ts: 9_000_000 }))
    const fetch = async (_c: unknown, limit: number) => big.slice(0, limit)
    const got = await collectBackwards({
      startUs: 0,
      endUs: 10_000_000,
      limit: 10,
      maxLimit: 50,
      fetch,
      id: (x) => x.id,
    })
    expect(got.length).toBe(30)
    await expect(
      collectBackwards({
        startUs: 0,
        endUs: 10_000_000,
        limit: 10,
        maxLimit: 20,
        fetch,
        id: (x) => x.id,
      }),
    ).rejects.toThrow(/more than 20 records in block 9/)
  })
})

describe('Chainlink ABI', () => {
  test('each hard-coded selector is the first 4 bytes of keccak256 of its signature', () => {
    expect(keccak256('')).toBe('c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470')
    for (const [name, selector] of Object.entries(SELECTORS)) {
      expect(selector).toBe(`0x${keccak256(SIGNATURES[name as keyof typeof SELECTORS]).slice(0, 8)}`)
    }
  })

  test('round ids carry the phase; round data and strings decode; negative answers stay negative', () => {
    const id = 110680464442257320802n
    expect(phaseOf(id)).toBe(6)
    expect(aggregatorRoundOf(id)).toBe(11106n)
    expect(roundIdOf(6, 11106n)).toBe(id)
    expect(encodeGetRoundData(id)).toBe(`0x9a6fc8f5${id.toString(16).padStart(64, '0')}`)
    const w = (v: bigint) => (v < 0n ? (1n << 256n) + v : v).toString(16).padStart(64, '0')
    const data = '0x' + [id, -5n, 1706558123n, 1706558124n, id].map(w).join('')
    expect(decodeRoundData(data)).toEqual({
      roundId: id,
      answer: -5n,
      startedAt: 1706558123n,
      updatedAt: 1706558124n,
      answeredInRound: id,
    })
    const text = Buffer.from('ETH / USD').toString('hex').padEnd(64, '0')
    expect(decodeString('0x' + w(32n) + w(9n) + text)).toBe('ETH / USD')
    expect(() => encodeGetRoundData(1n << 80n)).toThrow(/uint80/)
  })
})

describe('heartbeat overruns', () => {
  const round = (t: number): Round => ({
    roundId: BigInt(t),
    answer: 1n,
    startedAt: t,
    updatedAt: t,
    answeredInRound: BigInt(t),
  })
  const day = { startS: 86_400, endS: 172_800 }
  const hb = { seconds: 3600, graceSeconds: 60 }

  test('a late update within the grace is not a gap; a longer silence is, with the heartbeats it missed', () => {
    const rounds = [90_000, 93_612, 97_300, 108_000].map(round)
    const gaps = heartbeatGaps(rounds, round(86_000), round(173_000), day, hb, null)
    // 86 000 → 90 000 (4000 s): from 89 600; 93 612 → 97 300 (3688 s); 97 300 → 108 000 (10 700 s: 2 missed)
    expect(gaps.map((g) => [g.from.getTime() / 1000, g.to.getTime() / 1000, g.missing])).toEqual([
      [89_600, 90_000, 1],
      [97_212, 97_300, 1],
      [100_900, 108_000, 2],
      [111_600, 173_000, 18],
    ])
  })

  test('an overrun that started the day before belongs to that day; a stalled feed is closed at asOf', () => {
    const gaps = heartbeatGaps([], round(80_000), null, day, hb, 100_000)
    expect(gaps).toEqual([])
    const open = heartbeatGaps([round(90_000)], null, null, day, hb, 100_000)
    expect(open.map((g) => [g.from.getTime() / 1000, g.to.getTime() / 1000])).toEqual([[93_600, 100_000]])
  })
})

describe('Chainlink CSV dumps', () => {
  const dir = tempDir()
  const write = (name: string, text: string) => {
    const file = path.join(dir, name)
    fs.writeFileSync(file, text)
    return file
  }
  const rows = [
    '0,18446744073709551619,300,1700000300,1700000300,18446744073709551619',
    '1,18446744073709551618,200,1700000200,1700000200,18446744073709551618',
    '2,18446744073709551617,100,1700000100,1700000100,18446744073709551617',
    '3,18446744073709551616,0,0,0,18446744073709551616',
  ]

  test('named and numbered headers read the same rounds, oldest first; the zero round is set aside', () => {
    const named = readCsvDump(write('a.csv', [',round,answer,start,update,answeredInRound', ...rows].join('\n') + '\n'))
    const numbered = readCsvDump(write('b.csv', [',0,1,2,3,4', ...rows].join('\n') + '\n'))
    expect(named.layout).toBe('named')
    expect(numbered.layout).toBe('numbered')
    expect(numbered.rounds).toEqual(named.rounds)
    expect(named.rows).toBe(4)
    expect(named.rounds.map((r) => r.answer)).toEqual([100n, 200n, 300n])
    expect(named.zeroRounds).toEqual([18446744073709551616n])
  })

  test('another header, or a value that is not an integer, is refused with its line', () => {
    expect(() => readCsvDump(write('c.csv', 'ts,price\n1,2\n'))).toThrow(CsvDumpError)
    expect(() => readCsvDump(write('c.csv', 'ts,price\n1,2\n'))).toThrow(/c\.csv, line 1: header "ts,price"/)
    const bad = [',round,answer,start,update,answeredInRound', rows[0], rows[1]!.replace(',200,', ',2.5e2,')].join('\n')
    expect(() => readCsvDump(write('d.csv', bad))).toThrow(
      'd.csv, line 3: column answer: received "2.5e2"; expected an integer',
    )
  })
})

describe('HTTP POST', () => {
  test('429 with Retry-After is retried; a keyed URL never appears in an error', async () => {
    const server = await ApiServer.start()
    server.on('POST', '/v2/SECRETKEY', (req) => ({ json: { echo: req.body } }))
    server.fault({ matches: () => true, reply: { status: 429, headers: { 'retry-after': '1' } } })
    const http = new HttpClient({ timeoutMs: 2000, retries: 2, backoffMs: 5, maxBackoffMs: 10, concurrency: 2 })
    const started = performance.now()
    const text = await http.postJson(`${server.url}/v2/SECRETKEY`, { a: 1 }, { label: 'RPC redacted' })
    expect(JSON.parse(text!)).toEqual({ echo: { a: 1 } })
    expect(performance.now() - started).toBeGreaterThanOrEqual(1000)
    server.fault({ matches: () => true, reply: { status: 403 } })
    const error = await http
      .postJson(`${server.url}/v2/SECRETKEY`, {}, { label: 'RPC redacted' })
      .catch((e: Error) => e)
    expect(String(error)).toContain('POST RPC redacted answered HTTP 403')
    expect(String(error)).not.toContain('SECRETKEY')
  })
})
