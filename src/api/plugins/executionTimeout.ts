// The execution time limit: each operation gets one timer when execution starts; every resolver still pending when it
// fires rejects with TIMEOUT naming the limit, so the answer goes out at the limit, and the DuckDB queries its
// resolvers started are interrupted (each resolver runs under the operation's interrupt signal), so the work stops too.
import type { ApolloServerPlugin } from '@apollo/server'
import { MapperKind, mapSchema } from '@graphql-tools/utils'
import type { GraphQLFieldResolver, GraphQLSchema } from 'graphql'
import { BackstopError } from '../../errors.ts'
import { underSignal } from '../../store/duck/interruptScope.ts'

/** The operation ran longer than the execution limit. */
export class ExecutionTimeoutError extends BackstopError {
  readonly code = 'TIMEOUT'
}

/** The pending expiry of each operation's context while it executes. */
const expiries = new WeakMap<object, Promise<never>>()
/** The interrupt signal of each operation's store reads, aborted when its time is up. */
const interrupts = new WeakMap<object, AbortController>()

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function'
}

function raced(resolve: GraphQLFieldResolver<unknown, object>): GraphQLFieldResolver<unknown, object> {
  return (source, args, context, info) => {
    const signal = context ? interrupts.get(context)?.signal : undefined
    const result = signal
      ? underSignal(signal, () => resolve(source, args, context, info))
      : resolve(source, args, context, info)
    const expiry = context && isPromiseLike(result) ? expiries.get(context) : undefined
    return expiry ? Promise.race([result, expiry]) : result
  }
}

/** `schema` with every field that has its own resolver racing its operation's expiry (default resolvers are sync). */
export function applyExecutionTimeout(schema: GraphQLSchema): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (fieldConfig) =>
      fieldConfig.resolve ? { ...fieldConfig, resolve: raced(fieldConfig.resolve) } : fieldConfig,
  })
}

/** Starts each operation's timer when it executes and clears it when the answer is sent. */
export function executionTimeout(limitMs: number): ApolloServerPlugin<object> {
  return {
    async requestDidStart() {
      let timer: NodeJS.Timeout | undefined
      return {
        async executionDidStart({ contextValue }) {
          const interrupt = new AbortController()
          interrupts.set(contextValue, interrupt)
          const expiry = new Promise<never>((_resolve, reject) => {
            timer = setTimeout(() => {
              const error = new ExecutionTimeoutError(
                `the operation ran longer than the execution limit of ${limitMs} ms (API_EXECUTION_TIMEOUT_MS)`,
                { limit: limitMs },
              )
              reject(error)
              interrupt.abort(error)
            }, limitMs)
          })
          expiry.catch(() => undefined) // raced by the pending resolvers only; none may be left when it fires
          expiries.set(contextValue, expiry)
        },
        async willSendResponse({ contextValue }) {
          clearTimeout(timer)
          expiries.delete(contextValue)
        },
      }
    },
  }
}
