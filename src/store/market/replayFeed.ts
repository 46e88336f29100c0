// Streams replay events out of DuckDB as struct-of-arrays batches. Each source (a market's bars, each reference
// price series, funding, open interest, account fills + ledger) is one query per slab (slabs aligned to UTC days,
// like the daily partitions), filtered and joined in SQL and read in insertion order — no SQL sort, which costs ten
// times the scan — then checked to be strictly increasing in time (sorted here only when it is not) and k-way merged
// on the key (timestamp, kind, market). The next slabs are read while the caller works on the current one.
import duckdb from '@duckdb/node-bindings'
import { listValue, type DuckDBConnection, type DuckDBDataChunk, type DuckDBValue } from '@duckdb/node-api'
import type { DuckStore } from '../duck/open.ts'
import { runPrepared } from '../duck/prepared.ts'
import {
  compareEventKey,
  REPLAY_EVENT_KIND,
  REPLAY_FILL_FLAG,
  REPLAY_LEDGER_KIND,
  type ReplayEventBatch,
} from '../../domain/replayEvent.ts'
import { accountsSql } from './replayData.ts'

/** One batch of events, struct of arrays: the replay event batch of src/domain/replayEvent.ts. */
export type FeedBatch = ReplayEventBatch

const LEDGER_KIND_CASES = Object.entries(REPLAY_LEDGER_KIND)
  .filter(([name]) => name !== 'other')
  .map(([name, code]) => `WHEN '${name}' THEN ${code}`)
  .join(' ')

/** Where a proxied price series is read: another venue's market, from its prices of a kind or from its bars. */
export interface PriceProxySource {
  venue: string
  market: string
  stored: 'index' | 'oracle' | 'mark' | 'bars'
}

export interface FeedSpec {
  venue: string
  markets: readonly string[]
  fromUs: number
  toUs: number
  /** Per market: the bar series to replay (interval and source), or null. */
  bars: ReadonlyArray<{ intervalS: number; source: string } | null>
  /**
   * Reference price series: market index, kind (index | oracle | mark), source and bar length (null = ticks); with
   * `proxy`, read from another venue's market (its `stored` price kind, or its bars' low/high/close) as this kind.
   */
  prices: ReadonlyArray<{
    market: number
    kind: 'index' | 'oracle' | 'mark'
    source: string
    intervalS: number | null
    proxy?: PriceProxySource
  }>
  funding: boolean
  /** Funding computed from premium-index rows averaged per interval, instead of the venue's rates. */
  premiumFundingIntervalH: number | null
  openInterest: boolean
  /** Fills and ledger rows (account replays); accounts are indexed by the sorted dictionary of accountsSql. */
  accounts: boolean
  /** Only account events (the warm-up before the window). */
  accountsOnly?: boolean
  /**
   * The end the account dictionary (and each account·market's first fill) is taken up to (default `toUs`). The
   * warm-up before the window passes the window's end: its events must carry the indices of the kernel's dictionary,
   * which holds the accounts first seen inside the window too.
   */
  accountsToUs?: number
  /** Decimals of each market's size step: fill sizes are sent as exact integers of 10^-decimals base (default 8). */
  sizeDecimals?: readonly number[]
  /** Slab length; slabs are aligned to multiples of it since the epoch. */
  slabSeconds: number
  /**
   * Reuse two batch buffers instead of allocating one per batch (less garbage, shorter GC pauses). Only when the
   * caller is done with a batch before asking for the next one.
   */
  reuseBatches?: boolean
}

/**
 * One source of events. `sql` returns (ts, a, b, c, d) in µs and the kind's value meanings for one slab
 * ($1 venue, $2 slab start µs, $3 slab end µs, $4 earliest bar open that closes in the slab, $5 window end µs, then
 * $6… the source's own `params`: market, series source, kind — bound, never pasted into the SQL, so the statement
 * is the same for every slab and prepared once); `accounts` sources return (ts, kind, mkt, acct, a, b, c, d),
 * already sorted on the full key.
 */
