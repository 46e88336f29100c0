// Fuzzes every argument of every Query and Mutation field of schema.graphql over a real HTTP server: quotes, NUL and
// other control characters, huge values, unicode, __proto__ / constructor paths and keys, huge numbers, nested JSON,
// wrong types. Each answer must be a clear error (a known extensions.code, never INTERNAL_SERVER_ERROR) or a result,
// Object.prototype must keep its keys, and the server must answer health ok afterwards.
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { testRuntime } from '../support/runtime.ts'
import {
  CATEGORIES,
  caseArb,
  judge,
  post,
  prototypeKeys,
  requestOf,
  rootFields,
  sweepCases,
} from './support/graphqlFuzz.ts'
import { startHostileServer } from './support/server.ts'

const runtime = await testRuntime({ PORT: '0', SCHEDULER_ENABLED: 'false' })
let server: Awaited<ReturnType<typeof startHostileServer>>
const prototypeBefore = prototypeKeys()

beforeAll(async () => {
  server = await startHostileServer(runtime)
})
afterAll(async () => {
  await server?.runs.idle()
  await server?.stop()
})

/** The run's seed (FUZZ_SEED repeats a run): it draws the sweep's values and the random cases. */
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31))
/** Random cases per category on top of the sweep (one case per site of every field). */
const RANDOM_RUNS = 10

describe.each(CATEGORIES)('hostile %s', (category) => {
  test('every argument of every field answers a clear error or a result, and the prototype is untouched', async () => {
    const sweep = sweepCases(category, SEED)
    await fc.assert(
      fc.asyncProperty(caseArb(rootFields(), [category]), async (c) => {
        const sent = requestOf(c)
        const answer = await post(server.url, sent.body)
        const shown = `FUZZ_SEED=${SEED} ${c.root.field.name}(${c.site.path.join('.')}): ${sent.body.slice(0, 600)}\n→ HTTP ${answer.status} ${answer.text.slice(0, 600)}`
        expect(prototypeKeys(), `Object.prototype gained keys: ${shown}`).toEqual(prototypeBefore)
        expect(judge(answer, sent.args), shown).toEqual([])
      }),
      { examples: sweep.map((c) => [c]), numRuns: RANDOM_RUNS, seed: SEED },
    )
  })
})

test('the server still answers health ok, and every backtest the fuzzer started finished', async () => {
  await server.runs.idle()
  const answer = await post(server.url, JSON.stringify({ query: '{ health { status } }' }))
  expect(answer.status).toBe(200)
  expect(JSON.parse(answer.text)).toEqual({ data: { health: { status: 'ok' } } })
  const runs = await runtime.meta.jobRun.findMany({
    where: { kind: 'backtest', status: { in: ['queued', 'running'] } },
  })
  expect(runs).toEqual([])
  expect(prototypeKeys()).toEqual(prototypeBefore)
})
