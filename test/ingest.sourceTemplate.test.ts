// The template test every source definition passes (docs/ADDING_A_SOURCE.md): registry consistency (unique ids,
// datasets from the shared vocabulary, CLI flags that feed exactly the schema's fields), and an invalid parameter
// set is refused with problems before anything is recorded or loaded.
import { describe, expect, test } from 'vitest'
import { z } from 'zod'
import { ingestJob, ingestionJobs } from '../jobs/ingest/index.ts'
import { ingestionSchedules } from '../jobs/ingest/schedules.ts'
import { runJob } from '../jobs/runner.ts'
import { loadConfig } from '../src/config/load.ts'
import * as vocabulary from '../src/domain/sources.ts'
import { InvalidInputError } from '../src/errors.ts'
import { SOURCES } from '../src/ingest/sources/index.ts'
import { parseSourceParams } from '../src/ingest/sources/problems.ts'
import { testRuntime } from './support/runtime.ts'

const runtime = await testRuntime()

/** The object schema under a source's refinements and transforms. */
function objectOf(schema: z.ZodType): z.ZodObject {
  let node: unknown = schema
  for (let i = 0; i < 10; i++) {
    if (node instanceof z.ZodObject) return node
    if (node instanceof z.ZodPipe) node = node.def.in
    else throw new Error(`not an object schema: ${(node as z.ZodType).def.type}`)
  }
  throw new Error('schema nested too deep')
}

const vocabularies = Object.values(vocabulary).filter(Array.isArray) as readonly (readonly string[])[]

test('ids and job names are unique; every source has a job', () => {
  const ids = SOURCES.map((s) => s.id)
  expect(new Set(ids).size).toBe(ids.length)
  expect(ingestionJobs.map((j) => j.name)).toEqual(ids.map((id) => `ingest.${id}`))
  for (const id of ids) expect(ingestJob(id).description).toBe(SOURCES.find((s) => s.id === id)!.description)
  expect(() => ingestJob('nope')).toThrow(/no ingestion source nope/)
})

describe.each(SOURCES.map((s) => [s.id, s] as const))('%s', (_id, source) => {
  test('its datasets are one of the shared vocabularies in src/domain/sources.ts', () => {
    expect(vocabularies).toContain(source.datasets)
    expect(source.datasets.length).toBeGreaterThan(0)
  })

  test('its CLI flags feed exactly the fields of its schema, each field once', () => {
    const fields = Object.keys(objectOf(source.params).shape).sort()
    const fed = [
      ...source.cli.flags.map((f) => f.param).filter((p): p is string => p !== null),
      ...(source.cli.argument ? [source.cli.argument.param] : []),
    ].sort()
    expect(fed).toEqual(fields)
    const flags = source.cli.flags.map((f) => f.flag.split(' ')[0])
    expect(new Set(flags).size).toBe(flags.length)
    for (const f of flags) expect(f).toMatch(/^--[a-z][a-z-]*$/)
  })

  test('an invalid parameter set is refused with a problem per field; nothing is recorded or loaded', async () => {
    const bad = { from: '2024-02-30', to: 'tomorrow', force: 'yes', surprise: 1 }
    let problems: { path: string; expected: string }[] = []
    try {
      parseSourceParams(source, bad)
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidInputError)
      problems = (error as InvalidInputError).problems
    }
    const paths = problems.map((p) => p.path)
    // an unknown key is named (strict schemas); a switch that is not a boolean too
    expect(problems).toContainEqual(
      expect.objectContaining({ path: '(params)', expected: expect.stringMatching(/surprise/) }),
    )
    expect(paths).toContain('force')
    if ('from' in objectOf(source.params).shape) {
      expect(paths).toEqual(expect.arrayContaining(['from', 'to']))
      expect(problems.find((p) => p.path === 'from')!.expected).toMatch(/UTC day as YYYY-MM-DD/)
    }

    const before = await runtime.meta.jobRun.count()
    await expect(runJob(runtime, ingestJob(source.id), bad, { trigger: 'cli' })).rejects.toBeInstanceOf(
      InvalidInputError,
    )
    expect(await runtime.meta.jobRun.count()).toBe(before)
    const loaded = await runtime.duck.use(async (c) =>
      (await c.runAndReadAll('SELECT count(*)::INTEGER AS n FROM partitions')).getRowObjectsJS(),
    )
    expect(loaded).toEqual([{ n: 0 }])
  })

  test('its schedules, if any, pass its own schema', () => {
    const config = loadConfig({
      DATA_DIR: '/nonexistent',
      INGEST_MARKETS: 'BTCUSDT',
      INGEST_BYBIT_MARKETS: 'BTCUSDT',
      INGEST_HYPERLIQUID_COINS: 'BTC',
      INGEST_HYPERLIQUID_ACCOUNTS: `0x${'a'.repeat(40)}`,
      INGEST_DYDX_MARKETS: 'BTC-USD',
      INGEST_DYDX_SUBACCOUNTS: `dydx1${'a'.repeat(38)}/0`,
      INGEST_PYTH_FEEDS: 'Crypto.BTC/USD',
      INGEST_CHAINLINK_FEEDS: `0x${'b'.repeat(40)}:3600`,
    })
    for (const schedule of source.schedules?.(config) ?? []) {
      expect(() => parseSourceParams(source, schedule.params), schedule.name).not.toThrow()
    }
    const specs = ingestionSchedules(config).filter((s) => s.job === `ingest.${source.id}`)
    expect(specs.length).toBe(source.schedules?.(config).length ?? 0)
  })
})
