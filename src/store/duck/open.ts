// The analytics store: one DuckDB instance per process, with extension downloads disabled.
import fs from 'node:fs'
import path from 'node:path'
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api'

export interface DuckOptions {
  /** File path, or ':memory:' */
  path: string
  threads?: number
  memoryLimit?: string | undefined
}

export class DuckStore {
  private closed = false

  private constructor(
    readonly instance: DuckDBInstance,
    readonly path: string,
  ) {}

  /** Opens (creating if needed) the DuckDB file. Only statically linked extensions (parquet, json, icu) load. */
  static async open(options: DuckOptions): Promise<DuckStore> {
    if (options.path !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(options.path)), { recursive: true })
    const config: Record<string, string> = {
      // Anything not linked into the bindings would be fetched from extensions.duckdb.org: refuse instead.
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
    }
    if (options.threads) config.threads = String(options.threads)
    if (options.memoryLimit) config.memory_limit = options.memoryLimit
    const instance = await DuckDBInstance.create(options.path, config)
    return new DuckStore(instance, options.path)
  }

  /** A fresh connection (cheap: ~0.3 ms); the caller closes it. Prefer `use`. */
  connect(): Promise<DuckDBConnection> {
    if (this.closed) throw new Error('the DuckDB store is closed')
    return this.instance.connect()
  }

  /** Runs `fn` on its own connection and closes the connection afterwards. */
  async use<T>(fn: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    const connection = await this.connect()
    try {
      return await fn(connection)
    } finally {
      connection.closeSync()
    }
  }

  /** Runs `fn` inside BEGIN … COMMIT on its own connection; any error rolls everything back. */
  transaction<T>(fn: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    return this.use(async (connection) => {
      await connection.run('BEGIN TRANSACTION')
      try {
        const result = await fn(connection)
        await connection.run('COMMIT')
        return result
      } catch (error) {
        await connection.run('ROLLBACK').catch(() => undefined)
        throw error
      }
    })
  }

  /** Round-trip latency of a trivial query, in milliseconds. */
  async ping(): Promise<number> {
    const started = performance.now()
    await this.use((c) => c.run('SELECT 1'))
    return performance.now() - started
  }

  get isClosed(): boolean {
    return this.closed
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.instance.closeSync()
  }
}
