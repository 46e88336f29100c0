// Hyperliquid userFillsByTime → fills (every published field kept; fills before late 2023 lack tid and feeToken)
// and, for liquidation fills, observed liquidations: account = the liquidated user, side = the liquidated position.
import type { SourceColumn, TableLoad } from '../../domain/loadSpec.ts'
import { apiPartition, identityValues } from '../apiPartition.ts'
import type { PlannedPartition } from '../connector.ts'
import { decimalSign } from '../decimal.ts'
import { arrayBody, FieldReader } from '../sourceRecord.ts'
import { dayWindow } from '../dates.ts'
import { VENUE, type InfoClient } from './info.ts'
import { collectTimeWindow } from './timeWindows.ts'

const c = (name: string, type: SourceColumn['type']): SourceColumn => ({ name, type })
const DEC = 'DECIMAL(38,18)'

export const FILL_COLUMNS: SourceColumn[] = [
  c('time', 'BIGINT'),
  c('market', 'VARCHAR'),
  c('account', 'VARCHAR'),
  c('side', 'VARCHAR'),
  c('price', DEC),
  c('qty', DEC),
  c('fee', DEC),
  c('fee_asset', 'VARCHAR'),
  c('liquidation', 'BOOLEAN'),
  c('liquidity', 'VARCHAR'),
  c('closed_pnl', DEC),
  c('start_position', DEC),
  c('dir', 'VARCHAR'),
  c('trade_id', 'VARCHAR'),
  c('order_id', 'VARCHAR'),
  c('tx_id', 'VARCHAR'),
  c('extra', 'VARCHAR'),
  c('liq_side', 'VARCHAR'),
  c('liq_account', 'VARCHAR'),
  c('liq_mark', DEC),
  c('liq_extra', 'VARCHAR'),
]

/** Fill fields with a column of their own; anything else (twapId, cloid, builderFee, liquidation, …) goes to extra. */
const MAPPED = new Set([
  'coin',
  'px',
  'sz',
  'side',
  'time',
  'startPosition',
  'dir',
  'closedPnl',
  'hash',
  'oid',
  'crossed',
  'fee',
  'tid',
  'feeToken',
])

export interface ParsedFill {
  time: number
  row: Record<string, string | number | boolean | null>
}

const sameAddress = (a: string, b: string) => a.toLowerCase() === b.toLowerCase()

/**
 * One page of fills for `account`. A liquidation fill is either the liquidated user's own (dir "Liquidated Cross
 * Long", or a liquidation object naming the account itself) or a counterparty's (the object names another user). The
 * liquidated position's side is then the account's own position before the fill, or the side the counterparty took
 * over: buying means a long was being sold off, selling means a short was being bought back.
 */
export function parseFills(source: string, body: unknown, account: string): ParsedFill[] {
  return arrayBody(source, body).map((record, index) => parseFillRecord(source, index, record, account))
}

/** One fill record of `account` (userFills, or one `[user, fill]` event of the node's fills by block). */
export function parseFillRecord(source: string, index: number, record: unknown, account: string): ParsedFill {
  const r = new FieldReader(source, index, record)
  const time = r.epochMs('time')
  const tid = r.has('tid') ? r.integerText('tid') : null
  const oid = r.integerText('oid')
  r.identity = tid !== null ? `tid ${tid}` : `oid ${oid} at ${time}`
  const side = r.oneOf('side', ['B', 'A'] as const)
  const dir = r.string('dir')
  const startPosition = r.decimal('startPosition')
  const liquidatedSelf = dir.startsWith('Liquidated')
  let liqSide: string | null = null
  let liqAccount: string | null = null
  let liqMark: string | null = null
  let liqExtra: string | null = null
  if (r.has('liquidation')) {
    const liquidated = r.string('liquidation.liquidatedUser')
    liqAccount = liquidated
    liqMark = r.optionalDecimal('liquidation.markPx')
    const method = r.optionalString('liquidation.method')
    liqExtra = method === null ? null : JSON.stringify({ method })
    if (sameAddress(liquidated, account)) liqSide = positionSide(startPosition, side)
    else liqSide = side === 'B' ? 'long' : 'short'
  } else if (liquidatedSelf) {
    liqAccount = account
    liqSide = /Short$/.test(dir) ? 'short' : /Long$/.test(dir) ? 'long' : positionSide(startPosition, side)
  }
  return {
    time,
    row: {
      time,
      market: r.string('coin'),
      account,
      side: side === 'B' ? 'buy' : 'sell',
      price: r.decimal('px'),
      qty: r.decimal('sz'),
      fee: r.decimal('fee'),
      fee_asset: r.optionalString('feeToken'),
      liquidation: liqSide !== null,
      // crossed = the fill took liquidity
      liquidity: r.boolean('crossed') ? 'taker' : 'maker',
      closed_pnl: r.decimal('closedPnl'),
      start_position: startPosition,
      dir,
      trade_id: tid,
      order_id: oid,
      tx_id: r.optionalString('hash'),
      extra: r.extra(MAPPED),
      liq_side: liqSide,
      liq_account: liqAccount,
      liq_mark: liqMark,
      liq_extra: liqExtra,
    },
  }
}

