// How figures read in a report: compact amounts with the exact value kept, signed deltas, durations, UTC times.
import { Decimal } from 'decimal.js'
import type { Headline, HeadlineDeltas } from '../model.ts'

const SUFFIXES: Array<[number, string]> = [
  [1e12, 'T'],
  [1e9, 'B'],
  [1e6, 'M'],
  [1e3, 'k'],
]

/** 12345678.9 → "12.35 M"; 950.5 → "950.50"; exact decimal text in, rounded half-even for reading only. */
export function compactAmount(value: string): string {
  const d = new Decimal(value)
  const abs = d.abs()
  for (const [size, suffix] of SUFFIXES) {
    if (abs.gte(size)) return `${d.div(size).toDecimalPlaces(2, Decimal.ROUND_HALF_EVEN).toFixed(2)} ${suffix}`
  }
  return d.toDecimalPlaces(2, Decimal.ROUND_HALF_EVEN).toFixed(2)
}

/** Exact amount with thousands separators: "12345678.900000" → "12,345,678.900000". */
export function exactAmount(value: string): string {
  const [int, frac] = new Decimal(value).toFixed(6).split('.') as [string, string]
  const sign = int.startsWith('-') ? '−' : ''
  const digits = int.replace('-', '').replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return `${sign}${digits}.${frac}`
}

export const count = (n: number) => n.toLocaleString('en-US')

export const percent = (fraction: number) => `${(fraction * 100).toFixed(fraction < 0.1 ? 2 : 1)} %`

/** 3725 → "1 h 02 min"; 45 → "45 s"; 190000 → "2 d 4 h". */
export function duration(seconds: number): string {
  const s = Math.round(seconds)
  if (s < 60) return `${s} s`
  if (s < 3_600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`
  if (s < 86_400) return `${Math.floor(s / 3_600)} h ${String(Math.floor((s % 3_600) / 60)).padStart(2, '0')} min`
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3_600)} h`
}

/** "2025-10-10 21:15 UTC" (seconds shown only when not zero). */
export function utc(iso: string): string {
  const seconds = iso.slice(17, 19)
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}${seconds !== '00' ? `:${seconds}` : ''} UTC`
}

/** Whether a rise in a figure is good or bad news for the venue (colours deltas). */
export const RISE_IS: Record<keyof Headline, 'bad' | 'good'> = {
  liquidations: 'bad',
  liquidatedNotional: 'bad',
  bankruptcies: 'bad',
  totalBadDebt: 'bad',
  fundLow: 'good',
  maxFundDrawdown: 'bad',
  maxFundDrawdownFraction: 'bad',
  adlFills: 'bad',
  timeToFirstDeficitSeconds: 'good',
}

export const HEADLINE_LABELS: Record<keyof Headline, string> = {
  liquidatedNotional: 'Liquidated notional',
  liquidations: 'Liquidations',
  bankruptcies: 'Bankruptcies',
  totalBadDebt: 'Bad debt',
  fundLow: 'Insurance fund low',
  maxFundDrawdown: 'Max fund drawdown',
  maxFundDrawdownFraction: 'Max drawdown, % of peak',
  adlFills: 'ADL fills',
  timeToFirstDeficitSeconds: 'Time to first deficit',
}

/** A headline value as read: amounts compact with the unit, counts grouped, fractions in %, durations. */
export function headlineValue(key: keyof Headline, headline: Headline, unit: string): string {
  const v = headline[key]
  if (v === null) return 'none'
  switch (key) {
    case 'liquidatedNotional':
    case 'totalBadDebt':
    case 'fundLow':
    case 'maxFundDrawdown':
      return `${compactAmount(v as string)} ${unit}`
    case 'maxFundDrawdownFraction':
      return percent(v as number)
    case 'timeToFirstDeficitSeconds':
      return duration(v as number)
    default:
      return count(v as number)
  }
}

/** A delta as read ("+1.20 M", "−3", "+2.5 pp", "n/a"), and whether it is good, bad or no change. */
export function deltaText(
  key: keyof Headline,
  deltas: HeadlineDeltas,
): { text: string; tone: 'good' | 'bad' | 'same' | 'none' } {
  const v = deltas[key]
  if (v === null) return { text: 'n/a', tone: 'none' }
  const sign = typeof v === 'string' ? Decimal.sign(v) : Math.sign(v)
  if (sign === 0) return { text: 'no change', tone: 'same' }
  const rise = sign > 0
  const tone = (RISE_IS[key] === 'bad') === rise ? 'bad' : 'good'
  const mark = rise ? '+' : '−'
  let text: string
  switch (key) {
    case 'liquidatedNotional':
    case 'totalBadDebt':
    case 'fundLow':
    case 'maxFundDrawdown':
      text = `${mark}${compactAmount(new Decimal(v as string).abs().toFixed(6))}`
      break
    case 'maxFundDrawdownFraction':
      text = `${mark}${(Math.abs(v as number) * 100).toFixed(2)} pp`
      break
    case 'timeToFirstDeficitSeconds':
      text = `${mark}${duration(Math.abs(v as number))}`
      break
    default:
      text = `${mark}${count(Math.abs(v as number))}`
  }
  return { text, tone }
}
