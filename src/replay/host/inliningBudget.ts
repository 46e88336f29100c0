// V8's inlining budget raised for the replay kernel, once per process, before any kernel runs (its threads share the
// process's flags).
import v8 from 'node:v8'

/**
 * The kernel is a chain of small numeric methods over typed arrays (kernel/engine.ts); under V8's default budget
 * (460 bytes of bytecode per callee, 920 per call site's cumulative inlining) the hot paths of an opening and an
 * expiry stop inlining halfway, and every double they hand across a call boundary is boxed on the heap. A larger
 * budget inlines them: the same arithmetic, so the same outputs to the bit (bench:golden), in less time
 * (bench/README, "inlining budget"). BACKSTOP_V8_INLINING=default keeps V8's own budget (for comparisons).
 */
export const INLINING_FLAGS = ['--max-inlined-bytecode-size=2000', '--max-inlined-bytecode-size-cumulative=4000']

let raised = false

/** Raises the budget (once; later calls do nothing). Called before the first kernel is built or its thread started. */
export function raiseInliningBudget(): void {
  if (raised) return
  const setting = process.env.BACKSTOP_V8_INLINING ?? 'raised'
  if (setting !== 'raised' && setting !== 'default')
    throw new Error(`BACKSTOP_V8_INLINING is ${JSON.stringify(setting)}; valid: "raised" (the default) or "default"`)
  raised = true
  if (setting === 'default') return
  for (const flag of INLINING_FLAGS) v8.setFlagsFromString(flag)
}
