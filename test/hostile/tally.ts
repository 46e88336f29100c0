// Counts the hostile cases tried and survived, by category (the figures of issue 11's note): every HTTP case, and per
// category the fuzzer's sweep (one case per site of every field) plus fixed-seed random cases, against a real
// server. Unlike the tests it goes on after a failure (a polluted Object.prototype is cleaned and counted) and checks
// health after every case. Run: npx tsx test/hostile/tally.ts [randomPerCategory] [-v]
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import fc from 'fast-check'
import { closeRuntime, openRuntime } from '../../src/app/runtime.ts'
import { loadConfig } from '../../src/config/load.ts'
import { createLogger } from '../../src/obs/logger.ts'
import {
  CATEGORIES,
  caseArb,
  cleanPrototype,
  judge,
  post,
  prototypeKeys,
  requestOf,
  rootFields,
  sweepCases,
} from './support/graphqlFuzz.ts'
import { HTTP_CASES } from './support/httpCases.ts'
import { startHostileServer } from './support/server.ts'

const randomPerCategory = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 40)
/** -v lists every failure, not only the first of each category. */
const verbose = process.argv.includes('-v')
const failures: string[] = []
const SEED = 20251011
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backstop-tally-'))
const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent', PORT: '0', SCHEDULER_ENABLED: 'false' })
const { runtime } = await openRuntime(config, { migrate: true, log: createLogger('silent') })
const server = await startHostileServer(runtime)
const before = prototypeKeys()
const rows: Array<{ category: string; tried: number; survived: number; example?: string }> = []

async function healthy(): Promise<boolean> {
  try {
    const a = await post(server.url, JSON.stringify({ query: '{ health { status } }' }))
    return a.text === '{"data":{"health":{"status":"ok"}}}\n' || a.text === '{"data":{"health":{"status":"ok"}}}'
  } catch {
    return false
  }
}

{
  let survived = 0
  let example: string | undefined
  for (const c of HTTP_CASES) {
    let ok = false
    try {
      const answer = await c.send(server.url)
      const body = JSON.parse(answer.text) as { errors?: Array<{ extensions?: { code?: string } }> }
      ok =
        judge(answer).length === 0 &&
        answer.status === c.status &&
        (body.errors?.[0]?.extensions?.code ?? null) === c.code
      if (!ok) {
        const shown = `${c.name}: HTTP ${answer.status} ${answer.text.slice(0, 120).replace(/\s+/g, ' ')}`
        example ??= shown
        failures.push(`http ${shown}`)
      }
    } catch (error) {
      example ??= `${c.name}: ${String(error)}`
      failures.push(`http ${c.name}: ${String(error)}`)
    }
    if (cleanPrototype(before).length) ok = false
    if (ok) survived++
  }
  rows.push({ category: 'http', tried: HTTP_CASES.length, survived, example })
}

const roots = rootFields()
for (const category of CATEGORIES) {
  let survived = 0
  let example: string | undefined
  const cases = [
    ...sweepCases(category, SEED),
    ...fc.sample(caseArb(roots, [category]), { numRuns: randomPerCategory, seed: SEED }),
  ]
  for (const c of cases) {
    const sent = requestOf(c)
    let wrong: string[]
    try {
      wrong = judge(await post(server.url, sent.body), sent.args)
    } catch (error) {
      wrong = [String(error)]
    }
    const polluted = cleanPrototype(before)
    if (polluted.length) wrong.push(`Object.prototype gained ${polluted.join(', ')}`)
    if (!(await healthy())) wrong.push('health not ok afterwards')
    if (wrong.length) {
      const shown = `${c.root.field.name}(${c.site.path.join('.')}): ${wrong[0]!.slice(0, 160)}`
      example ??= shown
      failures.push(`${category} ${shown}`)
    } else survived++
  }
  rows.push({ category, tried: cases.length, survived, example })
}

await server.runs.idle()
await server.stop()
await closeRuntime(runtime)
fs.rmSync(dir, { recursive: true, force: true })

console.log('category   tried  survived  failed  first failure')
for (const r of rows)
  console.log(
    `${r.category.padEnd(10)} ${String(r.tried).padStart(5)}  ${String(r.survived).padStart(8)}  ${String(r.tried - r.survived).padStart(6)}  ${r.example ?? ''}`,
  )
const tried = rows.reduce((s, r) => s + r.tried, 0)
const survived = rows.reduce((s, r) => s + r.survived, 0)
console.log(
  `${'total'.padEnd(10)} ${String(tried).padStart(5)}  ${String(survived).padStart(8)}  ${String(tried - survived).padStart(6)}`,
)
if (verbose) for (const f of failures) console.log(f)
