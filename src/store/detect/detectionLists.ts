// Detections and incidents (DDL 0400) as filterable, keyset-paged lists for the API, rows in the API's field names
// through SQL aliases, plus the batched reads a per-request loader uses (an incident's detections and timeline).
import { DETECTOR_IDS, SEVERITIES } from '../../domain/detection.ts'
import type { DuckStore } from '../duck/open.ts'
import { readKeyedRows, readRows, type ColumnsOf } from '../duck/typedRows.ts'
import { readDuckList, type DuckRowList } from '../query/duckList.ts'
import type { ListPage, ListQuery } from '../query/listQuery.ts'

export interface DetectionRow {
  id: string
  detector: string
  detectorVersion: string
  venue: string
  market: string
  windowFrom: Date
  windowTo: Date
  accounts: string[]
  score: number
  severity: string
  /** JSON text (parsed by the API's field resolver). */
  evidence: string
  estimatedCostQuote: string | null
  estimatedCostQuoteApprox: number | null
  estimatedProfitQuote: string | null
  estimatedProfitQuoteApprox: number | null
  runId: string | null
  paramsHash: string
  createdAt: Date
}

export interface IncidentRow {
  id: string
  venue: string
  runId: string | null
  markets: string[]
  windowFrom: Date
  windowTo: Date
  /** The window in µs since the epoch (exact: the DateTime fields carry milliseconds). */
  windowFromUs: number
  windowToUs: number
  severity: string
  title: string
  totalDeficit: string
  totalDeficitApprox: number
  insuranceFundImpact: string
  insuranceFundImpactApprox: number
  adlCount: number
  accounts: string[]
  detections: number
  members: number
  gapSeconds: number
  createdAt: Date
}

export interface IncidentMemberRow {
  incidentId: string
  seq: number
  kind: string
  ref: string
  from: Date
  to: Date
  /** µs since the epoch (exact). */
  fromUs: number
  toUs: number
  market: string | null
  accounts: string[]
  severity: string
  summary: string
  /** JSON text. */
  figures: string
}

/** Each detection field's select expression (the API's names through aliases), so a read can take only some. */
const DETECTION_FIELDS: Record<keyof DetectionRow, string> = {
  id: 'id',
  detector: 'detector',
  detectorVersion: 'detector_version AS "detectorVersion"',
  venue: 'venue',
  market: 'market',
  windowFrom: 'window_from AS "windowFrom"',
  windowTo: 'window_to AS "windowTo"',
  accounts: 'accounts',
  score: 'score',
  severity: 'severity',
  evidence: 'evidence::VARCHAR AS evidence',
  estimatedCostQuote: 'estimated_cost_quote::VARCHAR AS "estimatedCostQuote"',
  estimatedCostQuoteApprox: 'estimated_cost_quote::DOUBLE AS "estimatedCostQuoteApprox"',
  estimatedProfitQuote: 'estimated_profit_quote::VARCHAR AS "estimatedProfitQuote"',
  estimatedProfitQuoteApprox: 'estimated_profit_quote::DOUBLE AS "estimatedProfitQuoteApprox"',
  runId: 'run_id AS "runId"',
  paramsHash: 'params_hash AS "paramsHash"',
  createdAt: 'created_at AS "createdAt"',
}

const DETECTION_SELECT = Object.values(DETECTION_FIELDS).join(', ')

/** The columns DETECTION_FIELDS select (checked against each result before rows are read). */
const DETECTION_COLUMNS: ColumnsOf<DetectionRow> = {
  id: 'text',
  detector: 'text',
  detectorVersion: 'text',
  venue: 'text',
  market: 'text',
  windowFrom: 'timestamp',
  windowTo: 'timestamp',
  accounts: 'text[]',
  score: 'double',
  severity: 'text',
  evidence: 'text',
  estimatedCostQuote: 'text?',
  estimatedCostQuoteApprox: 'double?',
  estimatedProfitQuote: 'text?',
  estimatedProfitQuoteApprox: 'double?',
  runId: 'text?',
  paramsHash: 'text',
  createdAt: 'timestamp',
}

