// Every Query and Mutation field checks its arguments before its resolver runs: text with control characters, DEL
// or lone surrogates, reserved keys and over-deep JSON are refused as BAD_USER_INPUT naming the argument
// (src/userInput.ts), so a new field is covered without doing anything.
import { assertSafeInput } from '../userInput.ts'

type Resolver = (parent: unknown, args: Record<string, unknown>, context: unknown, info: unknown) => unknown

/** The same resolver map with each resolver preceded by the argument check. */
export function guardArguments<T extends object>(fields: T): T {
  const out: Record<string, Resolver> = {}
  for (const [name, resolve] of Object.entries(fields) as Array<[string, Resolver]>) {
    out[name] = (parent, args, context, info) => {
      assertSafeInput(args, '', `invalid arguments to ${name}`)
      return resolve(parent, args, context, info)
    }
  }
  return out as T
}
