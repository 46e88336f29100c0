// Parses numeric and enumerated CLI options, collecting every problem before failing (exit 2 via action()).
import fs from 'node:fs'
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

/** A JSON option given inline or as a file path; a problem (named `--name`) when it is neither. */
export function jsonOption(p: OptionProblems, name: string, text: string | undefined): unknown {
  if (text === undefined) return undefined
  try {
    return JSON.parse(fs.existsSync(text) ? fs.readFileSync(text, 'utf8') : text)
  } catch (error) {
    p.add({ path: `--${name}`, received: text, expected: `JSON or a JSON file (${(error as Error).message})` })
    return undefined
  }
}
