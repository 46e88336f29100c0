// Custom scalars: DateTime (ISO-8601 strings) and JSON from graphql-scalars; Decimal is ours (a string, so no
// precision is lost).
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql'
import { DateTimeISOResolver, JSONResolver, SafeIntResolver } from 'graphql-scalars'
import { formatReceived } from '../errors.ts'

const DECIMAL = /^-?\d+(\.\d+)?$/

function parseDecimal(value: unknown): string {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value
  if (typeof text !== 'string' || !DECIMAL.test(text)) {
    throw new GraphQLError(`Decimal must be a string of digits like "-1234.5"; received ${formatReceived(value)}`, {
      extensions: { code: 'BAD_USER_INPUT' },
    })
  }
  return text
}

export const DecimalScalar = new GraphQLScalarType<string, string>({
  name: 'Decimal',
  description: 'Exact decimal number as a string.',
  serialize: (value) => parseDecimal(typeof value === 'object' && value !== null ? String(value) : value),
  parseValue: parseDecimal,
  parseLiteral: (ast) =>
    parseDecimal(ast.kind === Kind.STRING || ast.kind === Kind.FLOAT || ast.kind === Kind.INT ? ast.value : undefined),
})

// DateTimeISO serialises to an RFC 3339 string itself (plain DateTime hands a Date object to the transport).
const DateTimeScalar = new GraphQLScalarType({ ...DateTimeISOResolver.toConfig(), name: 'DateTime' })

export const scalarResolvers = {
  DateTime: DateTimeScalar,
  JSON: JSONResolver,
  Decimal: DecimalScalar,
  SafeInt: SafeIntResolver,
}
