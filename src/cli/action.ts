// Wraps CLI actions: bad configuration or input prints what is wrong and exits 2; anything else exits 1. Every
// argument and flag value is checked for control characters first (src/userInput.ts), whatever the command.
import { ConfigError, loadConfig, type Config } from '../config/load.ts'
import { BackstopError, InvalidInputError, type InputProblem } from '../errors.ts'
import { hostileInputProblems } from '../userInput.ts'

/** Exit codes: 0 ok, 1 failure (including partial failure of a job), 2 bad configuration or usage. */
export const EXIT_FAILURE = 1
export const EXIT_USAGE = 2

/** Problems in what commander hands an action: positional arguments, then the options object (`--kebab-name`). */
export function argumentProblems(args: readonly unknown[]): InputProblem[] {
  const problems: InputProblem[] = []
  args.forEach((arg, i) => {
    if (typeof arg === 'string' || Array.isArray(arg)) problems.push(...hostileInputProblems(arg, `argument ${i + 1}`))
    else if (arg !== null && typeof arg === 'object' && Object.getPrototypeOf(arg) === Object.prototype) {
      for (const [key, value] of Object.entries(arg)) {
        const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`
        problems.push(...hostileInputProblems(value, flag))
      }
    }
  })
  return problems
}

export function action<A extends unknown[]>(fn: (config: Config, ...args: A) => Promise<number | void>) {
  return async (...args: A) => {
    try {
      const problems = argumentProblems(args)
      if (problems.length) throw new InvalidInputError('invalid arguments', problems)
      const config = loadConfig()
      const code = await fn(config, ...args)
      if (typeof code === 'number' && code !== 0) process.exitCode = code
    } catch (error) {
      if (error instanceof ConfigError || error instanceof InvalidInputError) {
        console.error(`backstop: ${error.message}`)
        process.exitCode = EXIT_USAGE
      } else if (error instanceof BackstopError) {
        console.error(`backstop: ${error.message}`) // a known failure (store locked, not found, …): no stack trace
        process.exitCode = EXIT_FAILURE
      } else {
        console.error(`backstop: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
        process.exitCode = EXIT_FAILURE
      }
    }
  }
}