export interface FeedSource {
  kind: number
  market: number
  sql: string
  params: DuckDBValue[]
  accounts: boolean
}

/** A number written into SQL text (bar lengths, funding intervals): checked to be one, so it is never other text. */
function finite(n: number): number {
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new Error(`replay feed: ${String(n)} is not a finite number`)
  return n
}
function whole(n: number): number {
  if (!Number.isSafeInteger(n)) throw new Error(`replay feed: ${String(n)} is not a whole number`)
  return n
}

const inSlab = (inner: string) =>
  `SELECT * FROM (${inner}) e(ts, a, b, c, d) WHERE ts >= $2::DOUBLE AND ts < $3::DOUBLE`

const FLAG = REPLAY_FILL_FLAG

/** The account source's own parameters: $6 the markets (VARCHAR[]: a market's index is its position), $7 sizes. */
function accountParams(spec: FeedSpec): DuckDBValue[] {
  return [
    listValue([...spec.markets]),
    listValue(spec.markets.map((_m, i) => 10 ** whole(spec.sizeDecimals?.[i] ?? 8))),
  ]
}

/**
 * Ledger rows and fills of the slab, sorted in SQL on the full key, each fill's size as signed exact size units
 * (qty × 10^decimals, rounded: exact while below 2^53). Fills of one account, market and microsecond come in the
 * order of their positions (the start position rising for buys, falling for sells), which is the venue's order
 * whenever they go one way; a venue's first fill of an account·market that starts from a position (history fetched
 * from the middle) is preceded by an opening fill of that position at its price, flagged `opening`. Exact amounts
 * arrive as integer micro-units (DECIMAL × 10^6, rounded half away from zero).
 */
const ACCOUNT_EVENTS_SQL = `WITH mk AS (SELECT market, (list_position($6::VARCHAR[], market) - 1) AS mkt
      FROM (SELECT unnest($6::VARCHAR[]) AS market)),
    acc AS (SELECT account, (row_number() OVER (ORDER BY account) - 1)::INTEGER AS idx FROM (${accountsSql('$6').replaceAll('$2', '$5')})),
    f AS (
      SELECT r.ts, mk.mkt, acc.idx, r.price, r.side, r.qty, r.fee, r.fee_asset, r.liquidation, r.liquidity, r.dir,
        r.start_position, r.account, r.market,
        CASE WHEN r.side = 'buy' THEN r.start_position ELSE -r.start_position END AS ord
      FROM fills r JOIN mk USING (market) JOIN acc USING (account)
      WHERE r.venue = $1 AND r.ts < make_timestamp($5::BIGINT)),
    opening AS (
      SELECT min(ts) AS ts, mkt, idx, arg_min(price, (ts, ord)) AS price, arg_min(start_position, (ts, ord)) AS pos
      FROM f GROUP BY mkt, idx)
    SELECT ts, kind, mkt, acct, a, b, c, d FROM (
      SELECT epoch_us(r.ts)::DOUBLE AS ts, ${REPLAY_EVENT_KIND.ledger}::UTINYINT AS kind, 0::USMALLINT AS mkt, acc.idx AS acct,
        round(r.delta_quote * 1000000)::DOUBLE AS a,
        (CASE r.kind ${LEDGER_KIND_CASES} ELSE ${REPLAY_LEDGER_KIND.other} END)::DOUBLE AS b,
        'nan'::DOUBLE AS c, 'nan'::DOUBLE AS d, NULL::DOUBLE AS o
      FROM ledger r JOIN acc USING (account)
      WHERE r.venue = $1 AND r.ts >= make_timestamp($2::BIGINT) AND r.ts < make_timestamp($3::BIGINT)
      UNION ALL
      SELECT epoch_us(o.ts)::DOUBLE, ${REPLAY_EVENT_KIND.fill}::UTINYINT, o.mkt::USMALLINT, o.idx, o.price::DOUBLE,
        round(o.pos::DOUBLE * list_extract($7::DOUBLE[], o.mkt + 1)), 0, ${FLAG.opening}, '-infinity'::DOUBLE
      FROM opening o
      WHERE o.pos IS NOT NULL AND o.pos <> 0 AND o.ts >= make_timestamp($2::BIGINT) AND o.ts < make_timestamp($3::BIGINT)
      UNION ALL
      SELECT epoch_us(f.ts)::DOUBLE, ${REPLAY_EVENT_KIND.fill}::UTINYINT, f.mkt::USMALLINT, f.idx, f.price::DOUBLE,
        round((CASE WHEN f.side = 'buy' THEN f.qty ELSE -f.qty END)::DOUBLE * list_extract($7::DOUBLE[], f.mkt + 1)),
        round(f.fee * 1000000)::DOUBLE,
        ((CASE WHEN f.liquidation THEN ${FLAG.liquidation} ELSE 0 END)
          + (CASE f.liquidity WHEN 'taker' THEN ${FLAG.taker} WHEN 'maker' THEN ${FLAG.maker} ELSE 0 END)
          + (CASE WHEN f.fee = 0 AND f.fee_asset IS NULL THEN ${FLAG.feeMissing} ELSE 0 END)
          + (CASE WHEN f.liquidation AND (coalesce(f.dir, '') ILIKE 'liquidated%' OR EXISTS (
                SELECT 1 FROM liquidations l WHERE l.venue = $1 AND l.market = f.market AND l.ts = f.ts
                  AND l.account = f.account)) THEN ${FLAG.ownLiquidation} ELSE 0 END))::DOUBLE,
        f.ord::DOUBLE
      FROM f WHERE f.ts >= make_timestamp($2::BIGINT) AND f.ts < make_timestamp($3::BIGINT)
    ) e ORDER BY ts, kind, mkt, acct, o NULLS LAST, a, b, c, d`

