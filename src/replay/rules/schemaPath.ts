// Which paths of a rule-set document exist: each step of a derive path is checked against the zod schema of
// schema.ts, so an override can only name a field of the schema (a list index only where the schema has a list, a
// market name only where it has a map of markets) and never reaches a prototype.
import type { z } from 'zod'
import type { InputProblem } from '../../errors.ts'
import { RESERVED_KEYS } from '../../userInput.ts'

/** The parts of a zod definition the walk reads (zod 4 keeps them on `schema._zod.def`). */
interface Def {
  type: string
  shape?: Record<string, z.ZodType>
  element?: z.ZodType
  innerType?: z.ZodType
  in?: z.ZodType
  options?: z.ZodType[]
  valueType?: z.ZodType
  getter?: () => z.ZodType
}

const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def

/** Wrappers that hold one schema the value goes through (defaults, nullables, transforms and refinements). */
const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'nonoptional', 'readonly', 'catch'])

/** The schemas a value may take at this point, with wrappers and unions opened. */
function shapesOf(schema: z.ZodType): z.ZodType[] {
  const def = defOf(schema)
  if (WRAPPERS.has(def.type) && def.innerType) return shapesOf(def.innerType)
  if (def.type === 'pipe' && def.in) return shapesOf(def.in)
  if (def.type === 'lazy' && def.getter) return shapesOf(def.getter())
  if (def.type === 'union' && def.options) return def.options.flatMap(shapesOf)
  return [schema]
}

const pathText = (keys: ReadonlyArray<string | number>) =>
  keys.reduce<string>((out, k) => (typeof k === 'number' ? `${out}[${k}]` : out ? `${out}.${k}` : k), '')

/** What may follow at a level, in words, for the problem of a key that does not fit. */
function validChoices(shapes: z.ZodType[], at: string): string {
  const keys = new Set<string>()
  const kinds = new Set<string>()
  for (const s of shapes) {
    const def = defOf(s)
    if (def.type === 'object') for (const k of Object.keys(def.shape ?? {})) keys.add(k)
    else if (def.type === 'array') kinds.add('a list index such as [0]')
    else if (def.type === 'record') kinds.add(`a market name (any name but ${RESERVED_KEYS.join(', ')})`)
    else kinds.add(`nothing further (${at || 'the document'} is a ${def.type === 'enum' ? 'choice' : def.type})`)
  }
  const parts = keys.size ? [`one of ${[...keys].join(', ')}`, ...kinds] : [...kinds]
  return parts.join(', or ')
}

/**
 * Checks that `keys` (from parsePath) names a field of `schema`; returns the problem at the first step that does
 * not, with the key received and the valid choices at that level (null when the whole path exists in the schema).
 */
export function schemaPathProblem(schema: z.ZodType, keys: ReadonlyArray<string | number>): InputProblem | null {
  let shapes = shapesOf(schema)
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!
    const next: z.ZodType[] = []
    for (const s of shapes) {
      const def = defOf(s)
      if (def.type === 'object' && typeof key === 'string' && Object.hasOwn(def.shape ?? {}, key))
        next.push(def.shape![key]!)
      else if (def.type === 'array' && typeof key === 'number' && def.element) next.push(def.element)
      else if (def.type === 'record' && def.valueType && !RESERVED_KEYS.includes(String(key)) && String(key) !== '')
        next.push(def.valueType)
    }
    if (!next.length) {
      return {
        path: pathText(keys.slice(0, i + 1)),
        received: key,
        expected: validChoices(shapes, pathText(keys.slice(0, i))),
      }
    }
    shapes = next.flatMap(shapesOf)
  }
  return null
}
