// Hyperliquid account ledger → ledger: funding payments (userFunding) and money movements (deposits, withdrawals,
// transfers between accounts, vault flows: userNonFundingLedgerUpdates), signed from the account's point of view,
// with the other account of a transfer kept as the counterparty (a linked-account hint).
import type { SourceColumn } from '../../domain/loadSpec.ts'
import { apiPartition, identityValues } from '../apiPartition.ts'
import type { PlannedPartition } from '../connector.ts'
import { decimalSign, negateDecimal } from '../decimal.ts'
import { arrayBody, FieldReader } from '../sourceRecord.ts'
import { dayWindow } from '../dates.ts'
import { VENUE, type InfoClient } from './info.ts'
import { collectTimeWindow } from './timeWindows.ts'

const c = (name: string, type: SourceColumn['type']): SourceColumn => ({ name, type })

export const LEDGER_COLUMNS: SourceColumn[] = [
  c('time', 'BIGINT'),
  c('account', 'VARCHAR'),
  c('delta', 'DECIMAL(38,18)'),
  c('kind', 'VARCHAR'),
  c('asset', 'VARCHAR'),
  c('counterparty', 'VARCHAR'),
  c('tx_id', 'VARCHAR'),
  c('market', 'VARCHAR'),
  c('extra', 'VARCHAR'),
]

export interface LedgerRow {
  time: number
  row: Record<string, string | number | null>
}

const USDC = 'USDC'

/** Joins the unmapped fields of a record and of its delta object into one JSON object text. */
function extraOf(r: FieldReader, delta: FieldReader, mappedDelta: readonly string[]): string | null {
  const top = r.extra(new Set(['time', 'hash', 'delta']))
  const inner = delta.extra(new Set(['type', ...mappedDelta]))
  if (!top && !inner) return null
  return JSON.stringify({ ...(top ? JSON.parse(top) : {}), ...(inner ? JSON.parse(inner) : {}) })
}

/** userFunding: one payment (or several aggregated, nSamples) per coin; usdc is signed, negative = paid. */
export function parseUserFunding(source: string, body: unknown, account: string): LedgerRow[] {
  return arrayBody(source, body).map((record, index) => {
    const r = new FieldReader(source, index, record)
    const time = r.epochMs('time')
    const coin = r.string('delta.coin')
    r.identity = `${coin} at ${time}`
    if (r.string('delta.type') !== 'funding') r.fail('delta.type', 'funding')
    const delta = new FieldReader(source, index, r.get('delta'))
    return {
      time,
      row: {
        time,
        account,
        delta: r.decimal('delta.usdc'),
        kind: 'funding',
        asset: USDC,
        counterparty: null,
        tx_id: r.optionalString('hash'),
        market: coin,
        extra: extraOf(r, delta, ['coin', 'usdc']),
      },
    }
  })
}

/**
 * userNonFundingLedgerUpdates, built to the documented shape (no real response was available to test against):
 * amounts are unsigned there, so the sign comes from the update type and from whether the account is the initiator
 * (`user`) or the `destination`. A fee is its own `fee` row charged to the initiator. A liquidation moves no money
 * (the loss is in the fills' closedPnl): it is kept as a zero row of kind `liquidation` for its account value.
 */
