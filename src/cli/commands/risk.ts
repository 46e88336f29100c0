// `backstop risk`: margin, liquidation and bankruptcy prices of one position under a rule set.
import type { Command } from 'commander'
import { positionRisk, type RiskPosition } from '../../replay/margin/positionRisk.ts'
import { resolveRuleSet } from '../../replay/rules/resolve.ts'
import { action } from '../action.ts'
import { OptionProblems } from '../options.ts'
import { withMeta } from '../withMeta.ts'

interface RiskOptions {
  rules?: string
  market?: string
  side?: string
  qty?: string
  entry?: string
  wallet?: string
  leverage?: string
  mode?: string
  mark?: string
  oi?: string
  otherMaintenance?: string
  otherPnl?: string
  contractValue?: string
  tick?: string
  json?: boolean
}

const positiveNumber = (n: number) => n > 0

/** Validates the options (every problem at once) into a calculator input. */
export function riskInput(o: RiskOptions): { ref: string; position: RiskPosition } {
  const p = new OptionProblems()
  const ref = p.required('rules', o.rules, 'a preset, stored rule set or JSON file')
  const market = p.required('market', o.market, 'a market symbol, e.g. BTCUSDT')
  const side = p.oneOf('side', p.required('side', o.side, 'long or short'), ['long', 'short'] as const)
  const qty = p.number('qty', p.required('qty', o.qty, 'a positive quantity'), positiveNumber, 'a positive quantity')
  const entry = p.number('entry', p.required('entry', o.entry, 'a positive price'), positiveNumber, 'a positive price')
  const wallet = p.number('wallet', o.wallet, (n) => n >= 0, 'a non-negative amount')
  const leverage = p.number('leverage', o.leverage, positiveNumber, 'a positive leverage')
  const mode = p.oneOf('mode', o.mode, ['isolated', 'cross'] as const)
  if (wallet === undefined && leverage === undefined && o.wallet === undefined && o.leverage === undefined) {
    p.add({ path: '--wallet', received: undefined, expected: 'the margin / wallet balance, or --leverage' })
  }
  if (mode === 'cross' && o.wallet === undefined)
    p.add({ path: '--wallet', received: undefined, expected: 'the wallet balance (cross)' })
  const position: RiskPosition = {
    market: market ?? '',
    side: side ?? 'long',
    qty: qty ?? 0,
    entry: entry ?? 0,
    wallet,
    leverage,
    mode,
    mark: p.number('mark', o.mark, positiveNumber, 'a positive price'),
    openInterestNotional: p.number('oi', o.oi, (n) => n >= 0, 'open interest in quote'),
    otherMaintenance: p.number('other-maintenance', o.otherMaintenance, (n) => n >= 0, 'a non-negative amount'),
    otherUnrealizedPnl: p.number('other-pnl', o.otherPnl, () => true, 'an amount'),
    contractValue: p.number('contract-value', o.contractValue, positiveNumber, 'a positive quote value per contract'),
    priceTick: p.number('tick', o.tick, positiveNumber, 'a positive price tick'),
  }
  p.check('invalid risk options')
  return { ref: ref!, position }
}

const fmt = (n: number | null) =>
  n === null ? '—' : Number.isFinite(n) ? String(Number(n.toPrecision(12))) : String(n)

export function registerRisk(program: Command): void {
  program
    .command('risk')
    .description('initial / maintenance margin, liquidation and bankruptcy price of a position under a rule set')
    .option('--rules <ref>', 'preset (binance-um, bybit@2025-01-01…), stored rule set or JSON file')
    .option('--market <symbol>', 'market, e.g. BTCUSDT')
    .option('--side <side>', 'long or short')
    .option('--qty <q>', 'size in base units (contracts for inverse)')
    .option('--entry <price>', 'entry price')
    .option('--wallet <amount>', 'isolated margin, or cross wallet balance')
    .option('--leverage <x>', 'chosen leverage (isolated margin = notional / leverage when --wallet is absent)')
    .option('--mode <mode>', 'isolated or cross (default: the rule set)')
    .option('--mark <price>', 'price to evaluate margin at (default: entry)')
    .option('--oi <quote>', 'market open interest in quote (OI-scaled initial margin)')
    .option('--other-maintenance <amount>', 'cross: maintenance margin of other positions')
    .option('--other-pnl <amount>', 'cross: unrealized PnL of other positions')
    .option('--contract-value <quote>', 'inverse: quote value of one contract')
    .option('--tick <price>', 'round the liquidation price to this tick')
    .option('--json', 'print JSON')
    .action(
      action(async (config, options: RiskOptions) => {
        const { ref, position } = riskInput(options)
        const resolved = await withMeta(config, (meta) => resolveRuleSet(ref, { meta, allowFiles: true }))
        const r = positionRisk(resolved.rules, position)
        if (options.json) {
          console.log(
            JSON.stringify({ ruleSet: { ref, name: resolved.rules.name, hash: resolved.hash }, ...r }, null, 2),
          )
          return
        }
        const unit = r.settlementUnit === 'base' ? ' (base)' : ''
        const lines: Array<[string, string]> = [
          [
            'rule set',
            `${resolved.rules.name} (${resolved.rules.effective.from}) sha256 ${resolved.hash.slice(0, 12)}`,
          ],
          ['position', `${r.side} ${r.qty} ${r.market} @ ${r.entry} (${r.mode}, ${r.contract})`],
          ['notional', fmt(r.notional)],
          ['leverage', `${fmt(r.leverage)}x`],
          [
            'bracket',
            `#${r.bracket.index + 1} from ${r.bracket.notionalFloor}: max ${r.bracket.maxLeverage}x, MMR ${r.bracket.mmr}, cum ${r.bracket.maintenanceAmount}`,
          ],
          [
            'initial margin',
            `${r.initialMargin}${unit} (rate ${fmt(r.initialMarginRate)}, required ${fmt(r.requiredInitialMarginRate)})`,
          ],
          [
            'maintenance margin',
            `${r.maintenanceMargin}${unit} at ${fmt(r.mark)} (rate ${fmt(r.maintenanceMarginRate)})`,
          ],
          ['liquidation requirement', `${r.liquidationRequirement}${unit}`],
          [
            'equity',
            `${r.equity}${unit} (margin ratio ${fmt(r.marginRatio)}${r.liquidatable ? ', LIQUIDATABLE' : ''})`,
          ],
          [
            'liquidation price',
            fmt(r.liquidationPrice) +
              (r.bracketSwitched ? ` (bracket #${r.liquidationBracket!.index + 1} at that price)` : ''),
          ],
          ['bankruptcy price', fmt(r.bankruptcyPrice)],
          ['liquidation fee', r.liquidationFeeAtLiquidation ?? '—'],
        ]
        if (r.fillablePrice !== null)
          lines.push(['fillable price', `${fmt(r.fillablePrice)} (ABR ${fmt(r.adjustedBankruptcyRating)})`])
        for (const [k, v] of lines) console.log(`${k.padEnd(24)} ${v}`)
        for (const w of r.warnings) console.log(`warning: ${w}`)
      }),
    )
}
