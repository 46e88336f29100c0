// The process runtime: validated config, logger, metrics and both stores, opened together and closed together.
import type { Config } from '../config/load.ts'
import { UnavailableError } from '../errors.ts'
import { createLogger, type Logger } from '../obs/logger.ts'
import { createMetrics, type Metrics } from '../obs/metrics.ts'
import { DuckStore } from '../store/duck/open.ts'
import { migrateDuck } from '../store/duck/schema.ts'
import { createMetaClient, type MetaClient } from '../store/meta/client.ts'
import { migrateDeploy } from '../store/meta/migrate.ts'
import { IncidentEvents } from './incidentEvents.ts'

export interface Runtime {
  config: Config
  log: Logger
  metrics: Metrics
  duck: DuckStore
  meta: MetaClient
  /** Incidents as the detect stage creates them (the incidentCreated subscription listens). */
  incidentEvents: IncidentEvents
  /** Wall-clock start, for uptime only (nothing computed from market data ever reads the wall clock). */
  startedAt: number
}

export interface AppliedMigrations {
  metadata: string[]
  duckdb: number[]
}

export interface OpenOptions {
  /** Apply pending migrations to both stores before returning. */
  migrate?: boolean
  log?: Logger
}

export async function openRuntime(
  config: Config,
  options: OpenOptions = {},
): Promise<{ runtime: Runtime; applied: AppliedMigrations }> {
  const log = options.log ?? createLogger(config.logLevel)
  const applied: AppliedMigrations = { metadata: [], duckdb: [] }
  // The metadata migration engine opens its own connections: run it before the client connects.
  if (options.migrate) applied.metadata = await migrateDeploy({ url: config.databaseUrl })
  const meta = createMetaClient(config.databaseUrl)
  let duck: DuckStore
  try {
    duck = await DuckStore.open({
      path: config.duckdbPath,
      threads: config.duckdbThreads,
      memoryLimit: config.duckdbMemoryLimit,
    })
  } catch (error) {
    await meta.$disconnect()
    throw describeDuckOpenError(error, config.duckdbPath)
  }
  if (options.migrate) {
    try {
      applied.duckdb = await migrateDuck(duck)
    } catch (error) {
      // nothing may stay open behind a runtime that was never returned
      await duck.close()
      await meta.$disconnect()
      throw error
    }
  }
  const runtime: Runtime = {
    config,
    log,
    metrics: createMetrics(),
    duck,
    meta,
    incidentEvents: new IncidentEvents(),
    startedAt: Date.now(),
  }
  return { runtime, applied }
}

/** Closes both stores, DuckDB first with any connection still handed out (logged: its user did not release it). */
export async function closeRuntime(runtime: Runtime): Promise<void> {
  try {
    const open = await runtime.duck.close()
    if (open) runtime.log.warn({ connections: open }, 'DuckDB connections were still open at close: closed them')
  } finally {
    await runtime.meta.$disconnect()
  }
}

/**
 * DuckDB allows one writing process per file: say so plainly instead of "Could not set lock on file", as an
 * UnavailableError (UNAVAILABLE: retrying after the other process stops may succeed).
 */
function describeDuckOpenError(error: unknown, path: string): Error {
  const message = error instanceof Error ? error.message : String(error)
  if (/lock/i.test(message)) {
    return new UnavailableError(
      `the DuckDB file ${path} is in use by another process (only one process may write it at a time). ` +
        `Stop the other Backstop process, or point DUCKDB_PATH elsewhere.\n${message}`,
      { path },
    )
  }
  return error instanceof Error ? error : new Error(message)
}