/** The side of the account's position before a fill: its sign, or, when flat, the side the fill closes into. */
function positionSide(startPosition: string, side: 'B' | 'A'): 'long' | 'short' {
  const sign = decimalSign(startPosition)
  if (sign !== 0) return sign > 0 ? 'long' : 'short'
  return side === 'A' ? 'long' : 'short'
}

/**
 * Where parsed fills land (FILL_COLUMNS): every fill, and the liquidated side of a liquidation fill. Shared by the
 * info API's userFillsByTime and the node's node_fills_by_block, which carry the same records.
 */
export const FILL_LOADS: TableLoad[] = [
  {
    kind: 'rows',
    table: 'fills',
    values: {
      ts: { epoch: 'time', unit: 'ms' },
      ...identityValues(
        'market',
        'account',
        'side',
        'price',
        'qty',
        'fee',
        'fee_asset',
        'liquidation',
        'liquidity',
        'closed_pnl',
        'start_position',
        'dir',
        'trade_id',
        'order_id',
        'tx_id',
        'extra',
      ),
    },
  },
  {
    kind: 'rows',
    table: 'liquidations',
    requireNotNull: ['liq_side'],
    values: {
      market: { column: 'market' },
      ts: { epoch: 'time', unit: 'ms' },
      side: { column: 'liq_side' },
      price: { column: 'price' },
      qty: { column: 'qty' },
      kind: { literal: 'liquidation' },
      account: { column: 'liq_account' },
      trade_id: { column: 'trade_id' },
      source: { literal: VENUE },
      mark_price: { column: 'liq_mark' },
      extra: { column: 'liq_extra' },
    },
  },
]

export function fillsPartition(info: InfoClient, account: string, day: string): PlannedPartition {
  const w = dayWindow(day)
  const source = `${VENUE} userFillsByTime ${account} ${day}`
  return apiPartition({
    key: { source: VENUE, dataset: 'fills', venue: VENUE, market: account, period: day },
    table: 'fills,liquidations',
    file: `${info.url} userFillsByTime ${account} ${day}`,
    columns: FILL_COLUMNS,
    loads: FILL_LOADS,
    periodStart: w.start,
    periodEnd: w.end,
    async collect(ctx, out) {
      const fills = await collectTimeWindow({
        start: w.startMs,
        end: w.lastMs,
        time: (f: ParsedFill) => f.time,
        fetch: async (startTime, endTime) =>
          parseFills(
            source,
            await info.post(ctx, { type: 'userFillsByTime', user: account, startTime, endTime }, source),
            account,
          ),
        onUnsplittable: (at, count) =>
          ctx.log.warn(
            { account, at: new Date(at).toISOString(), count },
            'more fills in one millisecond than a response holds: that millisecond may be incomplete',
          ),
      })
      // Responses come newest first, fills of one millisecond in the order they happened (each startPosition follows
      // from the previous fill); a stable sort by time writes them oldest first and keeps that order.
      fills.sort((a, b) => a.time - b.time)
      for (const f of fills) out.write(f.row)
    },
  })
}
