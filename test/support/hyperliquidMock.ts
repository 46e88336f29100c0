// A Hyperliquid info endpoint over in-memory records in the venue's exact shapes: time windows are inclusive,
// responses are capped at 500 elements, fills come newest first (the venue's order, which keeps fills of one
// millisecond in the order they happened) and are cut at the old end, other lists come oldest first and are cut at
// the new end — so connectors are tested against both truncations.
import type { ApiReply, ApiServer } from './apiServer.ts'

type Rec = Record<string, unknown>

export class HyperliquidMock {
  cap = 500
  /** Per user (lower case): fills in the venue's order (newest first). */
  readonly fills = new Map<string, Rec[]>()
  readonly userFunding = new Map<string, Rec[]>()
  readonly ledgerUpdates = new Map<string, Rec[]>()
  /** Per coin, oldest first. */
  readonly funding = new Map<string, Rec[]>()
  /** Per `${coin}/${interval}`, oldest first. */
  readonly candles = new Map<string, Rec[]>()
  readonly states = new Map<string, unknown>()

  constructor(readonly server: ApiServer) {
    server.on('POST', '/info', (req) => this.answer(req.body as Rec))
  }

  get url(): string {
    return this.server.url
  }

  /** Info requests seen of one type. */
  requests(type: string): Rec[] {
    return this.server.log.filter((r) => r.path === '/info' && (r.body as Rec)?.type === type).map((r) => r.body as Rec)
  }

  /** The records of an inclusive time window, in the stored order, cut at the cap. */
  private window(list: Rec[], body: Rec): Rec[] {
    const start = Number(body.startTime ?? 0)
    const end = body.endTime === undefined || body.endTime === null ? Infinity : Number(body.endTime)
    return list.filter((r) => (r.time as number) >= start && (r.time as number) <= end).slice(0, this.cap)
  }

  answer(body: Rec): ApiReply {
    const user = typeof body.user === 'string' ? body.user.toLowerCase() : ''
    switch (body.type) {
      case 'userFills':
        return { json: (this.fills.get(user) ?? []).slice(0, 2000) }
      case 'userFillsByTime':
        return { json: this.window(this.fills.get(user) ?? [], body) }
      case 'userFunding':
        return { json: this.window(this.userFunding.get(user) ?? [], body) }
      case 'userNonFundingLedgerUpdates':
        return { json: this.window(this.ledgerUpdates.get(user) ?? [], body) }
      case 'fundingHistory':
        return { json: this.window(this.funding.get(String(body.coin)) ?? [], body) }
      case 'candleSnapshot': {
        const req = body.req as Rec
        const list = this.candles.get(`${String(req.coin)}/${String(req.interval)}`) ?? []
        // Candles overlapping the window, as the venue answers (the one open at startTime included).
        const start = Number(req.startTime)
        const end = Number(req.endTime)
        return { json: list.filter((c) => (c.t as number) <= end && (c.T as number) >= start).slice(0, this.cap) }
      }
      case 'clearinghouseState':
        return {
          json: this.states.get(user) ?? {
            assetPositions: [],
            crossMaintenanceMarginUsed: '0.0',
            crossMarginSummary: { accountValue: '0.0', totalMarginUsed: '0.0', totalNtlPos: '0.0', totalRawUsd: '0.0' },
            marginSummary: { accountValue: '0.0', totalMarginUsed: '0.0', totalNtlPos: '0.0', totalRawUsd: '0.0' },
            time: 1700000000000,
            withdrawable: '0.0',
          },
        }
      default:
        return { status: 422, raw: 'Failed to deserialize the JSON body into the target type' }
    }
  }
}

/** A direction label as the venue writes it, from the position before and after a fill. */
export function fillDir(before: number, after: number): string {
  if (before >= 0 && after > before) return 'Open Long'
  if (before > 0 && after >= 0) return 'Close Long'
  if (before <= 0 && after < before) return 'Open Short'
  if (before < 0 && after <= 0) return 'Close Short'
  return before > 0 ? 'Long > Short' : 'Short > Long'
}

/**
 * `count` fills of one account on one UTC day (newest first), with runs of fills sharing a millisecond, a position
 * chain where each startPosition follows from the previous fill, and the current schema (tid, feeToken) unless
 * `oldSchema` says which fills predate it.
 */
export function makeFills(options: {
  day: string
  count: number
  coin?: string
  oldSchema?: (i: number) => boolean
  startId?: number
}): Rec[] {
  const coin = options.coin ?? 'BTC'
  const start = Date.parse(`${options.day}T00:00:00Z`)
  let position = 0
  const out: Rec[] = []
  for (let i = 0; i < options.count; i++) {
    const time = start + Math.floor((i * 86_000_000) / options.count / 3) * 3 // runs of equal ms
    const buy = Math.sin(i * 1.7) > -0.2
    const size = 0.001 * (1 + (i % 7))
    const before = position
    position = Math.round((position + (buy ? size : -size)) * 1e6) / 1e6
    const fill: Rec = {
      closedPnl: (i % 5 === 0 ? -0.25 * (i % 3) : 0).toFixed(6),
      coin,
      crossed: i % 3 !== 0,
      dir: fillDir(before, position),
      fee: (0.0125 * (1 + (i % 4))).toFixed(6),
      hash: `0x${((options.startId ?? 0) + i).toString(16).padStart(64, '0')}`,
      oid: 90_000_000 + (options.startId ?? 0) + i,
      px: (26_000 + (i % 100) * 0.5).toFixed(1),
      side: buy ? 'B' : 'A',
      startPosition: before.toFixed(6),
      sz: size.toFixed(3),
      time,
    }
    if (!options.oldSchema?.(i)) {
      fill.tid = 118_906_512_037_719 + (options.startId ?? 0) + i
      fill.feeToken = 'USDC'
    }
    out.push(fill)
  }
  // The venue lists newest first, keeping fills of one millisecond in the order they happened.
  const byTime = new Map<number, Rec[]>()
  for (const f of out) byTime.set(f.time as number, [...(byTime.get(f.time as number) ?? []), f])
  return [...byTime.keys()].sort((a, b) => b - a).flatMap((t) => byTime.get(t)!)
}
