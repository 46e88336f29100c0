// The few sentences at the top of a report that say what happened in the run, from its figures alone.
import { Decimal } from 'decimal.js'
import type { ReportModel } from '../model.ts'
import { compactAmount, count, duration, percent, utc } from './format.ts'

export function narrative(model: ReportModel): string[] {
  const h = model.headline
  const u = model.unit
  const span = (Date.parse(model.window.to) - Date.parse(model.window.from)) / 1000
  const lines: string[] = []
  lines.push(
    h.liquidations
      ? `Over ${duration(span)}, ${count(h.liquidations)} liquidation${h.liquidations === 1 ? '' : 's'} closed ${compactAmount(h.liquidatedNotional)} ${u} of positions.`
      : `Over ${duration(span)}, no position was liquidated.`,
  )
  const badDebt = new Decimal(h.totalBadDebt)
  if (h.bankruptcies) {
    lines.push(
      `${count(h.bankruptcies)} bankrupt${h.bankruptcies === 1 ? 'cy' : 'cies'} passed losses to the waterfall` +
        (badDebt.gt(0)
          ? `, which left ${compactAmount(h.totalBadDebt)} ${u} of bad debt uncovered.`
          : '; it covered every one (no bad debt).'),
    )
  } else lines.push('No position went bankrupt.')
  lines.push(
    `The insurance fund's lowest balance was ${compactAmount(h.fundLow)} ${u} (largest drawdown ${compactAmount(h.maxFundDrawdown)} ${u}, ${percent(h.maxFundDrawdownFraction)} of its peak)` +
      (h.adlFills
        ? `; ${count(h.adlFills)} ADL fill${h.adlFills === 1 ? '' : 's'} closed profitable positions.`
        : '; no ADL.'),
  )
  if (h.timeToFirstDeficitSeconds !== null) {
    const at = new Date(Date.parse(model.window.from) + h.timeToFirstDeficitSeconds * 1000).toISOString()
    lines.push(`The first deficit came ${duration(h.timeToFirstDeficitSeconds)} into the window (${utc(at)}).`)
  }
  const top = model.incidents.items[0]
  if (top) {
    lines.push(
      `Largest incident: ${top.title}, shortfall ${compactAmount(top.shortfall)} ${u}` +
        (top.detections.length ? `, explained by ${top.detections.map((d) => d.detector).join(', ')}.` : '.'),
    )
  }
  if (model.coverage.caveats.length || model.coverage.notes.length) {
    lines.push(
      `Data caveats apply: ${model.coverage.caveats.length} gap${model.coverage.caveats.length === 1 ? '' : 's'} in the window (see Data coverage).`,
    )
  }
  return lines
}