/** The sources of a spec: SQL that filters and joins, without sorting (except account events and buckets). */
export function feedSources(spec: FeedSpec): FeedSource[] {
  const out: FeedSource[] = []
  const range = (col: string, from = '$4') =>
    `${col} >= make_timestamp(${from}::BIGINT) AND ${col} < make_timestamp($3::BIGINT)`
  if (!spec.accountsOnly) {
    spec.bars.forEach((b, m) => {
      if (!b) return
      // a bar is known at its close: its event time is open + interval
      out.push({
        kind: REPLAY_EVENT_KIND.bar,
        market: m,
        accounts: false,
        sql: inSlab(`SELECT epoch_us(ts)::DOUBLE + ${whole(b.intervalS) * 1e6}, low, high, close,
            coalesce(quote_volume, volume * coalesce(vwap, close), 'nan'::DOUBLE)
          FROM bars WHERE venue = $1 AND market = $6 AND interval_s = ${whole(b.intervalS)}
            AND source = $7 AND ${range('ts')}`),
        params: [spec.markets[m]!, b.source],
      })
    })
    for (const p of spec.prices) {
      if (p.proxy) {
        out.push(proxySource(p.market, REPLAY_EVENT_KIND[p.kind], p.proxy, p.source, p.intervalS))
        continue
      }
      out.push({
        kind: REPLAY_EVENT_KIND[p.kind],
        market: p.market,
        accounts: false,
        sql: inSlab(`SELECT epoch_us(ts)::DOUBLE + ${whole(p.intervalS ?? 0) * 1e6}, coalesce(low, price), coalesce(high, price), price, 'nan'::DOUBLE
          FROM prices WHERE venue = $1 AND market = $6 AND kind = $7
            AND source = $8 AND interval_s IS NOT DISTINCT FROM ${p.intervalS === null ? 'NULL' : whole(p.intervalS)} AND ${range('ts')}`),
        params: [spec.markets[p.market]!, p.kind, p.source],
      })
    }
    spec.markets.forEach((market, m) => {
      if (spec.funding && spec.premiumFundingIntervalH === null) {
        out.push({
          kind: REPLAY_EVENT_KIND.funding,
          market: m,
          accounts: false,
          sql: inSlab(`SELECT epoch_us(ts)::DOUBLE, rate, 'nan'::DOUBLE, coalesce(interval_h, 8)::DOUBLE, 'nan'::DOUBLE
            FROM funding WHERE venue = $1 AND market = $6 AND ${range('ts', '$2')}`),
          params: [market],
        })
      }
      if (spec.premiumFundingIntervalH !== null) {
        // DuckDB buckets the premium index: its mean over each funding interval, settled at the interval's end
        const iv = finite(spec.premiumFundingIntervalH) * 3600 * 1e6
        out.push({
          kind: REPLAY_EVENT_KIND.funding,
          market: m,
          accounts: false,
          sql: `SELECT * FROM (SELECT (floor(epoch_us(ts) / ${iv}) + 1) * ${iv} AS t, 'nan'::DOUBLE, avg(price), ${finite(spec.premiumFundingIntervalH)}::DOUBLE, 'nan'::DOUBLE
              FROM prices WHERE venue = $1 AND market = $6 AND kind = 'premium'
                AND ts >= make_timestamp($2::BIGINT - ${iv}) AND ts < make_timestamp($3::BIGINT) GROUP BY 1) e(ts, a, b, c, d)
            WHERE ts >= $2::DOUBLE AND ts < $3::DOUBLE ORDER BY ts`,
          params: [market],
        })
      }
      if (spec.openInterest) {
        out.push({
          kind: REPLAY_EVENT_KIND.openInterest,
          market: m,
          accounts: false,
          sql: inSlab(`SELECT epoch_us(ts)::DOUBLE, coalesce(oi_base, 'nan'::DOUBLE), coalesce(oi_quote, 'nan'::DOUBLE), 'nan'::DOUBLE, 'nan'::DOUBLE
            FROM open_interest WHERE venue = $1 AND market = $6 AND ${range('ts', '$2')}`),
          params: [market],
        })
      }
    })
  }
  if (spec.accounts) {
    out.push({
      kind: REPLAY_EVENT_KIND.fill,
      market: 0,
      accounts: true,
      params: accountParams(spec),
      sql: ACCOUNT_EVENTS_SQL,
    })
  }
  return out
}

