// Sending one report to one target: an HTTP POST for webhooks, an SMTP message (HTML body, Markdown as the text
// part) for e-mail. Errors name the target by host only.
import nodemailer from 'nodemailer'
import { emailSubject, slackPayload, webhookPayload, type ReportLinks } from './payload.ts'
import type { DeliverySummary } from './summary.ts'
import { hostOf, type DeliveryTarget } from './targets.ts'

export interface ReportContent {
  model: DeliverySummary
  links: ReportLinks
  /** The report's HTML and Markdown, when those formats were rendered. */
  html: string | null
  markdown: string | null
}

/** Time allowed for one attempt (connect, send, answer). */
const ATTEMPT_TIMEOUT_MS = 20_000

export async function sendToTarget(target: DeliveryTarget, content: ReportContent): Promise<void> {
  if (target.kind === 'webhook') return postWebhook(target.url, target.format, content)
  return sendEmail(target, content)
}

async function postWebhook(url: string, format: 'backstop' | 'slack', content: ReportContent): Promise<void> {
  const body =
    format === 'slack' ? slackPayload(content.model, content.links) : webhookPayload(content.model, content.links)
  let response: Response
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'backstop-reports' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
      redirect: 'error',
    })
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause
    throw new Error(`webhook ${hostOf(url)} unreachable: ${cause?.code ?? cause?.message ?? (error as Error).message}`)
  }
  await response.arrayBuffer().catch(() => undefined)
  if (!response.ok) throw new Error(`webhook ${hostOf(url)} answered HTTP ${response.status}`)
}

async function sendEmail(target: Extract<DeliveryTarget, { kind: 'email' }>, content: ReportContent): Promise<void> {
  const transport = nodemailer.createTransport(target.smtpUrl, {
    connectionTimeout: ATTEMPT_TIMEOUT_MS,
    greetingTimeout: ATTEMPT_TIMEOUT_MS,
    socketTimeout: ATTEMPT_TIMEOUT_MS,
  } as never)
  try {
    await transport.sendMail({
      from: target.from,
      to: target.to,
      subject: emailSubject(content.model),
      text: content.markdown ?? linksText(content.links),
      ...(content.html ? { html: content.html } : {}),
    })
  } catch (error) {
    const e = error as { code?: string; message?: string }
    throw new Error(
      `email via ${hostOf(target.smtpUrl)} failed: ${e.code ? `${e.code}: ` : ''}${redactUrl(e.message ?? String(error), target.smtpUrl)}`,
    )
  } finally {
    transport.close()
  }
}

const linksText = (links: ReportLinks) =>
  ['The report is ready:', links.html, links.markdown, links.json].filter(Boolean).join('\n')

/** Removes the SMTP URL (it may hold a password) from a message that quotes it. */
const redactUrl = (message: string, url: string) => message.split(url).join(`smtp://${hostOf(url)}`)
