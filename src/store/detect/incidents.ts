// Incidents in DuckDB (DDL 0400): the run outputs they are built from (deficits and guardrail triggers grouped per
// market and minute, ADL counts), account links, and replacing / reading a scope's incidents with their timelines.
import { listValue, type DuckDBValue } from '@duckdb/node-api'
import type { DuckStore } from '../duck/open.ts'
import { num, paramTypes, queryRows, str, trimDecimal, tsParam } from './read.ts'

export interface DeficitGroup {
  market: string
  fromUs: number
  toUs: number
  seqFrom: number
  seqTo: number
  count: number
  /** Exact decimal text (DECIMAL sums). */
  shortfall: string
  coveredByFund: string
  coveredByFeePool: string
  coveredByAdl: string
  socialized: string
  uncovered: string
  /** The largest shortfalls' accounts, largest first (at most 5). */
  accounts: string[]
  accountCount: number
}

/** A run's deficits grouped per market and minute (a cascade can leave thousands of rows). */
export async function readDeficitGroups(store: DuckStore, runId: string): Promise<DeficitGroup[]> {
  const rows = await queryRows(
    store,
    `SELECT market, time_bucket(INTERVAL 1 MINUTE, ts) AS m, min(epoch_us(ts))::DOUBLE AS lo, max(epoch_us(ts))::DOUBLE AS hi,
            min(seq)::DOUBLE AS s0, max(seq)::DOUBLE AS s1, count(*)::DOUBLE AS n,
            sum(shortfall)::VARCHAR AS shortfall, sum(covered_by_fund)::VARCHAR AS fund,
            sum(covered_by_fee_pool)::VARCHAR AS fee_pool, sum(covered_by_adl)::VARCHAR AS adl,
            sum(socialized)::VARCHAR AS socialized, sum(uncovered)::VARCHAR AS uncovered,
            list(account ORDER BY shortfall DESC, seq)[1:5] AS accounts, count(DISTINCT account)::DOUBLE AS accounts_n
       FROM backtest_deficits WHERE run_id = $1 GROUP BY market, m ORDER BY m, market`,
    [runId],
  )
  return rows.map((r) => ({
    market: String(r.market),
    fromUs: num(r.lo),
    toUs: num(r.hi) + 1,
    seqFrom: num(r.s0),
    seqTo: num(r.s1),
    count: num(r.n),
    shortfall: String(r.shortfall),
    coveredByFund: String(r.fund),
    coveredByFeePool: String(r.fee_pool),
    coveredByAdl: String(r.adl),
    socialized: String(r.socialized),
    uncovered: String(r.uncovered),
    accounts: (r.accounts as unknown[]).map(String),
    accountCount: num(r.accounts_n),
  }))
}

export interface GuardrailGroup {
  market: string | null
  kind: string
  action: string
  fromUs: number
  toUs: number
  seqFrom: number
  seqTo: number
  count: number
  maxValue: number
  threshold: number
}

/** A run's guardrail triggers grouped per market, kind, action and minute. */
export async function readGuardrailGroups(store: DuckStore, runId: string): Promise<GuardrailGroup[]> {
  const rows = await queryRows(
    store,
    `SELECT market, kind, action, time_bucket(INTERVAL 1 MINUTE, ts) AS m, min(epoch_us(ts))::DOUBLE AS lo,
            max(epoch_us(ts))::DOUBLE AS hi, min(seq)::DOUBLE AS s0, max(seq)::DOUBLE AS s1, count(*)::DOUBLE AS n,
            max(value) AS v, any_value(threshold) AS t
       FROM backtest_guardrail_triggers WHERE run_id = $1 GROUP BY market, kind, action, m
      ORDER BY m, market NULLS FIRST, kind, action`,
    [runId],
  )
  return rows.map((r) => ({
    market: str(r.market),
    kind: String(r.kind),
    action: String(r.action),
    fromUs: num(r.lo),
    toUs: num(r.hi) + 1,
    seqFrom: num(r.s0),
    seqTo: num(r.s1),
    count: num(r.n),
    maxValue: num(r.v),
    threshold: num(r.t),
  }))
}

