// The Markdown report of a sweep: the same sections as its HTML, the frontier chart linked as an SVG file beside it.
import type { RenderedChart } from '../charts/render.ts'
import type { SweepReportModel } from '../sweep/model.ts'
import { compactAmount } from './format.ts'
import { md } from './markdown.ts'
import {
  baseVersusRecommended,
  intervalText,
  pointsTable,
  recommendationTable,
  skippedTable,
  type TextTable,
} from './sweepTables.ts'

const row = (cells: string[]) => `| ${cells.join(' | ')} |`
const tableMd = (t: TextTable) =>
  [row(t.head.map(md)), row(t.numeric.map((n) => (n ? '---:' : '---'))), ...t.rows.map((r) => row(r.map(md)))].join(
    '\n',
  )

export function renderSweepMarkdown(model: SweepReportModel, charts: RenderedChart[]): string {
  const u = model.unit
  const out: string[] = [`# ${md(model.title)}`, '']
  out.push(
    `**Venue** ${md(model.venue)} · **Markets** ${md(model.markets.join(', '))} · **Base rule set** ${md(model.base.ruleSet)} · **Positions** ${md(model.positions)} (seed ${model.seed}) · **Budget** ${compactAmount(model.budget)} ${u} per window`,
    '',
    `> ${model.points.length} points evaluated over ${model.windows.length} window(s), ${model.frontier.length} on the frontier${model.skipped.length ? `, ${model.skipped.length} skipped` : ''}; the base rule set's bad debt: ${compactAmount(model.base.badDebt)} ${u}.`,
    '',
    '## Risk against cost',
    '',
  )
  const frontier = charts.find((c) => c.name === 'sweep-frontier')
  out.push(frontier ? `![${md(frontier.title)}](sweep-frontier.svg)` : 'No point was evaluated: nothing to plot.')
  out.push('', '## Recommendation', '', `${md(model.recommendation.statement)}.`, '')
  const rec = recommendationTable(model)
  if (rec) out.push(rec.rows.length ? tableMd(rec) : 'It does not differ from the base rule set.', '')
  if (model.recommendation.command) out.push('```sh', model.recommendation.command, '```', '')
  const versus = baseVersusRecommended(model)
  if (versus) out.push(tableMd(versus), '')
  out.push('## Points', '', 'The frontier first (cheapest first), then the other points by index.', '')
  out.push(tableMd(pointsTable(model)), '')
  out.push('## Windows and positions', '', ...model.windows.map((w) => `- ${intervalText(w)}`), '')
  out.push(`Positions source: ${md(model.positions)} (seed ${model.seed}); sampling ${md(model.sampling)}.`, '')
  for (const a of model.axes)
    out.push(`- \`${a.path}\`: ${md(a.values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', '))}`)
  const skipped = skippedTable(model)
  if (skipped) out.push('', '## Skipped points', '', tableMd(skipped))
  out.push(
    '',
    `Report ${md(model.id)} · sweep run ${md(model.sweepRunId)} · amounts in ${u}; exact values in the JSON.`,
  )
  return `${out.join('\n')}\n`
}
