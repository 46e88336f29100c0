// The HTML report: one self-contained file (inline CSS and SVG, no script, no request) laid out to read on screen
// and to print cleanly to PDF (A4, no chart or table split across pages where avoidable).
import type { RenderedChart } from '../charts/render.ts'
import { HEADLINE_KEYS, type Headline, type ReportModel } from '../model.ts'
import {
  HEADLINE_LABELS,
  compactAmount,
  count,
  deltaText,
  duration,
  exactAmount,
  headlineValue,
  utc,
} from './format.ts'
import { narrative } from './narrative.ts'

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }
export const esc = (text: unknown) => String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]!)

export const REPORT_CSS = `
:root { --ink: #1d2733; --muted: #5b6572; --line: #d9dee4; --bad: #b03a2e; --good: #1f7a4d; --panel: #f6f8fa; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; color: var(--ink); margin: 0; background: #fff;
  font-size: 14px; line-height: 1.45; }
main { max-width: 1000px; margin: 0 auto; padding: 28px 32px 48px; }
header { border-bottom: 3px solid var(--ink); padding-bottom: 12px; margin-bottom: 18px; }
h1 { font-size: 24px; margin: 0 0 6px; }
h2 { font-size: 18px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 18px 0 6px; }
.meta { color: var(--muted); font-size: 13px; display: flex; flex-wrap: wrap; gap: 4px 18px; }
.meta b { color: var(--ink); font-weight: 600; }
.summary { background: var(--panel); border-left: 4px solid var(--ink); padding: 10px 14px; margin: 14px 0; }
.summary p { margin: 4px 0; }
.cards { display: grid; grid-template-columns: repeat(3, 1fr); gap: 10px; margin: 12px 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; break-inside: avoid; }
.card .label { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .03em; }
.card .value { font-size: 22px; font-weight: 700; margin: 2px 0; white-space: nowrap; }
.card .delta { font-size: 12px; }
.bad { color: var(--bad); } .good { color: var(--good); } .same, .none { color: var(--muted); }
.chart { margin: 10px 0 16px; break-inside: avoid; }
.chart svg { max-width: 100%; height: auto; display: block; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 14px; font-size: 12.5px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: var(--panel); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr { break-inside: avoid; }
code, .mono { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; word-break: break-all; }
.sev-critical { color: var(--bad); font-weight: 700; } .sev-warning { color: #b9770e; font-weight: 600; }
.incident { border: 1px solid var(--line); border-radius: 6px; padding: 4px 14px 10px; margin: 14px 0; }
details { margin: 4px 0; } summary { cursor: pointer; color: var(--muted); }
pre { white-space: pre-wrap; font-size: 11.5px; background: var(--panel); padding: 6px; margin: 4px 0; }
.note { color: var(--muted); font-size: 13px; }
footer { margin-top: 32px; border-top: 1px solid var(--line); padding-top: 8px; color: var(--muted); font-size: 12px; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { font-size: 11.5px; }
  main { max-width: none; padding: 0; }
  .cards { grid-template-columns: repeat(3, 1fr); }
  h2 { break-after: avoid; }
  .incident, .chart, table, .summary { break-inside: avoid; }
  .page-break { break-before: page; }
  details > summary { display: none; }
  details > *:not(summary) { display: block; }
  a { color: inherit; text-decoration: none; }
}`

/**
 * A report document's opening up to its header's title: no script, no request outside the file (the policy forbids
 * any), and no referrer if a reader follows a link out of it.
 */
export const documentHead = (title: string) => `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title><style>${REPORT_CSS}</style></head>
<body><main>
<header><h1>${esc(title)}</h1>`

function chartHtml(charts: Map<string, RenderedChart>, name: string): string {
  const chart = charts.get(name)
  return chart ? `<figure class="chart" role="img" aria-label="${esc(chart.title)}">${chart.svg}</figure>` : ''
}

