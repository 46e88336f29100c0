// The Markdown report, for chat and wikis: the same sections as the HTML, charts as SVG files linked beside it.
import type { RenderedChart } from '../charts/render.ts'
import { HEADLINE_KEYS, type ReportModel } from '../model.ts'
import { HEADLINE_LABELS, compactAmount, count, deltaText, duration, headlineValue, utc } from './format.ts'
import { narrative } from './narrative.ts'

/** Text safe inside a Markdown table cell or line: pipes, backticks, brackets and line breaks neutralised. */
export const md = (text: unknown) =>
  String(text)
    .replace(/[\\`*_[\]<>|]/g, (c) => `\\${c}`)
    .replace(/[\r\n]+/g, ' ')

const row = (cells: string[]) => `| ${cells.join(' | ')} |`
const table = (head: string[], rows: string[][], align?: string[]) =>
  [row(head), row(align ?? head.map(() => '---')), ...rows.map(row)].join('\n')

/** The report as Markdown; each chart is linked as `<name>.svg` in the same folder. */
export function renderMarkdown(model: ReportModel, charts: RenderedChart[]): string {
  const u = model.unit
  const names = new Set(charts.map((c) => c.name))
  const chart = (name: string) => {
    const c = charts.find((x) => x.name === name)
    return c && names.has(name) ? `\n![${md(c.title)}](${name}.svg)\n` : ''
  }
  const out: string[] = []
  out.push(`# ${md(model.title)}`, '')
  out.push(
    `**Venue** ${md(model.venue)} · **Markets** ${md(model.markets.join(', '))} · **Window** ${utc(model.window.from)} – ${utc(model.window.to)} · **Rule set** ${md(model.ruleSet.label)} · **Positions** ${md(model.run.positionsSource)}`,
    '',
  )
  for (const line of narrative(model)) out.push(`> ${md(line)}`)
  out.push('', '## Headline', '')
  const deltas = model.deltas
  out.push(
    table(
      deltas ? ['Figure', 'Value', 'Since previous report'] : ['Figure', 'Value'],
      HEADLINE_KEYS.map((key) => {
        const cells = [HEADLINE_LABELS[key], md(headlineValue(key, model.headline, u))]
        if (deltas) cells.push(md(deltaText(key, deltas).text))
        return cells
      }),
      deltas ? ['---', '---:', '---:'] : ['---', '---:'],
    ),
  )
  if (model.previous)
    out.push('', `Previous report: ${md(model.previous.reportId)} (${utc(model.previous.generatedAt)}).`)
  out.push('', '## Insurance fund', '')
  out.push(model.fund.points.length ? chart('fund-balance') : 'The run has no insurance fund movement.')
  out.push(
    `Start ${compactAmount(model.fund.initial)} ${u} · low ${compactAmount(model.fund.low)} ${u} · end ${compactAmount(model.fund.final)} ${u} · max drawdown ${compactAmount(model.fund.maxDrawdown)} ${u}`,
  )
  out.push('', '## Liquidations', '')
  out.push(model.liquidationsByHour.length ? chart('liquidations-by-hour') : 'No liquidation in the window.')
  out.push('', '## Incidents', '')
  const inc = model.incidents
  out.push(
    md(inc.detection.note) +
      (inc.source === 'deficit-clusters' ? ` A gap over ${duration(inc.gapSeconds ?? 0)} starts a new one.` : ''),
    '',
  )
  for (const r of inc.detection.runs)
    out.push(
      `- detect run ${md(r.runId)} (${utc(r.finishedAt)}): ran ${md(r.detectors.join(', ') || 'none')}` +
        (r.missingData.length ? `; lacked data: ${md(r.missingData.join(', '))}` : '') +
        (r.failed.length ? `; failed: ${md(r.failed.join(', '))}` : ''),
    )
  if (inc.detection.runs.length) out.push('')
  if (!inc.items.length)
    out.push(
      inc.detection.ran
        ? 'No incident: no deficit in this run and no detection at warning or above.'
        : 'No deficit in this run.',
    )
  else {
    out.push(chart('deficits-by-incident'))
    out.push(
      table(
        [
          '#',
          'Severity',
          'Incident',
          'Shortfall',
          'Fund',
          'ADL',
          'Socialized',
          'Uncovered',
          'Liquidations',
          'Detections',
        ],
        inc.items.map((i) => [
          String(i.rank),
          md(i.severity),
          md(i.title),
          compactAmount(i.shortfall),
          compactAmount(i.coveredByFund),
          compactAmount(i.coveredByAdl),
          compactAmount(i.socialized),
          compactAmount(i.uncovered),
          count(i.liquidations),
          count(i.detections.length),
        ]),
        ['---:', '---', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:'],
      ),
    )
    if (inc.total > inc.items.length)
      out.push('', `${count(inc.total - inc.items.length)} smaller incidents are not listed.`)
    for (const i of inc.items.filter((x) => x.timeline || x.detections.length)) {
      out.push('', `### #${i.rank} ${md(i.title)}`, '')
      out.push(
        `${utc(i.from)} – ${utc(i.to)} · ${md(i.severity)} · ${count(i.deficits)} deficits, shortfall ${compactAmount(i.shortfall)} ${u} · ${count(i.liquidations)} liquidations · ${count(i.accounts)} accounts · ${count(i.adlFills)} ADL fills` +
          (i.detectors.length ? ` · detectors: ${md(i.detectors.join(', '))}` : ''),
      )
      if (i.accountIds.length)
        out.push(
          '',
          `Accounts involved: ${md(i.accountIds.slice(0, 12).join(', '))}${i.accountIds.length > 12 ? ` … ${count(i.accountIds.length - 12)} more` : ''}`,
        )
      out.push(chart(`incident-${i.rank}`))
      if (i.detections.length)
        out.push(
          table(
            ['Detector', 'Severity', 'Score', 'Cost of attack', 'Profit', 'Evidence'],
            i.detections.map((d) => [
              md(d.detector),
              md(d.severity),
              d.score.toFixed(2),
              d.estimatedCost === null ? '–' : compactAmount(d.estimatedCost),
              d.estimatedProfit === null ? '–' : compactAmount(d.estimatedProfit),
              md(d.summary),
            ]),
          ),
        )
    }
  }
  if (model.comparison) {
    out.push('', '## Rule sets compared', '', 'Changes are against the first column (the reported run).', '')
    out.push(
      table(
        ['Figure', ...model.comparison.map((r) => md(`${r.ruleSetLabel} (${r.ruleSetHash.slice(0, 12)})`))],
        HEADLINE_KEYS.map((key) => [
          HEADLINE_LABELS[key],
          ...model.comparison!.map((r) => {
            const d = r.againstBaseline ? deltaText(key, r.againstBaseline) : null
            return md(headlineValue(key, r.headline, u)) + (d && d.tone !== 'none' ? ` (${md(d.text)})` : '')
          }),
        ]),
      ),
    )
    out.push(chart('comparison-fund'))
  }
  out.push('', '## Data coverage', '')
  for (const note of model.coverage.notes) out.push(md(note), '')
  if (!model.coverage.caveats.length) out.push('Every dataset covers the whole window: no gap, no hole.')
  else
    out.push(
      table(
        ['Market', 'Dataset', 'From', 'To', 'Reason', 'Detail'],
        model.coverage.caveats.map((c) => [
          md(c.market),
          md(c.dataset),
          utc(c.from),
          utc(c.to),
          md(c.reason),
          md(c.detail),
        ]),
      ),
    )
  const r = model.ruleSet
  out.push('', '## Rule set', '', `**${md(r.label)}** (asked for ${md(r.ref)}), sha256 \`${r.hash}\``, '')
  if (r.note) out.push(md(r.note))
  else if (r.preset && !r.differences.length) out.push(`Identical to the preset ${md(r.preset)}.`)
  else if (r.preset)
    out.push(
      `Differences from the preset ${md(r.preset)}:`,
      '',
      table(
        ['Path', 'Preset', 'Used'],
        r.differences.map((d) => [
          md(d.path),
          d.preset === undefined ? '_absent_' : md(JSON.stringify(d.preset)),
          d.used === undefined ? '_absent_' : md(JSON.stringify(d.used)),
        ]),
      ),
    )
  if (model.run.warnings.length) {
    out.push('', '## Warnings from the run', '')
    for (const w of model.run.warnings) out.push(`- ${md(w)}`)
  }
  out.push(
    '',
    '---',
    `Report ${md(model.id)} · run ${md(model.run.runId)} · output hash ${model.run.outputHash.slice(0, 16)} · generated ${utc(model.generatedAt)} by Backstop. Amounts in ${md(u)}; exact values in the JSON report.`,
    '',
  )
  return out.join('\n')
}
