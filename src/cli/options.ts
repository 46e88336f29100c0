// Parses numeric and enumerated CLI options, collecting every problem before failing (exit 2 via action()).
import { InvalidInputError, type InputProblem } from '../errors.ts'

export class OptionProblems {
  readonly problems: InputProblem[] = []

  number(name: string, text: string | undefined, check: (n: number) => boolean, expected: string): number | undefined {
    if (text === undefined) return undefined
    const n = Number(text)
    if (text.trim() === '' || !Number.isFinite(n) || !check(n)) {
      this.problems.push({ path: `--${name}`, received: text, expected })
      return undefined
    }
    return n
  }

  required<T>(name: string, value: T | undefined, expected: string): T | undefined {
    if (value === undefined) this.problems.push({ path: `--${name}`, received: undefined, expected })
    return value
  }

  oneOf<T extends string>(name: string, text: string | undefined, values: readonly T[]): T | undefined {
    if (text === undefined) return undefined
    if (!values.includes(text as T)) {
      this.problems.push({ path: `--${name}`, received: text, expected: `one of ${values.join(', ')}` })
      return undefined
    }
    return text as T
  }

  add(problem: InputProblem): void {
    this.problems.push(problem)
  }

  /** Throws InvalidInputError listing every problem, if any. */
  check(what = 'invalid options'): void {
    if (this.problems.length) throw new InvalidInputError(what, this.problems)
  }
}