/**
 * A price series of another venue replayed as one of this market's (a mark or oracle proxy): its venue, market, kind
 * and source bound as $6… (the replayed venue, $1, is not used); bars give their low/high/close at their close.
 */
function proxySource(
  market: number,
  kind: number,
  proxy: PriceProxySource,
  source: string,
  intervalS: number | null,
): FeedSource {
  const span = whole(intervalS ?? 0) * 1e6
  const range = `ts >= make_timestamp($4::BIGINT) AND ts < make_timestamp($3::BIGINT)`
  if (proxy.stored === 'bars') {
    return {
      kind,
      market,
      accounts: false,
      sql: inSlab(`SELECT epoch_us(ts)::DOUBLE + ${span}, low, high, close, 'nan'::DOUBLE
        FROM bars WHERE venue = $6 AND market = $7 AND interval_s = ${whole(intervalS ?? Number.NaN)}
          AND source = $8 AND ${range}`),
      params: [proxy.venue, proxy.market, source],
    }
  }
  return {
    kind,
    market,
    accounts: false,
    sql: inSlab(`SELECT epoch_us(ts)::DOUBLE + ${span}, coalesce(low, price), coalesce(high, price), price, 'nan'::DOUBLE
      FROM prices WHERE venue = $6 AND market = $7 AND kind = $8 AND source = $9
        AND interval_s IS NOT DISTINCT FROM ${intervalS === null ? 'NULL' : whole(intervalS)} AND ${range}`),
    params: [proxy.venue, proxy.market, proxy.stored, source],
  }
}