/** ADL fills of a run on `markets` in [fromUs, toUs]. */
export async function countRunAdl(
  store: DuckStore,
  runId: string,
  markets: string[],
  fromUs: number,
  toUs: number,
): Promise<number> {
  const [r] = await queryRows(
    store,
    `SELECT count(*)::DOUBLE AS n FROM backtest_adl_fills
      WHERE run_id = $1 AND list_contains($2, market) AND ts >= $3 AND ts <= $4`,
    [runId, listValue(markets), tsParam(fromUs), tsParam(toUs)],
  )
  return num(r!.n)
}

/** Observed ADL rows (liquidations kind 'adl') of a venue's `markets` in [fromUs, toUs]. */
export async function countObservedAdl(
  store: DuckStore,
  venue: string,
  markets: string[],
  fromUs: number,
  toUs: number,
): Promise<number> {
  const [r] = await queryRows(
    store,
    `SELECT count(*)::DOUBLE AS n FROM liquidations
      WHERE venue = $1 AND list_contains($2, market) AND kind = 'adl' AND ts >= $3 AND ts <= $4`,
    [venue, listValue(markets), tsParam(fromUs), tsParam(toUs)],
  )
  return num(r!.n)
}

export interface IncidentRecord {
  id: string
  venue: string
  runId: string | null
  markets: string[]
  fromUs: number
  toUs: number
  severity: string
  title: string
  totalDeficit: string
  insuranceFundImpact: string
  adlCount: number
  accounts: string[]
  detections: number
  members: number
  gapSeconds: number
}

export interface IncidentMemberRecord {
  incidentId: string
  seq: number
  kind: string
  ref: string
  fromUs: number
  toUs: number
  market: string | null
  accounts: string[]
  severity: string
  summary: string
  figures: unknown
}

/** Run scopes (run ids) that have incidents on a venue. */
export async function incidentRunScopes(store: DuckStore, venue: string): Promise<string[]> {
  const rows = await queryRows(
    store,
    `SELECT DISTINCT run_id FROM incidents WHERE venue = $1 AND run_id IS NOT NULL ORDER BY 1`,
    [venue],
  )
  return rows.map((r) => String(r.run_id))
}

