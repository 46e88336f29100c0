// V8's inlining budget raised for the replay kernel, once per process, before any kernel runs (its threads share the
// process's flags).
import v8 from 'node:v8'
import type { Config } from '../../config/load.ts'
import { settings } from '../../config/settings.ts'

/**
 * The kernel is a chain of small numeric methods over typed arrays (kernel/engine.ts); under V8's default budget
 * (460 bytes of bytecode per callee, 920 per call site's cumulative inlining) the hot paths of an opening and an
 * expiry stop inlining halfway, and every double they hand across a call boundary is boxed on the heap. A larger
 * budget inlines them: the same arithmetic, so the same outputs to the bit (bench:golden), in less time
 * (bench/README, "inlining budget"). The setting BACKSTOP_V8_INLINING=default keeps V8's own budget (for comparisons).
 */
export const INLINING_FLAGS = ['--max-inlined-bytecode-size=2000', '--max-inlined-bytecode-size-cumulative=4000']

let applied = false

/**
 * Applies the setting (once; later calls do nothing): the configuration's value when the process has one (the
 * run system applies it as it opens, .env included), else the environment's — benches and tests start kernel threads
 * without a configuration — checked against the settings table. Called before the first kernel thread starts.
 */
export function raiseInliningBudget(setting?: Config['v8Inlining']): void {
  if (applied) return
  const value = setting ?? fromEnvironment()
  applied = true
  if (value === 'default') return
  for (const flag of INLINING_FLAGS) v8.setFlagsFromString(flag)
}

function fromEnvironment(): Config['v8Inlining'] {
  const { env, valid, parse } = settings.v8Inlining
  const given = process.env[env]
  const received = given === undefined || given === '' ? settings.v8Inlining.default : given
  const parsed = parse.safeParse(received)
  if (!parsed.success) throw new Error(`${env}: received ${JSON.stringify(received)}; valid: ${valid}`)
  return parsed.data
}