export const DETECTION_LIST: DuckRowList<DetectionRow> = {
  name: 'detections',
  row: DETECTION_COLUMNS,
  from: 'detections',
  select: DETECTION_SELECT,
  selectFields: DETECTION_FIELDS,
  fields: {
    id: { type: 'string', sortable: true },
    detector: { type: 'enum', values: DETECTOR_IDS, sortable: true },
    venue: { type: 'string', sortable: true },
    market: { type: 'string', sortable: true },
    runId: { type: 'string' },
    windowFrom: { type: 'timestamp', sortable: true },
    windowTo: { type: 'timestamp', sortable: true },
    score: { type: 'double', sortable: true },
    severity: { type: 'enum', values: SEVERITIES, sortable: true },
    createdAt: { type: 'timestamp', sortable: true },
  },
  columns: {
    id: 'id',
    detector: 'detector',
    venue: 'venue',
    market: 'market',
    runId: 'run_id',
    windowFrom: 'window_from',
    windowTo: 'window_to',
    score: 'score',
    severity: 'severity',
    createdAt: 'created_at',
  },
  id: 'id',
  defaultOrder: [{ field: 'windowFrom', direction: 'ASC' }],
}

const INCIDENT_FIELDS: Record<keyof IncidentRow, string> = {
  id: 'id',
  venue: 'venue',
  runId: 'run_id AS "runId"',
  markets: 'markets',
  windowFrom: 'window_from AS "windowFrom"',
  windowTo: 'window_to AS "windowTo"',
  windowFromUs: 'epoch_us(window_from)::DOUBLE AS "windowFromUs"',
  windowToUs: 'epoch_us(window_to)::DOUBLE AS "windowToUs"',
  severity: 'severity',
  title: 'title',
  totalDeficit: 'total_deficit::VARCHAR AS "totalDeficit"',
  totalDeficitApprox: 'total_deficit::DOUBLE AS "totalDeficitApprox"',
  insuranceFundImpact: 'insurance_fund_impact::VARCHAR AS "insuranceFundImpact"',
  insuranceFundImpactApprox: 'insurance_fund_impact::DOUBLE AS "insuranceFundImpactApprox"',
  adlCount: 'adl_count::DOUBLE AS "adlCount"',
  accounts: 'accounts',
  detections: 'detections',
  members: 'members',
  gapSeconds: 'gap_seconds AS "gapSeconds"',
  createdAt: 'created_at AS "createdAt"',
}

const INCIDENT_SELECT = Object.values(INCIDENT_FIELDS).join(', ')

/** The columns INCIDENT_FIELDS select. */
const INCIDENT_COLUMNS: ColumnsOf<IncidentRow> = {
  id: 'text',
  venue: 'text',
  runId: 'text?',
  markets: 'text[]',
  windowFrom: 'timestamp',
  windowTo: 'timestamp',
  windowFromUs: 'double',
  windowToUs: 'double',
  severity: 'text',
  title: 'text',
  totalDeficit: 'text',
  totalDeficitApprox: 'double',
  insuranceFundImpact: 'text',
  insuranceFundImpactApprox: 'double',
  adlCount: 'double',
  accounts: 'text[]',
  detections: 'int',
  members: 'int',
  gapSeconds: 'int',
  createdAt: 'timestamp',
}

/** The columns of a timeline read. */
const MEMBER_COLUMNS: ColumnsOf<IncidentMemberRow> = {
  incidentId: 'text',
  seq: 'int',
  kind: 'text',
  ref: 'text',
  from: 'timestamp',
  to: 'timestamp',
  fromUs: 'double',
  toUs: 'double',
  market: 'text?',
  accounts: 'text[]',
  severity: 'text',
  summary: 'text',
  figures: 'text',
}

export const INCIDENT_LIST: DuckRowList<IncidentRow> = {
  name: 'incidents',
  row: INCIDENT_COLUMNS,
  from: 'incidents',
  select: INCIDENT_SELECT,
  selectFields: INCIDENT_FIELDS,
  fields: {
    id: { type: 'string', sortable: true },
    venue: { type: 'string', sortable: true },
    runId: { type: 'string' },
    windowFrom: { type: 'timestamp', sortable: true },
    windowTo: { type: 'timestamp', sortable: true },
    severity: { type: 'enum', values: SEVERITIES, sortable: true },
    totalDeficit: { type: 'decimal', sortable: true },
    adlCount: { type: 'bigint', sortable: true },
    detections: { type: 'bigint', sortable: true },
    createdAt: { type: 'timestamp', sortable: true },
  },
  columns: {
    id: 'id',
    venue: 'venue',
    runId: 'run_id',
    windowFrom: 'window_from',
    windowTo: 'window_to',
    severity: 'severity',
    totalDeficit: 'total_deficit',
    adlCount: 'adl_count',
    detections: 'detections',
    createdAt: 'created_at',
  },
  id: 'id',
  defaultOrder: [{ field: 'windowFrom', direction: 'ASC' }],
}