export function parseLedgerUpdates(
  source: string,
  body: unknown,
  account: string,
  onUnknown?: (type: string) => void,
): LedgerRow[] {
  const out: LedgerRow[] = []
  arrayBody(source, body).forEach((record, index) => {
    const r = new FieldReader(source, index, record)
    const time = r.epochMs('time')
    const type = r.string('delta.type')
    r.identity = `${type} at ${time}`
    const delta = new FieldReader(source, index, r.get('delta'))
    const txId = r.optionalString('hash')
    const push = (
      amount: string,
      kind: string,
      options: { asset?: string; counterparty?: string | null; mapped: string[] },
    ) =>
      out.push({
        time,
        row: {
          time,
          account,
          delta: amount,
          kind,
          asset: options.asset ?? USDC,
          counterparty: options.counterparty ?? null,
          tx_id: txId,
          market: null,
          extra: extraOf(r, delta, options.mapped),
        },
      })
    const fee = (feeField: string, asset: string) => {
      const amount = r.optionalDecimal(`delta.${feeField}`)
      if (amount !== null && decimalSign(amount) !== 0) {
        out.push({
          time,
          row: {
            time,
            account,
            delta: negateDecimal(amount),
            kind: 'fee',
            asset,
            counterparty: null,
            tx_id: txId,
            market: null,
            extra: JSON.stringify({ for: type }),
          },
        })
      }
    }
    /** ± amount as seen by the account, and the other side of the movement. */
    const between = (amountField: string): { amount: string; counterparty: string | null; outgoing: boolean } => {
      const amount = r.decimal(`delta.${amountField}`)
      const from = r.string('delta.user')
      const to = r.string('delta.destination')
      const self = (a: string) => a.toLowerCase() === account.toLowerCase()
      if (self(from) && !self(to)) return { amount: negateDecimal(amount), counterparty: to, outgoing: true }
      if (self(to) && !self(from)) return { amount, counterparty: from, outgoing: false }
      if (self(from) && self(to)) return { amount, counterparty: null, outgoing: false }
      return r.fail('delta.user', `the account queried (${account}) as user or destination`)
    }
    switch (type) {
      case 'deposit':
        push(r.decimal('delta.usdc'), 'deposit', { mapped: ['usdc'] })
        break
      case 'withdraw':
        push(negateDecimal(r.decimal('delta.usdc')), 'withdrawal', { mapped: ['usdc', 'fee'] })
        fee('fee', USDC)
        break
      case 'internalTransfer':
      case 'subAccountTransfer': {
        const m = between('usdc')
        push(m.amount, 'transfer', { counterparty: m.counterparty, mapped: ['usdc', 'user', 'destination', 'fee'] })
        if (m.outgoing) fee('fee', USDC)
        break
      }
      case 'send':
      case 'spotTransfer': {
        const token = r.string('delta.token')
        const m = between('usdcValue')
        let amount = m.amount
        if (type === 'send' && m.counterparty === null) {
          // A send to oneself moves value between the account's own dexes ("" is the USDC perp dex).
          const into = delta.get('destinationDex') === ''
          const outOf = delta.get('sourceDex') === ''
          amount = into && !outOf ? m.amount : outOf && !into ? negateDecimal(m.amount) : '0'
        }
        push(amount, 'transfer', {
          asset: token,
          counterparty: m.counterparty,
          mapped: ['usdcValue', 'user', 'destination', 'token', 'fee', 'feeToken'],
        })
        if (m.outgoing) fee('fee', r.optionalString('delta.feeToken') ?? USDC)
        break
      }
      case 'accountClassTransfer': {
        const amount = r.decimal('delta.usdc')
        push(r.boolean('delta.toPerp') ? amount : negateDecimal(amount), 'transfer', { mapped: ['usdc'] })
        break
      }
      case 'vaultDeposit':
        push(negateDecimal(r.decimal('delta.usdc')), 'transfer', {
          counterparty: r.string('delta.vault'),
          mapped: ['usdc', 'vault'],
        })
        break
      case 'vaultCreate':
        push(negateDecimal(r.decimal('delta.usdc')), 'transfer', {
          counterparty: r.string('delta.vault'),
          mapped: ['usdc', 'vault', 'fee'],
        })
        fee('fee', USDC)
        break
      case 'vaultWithdraw':
        push(r.decimal('delta.netWithdrawnUsd'), 'transfer', {
          counterparty: r.string('delta.vault'),
          mapped: ['netWithdrawnUsd', 'vault'],
        })
        break
      case 'vaultDistribution':
        push(r.decimal('delta.usdc'), 'transfer', { counterparty: r.string('delta.vault'), mapped: ['usdc', 'vault'] })
        break
      case 'vaultLeaderCommission':
        push(r.decimal('delta.usdc'), 'other', { mapped: ['usdc'] })
        break
      case 'rewardsClaim':
        push(r.decimal('delta.amount'), 'other', { asset: r.string('delta.token'), mapped: ['amount', 'token'] })
        break
      case 'liquidation':
        push('0', 'liquidation', { mapped: [] })
        break
      default:
        // A type added after this connector was written: kept whole, moving nothing until someone maps it.
        onUnknown?.(type)
        push('0', 'other', { mapped: [] })
    }
  })
  return out
}

export function ledgerPartition(info: InfoClient, account: string, day: string): PlannedPartition {
  const w = dayWindow(day)
  const source = (type: string) => `${VENUE} ${type} ${account} ${day}`
  return apiPartition({
    key: { source: VENUE, dataset: 'ledger', venue: VENUE, market: account, period: day },
    table: 'ledger',
    file: `${info.url} userFunding+userNonFundingLedgerUpdates ${account} ${day}`,
    columns: LEDGER_COLUMNS,
    loads: [
      {
        kind: 'rows',
        table: 'ledger',
        values: {
          ts: { epoch: 'time', unit: 'ms' },
          delta_quote: { column: 'delta' },
          ...identityValues('account', 'kind', 'asset', 'counterparty', 'tx_id', 'market', 'extra'),
        },
      },
    ],
    periodStart: w.start,
    periodEnd: w.end,
    async collect(ctx, out) {
      const unknown = new Set<string>()
      const funding = await collectTimeWindow({
        start: w.startMs,
        end: w.lastMs,
        time: (row: LedgerRow) => row.time,
        fetch: async (startTime, endTime) =>
          parseUserFunding(
            source('userFunding'),
            await info.post(ctx, { type: 'userFunding', user: account, startTime, endTime }, source('userFunding')),
            account,
          ),
      })
      const updates = await collectTimeWindow({
        start: w.startMs,
        end: w.lastMs,
        time: (row: LedgerRow) => row.time,
        fetch: async (startTime, endTime) =>
          parseLedgerUpdates(
            source('userNonFundingLedgerUpdates'),
            await info.post(
              ctx,
              { type: 'userNonFundingLedgerUpdates', user: account, startTime, endTime },
              source('userNonFundingLedgerUpdates'),
            ),
            account,
            (type) => unknown.add(type),
          ),
      })
      if (unknown.size) ctx.log.warn({ account, types: [...unknown] }, 'ledger update types kept as "other" rows')
      for (const row of [...funding, ...updates].sort((a, b) => a.time - b.time)) out.write(row.row)
    },
  })
}