/**
 * Keeps only the parameters the SQL uses (DuckDB refuses extra values), renumbered in order: returns the SQL and
 * the values to bind.
 */
export function bindUsed(sql: string, values: readonly unknown[]): { sql: string; values: unknown[] } {
  const used = [...new Set([...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])))].sort((a, b) => a - b)
  const renumber = new Map(used.map((n, i) => [n, i + 1]))
  return {
    sql: sql.replace(/\$(\d+)/g, (_m, n: string) => `$${renumber.get(Number(n))}`),
    values: used.map((n) => values[n - 1]),
  }
}

/** One source's rows for one slab, as columns. */
interface SlabColumns {
  length: number
  ts: Float64Array
  a: Float64Array
  b: Float64Array
  c: Float64Array
  d: Float64Array
  /** Account sources only. */
  kind?: Uint8Array
  market?: Uint16Array
  account?: Int32Array
}

function f64(chunk: DuckDBDataChunk, i: number, n: number): Float64Array {
  const u = duckdb.vector_get_data(duckdb.data_chunk_get_vector(chunk.chunk, i), n * 8)
  return new Float64Array(u.buffer, u.byteOffset, n)
}

/** Reads a slab of one source: its materialized chunks joined into columns. */
async function readSlab(connection: DuckDBConnection, source: FeedSource, values: unknown[]): Promise<SlabColumns> {
  const { sql, values: bound } = bindUsed(source.sql, [...values, ...source.params])
  // materialized, not streamed: DuckDB runs the query on its own threads while the kernel works, and the chunks are
  // then read without an async round trip each — the round trips, not the copies, bounded the streamed read
  const result = await runPrepared(connection, sql, bound as DuckDBValue[])
  const chunks: DuckDBDataChunk[] = []
  for (let i = 0, count = result.chunkCount; i < count; i++) {
    const chunk = result.getChunk(i)
    if (chunk.rowCount > 0) chunks.push(chunk)
  }
  const n = chunks.reduce((s, c) => s + c.rowCount, 0)
  const out: SlabColumns = {
    length: n,
    ts: new Float64Array(n),
    a: new Float64Array(n),
    b: new Float64Array(n),
    c: new Float64Array(n),
    d: new Float64Array(n),
  }
  const acc = source.accounts
  if (acc) {
    out.kind = new Uint8Array(n)
    out.market = new Uint16Array(n)
    out.account = new Int32Array(n)
  }
  let at = 0
  for (const chunk of chunks) {
    const k = chunk.rowCount
    const col = acc ? [0, 4, 5, 6, 7] : [0, 1, 2, 3, 4]
    out.ts.set(f64(chunk, col[0]!, k), at)
    out.a.set(f64(chunk, col[1]!, k), at)
    out.b.set(f64(chunk, col[2]!, k), at)
    out.c.set(f64(chunk, col[3]!, k), at)
    out.d.set(f64(chunk, col[4]!, k), at)
    if (acc) {
      out.kind!.set(duckdb.vector_get_data(duckdb.data_chunk_get_vector(chunk.chunk, 1), k), at)
      const m = duckdb.vector_get_data(duckdb.data_chunk_get_vector(chunk.chunk, 2), k * 2)
      out.market!.set(new Uint16Array(m.buffer, m.byteOffset, k), at)
      const a = duckdb.vector_get_data(duckdb.data_chunk_get_vector(chunk.chunk, 3), k * 4)
      out.account!.set(new Int32Array(a.buffer, a.byteOffset, k), at)
    }
    at += k
  }
  return acc ? out : ordered(out)
}

/**
 * Insertion order is the fast path; it is kept only when strictly increasing in time, which makes it the one order.
 * Otherwise (partitions loaded out of order, duplicate rows) the slab is sorted on (ts, a, b, c, d).
 */
