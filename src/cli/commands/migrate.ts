// `backstop migrate`: apply pending migrations to the metadata store and the DuckDB store, then exit.
import type { Command } from 'commander'
import { closeRuntime, openRuntime } from '../../app/runtime.ts'
import { createLogger } from '../../obs/logger.ts'
import { action } from '../action.ts'

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('apply pending metadata (Prisma) and DuckDB migrations; safe to run repeatedly')
    .action(
      action(async (config) => {
        const { runtime, applied } = await openRuntime(config, { migrate: true, log: createLogger(config.logLevel) })
        await closeRuntime(runtime)
        const meta = applied.metadata.length ? applied.metadata.join(', ') : 'up to date'
        const duck = applied.duckdb.length ? applied.duckdb.map((v) => `DDL ${v}`).join(', ') : 'up to date'
        console.log(`metadata store (${config.databaseUrl}): ${meta}`)
        console.log(`DuckDB store (${config.duckdbPath}): ${duck}`)
      }),
    )
}
