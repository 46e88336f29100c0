// Streams replay events out of DuckDB as struct-of-arrays batches: one UNION ALL per time slab (bars, reference
// prices, funding, open interest, ledger, fills), filtered, joined and sorted on the merge key in SQL, read chunk by
// chunk with the next chunk (and the next slab) already being produced while the caller works on the current one.
import duckdb from '@duckdb/node-bindings'
import type { DuckDBConnection, DuckDBDataChunk, DuckDBResult } from '@duckdb/node-api'
import type { DuckStore } from '../duck/open.ts'
import { accountsSql } from './replayData.ts'

/** One batch of events (the layout of the replay engine's EventBatch). */
export interface FeedBatch {
  length: number
  ts: Float64Array
  kind: Uint8Array
  market: Uint16Array
  account: Int32Array
  a: Float64Array
  b: Float64Array
  c: Float64Array
  d: Float64Array
}

/** Event kind codes, in merge-key priority order (must match the engine's EventKind). */
export const FEED_KIND = {
  index: 0,
  oracle: 1,
  mark: 2,
  bar: 3,
  funding: 4,
  openInterest: 5,
  ledger: 6,
  fill: 7,
} as const

export interface FeedSpec {
  venue: string
  markets: readonly string[]
  fromUs: number
  toUs: number
  /** Per market: the bar series to replay (interval and source), or null. */
  bars: ReadonlyArray<{ intervalS: number; source: string } | null>
  /** Reference price series: market index, kind (index | oracle | mark), source and bar length (null = ticks). */
  prices: ReadonlyArray<{ market: number; kind: 'index' | 'oracle' | 'mark'; source: string; intervalS: number | null }>
  funding: boolean
  /** Funding computed from premium-index rows averaged per interval, instead of the venue's rates. */
  premiumFundingIntervalH: number | null
  openInterest: boolean
  /** Fills and ledger rows (account replays); accounts are indexed by the sorted dictionary of ACCOUNTS_SQL. */
  accounts: boolean
  /** Only account events (the warm-up before the window). */
  accountsOnly?: boolean
  /** Slab length; slabs are aligned to multiples of it since the epoch. */
  slabSeconds: number
}

const quote = (s: string) => `'${s.replaceAll("'", "''")}'`