function ordered(s: SlabColumns): SlabColumns {
  const ts = s.ts
  let sorted = true
  for (let i = 1; i < s.length; i++) {
    if (!(ts[i]! > ts[i - 1]!)) {
      sorted = false
      break
    }
  }
  if (sorted) return s
  const idx = Array.from({ length: s.length }, (_, i) => i).sort(
    (i, j) =>
      ts[i]! - ts[j]! || s.a[i]! - s.a[j]! || s.b[i]! - s.b[j]! || s.c[i]! - s.c[j]! || s.d[i]! - s.d[j]! || i - j,
  )
  const pick = (col: Float64Array) => Float64Array.from(idx, (i) => col[i]!)
  return { length: s.length, ts: pick(s.ts), a: pick(s.a), b: pick(s.b), c: pick(s.c), d: pick(s.d) }
}

export interface FeedProgress {
  slab: number
  slabs: number
  rows: number
  /** Milliseconds spent waiting on DuckDB that were not hidden behind the caller's work. */
  waitMs: number
}

const BATCH = 4096
/**
 * Slabs read ahead of the one being merged, each on its own connections. DuckDB runs one slab's query on one thread
 * (a day of 1 s bars is about one row group), so two in flight keep both cores busy; a third measured no faster.
 */
const SLABS_AHEAD = 2

/**
 * Yields batches in merge-key order for [fromUs, toUs). Memory stays bounded by 1 + SLABS_AHEAD slabs per source,
 * whatever the window; while the caller processes one slab, the next ones are read on their own connections.
 */
export async function* readReplayFeed(
  store: DuckStore,
  spec: FeedSpec,
  progress?: (p: FeedProgress) => void,
): AsyncGenerator<FeedBatch> {
  const sources = feedSources(spec)
  if (!sources.length) return
  const slabUs = spec.slabSeconds * 1e6
  const maxBarUs =
    Math.max(0, ...spec.bars.map((b) => (b ? b.intervalS : 0)), ...spec.prices.map((p) => p.intervalS ?? 0)) * 1e6
  const slabs: Array<[number, number]> = []
  for (let t = Math.floor(spec.fromUs / slabUs) * slabUs; t < spec.toUs; t += slabUs) {
    slabs.push([Math.max(t, spec.fromUs), Math.min(t + slabUs, spec.toUs)])
  }
  const connections: DuckDBConnection[][] = []
  const state: FeedProgress = { slab: 0, slabs: slabs.length, rows: 0, waitMs: 0 }
  const pool = { batches: [newBatch(BATCH), newBatch(BATCH)], next: 0 }
  const start = (k: number) => {
    const [t0, t1] = slabs[k]!
    const values = [
      spec.venue,
      BigInt(Math.round(t0)),
      BigInt(Math.round(t1)),
      BigInt(Math.round(t0 - maxBarUs)),
      BigInt(Math.round(spec.accountsToUs ?? spec.toUs)),
    ]
    const read = Promise.all(sources.map((s, i) => readSlab(connections[k % connections.length]![i]!, s, values)))
    // a read-ahead that fails is reported when its slab is reached; until then its rejection is not unhandled
    read.catch(() => undefined)
    return read
  }
  const queue: Array<Promise<SlabColumns[]>> = []
  try {
    // inside the try: a failure while connecting still releases the connections made so far
    for (let set = 0; set <= SLABS_AHEAD; set++) {
      const made = await Promise.allSettled(sources.map(() => store.connect()))
      connections.push(made.flatMap((m) => (m.status === 'fulfilled' ? [m.value] : [])))
      const failed = made.find((m) => m.status === 'rejected')
      if (failed) throw failed.reason
    }
    for (let k = 0; k < Math.min(SLABS_AHEAD, slabs.length); k++) queue.push(start(k))
    for (let k = 0; k < slabs.length; k++) {
      const waited = performance.now()
      const columns = await queue.shift()!
      state.waitMs += performance.now() - waited
      if (k + SLABS_AHEAD < slabs.length) queue.push(start(k + SLABS_AHEAD))
      for (const batch of merge(sources, columns, spec.reuseBatches ? pool : null)) {
        state.rows += batch.length
        yield batch
      }
      state.slab = k + 1
      progress?.(state)
    }
  } finally {
    // a caller that stops early leaves reads in flight: their connections close once they are done
    await Promise.allSettled(queue)
    for (const set of connections) for (const c of set) store.release(c)
  }
}

