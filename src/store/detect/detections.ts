// Detections in DuckDB (DDL 0400): a detector run replaces the rows of its scope in one transaction, and readers
// list them with filters. Amounts are exact decimals (micro-units of the quote), passed and returned as text.
import { listValue } from '@duckdb/node-api'
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api'
import type { DuckStore } from '../duck/open.ts'
import { num, paramTypes, queryRows, str, trimDecimal, tsParam } from './read.ts'

/** What one detector run over one market owns: re-running it replaces exactly these rows. */
export interface DetectionScope {
  detector: string
  venue: string
  market: string
  runId: string | null
  paramsHash: string
  fromUs: number
  toUs: number
}

export interface DetectionRecord {
  id: string
  detector: string
  detectorVersion: string
  venue: string
  market: string
  windowFromUs: number
  windowToUs: number
  accounts: string[]
  score: number
  severity: string
  /** JSON-serialisable evidence. */
  evidence: unknown
  /** Exact decimal text, or null. */
  estimatedCostQuote: string | null
  estimatedProfitQuote: string | null
  runId: string | null
  paramsHash: string
  scopeFromUs: number
  scopeToUs: number
}

export interface StoredDetection extends DetectionRecord {
  createdAt: Date
}

const SCOPE_WHERE = `detector = $1 AND venue = $2 AND market = $3 AND run_id IS NOT DISTINCT FROM $4
  AND params_hash = $5 AND window_from >= $6 AND window_from < $7`

async function deleteScope(c: DuckDBConnection, s: DetectionScope): Promise<number> {
  const r = await c.run(`DELETE FROM detections WHERE ${SCOPE_WHERE}`, [
    s.detector,
    s.venue,
    s.market,
    s.runId,
    s.paramsHash,
    tsParam(s.fromUs),
    tsParam(s.toUs),
  ])
  return Number(r.rowsChanged)
}

/**
 * Replaces every given scope's rows with its new rows, all in one transaction: either every scope is replaced or
 * nothing changes. Returns how many old rows were deleted and new rows inserted.
 */
export async function replaceDetections(
  store: DuckStore,
  batches: Array<{ scope: DetectionScope; rows: DetectionRecord[] }>,
  createdAt: Date,
): Promise<{ deleted: number; inserted: number }> {
  return store.transaction(async (c) => {
    const run = (sql: string, values: DuckDBValue[]) => c.run(sql, values, paramTypes(values))
    let deleted = 0
    let inserted = 0
    for (const { scope, rows } of batches) {
      deleted += await deleteScope(c, scope)
      for (const d of rows) {
        await run(
          `INSERT INTO detections VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,
             $12::DECIMAL(38, 6), $13::DECIMAL(38, 6), $14, $15, $16, $17, $18)`,
          [
            d.id,
            d.detector,
            d.detectorVersion,
            d.venue,
            d.market,
            tsParam(d.windowFromUs),
            tsParam(d.windowToUs),
            listValue(d.accounts),
            d.score,
            d.severity,
            JSON.stringify(d.evidence),
            d.estimatedCostQuote,
            d.estimatedProfitQuote,
            d.runId,
            d.paramsHash,
            tsParam(d.scopeFromUs),
            tsParam(d.scopeToUs),
            tsParam(createdAt.getTime() * 1000),
          ],
        )
        inserted++
      }
    }
    return { deleted, inserted }
  })
}

export interface DetectionFilter {
  venue?: string | null
  market?: string | null
  /** A run id, or null for market-data detections only; undefined for both. */
  runId?: string | null
  detectors?: string[] | null
  severities?: string[] | null
  fromUs?: number | null
  toUs?: number | null
  ids?: string[] | null
}

const SELECT = `SELECT id, detector, detector_version, venue, market, epoch_us(window_from)::DOUBLE AS window_from,
  epoch_us(window_to)::DOUBLE AS window_to, accounts, score, severity, evidence::VARCHAR AS evidence,
  estimated_cost_quote::VARCHAR AS cost, estimated_profit_quote::VARCHAR AS profit, run_id, params_hash,
  epoch_us(scope_from)::DOUBLE AS scope_from, epoch_us(scope_to)::DOUBLE AS scope_to, created_at
  FROM detections`

function toDetection(r: Record<string, unknown>): StoredDetection {
  return {
    id: String(r.id),
    detector: String(r.detector),
    detectorVersion: String(r.detector_version),
    venue: String(r.venue),
    market: String(r.market),
    windowFromUs: num(r.window_from),
    windowToUs: num(r.window_to),
    accounts: (r.accounts as unknown[]).map(String),
    score: num(r.score),
    severity: String(r.severity),
    evidence: JSON.parse(String(r.evidence)) as unknown,
    estimatedCostQuote: r.cost === null ? null : trimDecimal(String(r.cost)),
    estimatedProfitQuote: r.profit === null ? null : trimDecimal(String(r.profit)),
    runId: str(r.run_id),
    paramsHash: String(r.params_hash),
    scopeFromUs: num(r.scope_from),
    scopeToUs: num(r.scope_to),
    createdAt: r.created_at as Date,
  }
}

/** Detections matching the filter, ordered by window start, detector, market and id. */
export async function readDetections(
  store: DuckStore,
  filter: DetectionFilter = {},
  page: { limit: number; offset: number } = { limit: 10_000, offset: 0 },
): Promise<StoredDetection[]> {
  const rows = await queryRows(
    store,
    `${SELECT}
      WHERE ($1::VARCHAR IS NULL OR venue = $1) AND ($2::VARCHAR IS NULL OR market = $2)
        AND ($3::BOOLEAN OR run_id IS NOT DISTINCT FROM $4::VARCHAR)
        AND ($5::VARCHAR[] IS NULL OR list_contains($5, detector))
        AND ($6::VARCHAR[] IS NULL OR list_contains($6, severity))
        AND ($7::TIMESTAMP IS NULL OR window_to > $7) AND ($8::TIMESTAMP IS NULL OR window_from < $8)
        AND ($9::VARCHAR[] IS NULL OR list_contains($9, id))
      ORDER BY window_from, detector, market, id LIMIT $10 OFFSET $11`,
    [
      filter.venue ?? null,
      filter.market ?? null,
      filter.runId === undefined,
      filter.runId ?? null,
      filter.detectors ? listValue(filter.detectors) : null,
      filter.severities ? listValue(filter.severities) : null,
      filter.fromUs != null ? tsParam(filter.fromUs) : null,
      filter.toUs != null ? tsParam(filter.toUs) : null,
      filter.ids ? listValue(filter.ids) : null,
      page.limit,
      page.offset,
    ],
  )
  return rows.map(toDetection)
}
