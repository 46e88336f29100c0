// The HTML report of a sweep: one self-contained file like a backtest's (inline CSS and SVG, no script, no request):
// the frontier chart, the recommendation with its `rules derive` paths, the points (frontier first), the windows and
// positions source, and the points skipped with their problems.
import type { RenderedChart } from '../charts/render.ts'
import type { SweepReportModel } from '../sweep/model.ts'
import { compactAmount, utc } from './format.ts'
import { documentHead, esc } from './html.ts'
import {
  baseVersusRecommended,
  intervalText,
  pointsTable,
  recommendationTable,
  skippedTable,
  type TextTable,
} from './sweepTables.ts'

function tableHtml(t: TextTable, attrs = ''): string {
  const cls = (i: number) => (t.numeric[i] ? ' class="num"' : '')
  return `<table${attrs}><thead><tr>${t.head.map((h, i) => `<th${cls(i)}>${esc(h)}</th>`).join('')}</tr></thead><tbody>${t.rows
    .map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`
}

export function renderSweepHtml(model: SweepReportModel, charts: RenderedChart[]): string {
  const u = model.unit
  const frontier = charts.find((c) => c.name === 'sweep-frontier')
  const chart = frontier
    ? `<figure class="chart" role="img" aria-label="${esc(frontier.title)}">${frontier.svg}</figure>`
    : '<p>No point was evaluated with positions opened: there is nothing to plot.</p>'
  const r = model.recommendation
  const recTable = recommendationTable(model)
  const versus = baseVersusRecommended(model)
  const recommendation =
    r.point === null
      ? `<p class="bad" data-recommendation="none">${esc(r.statement)}.</p>`
      : `<p data-recommendation="${r.point}">${esc(r.statement)}.</p>${
          recTable && recTable.rows.length
            ? tableHtml(recTable, ' data-table="recommendation"')
            : '<p>It does not differ from the base rule set.</p>'
        }${r.command ? `<p class="mono">${esc(r.command)}</p>` : ''}${versus ? tableHtml(versus, ' data-table="base-vs-recommended"') : ''}`
  const skipped = skippedTable(model)
  return `${documentHead(model.title)}
<div class="meta"><span><b>Venue</b> ${esc(model.venue)}</span><span><b>Markets</b> ${esc(model.markets.join(', '))}</span>
<span><b>Base rule set</b> ${esc(model.base.ruleSet)}</span><span><b>Positions</b> ${esc(model.positions)} (seed ${model.seed})</span>
<span><b>Sampling</b> ${esc(model.sampling)}${model.samples !== null ? ` (${model.samples} samples)` : ''}</span><span><b>Budget</b> ${esc(compactAmount(model.budget))} ${esc(u)} of bad debt per window</span></div></header>
<section class="summary"><p>${model.points.length} point${model.points.length === 1 ? '' : 's'} evaluated over ${model.windows.length} window${model.windows.length === 1 ? '' : 's'}, ${model.frontier.length} on the frontier${model.skipped.length ? `, ${model.skipped.length} skipped` : ''}. The base rule set's bad debt: ${esc(compactAmount(model.base.badDebt))} ${esc(u)}.</p><p>${esc(r.statement)}.</p></section>
<h2>Risk against cost</h2>${chart}
<h2>Recommendation</h2>${recommendation}
<h2>Points</h2><p class="note">The frontier first, cheapest first; then the other points by index. IM / notional: initial margin locked per unit of notional opened; refused / earlier: the share of the population's positions refused, or liquidated earlier than under the base rule set; max lev.: the largest leverage a position may take; liqs: liquidations.</p>
${tableHtml(pointsTable(model), ' data-table="points"')}
<h2>Windows and positions</h2><ul>${model.windows.map((w) => `<li>${esc(intervalText(w))}</li>`).join('')}</ul>
<p class="meta"><span><b>Positions source</b> ${esc(model.positions)}</span><span><b>Seed</b> ${model.seed}</span></p>
<h3>Axes</h3><ul>${model.axes
    .map(
      (a) =>
        `<li><code>${esc(a.path)}</code>${a.special ? ` (${esc(a.special)})` : ''}: ${esc(a.values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', '))}</li>`,
    )
    .join('')}</ul>
${skipped ? `<h2>Skipped points</h2><p class="note">Each was refused by rule-set validation, reported and left out (never altered).</p>${tableHtml(skipped, ' data-table="skipped"')}` : ''}
<footer>Report <span class="mono">${esc(model.id)}</span> · sweep run <span class="mono">${esc(model.sweepRunId)}</span> · base sha256 <span class="mono">${esc(model.base.hash.slice(0, 16))}</span> · generated ${esc(utc(model.generatedAt))} by Backstop. Amounts in ${esc(u)}; exact values in the JSON report.</footer>
</main></body></html>
`
}