function newBatch(n: number): FeedBatch {
  return {
    length: 0,
    ts: new Float64Array(n),
    kind: new Uint8Array(n),
    market: new Uint16Array(n),
    account: new Int32Array(n).fill(-1),
    a: new Float64Array(n),
    b: new Float64Array(n),
    c: new Float64Array(n),
    d: new Float64Array(n),
  }
}

/**
 * k-way merge of the sources of one slab on (ts, kind, market): runs of one source that come before every other
 * source's next event are copied at once.
 */
function* merge(
  sources: FeedSource[],
  columns: SlabColumns[],
  pool: { batches: FeedBatch[]; next: number } | null,
): Generator<FeedBatch> {
  const fresh = () => {
    if (!pool) return newBatch(BATCH)
    const b = pool.batches[pool.next++ % pool.batches.length]!
    b.length = 0
    return b
  }
  const k = sources.length
  const pos = new Array<number>(k).fill(0)
  const kindAt = (i: number, r: number) => (sources[i]!.accounts ? columns[i]!.kind![r]! : sources[i]!.kind)
  const marketAt = (i: number, r: number) => (sources[i]!.accounts ? columns[i]!.market![r]! : sources[i]!.market)
  const before = (i: number, r: number, j: number, q: number) => {
    const ti = columns[i]!.ts[r]!
    const ki = kindAt(i, r)
    const mi = marketAt(i, r)
    const tj = columns[j]!.ts[q]!
    const kj = kindAt(j, q)
    const mj = marketAt(j, q)
    const order = compareEventKey(ti, ki, mi, tj, kj, mj)
    return order < 0 || (order === 0 && i < j) // equal keys: the source listed first goes first
  }
  let out = fresh()
  for (;;) {
    let best = -1
    for (let i = 0; i < k; i++)
      if (pos[i]! < columns[i]!.length && (best < 0 || before(i, pos[i]!, best, pos[best]!))) best = i
    if (best < 0) break
    const src = columns[best]!
    const from = pos[best]!
    // how far the best source stays ahead of every other source's head (bounded by the batch)
    let to = Math.min(src.length, from + (BATCH - out.length))
    for (let j = 0; j < k; j++) {
      if (j === best || pos[j]! >= columns[j]!.length) continue
      let lo = from + 1
      let hi = to
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if (before(best, mid, j, pos[j]!)) lo = mid + 1
        else hi = mid
      }
      to = lo
    }
    const n = to - from
    const at = out.length
    out.ts.set(src.ts.subarray(from, to), at)
    out.a.set(src.a.subarray(from, to), at)
    out.b.set(src.b.subarray(from, to), at)
    out.c.set(src.c.subarray(from, to), at)
    out.d.set(src.d.subarray(from, to), at)
    if (sources[best]!.accounts) {
      out.kind.set(src.kind!.subarray(from, to), at)
      out.market.set(src.market!.subarray(from, to), at)
      out.account.set(src.account!.subarray(from, to), at)
    } else {
      out.kind.fill(sources[best]!.kind, at, at + n)
      out.market.fill(sources[best]!.market, at, at + n)
      out.account.fill(-1, at, at + n)
    }
    out.length += n
    pos[best] = to
    if (out.length === BATCH) {
      yield out
      out = fresh()
    }
  }
  if (out.length) yield out
}
