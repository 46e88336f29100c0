// `backstop migrate`: apply pending migrations to the metadata store and the DuckDB store (and, like every process
// that opens them, end the runs a crash left open), then exit.
import type { Command } from 'commander'
import { openRunSystem } from '../../../jobs/open.ts'
import { createLogger } from '../../obs/logger.ts'
import { action } from '../action.ts'

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('apply pending metadata (Prisma) and DuckDB migrations; safe to run repeatedly')
    .action(
      action(async (config) => {
        const { applied, close } = await openRunSystem(config, { migrate: true, log: createLogger(config.logLevel, 2) })
        await close()
        const meta = applied.metadata.length ? applied.metadata.join(', ') : 'up to date'
        const duck = applied.duckdb.length ? applied.duckdb.map((v) => `DDL ${v}`).join(', ') : 'up to date'
        console.log(`metadata store (${config.databaseUrl}): ${meta}`)
        console.log(`DuckDB store (${config.duckdbPath}): ${duck}`)
      }),
    )
}
