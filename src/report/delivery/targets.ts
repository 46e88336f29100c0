// Where reports go, from configuration: a webhook (Backstop JSON or a Slack-compatible message) and e-mail over SMTP.
// Addresses may carry secrets (Slack webhook paths, SMTP passwords): only their host is ever shown.

export type DeliveryTargetName = 'webhook' | 'email'
export const DELIVERY_TARGETS: readonly DeliveryTargetName[] = ['webhook', 'email']

export interface WebhookTarget {
  kind: 'webhook'
  url: string
  format: 'backstop' | 'slack'
}

export interface EmailTarget {
  kind: 'email'
  smtpUrl: string
  from: string
  to: string[]
}

export type DeliveryTarget = WebhookTarget | EmailTarget

export interface DeliverySettings {
  reportWebhookUrl?: string | undefined
  reportWebhookFormat: 'backstop' | 'slack'
  reportSmtpUrl?: string | undefined
  reportEmailFrom: string
  reportEmailTo?: string[] | undefined
}

/** The configured targets among `names` (a name whose transport is not configured is reported by `missingTargets`). */
export function configuredTargets(config: DeliverySettings, names: readonly DeliveryTargetName[]): DeliveryTarget[] {
  const out: DeliveryTarget[] = []
  if (names.includes('webhook') && config.reportWebhookUrl)
    out.push({ kind: 'webhook', url: config.reportWebhookUrl, format: config.reportWebhookFormat })
  if (names.includes('email') && config.reportSmtpUrl && config.reportEmailTo?.length)
    out.push({ kind: 'email', smtpUrl: config.reportSmtpUrl, from: config.reportEmailFrom, to: config.reportEmailTo })
  return out
}

/** For each target named but not configured, the settings it needs. */
export function missingTargets(config: DeliverySettings, names: readonly DeliveryTargetName[]): string[] {
  const missing: string[] = []
  if (names.includes('webhook') && !config.reportWebhookUrl) missing.push('webhook needs REPORT_WEBHOOK_URL')
  if (names.includes('email') && !(config.reportSmtpUrl && config.reportEmailTo?.length))
    missing.push('email needs REPORT_SMTP_URL and REPORT_EMAIL_TO')
  return missing
}

/** "hooks.slack.com" or "mail.example.com:465": what a message may show of an address. */
export function hostOf(address: string): string {
  try {
    return new URL(address).host
  } catch {
    return '(invalid address)'
  }
}

export const targetLabel = (t: DeliveryTarget) =>
  t.kind === 'webhook' ? `webhook ${hostOf(t.url)}` : `email via ${hostOf(t.smtpUrl)}`
