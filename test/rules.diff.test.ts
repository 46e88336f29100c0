// Rule-set differences: every differing leaf as a derivable path, applying the differences to the first rule set
// reproduces the second (same content hash, apart from the provenance a derivation records), and the same answer through GraphQL and the CLI.
import { afterAll, describe, expect, test } from 'vitest'
import { contentHash } from '../src/replay/rules/canonical.ts'
import { deriveRuleSet } from '../src/replay/rules/derive.ts'
import { diffRuleSets } from '../src/replay/rules/diff.ts'
import { findPreset, presets } from '../src/replay/rules/presets/index.ts'
import { gqlClient } from './support/graphql.ts'
import { testRuntime } from './support/runtime.ts'

describe('diffRuleSets', () => {
  test('a derivation shows exactly its overrides (and the name it was given)', () => {
    const base = findPreset('bybit')
    const derived = deriveRuleSet(
      base.rules,
      [
        { path: 'margin.default.brackets[0].mmr', value: 0.008 },
        { path: 'fees.liquidationFeeRate', value: 0.02 },
      ],
      { name: 'bybit-tight', derivedFrom: base.id },
    )
    const changes = diffRuleSets(base.rules, derived.rules)
    const byPath = Object.fromEntries(changes.map((c) => [c.path, c]))
    expect(byPath['margin.default.brackets[0].mmr']).toEqual({
      path: 'margin.default.brackets[0].mmr',
      change: 'changed',
      from: base.rules.margin.default.brackets[0]!.mmr,
      to: 0.008,
    })
    expect(byPath['fees.liquidationFeeRate']?.to).toBe(0.02)
    expect(byPath.name).toMatchObject({ change: 'changed', from: 'bybit', to: 'bybit-tight' })
    expect(diffRuleSets(base.rules, structuredClone(base.rules))).toEqual([])
  })

  test('lists of different lengths show added and removed items by index', () => {
    const a = { margin: { brackets: [{ mmr: 0.01 }, { mmr: 0.02 }] } }
    const b = { margin: { brackets: [{ mmr: 0.01 }, { mmr: 0.025 }, { mmr: 0.05 }] }, extra: true }
    expect(diffRuleSets(a, b)).toEqual([
      { path: 'extra', change: 'added', to: true },
      { path: 'margin.brackets[1].mmr', change: 'changed', from: 0.02, to: 0.025 },
      { path: 'margin.brackets[2]', change: 'added', to: { mmr: 0.05 } },
    ])
    expect(diffRuleSets(b, a).map((c) => `${c.change} ${c.path}`)).toEqual([
      'removed extra',
      'changed margin.brackets[1].mmr',
      'removed margin.brackets[2]',
    ])
  })

  test('every pair of dated versions of a preset: applying the changes to the older gives the newer', () => {
    let pairs = 0
    for (const name of new Set(presets.map((p) => p.rules.name))) {
      const versions = presets.filter((p) => p.rules.name === name)
      for (let i = 1; i < versions.length; i++) {
        const [older, newer] = [versions[i - 1]!, versions[i]!]
        const changes = diffRuleSets(older.rules, newer.rules)
        expect(changes.length).toBeGreaterThan(0)
        if (changes.some((c) => c.change === 'removed')) continue // not expressible as a derivation
        const rebuilt = deriveRuleSet(
          older.rules,
          changes.map((c) => ({ path: c.path, value: c.to })),
          { name: newer.rules.name, derivedFrom: older.id },
        )
        // a derivation records its own provenance in effective.basis / effective.note; everything else must match
        const left = diffRuleSets(rebuilt.rules, newer.rules).map((c) => c.path)
        expect(
          left.filter((p) => !p.startsWith('effective.')),
          `${older.id} → ${newer.id}`,
        ).toEqual([])
        const withProvenance = { ...rebuilt.rules, effective: newer.rules.effective }
        expect(contentHash(withProvenance), `${older.id} → ${newer.id}`).toBe(contentHash(newer.rules))
        pairs++
      }
    }
    expect(pairs).toBeGreaterThan(0)
  })
})

describe('ruleSetDiff through GraphQL', async () => {
  const runtime = await testRuntime()
  const client = await gqlClient(runtime)
  afterAll(() => client.stop())

  test('two presets: refs, hashes and changes; an unknown ref is a clear error', async () => {
    const dated = presets.filter((p) => p.rules.name === 'binance-um')
    const [older, newer] = [dated[0]!, dated[dated.length - 1]!]
    const result = await client.run(
      `query($a: ID!, $b: ID!) { ruleSetDiff(from: $a, to: $b) {
        from { ref hash } to { ref hash } identical changes { path change fromValue toValue } } }`,
      { a: older.id, b: newer.id },
    )
    expect(result.errors).toBeUndefined()
    const diff = result.data?.ruleSetDiff as {
      from: { hash: string }
      to: { hash: string }
      identical: boolean
      changes: Array<{ path: string; change: string; fromValue: unknown; toValue: unknown }>
    }
    expect(diff.from.hash).toBe(older.hash)
    expect(diff.to.hash).toBe(newer.hash)
    expect(diff.identical).toBe(false)
    expect(diff.changes).toEqual(
      diffRuleSets(older.rules, newer.rules).map((c) => ({
        path: c.path,
        change: c.change,
        fromValue: c.from ?? null,
        toValue: c.to ?? null,
      })),
    )
    const same = await client.run(`{ ruleSetDiff(from: "bybit", to: "bybit") { identical changes { path } } }`)
    expect(same.data?.ruleSetDiff).toEqual({ identical: true, changes: [] })
    const unknown = await client.run(`{ ruleSetDiff(from: "bybit", to: "no-such-venue") { identical } }`)
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND')
    expect(unknown.errors?.[0]?.message).toMatch(/no-such-venue|unknown/)
  })
})
