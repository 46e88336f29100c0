// One-line incident titles: "Oracle push on MNGO-PUMP-PERP by 2 linked accounts; deficit 110.2 M".
import type { DetectorId } from '../domain/detection.ts'
import { SCENARIO_VENUE } from '../domain/scenario.ts'

/** How a pattern reads in a title (the detectors' ids are in src/domain/detection.ts). */
export const PATTERN_LABEL: Record<DetectorId, string> = {
  'oracle-deviation': 'Oracle/mark deviation',
  'thin-market-push': 'Oracle push',
  'self-trading': 'Self-trading',
  'oi-concentration': 'OI concentration',
  'liquidation-cascade': 'Liquidation cascade',
  'funding-manipulation': 'Funding manipulation',
  'oracle-front-running': 'Oracle front-running',
  'withdrawal-to-maintenance': 'Withdrawal to maintenance',
}

/** Compact quote amounts: 110.2 M, 3.4 k, 950. */
export function compact(x: number): string {
  const a = Math.abs(x)
  if (a >= 1e9) return `${(x / 1e9).toFixed(1)} B`
  if (a >= 1e6) return `${(x / 1e6).toFixed(1)} M`
  if (a >= 1e3) return `${(x / 1e3).toFixed(1)} k`
  return x.toFixed(a >= 100 ? 0 : 2)
}

export function incidentTitle(o: {
  venue: string
  /** Patterns found, most severe first. */
  patterns: DetectorId[]
  markets: string[]
  /** Accounts named by the detections. */
  accounts: number
  linked: boolean
  deficit: number
  deficits: number
  guardrails: number
}): string {
  const what = o.patterns.length
    ? o.patterns
        .slice(0, 2)
        .map((p, i) => (i === 0 ? PATTERN_LABEL[p] : PATTERN_LABEL[p].toLowerCase()))
        .join(' + ') + (o.patterns.length > 2 ? ` (+${o.patterns.length - 2} more)` : '')
    : o.deficits
      ? 'Deficits'
      : 'Guardrail triggers'
  const where = o.markets.length
    ? ` on ${o.markets[0]}${o.markets.length > 1 ? ` +${o.markets.length - 1} market${o.markets.length > 2 ? 's' : ''}` : ''}`
    : ''
  const who = o.accounts
    ? ` by ${o.accounts} ${o.linked && o.accounts > 1 ? 'linked ' : ''}account${o.accounts > 1 ? 's' : ''}`
    : ''
  const loss = o.deficit > 0 ? `; deficit ${compact(o.deficit)}` : ''
  return `${o.venue === SCENARIO_VENUE ? '[synthetic] ' : ''}${what}${where}${who}${loss}`
}
