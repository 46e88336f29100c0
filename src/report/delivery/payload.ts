// What a delivery says: the headline figures with their change since the previous report, and links to the files.
import { HEADLINE_KEYS } from '../model.ts'
import { HEADLINE_LABELS, deltaText, headlineValue, utc } from '../render/format.ts'
import type { DeliverySummary } from './summary.ts'

export interface ReportLinks {
  html: string | null
  markdown: string | null
  json: string | null
}

export function reportLinks(baseUrl: string, id: string, formats: readonly string[]): ReportLinks {
  const base = baseUrl.replace(/\/+$/, '')
  return {
    html: formats.includes('html') ? `${base}/reports/${id}.html` : null,
    markdown: formats.includes('md') ? `${base}/reports/${id}.md` : null,
    json: formats.includes('json') ? `${base}/reports/${id}.json` : null,
  }
}

/** Backstop's webhook payload: every headline figure (exact), its change, and the links. */
export function webhookPayload(model: DeliverySummary, links: ReportLinks) {
  return {
    type: 'backstop.report',
    reportId: model.id,
    title: model.title,
    generatedAt: model.generatedAt,
    schedule: model.schedule,
    venue: model.venue,
    markets: model.markets,
    window: model.window,
    unit: model.unit,
    ruleSet: model.ruleSet,
    headline: model.headline,
    deltas: model.deltas,
    incidents: model.incidents,
    coverageCaveats: model.coverageCaveats,
    links,
  }
}

/** A Slack incoming-webhook message (text fallback plus blocks) with the headline and a link to the HTML. */
export function slackPayload(model: DeliverySummary, links: ReportLinks) {
  const lines = HEADLINE_KEYS.map((key) => {
    const change = model.deltas ? ` (${deltaText(key, model.deltas).text})` : ''
    return `*${HEADLINE_LABELS[key]}*: ${headlineValue(key, model.headline, model.unit)}${change}`
  })
  const link = links.html ?? links.markdown ?? links.json
  const title = `${model.title} — ${utc(model.window.from)} to ${utc(model.window.to)}`
  return {
    text: `${title}: bad debt ${headlineValue('totalBadDebt', model.headline, model.unit)}${link ? ` <${link}|open the report>` : ''}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: model.title.slice(0, 150) } },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `${utc(model.window.from)} – ${utc(model.window.to)} · rule set ${model.ruleSet.label}`,
        },
      },
      { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } },
      ...(link ? [{ type: 'section', text: { type: 'mrkdwn', text: `<${link}|Open the full report>` } }] : []),
    ],
  }
}

export function emailSubject(model: DeliverySummary): string {
  const badDebt = headlineValue('totalBadDebt', model.headline, model.unit)
  return `[Backstop] ${model.title}: bad debt ${badDebt}, ${model.headline.liquidations} liquidations (${model.window.from.slice(0, 10)})`
}
