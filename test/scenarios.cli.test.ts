// `backstop scenario` as a user runs it: list, load with a seed (text and --json), the same seed skipped, bad names
// and seeds refused with what is valid (exit 2, nothing written), remove one and remove --all.
import path from 'node:path'
import { expect, test } from 'vitest'
import { spawnBackstop } from './support/process.ts'
import { tempDir } from './support/tmp.ts'

const dir = tempDir()
const env = { DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'warn' }

async function run(args: string[]) {
  const p = spawnBackstop(['scenario', ...args], env)
  const { code } = await p.exited
  return { code, out: p.output() }
}

test('bad input: unknown name, bad seed, remove without a name — exit 2 with what is valid', async () => {
  const unknown = await run(['load', 'mango'])
  expect(unknown.code).toBe(2)
  expect(unknown.out).toContain(
    'scenario: received "mango"; expected one of mango-self-trade-pump, jelly-self-trade-takeover',
  )
  const seed = await run(['load', 'calm-trend', '--seed', '-3'])
  expect(seed.code).toBe(2)
  expect(seed.out).toContain('--seed: received "-3"; expected an integer from 0 to 4294967295')
  const both = await run(['remove'])
  expect(both.code).toBe(2)
  expect(both.out).toContain('expected a scenario name, or --all alone')
  const list = await run(['list', '--json'])
  expect(list.code).toBe(0)
  const all = JSON.parse(list.out) as Array<{ name: string; loadedSeed: number | null }>
  expect(all.length).toBeGreaterThanOrEqual(12)
  expect(all.every((s) => s.loadedSeed === null)).toBe(true)
}, 60_000)

test('load, load again (skipped), list shows the seed, remove --all', async () => {
  const load = await run(['load', 'oracle-front-run', '--seed', '9', '--json'])
  expect(load.code).toBe(0)
  const result = JSON.parse(load.out) as { status: string; truth: { seed: number; patterns: string[]; rows: number } }
  expect(result).toMatchObject({ status: 'loaded', truth: { seed: 9, patterns: ['oracle-front-running'] } })
  const again = await run(['load', 'oracle-front-run', '--seed', '9'])
  expect(again.code).toBe(0)
  expect(again.out).toContain('oracle-front-run seed 9: already loaded with the same data')
  expect(again.out).toContain('patterns oracle-front-running')
  const list = await run(['list'])
  expect(list.out).toContain('oracle-front-run  [loaded, seed 9]')
  // and, under it, the loaded seed's own data window, attack window and accounts
  expect(list.out).toContain(`loaded: ${result.truth.rows} rows, data `)
  expect(list.out).toMatch(/; attack 20\S+ → 20\S+; accounts /)
  // a scenario's documented secondary patterns are listed apart from what it must trigger
  expect(list.out).toContain('must trigger: self-trading')
  expect(list.out).toMatch(/may also fire \(secondary\): oi-concentration/)
  const removed = await run(['remove', '--all'])
  expect(removed.code).toBe(0)
  expect(removed.out).toMatch(new RegExp(`removed 1 scenario copy: \\d+ partitions, ${result.truth.rows} rows`))
}, 120_000)