/** The slab query: every source as (ts µs, kind, market, account, a, b, c, d), sorted on the merge key. */
export function slabSql(spec: FeedSpec): string {
  const parts: string[] = []
  const mk = spec.markets.map((m, i) => `(${quote(m)}, ${i})`).join(', ')
  const bars = spec.bars.flatMap((b, i) =>
    b ? [`(${quote(spec.markets[i]!)}, ${i}, ${b.intervalS}, ${quote(b.source)})`] : [],
  )
  const prices = spec.prices.map(
    (p) =>
      `(${quote(spec.markets[p.market]!)}, ${p.market}, ${quote(p.kind)}, ${quote(p.source)}, ${p.intervalS ?? 'NULL'}, ${FEED_KIND[p.kind]})`,
  )
  const ctes = [`mk(market, mkt) AS (VALUES ${mk})`]
  // $1 venue, $2 slab start µs, $3 slab end µs, $4 earliest bar open that can close in the slab, $5 window end µs
  if (!spec.accountsOnly && bars.length) {
    ctes.push(`sel_bars(market, mkt, interval_s, source) AS (VALUES ${bars.join(', ')})`)
    // a bar is known at its close: its event time is open + interval
    parts.push(`SELECT epoch_us(r.ts)::DOUBLE + s.interval_s * 1e6 AS ts, ${FEED_KIND.bar}::UTINYINT AS kind, s.mkt::USMALLINT AS mkt,
        -1::INTEGER AS acct, r.low AS a, r.high AS b, r.close AS c,
        coalesce(r.quote_volume, r.volume * coalesce(r.vwap, r.close), 'nan'::DOUBLE) AS d
      FROM bars r JOIN sel_bars s ON r.market = s.market AND r.interval_s = s.interval_s AND r.source = s.source
      WHERE r.venue = $1 AND r.ts >= make_timestamp($4::BIGINT) AND r.ts < make_timestamp($3::BIGINT)`)
  }
  if (!spec.accountsOnly && prices.length) {
    ctes.push(`sel_prices(market, mkt, kind, source, interval_s, code) AS (VALUES ${prices.join(', ')})`)
    parts.push(`SELECT epoch_us(r.ts)::DOUBLE + coalesce(r.interval_s, 0) * 1e6, s.code::UTINYINT, s.mkt::USMALLINT, -1::INTEGER,
        coalesce(r.low, r.price), coalesce(r.high, r.price), r.price, 'nan'::DOUBLE
      FROM prices r JOIN sel_prices s ON r.market = s.market AND r.kind = s.kind AND r.source = s.source
        AND r.interval_s IS NOT DISTINCT FROM s.interval_s
      WHERE r.venue = $1 AND r.ts >= make_timestamp($4::BIGINT) AND r.ts < make_timestamp($3::BIGINT)`)
  }
  if (!spec.accountsOnly && spec.funding && spec.premiumFundingIntervalH === null) {
    parts.push(`SELECT epoch_us(r.ts)::DOUBLE, ${FEED_KIND.funding}::UTINYINT, mk.mkt::USMALLINT, -1::INTEGER,
        r.rate, 'nan'::DOUBLE, coalesce(r.interval_h, 8)::DOUBLE, 'nan'::DOUBLE
      FROM funding r JOIN mk USING (market) WHERE r.venue = $1 AND r.ts >= make_timestamp($2::BIGINT) AND r.ts < make_timestamp($3::BIGINT)`)
  }
  if (!spec.accountsOnly && spec.premiumFundingIntervalH !== null) {
    // the premium averaged over each funding interval, settled at the interval's end
    const iv = spec.premiumFundingIntervalH * 3600 * 1e6
    parts.push(`SELECT (floor(epoch_us(r.ts) / ${iv}) + 1) * ${iv}, ${FEED_KIND.funding}::UTINYINT, mk.mkt::USMALLINT, -1::INTEGER,
        'nan'::DOUBLE, avg(r.price), ${spec.premiumFundingIntervalH}::DOUBLE, 'nan'::DOUBLE
      FROM prices r JOIN mk USING (market)
      WHERE r.venue = $1 AND r.kind = 'premium' AND r.ts >= make_timestamp($2::BIGINT - ${iv}) AND r.ts < make_timestamp($3::BIGINT)
      GROUP BY 1, mk.mkt`)
  }
  if (!spec.accountsOnly && spec.openInterest) {
    parts.push(`SELECT epoch_us(r.ts)::DOUBLE, ${FEED_KIND.openInterest}::UTINYINT, mk.mkt::USMALLINT, -1::INTEGER,
        coalesce(r.oi_base, 'nan'::DOUBLE), coalesce(r.oi_quote, 'nan'::DOUBLE), 'nan'::DOUBLE, 'nan'::DOUBLE
      FROM open_interest r JOIN mk USING (market) WHERE r.venue = $1 AND r.ts >= make_timestamp($2::BIGINT) AND r.ts < make_timestamp($3::BIGINT)`)
  }
  if (spec.accounts) {
    const markets = spec.markets.map(quote).join(', ')
    ctes.push(
      `acc AS (SELECT account, (row_number() OVER (ORDER BY account) - 1)::INTEGER AS idx FROM (${accountsSql(markets).replaceAll('$2', '$5')}))`,
    )
    // exact amounts arrive as integer micro-units (DECIMAL × 10^6, rounded half away from zero)
    parts.push(`SELECT epoch_us(r.ts)::DOUBLE, ${FEED_KIND.ledger}::UTINYINT, 0::USMALLINT, acc.idx,
        round(r.delta_quote * 1000000)::DOUBLE,
        (CASE r.kind WHEN 'deposit' THEN 0 WHEN 'withdrawal' THEN 1 WHEN 'transfer' THEN 2 WHEN 'funding' THEN 3 WHEN 'fee' THEN 4 ELSE 5 END)::DOUBLE,
        'nan'::DOUBLE, 'nan'::DOUBLE
      FROM ledger r JOIN acc USING (account) WHERE r.venue = $1 AND r.ts >= make_timestamp($2::BIGINT) AND r.ts < make_timestamp($3::BIGINT)`)
    parts.push(`SELECT epoch_us(r.ts)::DOUBLE, ${FEED_KIND.fill}::UTINYINT, mk.mkt::USMALLINT, acc.idx,
        r.price::DOUBLE, (CASE WHEN r.side = 'buy' THEN r.qty ELSE -r.qty END)::DOUBLE,
        round(r.fee * 1000000)::DOUBLE, (CASE WHEN r.liquidation THEN 1 ELSE 0 END)::DOUBLE
      FROM fills r JOIN mk USING (market) JOIN acc USING (account)
      WHERE r.venue = $1 AND r.ts >= make_timestamp($2::BIGINT) AND r.ts < make_timestamp($3::BIGINT)`)
  }
  if (!parts.length) return ''
  return `WITH ${ctes.join(',\n')}
SELECT * FROM (${parts.join('\nUNION ALL\n')}) e(ts, kind, mkt, acct, a, b, c, d)
WHERE ts >= $2::DOUBLE AND ts < $3::DOUBLE
ORDER BY ts, kind, mkt, acct, a, b, c, d`
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

/** Copies one DuckDB chunk into a batch: each column's buffer is the copy vector_get_data makes anyway. */
function toBatch(chunk: DuckDBDataChunk): FeedBatch {
  const raw = chunk.chunk
  const n = chunk.rowCount
  const col = (i: number, bytes: number) => duckdb.vector_get_data(duckdb.data_chunk_get_vector(raw, i), n * bytes)
  const f64 = (i: number) => {
    const u = col(i, 8)
    return new Float64Array(u.buffer, u.byteOffset, n)
  }
  const kind = col(1, 1)
  const market = col(2, 2)
  const account = col(3, 4)
  return {
    length: n,
    ts: f64(0),
    kind: new Uint8Array(kind.buffer, kind.byteOffset, n),
    market: new Uint16Array(market.buffer, market.byteOffset, n),
    account: new Int32Array(account.buffer, account.byteOffset, n),
    a: f64(4),
    b: f64(5),
    c: f64(6),
    d: f64(7),
  }
}

export interface FeedProgress {
  slab: number
  slabs: number
  rows: number
  /** Milliseconds spent waiting on DuckDB (query execution and chunk fetches not hidden behind the caller's work). */
  waitMs: number
}

/**
 * Yields batches in merge-key order for [fromUs, toUs). Memory stays bounded by one slab per connection, whatever
 * the window. While the caller processes a batch the next chunk is being fetched, and the next slab's query runs
 * on a second connection.
 */
export async function* readReplayFeed(
  store: DuckStore,
  spec: FeedSpec,
  progress?: (p: FeedProgress) => void,
): AsyncGenerator<FeedBatch> {
  const fullSql = slabSql(spec)
  if (!fullSql) return
  const slabUs = spec.slabSeconds * 1e6
  const maxBarUs =
    Math.max(0, ...spec.bars.map((b) => (b ? b.intervalS : 0)), ...spec.prices.map((p) => p.intervalS ?? 0)) * 1e6
  const slabs: Array<[number, number]> = []
  for (let t = Math.floor(spec.fromUs / slabUs) * slabUs; t < spec.toUs; t += slabUs) {
    slabs.push([Math.max(t, spec.fromUs), Math.min(t + slabUs, spec.toUs)])
  }
  const connections: DuckDBConnection[] = [await store.connect(), await store.connect()]
  const state: FeedProgress = { slab: 0, slabs: slabs.length, rows: 0, waitMs: 0 }
  const start = (k: number): { result: Promise<DuckDBResult>; first: Promise<DuckDBDataChunk | null> } => {
    const [t0, t1] = slabs[k]!
    const { sql, values } = bindUsed(fullSql, [
      spec.venue,
      BigInt(Math.round(t0)),
      BigInt(Math.round(t1)),
      BigInt(Math.round(t0 - maxBarUs)),
      BigInt(Math.round(spec.toUs)),
    ])
    const result = connections[k % 2]!.stream(sql, values as Array<string | bigint>)
    return { result, first: result.then((r) => r.fetchChunk()) }
  }
  try {
    let next = slabs.length ? start(0) : null
    for (let k = 0; k < slabs.length; k++) {
      const current = next!
      let waited = performance.now()
      const result = await current.result
      let pending = current.first
      // the following slab's query runs on the other connection meanwhile
      next = k + 1 < slabs.length ? start(k + 1) : null
      for (;;) {
        const chunk = await pending
        state.waitMs += performance.now() - waited
        if (!chunk || chunk.rowCount === 0) break
        pending = result.fetchChunk()
        const batch = toBatch(chunk)
        state.rows += batch.length
        yield batch
        waited = performance.now()
      }
      state.slab = k + 1
      progress?.(state)
    }
    if (next) await next.first.catch(() => null)
  } finally {
    for (const c of connections) c.closeSync()
  }
}
