// Hyperliquid clearinghouseState → account_states + account_positions: the venue's own view of an account's margin
// at one instant, stored for reconciling replayed equity, margin and liquidation prices against it.
import type { SourceColumn } from '../../domain/loadSpec.ts'
import { apiPartition } from '../apiPartition.ts'
import type { PlannedPartition } from '../connector.ts'
import { FieldReader, SourceResponseError } from '../sourceRecord.ts'
import { VENUE, type InfoClient } from './info.ts'

const c = (name: string, type: SourceColumn['type']): SourceColumn => ({ name, type })
const DEC = 'DECIMAL(38,18)'

const STATE = [
  'account_value',
  'total_margin_used',
  'total_ntl_pos',
  'total_raw_usd',
  'cross_account_value',
  'cross_margin_used',
  'cross_ntl_pos',
  'cross_raw_usd',
  'cross_maintenance_margin_used',
  'withdrawable',
] as const
const POSITION = [
  'size',
  'entry_price',
  'position_value',
  'unrealized_pnl',
  'return_on_equity',
  'liquidation_price',
  'margin_used',
  'leverage',
] as const

export const STATE_COLUMNS: SourceColumn[] = [
  c('state', 'VARCHAR'),
  c('time', 'BIGINT'),
  c('account', 'VARCHAR'),
  ...STATE.map((n) => c(n, DEC)),
  c('market', 'VARCHAR'),
  ...POSITION.map((n) => c(n, DEC)),
  c('leverage_type', 'VARCHAR'),
  c('extra', 'VARCHAR'),
]

type Row = Record<string, string | number | null>

/** Summary field → column for marginSummary, and for crossMarginSummary. */
const SUMMARY: ReadonlyArray<[string, string, string]> = [
  ['accountValue', 'account_value', 'cross_account_value'],
  ['totalMarginUsed', 'total_margin_used', 'cross_margin_used'],
  ['totalNtlPos', 'total_ntl_pos', 'cross_ntl_pos'],
  ['totalRawUsd', 'total_raw_usd', 'cross_raw_usd'],
]

/** One snapshot: a state row, then one row per position; `fallbackTime` when the body has no `time` (before 2024). */
export function parseClearinghouseState(source: string, body: unknown, account: string, fallbackTime: number): Row[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new SourceResponseError(
      source,
      `response: received ${JSON.stringify(body)?.slice(0, 100)}; expected an object`,
    )
  const r = new FieldReader(source, 0, body)
  r.identity = 'state'
  const time = r.has('time') ? r.epochMs('time') : fallbackTime
  const state: Row = { state: 'state', time, account }
  for (const [field, column, crossColumn] of SUMMARY) {
    state[column] = r.optionalDecimal(`marginSummary.${field}`)
    state[crossColumn] = r.optionalDecimal(`crossMarginSummary.${field}`)
  }
  state.cross_maintenance_margin_used = r.optionalDecimal('crossMaintenanceMarginUsed')
  state.withdrawable = r.optionalDecimal('withdrawable')
  state.extra = r.extra(
    new Set([
      'marginSummary',
      'crossMarginSummary',
      'crossMaintenanceMarginUsed',
      'withdrawable',
      'assetPositions',
      'time',
    ]),
  )
  const rows: Row[] = [state]
  const positions = r.get('assetPositions')
  if (!Array.isArray(positions)) r.fail('assetPositions', 'an array')
  ;(positions as unknown[]).forEach((entry, index) => {
    const p = new FieldReader(source, index, entry)
    const coin = p.string('position.coin')
    p.identity = `position ${coin}`
    const position = new FieldReader(source, index, p.get('position'))
    const leverage = p.has('position.leverage') ? new FieldReader(source, index, p.get('position.leverage')) : null
    const rest = {
      ...JSON.parse(p.extra(new Set(['position'])) ?? '{}'),
      ...JSON.parse(
        position.extra(
          new Set([
            'coin',
            'szi',
            'entryPx',
            'positionValue',
            'unrealizedPnl',
            'returnOnEquity',
            'liquidationPx',
            'marginUsed',
            'leverage',
          ]),
        ) ?? '{}',
      ),
      ...(leverage ? JSON.parse(leverage.extra(new Set(['type', 'value'])) ?? '{}') : {}),
    } as Record<string, unknown>
    rows.push({
      state: null,
      time,
      account,
      market: coin,
      size: p.decimal('position.szi'),
      entry_price: p.optionalDecimal('position.entryPx'),
      position_value: p.optionalDecimal('position.positionValue'),
      unrealized_pnl: p.optionalDecimal('position.unrealizedPnl'),
      return_on_equity: p.optionalDecimal('position.returnOnEquity'),
      liquidation_price: p.optionalDecimal('position.liquidationPx'),
      margin_used: p.optionalDecimal('position.marginUsed'),
      leverage_type: leverage ? leverage.oneOf('type', ['cross', 'isolated']) : null,
      leverage: leverage ? leverage.number('value') : null,
      extra: Object.keys(rest).length ? JSON.stringify(rest) : null,
    })
  })
  return rows
}

const dec = (names: readonly string[]) => Object.fromEntries(names.map((n) => [n, { column: n }]))

/** A snapshot taken now; its period is the planning instant, so every run adds one (nothing to skip). */
export function clearinghousePartition(info: InfoClient, account: string, at: Date): PlannedPartition {
  const period = at.toISOString().replace(/\.\d{3}Z$/, 'Z')
  const source = `${VENUE} clearinghouseState ${account}`
  return apiPartition({
    key: { source: VENUE, dataset: 'clearinghouseState', venue: VENUE, market: account, period },
    table: 'account_states,account_positions',
    file: `${info.url} clearinghouseState ${account} at ${period}`,
    columns: STATE_COLUMNS,
    loads: [
      {
        kind: 'rows',
        table: 'account_states',
        requireNotNull: ['state'],
        values: {
          account: { column: 'account' },
          ts: { epoch: 'time', unit: 'ms' },
          ...dec(STATE),
          extra: { column: 'extra' },
        },
      },
      {
        kind: 'rows',
        table: 'account_positions',
        requireNotNull: ['market'],
        values: {
          account: { column: 'account' },
          ts: { epoch: 'time', unit: 'ms' },
          market: { column: 'market' },
          ...dec(POSITION),
          leverage_type: { column: 'leverage_type' },
          extra: { column: 'extra' },
        },
      },
    ],
    async collect(ctx, out) {
      const body = await info.post(ctx, { type: 'clearinghouseState', user: account }, source)
      for (const row of parseClearinghouseState(source, body, account, at.getTime())) out.write(row)
    },
  })
}
