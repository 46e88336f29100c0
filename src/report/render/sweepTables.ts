// The tables of a sweep report as rows of text cells, shared by its HTML and Markdown: the points (frontier first),
// the recommendation's `rules derive` paths, base against recommended per window, and the skipped points.
import type { SweepPointRow, SweepReportModel } from '../sweep/model.ts'
import { compactAmount, count, utc } from './format.ts'

export interface TextTable {
  head: string[]
  /** Which columns are numbers (right-aligned). */
  numeric: boolean[]
  rows: string[][]
}

/** "2025-10-10 00:00 UTC – 2025-10-12 00:00 UTC" from an ISO 8601 interval. */
export function intervalText(interval: string): string {
  const [from, to] = interval.split('/') as [string, string]
  return `${utc(new Date(from).toISOString())} – ${utc(new Date(to).toISOString())}`
}

/** A fraction as a percentage with enough places to tell sweep points apart. */
export const share = (text: string | null) => (text === null ? '–' : `${(Number(text) * 100).toFixed(3)} %`)

const valueText = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v))
export const valuesText = (values: SweepPointRow['values']) =>
  values.map((v) => `${v.path}=${valueText(v.value)}`).join(', ')

/** Every evaluated point, frontier first; the worst-window column only when there are several windows. */
export function pointsTable(model: SweepReportModel): TextTable {
  const u = model.unit
  const several = model.windows.length > 1
  type Column = [string, boolean, (p: SweepPointRow) => string]
  const worst: Column = [`Worst window (${u})`, true, (p) => compactAmount(p.worstWindowBadDebt)]
  const columns: Column[] = [
    ['Point', true, (p) => `${p.index}${p.recommended ? ' (recommended)' : ''}`],
    ['Values', false, (p) => valuesText(p.values)],
    ['Frontier', false, (p) => (p.onFrontier ? 'yes' : 'no')],
    [`Bad debt (${u})`, true, (p) => compactAmount(p.badDebt)],
    ...(several ? [worst] : []),
    ['Within budget', false, (p) => (p.withinBudget ? 'yes' : 'no')],
    ['IM / notional', true, (p) => share(p.initialMarginPerNotional)],
    ['Refused / earlier', true, (p) => share(p.refusedOrLiquidatedEarlierShare)],
    [`Liq. fees (${u})`, true, (p) => compactAmount(p.liquidationFees)],
    ['Max lev.', true, (p) => `${Number(p.maxLeverage.toFixed(2))}×`],
    ['Liqs', true, (p) => count(p.liquidations)],
    // capital needed to break the point, per search: safety measured forward beside bad debt in history
    ...model.attacks.map((a, i): Column => [
      `Cost of attack: ${a.pattern} at ${utc(a.at)} (${u})`,
      true,
      (p) => {
        const c = p.attackCost[i]
        if (!c) return '–'
        return c.costOfAttack === null ? `none up to ${compactAmount(c.maxCapital)}` : compactAmount(c.costOfAttack)
      },
    ]),
  ]
  return {
    head: columns.map((c) => c[0]),
    numeric: columns.map((c) => c[1]),
    rows: model.points.map((p) => columns.map((c) => c[2](p))),
  }
}

/** The recommendation's differences from the base, one `rules derive --set` path each. */
export function recommendationTable(model: SweepReportModel): TextTable | null {
  const r = model.recommendation
  if (r.point === null) return null
  return {
    head: ['Path (rules derive --set)', 'Recommended value'],
    numeric: [false, false],
    rows: r.set.map((s) => {
      const at = s.indexOf('=')
      return [s.slice(0, at), s.slice(at + 1)]
    }),
  }
}

/** Base rule set against the recommended point, window by window (a row each). */
export function baseVersusRecommended(model: SweepReportModel): TextTable | null {
  const point = model.points.find((p) => p.recommended)
  if (!point) return null
  const u = model.unit
  const rows: string[][] = []
  model.windows.forEach((window, i) => {
    for (const [who, w] of [
      [`base ${model.base.ruleSet}`, model.base.windows[i]],
      [`point ${point.index}`, point.windows[i]],
    ] as const) {
      rows.push([
        intervalText(window),
        who,
        w ? compactAmount(w.risk.badDebt) : '–',
        w ? share(w.cost.initialMarginPerNotional) : '–',
        w ? share(w.cost.refusedOrLiquidatedEarlierShare) : '–',
        w ? count(w.liquidations) : '–',
      ])
    }
  })
  return {
    head: ['Window (UTC)', 'Rule set', `Bad debt (${u})`, 'IM / notional', 'Refused / earlier', 'Liquidations'],
    numeric: [false, false, true, true, true, true],
    rows,
  }
}

export function skippedTable(model: SweepReportModel): TextTable | null {
  if (!model.skipped.length) return null
  return {
    head: ['Point', 'Values', 'Problems'],
    numeric: [true, false, false],
    rows: model.skipped.map((s) => [
      String(s.index),
      valuesText(s.values),
      s.problems.map((p) => `${p.path}: received ${valueText(p.received)}; expected ${p.expected}`).join('; '),
    ]),
  }
}
