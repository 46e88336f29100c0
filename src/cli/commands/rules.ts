// `backstop rules list|show|diff|validate|derive`: presets and stored rule sets, validation, derivation by override.
import fs from 'node:fs'
import type { Command } from 'commander'
import { InvalidInputError } from '../../errors.ts'
import { deriveRuleSet, parseAssignment, type Override } from '../../replay/rules/derive.ts'
import { maintenanceScaleOverrides } from '../../replay/rules/maintenanceScale.ts'
import { diffRuleSets, type RuleSetChange } from '../../replay/rules/diff.ts'
import { presets } from '../../replay/rules/presets/index.ts'
import { readRuleSetFile, resolveRuleSet } from '../../replay/rules/resolve.ts'
import { listRuleSets, saveRuleSetVersion } from '../../store/meta/ruleSets.ts'
import { action } from '../action.ts'
import { withMeta } from '../withMeta.ts'

const pretty = (value: unknown) => JSON.stringify(value, null, 2)

interface DeriveOptions {
  from: string
  set: string[]
  maintenanceScale?: string
  name?: string
  out?: string
  save?: boolean
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value]
}

export function registerRules(program: Command): void {
  const rules = program.command('rules').description('margin / liquidation / insurance-fund rule sets')

  rules
    .command('list')
    .description('presets (with effective dates) and stored rule sets')
    .option('--json', 'print JSON')
    .action(
      action(async (config, options: { json?: boolean }) => {
        const stored = await withMeta(config, (meta) => listRuleSets(meta))
        const presetRows = presets.map((p) => ({
          ref: p.id,
          venue: p.rules.venue,
          effectiveFrom: p.rules.effective.from,
          basis: p.rules.effective.basis,
          hash: p.hash,
          description: p.rules.description,
        }))
        const storedRows = stored.map((r) => ({
          id: r.id,
          name: r.name,
          derivedFrom: r.derivedFrom,
          versions: r.versions.length,
          hash: r.versions[0]?.hash ?? null,
        }))
        if (options.json) {
          console.log(pretty({ presets: presetRows, stored: storedRows }))
          return
        }
        console.log('presets (use the name for the latest, or name@YYYY-MM-DD for the one in force on a date):')
        for (const p of presetRows) {
          console.log(
            `  ${p.ref.padEnd(26)} ${p.venue.padEnd(12)} ${p.basis.padEnd(12)} ${p.hash.slice(0, 12)}  ${p.description}`,
          )
        }
        console.log(
          stored.length ? '\nstored rule sets:' : '\nstored rule sets: none (create one with `rules derive … --save`)',
        )
        for (const r of storedRows) {
          console.log(
            `  ${r.name.padEnd(26)} ${r.id}  v${r.versions}  ${r.hash?.slice(0, 12) ?? ''}  ${r.derivedFrom ? `from ${r.derivedFrom}` : ''}`,
          )
        }
      }),
    )

  rules
    .command('show <ref>')
    .description('print a preset, stored rule set or file, normalised, with its hash')
    .option('--json', 'print only the JSON document')
    .action(
      action(async (config, ref: string, options: { json?: boolean }) => {
        const resolved = await withMeta(config, (meta) => resolveRuleSet(ref, { meta, allowFiles: true }))
        if (options.json) {
          console.log(pretty(resolved.rules))
          return
        }
        const r = resolved.rules
        console.log(
          `# ${r.name} (${resolved.kind}) venue ${r.venue}, effective ${r.effective.from} [${r.effective.basis}]`,
        )
        console.log(`# sha256 ${resolved.hash}`)
        if (r.effective.note) console.log(`# ${r.effective.note}`)
        if (r.sources.length) console.log(`# sources (venue-rules): ${r.sources.join(', ')}`)
        for (const note of r.notes) console.log(`# note: ${note}`)
        console.log(pretty(r))
      }),
    )

  rules
    .command('diff <from> <to>')
    .description('what changes from one rule set to another: paths (as `derive --set` reads them) and values')
    .option('--json', 'print JSON')
    .action(
      action(async (config, from: string, to: string, options: { json?: boolean }) => {
        const [a, b] = await withMeta(config, (meta) =>
          Promise.all([from, to].map((ref) => resolveRuleSet(ref, { meta, allowFiles: true }))),
        )
        const changes = diffRuleSets(a!.rules, b!.rules)
        if (options.json) {
          console.log(pretty({ from: { ref: from, hash: a!.hash }, to: { ref: to, hash: b!.hash }, changes }))
          return
        }
        console.log(`# ${from} (sha256 ${a!.hash.slice(0, 12)}) → ${to} (sha256 ${b!.hash.slice(0, 12)})`)
        if (!changes.length) console.log('# identical content')
        for (const c of changes) console.log(describeChange(c))
      }),
    )

  rules
    .command('validate <file>')
    .description('validate a rule-set JSON file: every problem with its path, the value and what is valid (exit 2)')
    .option('--json', 'print JSON')
    .action(
      action(async (_config, file: string, options: { json?: boolean }) => {
        try {
          const validated = readRuleSetFile(file)
          if (options.json) console.log(pretty({ valid: true, name: validated.rules.name, hash: validated.hash }))
          else console.log(`${file}: valid rule set ${validated.rules.name}, sha256 ${validated.hash}`)
          return 0
        } catch (error) {
          if (options.json && error instanceof InvalidInputError) {
            console.log(pretty({ valid: false, problems: error.problems }))
            return 2
          }
          throw error
        }
      }),
    )

  rules
    .command('derive')
    .description('derive a rule set from a preset (or stored rule set) by overriding fields')
    .requiredOption('--from <ref>', 'preset (name or name@YYYY-MM-DD), stored rule set or file')
    .option('--set <path=value>', 'override, e.g. margin.default.brackets[0].mmr=0.006 (repeatable)', collect, [])
    .option('--maintenance-scale <factor>', 'every bracket mmr of every tier times the factor (before any --set)')
    .option('--name <name>', 'name of the derived rule set (default: <base>-derived)')
    .option('--out <file>', 'write the JSON document here instead of stdout')
    .option('--save', 'store it as a new immutable version in the metadata store')
    .action(
      action(async (config, options: DeriveOptions) => {
        const overrides: Override[] = []
        const scale = options.maintenanceScale
        const bad = options.set.flatMap((text, i) => {
          const o = parseAssignment(text)
          if (o) overrides.push(o)
          return o
            ? []
            : [{ path: `--set[${i}]`, received: text, expected: 'path=value, e.g. fees.liquidationFeeRate=0.01' }]
        })
        if (scale !== undefined && !(/^\d+(\.\d+)?$/.test(scale) && Number(scale) > 0))
          bad.push({ path: '--maintenance-scale', received: scale, expected: 'a positive number, e.g. 1.3' })
        if (bad.length) {
          const flags = [...new Set(bad.map((b) => b.path.replace(/\[\d+\]$/, '')))]
          throw new InvalidInputError(`invalid ${flags.join(', ')}`, bad)
        }
        await withMeta(config, async (meta) => {
          const base = await resolveRuleSet(options.from, { meta, allowFiles: true })
          const scaled = scale === undefined ? [] : maintenanceScaleOverrides(base.rules, Number(scale))
          const derived = deriveRuleSet(base.rules, [...scaled, ...overrides], {
            name: options.name ?? `${base.rules.name}-derived`,
            derivedFrom: base.kind === 'preset' ? `${base.rules.name}@${base.rules.effective.from}` : base.ref,
          })
          const text = pretty(derived.rules)
          if (options.out) fs.writeFileSync(options.out, `${text}\n`)
          else if (!options.save) console.log(text)
          if (options.save) {
            const saved = await saveRuleSetVersion(meta, {
              name: derived.rules.name,
              description: derived.rules.description,
              derivedFrom: base.kind === 'preset' ? `${base.rules.name}@${base.rules.effective.from}` : base.ref,
              body: derived.body,
              hash: derived.hash,
              note: derived.rules.effective.note,
            })
            console.error(
              `${saved.created ? 'stored' : 'unchanged'}: ${saved.ruleSet.name} v${saved.version.version} ` +
                `(rule set ${saved.ruleSet.id}, version ${saved.version.id}), sha256 ${derived.hash}`,
            )
          } else {
            console.error(`derived ${derived.rules.name} from ${options.from}, sha256 ${derived.hash}`)
          }
        })
      }),
    )
}

/** One line per change: `path: old → new`, `+ path = new`, `- path (was old)`. */
function describeChange(c: RuleSetChange): string {
  const show = (v: unknown) => JSON.stringify(v)
  if (c.change === 'added') return `+ ${c.path} = ${show(c.to)}`
  if (c.change === 'removed') return `- ${c.path} (was ${show(c.from)})`
  return `  ${c.path}: ${show(c.from)} → ${show(c.to)}`
}
