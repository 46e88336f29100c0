// Checks a schedule before it is stored: its name, cron, parameters, rule sets, venue and markets, the backtest
// request it makes, a fixed window's data, and its delivery targets (configured, SMTP answering). Every problem is
// reported at once and nothing is stored when there is one.
import nodemailer from 'nodemailer'
import { InvalidInputError, NotFoundError, type InputProblem } from '../../errors.ts'
import { parseBacktestRequest } from '../../replay/backtest/request.ts'
import { resolveRuleSet } from '../../replay/rules/resolve.ts'
import type { DuckStore } from '../../store/duck/open.ts'
import { coveredMarkets, marketCoverage } from '../../store/market/coverage.ts'
import type { MetaClient } from '../../store/meta/client.ts'
import { hostOf, missingTargets, type DeliverySettings } from '../delivery/targets.ts'
import { cronProblem } from './cron.ts'
import { backtestRequestOf, parseScheduleParams, scheduleWindow, type ScheduleParams } from './params.ts'

export interface ScheduleInput {
  name: string
  cron: string
  params: unknown
}

export interface ScheduleCheckDeps {
  duck: DuckStore
  meta: MetaClient
  config: DeliverySettings
  /** When the check runs (a rolling window is checked as if it fired now). */
  now: Date
  /** Skip connecting to the SMTP server (configuration seeding at start). */
  skipSmtpCheck?: boolean
}

export const SCHEDULE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/

const list = (values: string[], max = 20) =>
  values.length ? `${values.slice(0, max).join(', ')}${values.length > max ? ', …' : ''}` : 'none loaded'

export async function checkSchedule(deps: ScheduleCheckDeps, input: ScheduleInput): Promise<ScheduleParams> {
  const problems: InputProblem[] = []
  if (!SCHEDULE_NAME.test(input.name))
    problems.push({
      path: 'name',
      received: input.name,
      expected: 'letters, digits, _ . - (1 to 64, starting with a letter or digit)',
    })
  const cron = cronProblem(input.cron)
  if (cron) problems.push(cron)
  let params: ScheduleParams
  try {
    params = parseScheduleParams(input.params)
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error
    throw new InvalidInputError('invalid schedule', [...problems, ...error.problems])
  }
  for (const [i, ref] of params.ruleSets.entries()) {
    try {
      await resolveRuleSet(ref, { meta: deps.meta })
    } catch (error) {
      if (!(error instanceof NotFoundError) && !(error instanceof InvalidInputError)) throw error
      problems.push({
        path: `params.ruleSets[${i}]`,
        received: ref,
        expected: error.message.replace(/^no rule set "[^"]*": expected /, ''),
      })
    }
  }
  const known = await coveredMarkets(deps.duck, { venue: params.venue })
  if (!known.length) {
    const venues = [...new Set((await coveredMarkets(deps.duck)).map((m) => m.venue))]
    problems.push({ path: 'params.venue', received: params.venue, expected: `a venue with data (${list(venues)})` })
  } else {
    const names = known.map((m) => m.market)
    params.markets.forEach((m, i) => {
      if (!names.includes(m))
        problems.push({
          path: `params.markets[${i}]`,
          received: m,
          expected: `a market of ${params.venue} with data (${list(names)})`,
        })
    })
  }
  const window = scheduleWindow(params.window, deps.now)
  try {
    parseBacktestRequest(backtestRequestOf(params, params.ruleSets[0]!, window))
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error
    problems.push(
      ...error.problems.map((p) => ({
        ...p,
        path: `params.${p.path === 'to' || p.path === 'from' ? 'window' : p.path}`,
      })),
    )
  }
  if (typeof params.window !== 'string' && !problems.some((p) => p.path.startsWith('params.markets'))) {
    for (const [i, market] of params.markets.entries()) {
      const datasets = await marketCoverage(deps.duck, params.venue, market)
      const overlaps = datasets.some((d) =>
        d.ranges.some((r) => r.from.getTime() < window.to.getTime() && r.to.getTime() > window.from.getTime()),
      )
      if (!overlaps) {
        const spans = datasets.flatMap((d) => d.ranges.map((r) => `${r.from.toISOString()}–${r.to.toISOString()}`))
        problems.push({
          path: `params.window`,
          received: `${window.from.toISOString()}–${window.to.toISOString()}`,
          expected: `a window with data for ${market} (params.markets[${i}] has ${list([...new Set(spans)], 5)})`,
        })
      }
    }
  }
  for (const missing of missingTargets(deps.config, params.delivery))
    problems.push({ path: 'params.delivery', received: params.delivery, expected: `configured targets: ${missing}` })
  if (params.delivery.includes('email') && deps.config.reportSmtpUrl && !deps.skipSmtpCheck) {
    const reason = await smtpUnreachable(deps.config.reportSmtpUrl)
    if (reason)
      problems.push({
        path: 'params.delivery',
        received: 'email',
        expected: `an SMTP server that answers (REPORT_SMTP_URL ${hostOf(deps.config.reportSmtpUrl)}: ${reason})`,
      })
  }
  if (problems.length) throw new InvalidInputError('invalid schedule', problems)
  return params
}

/** Why the SMTP server cannot be used (connection, greeting, login), or null when it answers. */
async function smtpUnreachable(url: string): Promise<string | null> {
  const transport = nodemailer.createTransport(url, {
    connectionTimeout: 5_000,
    greetingTimeout: 5_000,
    socketTimeout: 5_000,
  } as never)
  try {
    await transport.verify()
    return null
  } catch (error) {
    const e = error as { code?: string; message?: string }
    const message = (e.message ?? String(error)).split(url).join(hostOf(url))
    return e.code && !message.startsWith(e.code) ? `${e.code}: ${message}` : message
  } finally {
    transport.close()
  }
}