function headlineCards(model: ReportModel): string {
  const keys: Array<keyof Headline> = [
    'liquidatedNotional',
    'bankruptcies',
    'totalBadDebt',
    'fundLow',
    'maxFundDrawdown',
    'adlFills',
    'liquidations',
    'maxFundDrawdownFraction',
    'timeToFirstDeficitSeconds',
  ]
  return `<div class="cards">${keys
    .map((key) => {
      const raw = model.headline[key]
      const exactTitle = typeof raw === 'string' ? ` title="${esc(exactAmount(raw))} ${esc(model.unit)}"` : ''
      let delta = ''
      if (model.deltas) {
        const d = deltaText(key, model.deltas)
        delta = `<div class="delta ${d.tone}">${esc(d.text)} since previous report</div>`
      }
      return `<div class="card" data-figure="${key}"><div class="label">${esc(HEADLINE_LABELS[key])}</div><div class="value"${exactTitle}>${esc(headlineValue(key, model.headline, model.unit))}</div>${delta}</div>`
    })
    .join('')}</div>`
}

function incidentsHtml(model: ReportModel, charts: Map<string, RenderedChart>): string {
  const { incidents, unit } = model
  const gap =
    incidents.source === 'deficit-clusters'
      ? ` A gap of more than ${duration(incidents.gapSeconds ?? 0)} between deficits starts a new one.`
      : ''
  const runs = incidents.detection.runs.length
    ? `<p class="note">Detect runs: ${incidents.detection.runs
        .map(
          (r) =>
            `${esc(r.runId)} (${esc(utc(r.finishedAt))}; ran ${esc(r.detectors.join(', ') || 'none')}` +
            (r.missingData.length ? `; lacked data: ${esc(r.missingData.join(', '))}` : '') +
            (r.failed.length ? `; failed: ${esc(r.failed.join(', '))}` : '') +
            ')',
        )
        .join('; ')}.</p>`
    : ''
  const intro = `<p class="note" data-detection="${incidents.detection.ran ? 'ran' : 'not-run'}">${esc(incidents.detection.note)}${esc(gap)}</p>${runs}`
  if (!incidents.items.length)
    return `<h2>Incidents</h2>${intro}<p>${incidents.detection.ran ? 'No incident: no deficit in this run and no detection at warning or above.' : 'No deficit in this run: nothing to explain.'}</p>`
  const rows = incidents.items
    .map(
      (i) => `<tr><td>${i.rank}</td><td class="sev-${esc(i.severity)}">${esc(i.severity)}</td><td>${esc(i.title)}</td>
<td class="num">${esc(compactAmount(i.shortfall))}</td><td class="num">${esc(compactAmount(i.coveredByFund))}</td>
<td class="num">${esc(compactAmount(i.coveredByAdl))}</td><td class="num">${esc(compactAmount(i.socialized))}</td>
<td class="num">${esc(compactAmount(i.uncovered))}</td><td class="num">${count(i.liquidations)}</td><td class="num">${count(i.detections.length)}</td></tr>`,
    )
    .join('\n')
  const more =
    incidents.total > incidents.items.length
      ? `<p class="note">${count(incidents.total - incidents.items.length)} smaller incidents are not listed.</p>`
      : ''
  const details = incidents.items
    .filter((i) => i.timeline || i.detections.length)
    .map((i) => {
      const detections = i.detections.length
        ? `<table><thead><tr><th>Detector</th><th>Severity</th><th class="num">Score</th><th>Window (UTC)</th><th class="num">Cost of attack</th><th class="num">Profit</th><th>Evidence</th></tr></thead><tbody>${i.detections
            .map(
              (
                d,
              ) => `<tr><td>${esc(d.detector)}</td><td class="sev-${esc(d.severity)}">${esc(d.severity)}</td><td class="num">${d.score.toFixed(2)}</td>
<td>${esc(utc(d.from))} – ${esc(d.to.slice(11, 19))}</td><td class="num">${d.estimatedCost === null ? '–' : esc(compactAmount(d.estimatedCost))}</td>
<td class="num">${d.estimatedProfit === null ? '–' : esc(compactAmount(d.estimatedProfit))}</td>
<td>${esc(d.summary)}<details><summary>evidence</summary><pre>${esc(JSON.stringify(d.evidence, null, 1).slice(0, 4000))}</pre></details></td></tr>`,
            )
            .join('')}</tbody></table>`
        : '<p class="note">No detection explains this incident' +
          (incidents.detection.ran ? '.' : ' (detectors were not run over this run).') +
          '</p>'
      return `<section class="incident"><h3>#${i.rank} ${esc(i.title)}</h3>
<p class="meta"><span><b>Window</b> ${esc(utc(i.from))} – ${esc(utc(i.to))}</span><span><b>Severity</b> ${esc(i.severity)}</span><span><b>Deficits</b> ${count(i.deficits)}</span><span><b>Shortfall</b> ${esc(compactAmount(i.shortfall))} ${esc(unit)}</span><span><b>Liquidations</b> ${count(i.liquidations)} (${esc(compactAmount(i.liquidatedNotional))} ${esc(unit)})</span><span><b>Accounts</b> ${count(i.accounts)}</span><span><b>ADL fills</b> ${count(i.adlFills)}</span>${i.detectors.length ? `<span><b>Detectors</b> ${esc(i.detectors.join(', '))}</span>` : ''}</p>
${i.accountIds.length ? `<p class="meta"><span><b>Accounts involved</b> ${esc(i.accountIds.slice(0, 12).join(', '))}${i.accountIds.length > 12 ? ` … ${count(i.accountIds.length - 12)} more` : ''}</span></p>` : ''}
${chartHtml(charts, `incident-${i.rank}`)}${detections}</section>`
    })
    .join('\n')
  return `<h2 class="page-break">Incidents</h2>${intro}${chartHtml(charts, 'deficits-by-incident')}
<table><thead><tr><th>#</th><th>Severity</th><th>Incident</th><th class="num">Shortfall</th><th class="num">Fund</th><th class="num">ADL</th><th class="num">Socialized</th><th class="num">Uncovered</th><th class="num">Liquidations</th><th class="num">Detections</th></tr></thead>
<tbody>${rows}</tbody></table>${more}${details}`
}

function comparisonHtml(model: ReportModel, charts: Map<string, RenderedChart>): string {
  const rows = model.comparison
  if (!rows) return ''
  const keys = HEADLINE_KEYS
  const head = rows
    .map(
      (r) =>
        `<th class="num">${esc(r.ruleSetLabel)}<br><span class="mono">${esc(r.ruleSetHash.slice(0, 12))}</span></th>`,
    )
    .join('')
  const body = keys
    .map((key) => {
      const cells = rows
        .map((r) => {
          const d = r.againstBaseline ? deltaText(key, r.againstBaseline) : null
          return `<td class="num">${esc(headlineValue(key, r.headline, model.unit))}${d && d.tone !== 'none' ? `<br><span class="${d.tone}">${esc(d.text)}</span>` : ''}</td>`
        })
        .join('')
      return `<tr><th>${esc(HEADLINE_LABELS[key])}</th>${cells}</tr>`
    })
    .join('\n')
  return `<h2>Rule sets compared</h2><p class="note">Same venue, markets and window; changes are against the first column (the reported run).</p>
<table><thead><tr><th>Figure</th>${head}</tr></thead><tbody>${body}</tbody></table>${chartHtml(charts, 'comparison-fund')}`
}

function coverageHtml(model: ReportModel): string {
  const { caveats, notes } = model.coverage
  const noteHtml = notes.map((n) => `<p class="note">${esc(n)}</p>`).join('')
  if (!caveats.length)
    return `<h2>Data coverage</h2><p>Every dataset of ${esc(model.markets.join(', '))} covers the whole window: no gap, no hole.</p>${noteHtml}`
  return `<h2>Data coverage</h2><p>Figures over these stretches rest on incomplete data.</p>${noteHtml}
<table><thead><tr><th>Market</th><th>Dataset</th><th>From (UTC)</th><th>To (UTC)</th><th>Reason</th><th>Detail</th></tr></thead><tbody>${caveats
    .map(
      (c) =>
        `<tr><td>${esc(c.market)}</td><td>${esc(c.dataset)}</td><td>${esc(utc(c.from))}</td><td>${esc(utc(c.to))}</td><td>${esc(c.reason)}</td><td>${esc(c.detail)}</td></tr>`,
    )
    .join('')}</tbody></table>`
}

function ruleSetHtml(model: ReportModel): string {
  const r = model.ruleSet
  const value = (v: unknown) => (v === undefined ? '<i>absent</i>' : `<code>${esc(JSON.stringify(v))}</code>`)
  const diff = r.note
    ? `<p class="note">${esc(r.note)}</p>`
    : !r.preset
      ? ''
      : r.differences.length
        ? `<table><thead><tr><th>Path</th><th>Preset ${esc(r.preset)}</th><th>Used</th></tr></thead><tbody>${r.differences
            .map(
              (d) =>
                `<tr><td><code>${esc(d.path)}</code></td><td>${value(d.preset)}</td><td>${value(d.used)}</td></tr>`,
            )
            .join('')}</tbody></table>`
        : `<p>Identical to the preset ${esc(r.preset)}.</p>`
  return `<h2>Rule set</h2><p class="meta"><span><b>Used</b> ${esc(r.label)}</span><span><b>Asked for</b> ${esc(r.ref)}</span><span><b>Compared with</b> ${esc(r.preset ?? 'no preset')}</span></p>
<p class="mono">sha256 ${esc(r.hash)}</p>${diff}`
}

/** The whole report as one HTML document. `charts` are the SVGs of `reportCharts(model)`. */
export function renderHtml(model: ReportModel, charts: RenderedChart[]): string {
  const byName = new Map(charts.map((c) => [c.name, c]))
  const sinceText = model.previous
    ? `<span><b>Compared with</b> the previous report of ${esc(utc(model.previous.generatedAt))}</span>`
    : ''
  const liquidations = model.liquidationsByHour.length
    ? chartHtml(byName, 'liquidations-by-hour')
    : '<p>No liquidation in the window.</p>'
  const fund = model.fund.points.length
    ? chartHtml(byName, 'fund-balance')
    : '<p>The run has no insurance fund movement.</p>'
  const warnings = model.run.warnings.length
    ? `<h3>Warnings from the run</h3><ul>${model.run.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>`
    : ''
  return `${documentHead(model.title)}
<div class="meta"><span><b>Venue</b> ${esc(model.venue)}</span><span><b>Markets</b> ${esc(model.markets.join(', '))}</span>
<span><b>Window</b> ${esc(utc(model.window.from))} – ${esc(utc(model.window.to))}</span><span><b>Rule set</b> ${esc(model.ruleSet.label)}</span>
<span><b>Positions</b> ${esc(model.run.positionsSource)}${model.run.seed !== null ? ` (seed ${model.run.seed})` : ''}</span>${sinceText}</div></header>
<section class="summary">${narrative(model)
    .map((line) => `<p>${esc(line)}</p>`)
    .join('')}</section>
<h2>Headline</h2>${headlineCards(model)}
<h2>Insurance fund</h2>${fund}
<p class="meta"><span><b>Start</b> ${esc(compactAmount(model.fund.initial))} ${esc(model.unit)}</span><span><b>Low</b> ${esc(compactAmount(model.fund.low))} ${esc(model.unit)}</span><span><b>End</b> ${esc(compactAmount(model.fund.final))} ${esc(model.unit)}</span><span><b>Max drawdown</b> ${esc(compactAmount(model.fund.maxDrawdown))} ${esc(model.unit)}</span></p>
<h2>Liquidations</h2>${liquidations}
${incidentsHtml(model, byName)}
${comparisonHtml(model, byName)}
${coverageHtml(model)}
${ruleSetHtml(model)}
${warnings}
<footer>Report <span class="mono">${esc(model.id)}</span> · run <span class="mono">${esc(model.run.runId)}</span> · output hash <span class="mono">${esc(model.run.outputHash.slice(0, 16))}</span> · ${count(model.run.eventsReplayed)} events replayed · generated ${esc(utc(model.generatedAt))} by Backstop. Amounts in ${esc(model.unit)}; exact values in the JSON report.</footer>
</main></body></html>
`
}