/** Replaces the incidents (and their members) of one (venue, run) scope in one transaction. */
export async function replaceIncidents(
  store: DuckStore,
  scope: { venue: string; runId: string | null },
  incidents: IncidentRecord[],
  members: IncidentMemberRecord[],
  createdAt: Date,
): Promise<{ deleted: number; inserted: number; created: string[] }> {
  return store.transaction(async (c) => {
    const run = (sql: string, values: DuckDBValue[]) => c.run(sql, values, paramTypes(values))
    // ids hash their members: an id the scope did not hold before is an incident this rebuild created
    const before = await c.runAndReadAll(
      `SELECT id FROM incidents WHERE venue = $1 AND run_id IS NOT DISTINCT FROM $2`,
      [scope.venue, scope.runId],
    )
    const existing = new Set(before.getRowObjectsJS().map((r) => String(r.id)))
    await c.run(
      `DELETE FROM incident_members WHERE incident_id IN
         (SELECT id FROM incidents WHERE venue = $1 AND run_id IS NOT DISTINCT FROM $2)`,
      [scope.venue, scope.runId],
    )
    const deleted = await c.run(`DELETE FROM incidents WHERE venue = $1 AND run_id IS NOT DISTINCT FROM $2`, [
      scope.venue,
      scope.runId,
    ])
    const created = tsParam(createdAt.getTime() * 1000)
    for (const i of incidents) {
      await run(
        `INSERT INTO incidents VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::DECIMAL(38, 6), $10::DECIMAL(38, 6), $11,
           $12, $13, $14, $15, $16)`,
        [
          i.id,
          i.venue,
          i.runId,
          listValue(i.markets),
          tsParam(i.fromUs),
          tsParam(i.toUs),
          i.severity,
          i.title,
          i.totalDeficit,
          i.insuranceFundImpact,
          BigInt(i.adlCount),
          listValue(i.accounts),
          i.detections,
          i.members,
          i.gapSeconds,
          created,
        ],
      )
    }
    for (const m of members) {
      await run(`INSERT INTO incident_members VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, [
        m.incidentId,
        m.seq,
        m.kind,
        m.ref,
        tsParam(m.fromUs),
        tsParam(m.toUs),
        m.market,
        listValue(m.accounts),
        m.severity,
        m.summary,
        JSON.stringify(m.figures),
      ])
    }
    return {
      deleted: Number(deleted.rowsChanged),
      inserted: incidents.length,
      created: incidents.filter((i) => !existing.has(i.id)).map((i) => i.id),
    }
  })
}

export interface IncidentFilter {
  venue?: string | null
  /** A run id, or null for market-data incidents only; undefined for all. */
  runId?: string | null
  severities?: string[] | null
  fromUs?: number | null
  toUs?: number | null
}

export interface StoredIncident extends IncidentRecord {
  createdAt: Date
}

function toIncident(r: Record<string, unknown>): StoredIncident {
  return {
    id: String(r.id),
    venue: String(r.venue),
    runId: str(r.run_id),
    markets: (r.markets as unknown[]).map(String),
    fromUs: num(r.lo),
    toUs: num(r.hi),
    severity: String(r.severity),
    title: String(r.title),
    totalDeficit: trimDecimal(String(r.total_deficit)),
    insuranceFundImpact: trimDecimal(String(r.fund)),
    adlCount: num(r.adl_count),
    accounts: (r.accounts as unknown[]).map(String),
    detections: num(r.detections),
    members: num(r.members),
    gapSeconds: num(r.gap_seconds),
    createdAt: r.created_at as Date,
  }
}

const INCIDENT_SELECT = `SELECT id, venue, run_id, markets, epoch_us(window_from)::DOUBLE AS lo,
  epoch_us(window_to)::DOUBLE AS hi, severity, title, total_deficit::VARCHAR AS total_deficit,
  insurance_fund_impact::VARCHAR AS fund, adl_count::DOUBLE AS adl_count, accounts, detections, members, gap_seconds,
  created_at FROM incidents`

export async function readIncidents(
  store: DuckStore,
  filter: IncidentFilter = {},
  page: { limit: number; offset: number } = { limit: 10_000, offset: 0 },
): Promise<StoredIncident[]> {
  const rows = await queryRows(
    store,
    `${INCIDENT_SELECT}
      WHERE ($1::VARCHAR IS NULL OR venue = $1) AND ($2::BOOLEAN OR run_id IS NOT DISTINCT FROM $3::VARCHAR)
        AND ($4::VARCHAR[] IS NULL OR list_contains($4, severity))
        AND ($5::TIMESTAMP IS NULL OR window_to > $5) AND ($6::TIMESTAMP IS NULL OR window_from < $6)
      ORDER BY window_from, venue, run_id NULLS FIRST, id LIMIT $7 OFFSET $8`,
    [
      filter.venue ?? null,
      filter.runId === undefined,
      filter.runId ?? null,
      filter.severities ? listValue(filter.severities) : null,
      filter.fromUs != null ? tsParam(filter.fromUs) : null,
      filter.toUs != null ? tsParam(filter.toUs) : null,
      page.limit,
      page.offset,
    ],
  )
  return rows.map(toIncident)
}

export type StoredIncidentMember = Omit<IncidentMemberRecord, 'incidentId'>

/** One incident with its timeline, or null. */
export async function readIncident(
  store: DuckStore,
  id: string,
): Promise<{ incident: StoredIncident; timeline: StoredIncidentMember[] } | null> {
  const [row] = await queryRows(store, `${INCIDENT_SELECT} WHERE id = $1`, [id])
  if (!row) return null
  const members = await queryRows(
    store,
    `SELECT seq, kind, ref, epoch_us(ts_from)::DOUBLE AS lo, epoch_us(ts_to)::DOUBLE AS hi, market, accounts, severity,
            summary, figures::VARCHAR AS figures
       FROM incident_members WHERE incident_id = $1 ORDER BY seq`,
    [id],
  )
  return {
    incident: toIncident(row),
    timeline: members.map((m) => ({
      seq: num(m.seq),
      kind: String(m.kind),
      ref: String(m.ref),
      fromUs: num(m.lo),
      toUs: num(m.hi),
      market: str(m.market),
      accounts: (m.accounts as unknown[]).map(String),
      severity: String(m.severity),
      summary: String(m.summary),
      figures: JSON.parse(String(m.figures)) as unknown,
    })),
  }
}
