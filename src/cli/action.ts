// Wraps CLI actions: bad configuration or input prints what is wrong and exits 2; anything else exits 1.
import { ConfigError, loadConfig, type Config } from '../config/load.ts'
import { InvalidInputError } from '../errors.ts'

/** Exit codes: 0 ok, 1 failure (including partial failure of a job), 2 bad configuration or usage. */
export const EXIT_FAILURE = 1
export const EXIT_USAGE = 2

export function action<A extends unknown[]>(fn: (config: Config, ...args: A) => Promise<number | void>) {
  return async (...args: A) => {
    try {
      const config = loadConfig()
      const code = await fn(config, ...args)
      if (typeof code === 'number' && code !== 0) process.exitCode = code
    } catch (error) {
      if (error instanceof ConfigError || error instanceof InvalidInputError) {
        console.error(`backstop: ${error.message}`)
        process.exitCode = EXIT_USAGE
      } else {
        console.error(`backstop: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
        process.exitCode = EXIT_FAILURE
      }
    }
  }
}