const ALL = { sql: 'TRUE', params: [] }

export function readDetectionList(duck: DuckStore, query: ListQuery): Promise<ListPage<DetectionRow>> {
  return readDuckList<DetectionRow>(duck, DETECTION_LIST, ALL, query)
}

export function readIncidentList(duck: DuckStore, query: ListQuery): Promise<ListPage<IncidentRow>> {
  return readDuckList<IncidentRow>(duck, INCIDENT_LIST, ALL, query)
}

/** Incidents by id, in the order asked (null where there is none). */
export async function readIncidentsById(duck: DuckStore, ids: readonly string[]): Promise<Array<IncidentRow | null>> {
  if (!ids.length) return []
  const rows = await duck.use(async (c) =>
    readRows<IncidentRow>(
      await c.runAndReadAll(
        `SELECT ${INCIDENT_SELECT} FROM incidents WHERE id IN (${ids.map((_, i) => `$${i + 1}`).join(', ')})`,
        [...ids],
      ),
      INCIDENT_COLUMNS,
      'incidents by id',
    ),
  )
  const byId = new Map(rows.map((r) => [r.id, r]))
  return ids.map((id) => byId.get(id) ?? null)
}

/** A detection of an incident: the incident's id and the detection's columns. */
const MEMBER_DETECTION_COLUMNS: ColumnsOf<DetectionRow & { incidentId: string }> = {
  incidentId: 'text',
  ...DETECTION_COLUMNS,
}

/** `IN` the JSON list of ids bound at `param` (one parameter, whatever the number of ids). */
const inIds = (param: string) => `IN (SELECT unnest(from_json(${param}, '["VARCHAR"]')))`

/**
 * The member detections of each incident (timeline order), one read for many incidents; with `fields`, only those
 * detection fields (the others are absent from the rows). The detections are joined raw and projected after, so the
 * text casts run on the members' rows only.
 */
export async function readIncidentDetections(
  duck: DuckStore,
  incidentIds: readonly string[],
  fields?: ReadonlySet<string> | null,
): Promise<DetectionRow[][]> {
  if (!incidentIds.length) return []
  const select = Object.entries(DETECTION_FIELDS)
    .filter(([field]) => !fields || fields.has(field))
    .map(([, expression]) => `, ${expression}`)
    .join('')
  const rows = await duck.use(
    async (c) =>
      readKeyedRows<DetectionRow & { incidentId: string }>(
        await c.runAndReadAll(
          `SELECT "incidentId"${select}
           FROM (SELECT m.incident_id AS "incidentId", m.seq AS member_seq, d.*
                   FROM incident_members m JOIN detections d ON d.id = m.ref
                  WHERE m.kind = 'detection' AND m.incident_id ${inIds('$1')})
          ORDER BY "incidentId", member_seq`,
          [JSON.stringify(incidentIds)],
        ),
        MEMBER_DETECTION_COLUMNS,
        'incident detections',
        { only: fields ? new Set(['incidentId', ...fields]) : null },
      ).rows,
  )
  return group(incidentIds, rows)
}

/** The timeline of each incident (its members in order), one read for many incidents. */
export async function readIncidentTimelines(
  duck: DuckStore,
  incidentIds: readonly string[],
): Promise<IncidentMemberRow[][]> {
  if (!incidentIds.length) return []
  const rows = await duck.use(async (c) =>
    readRows<IncidentMemberRow>(
      await c.runAndReadAll(
        `SELECT incident_id AS "incidentId", seq, kind, ref, ts_from AS "from", ts_to AS "to",
                epoch_us(ts_from)::DOUBLE AS "fromUs", epoch_us(ts_to)::DOUBLE AS "toUs", market, accounts,
                severity, summary, figures::VARCHAR AS figures
           FROM incident_members WHERE incident_id ${inIds('$1')}
          ORDER BY incident_id, seq`,
        [JSON.stringify(incidentIds)],
      ),
      MEMBER_COLUMNS,
      'incident timelines',
    ),
  )
  return group(incidentIds, rows)
}

function group<T extends { incidentId: string }>(ids: readonly string[], rows: T[]): T[][] {
  const byId = new Map<string, T[]>(ids.map((id) => [id, []]))
  for (const r of rows) byId.get(r.incidentId)?.push(r)
  return ids.map((id) => byId.get(id)!)
}
