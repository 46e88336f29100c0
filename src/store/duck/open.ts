// The analytics store: one DuckDB instance per process, with extension downloads disabled. It knows every connection
// it handed out, so closing it closes them first (a connection left open keeps the file locked after the instance).
import fs from 'node:fs'
import path from 'node:path'
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api'
import { bumpDataGeneration } from '../generation.ts'
import { currentSignal } from './interruptScope.ts'

export interface DuckOptions {
  /** File path, or ':memory:' */
  path: string
  threads?: number
  memoryLimit?: string | undefined
}

export class DuckStore {
  private closed = false
  /** Connections handed out and not yet released. */
  private readonly leased = new Set<DuckDBConnection>()

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

  /** A fresh connection (cheap: ~0.3 ms); the caller gives it back with `release`. Prefer `use`. */
  async connect(): Promise<DuckDBConnection> {
    if (this.closed) throw new Error('the DuckDB store is closed')
    const connection = await this.instance.connect()
    if (this.closed) {
      // the store closed while this connection was being made
      connection.closeSync()
      throw new Error('the DuckDB store is closed')
    }
    this.leased.add(connection)
    return connection
  }

  /** Closes a connection from `connect` (closing twice is harmless). */
  release(connection: DuckDBConnection): void {
    this.leased.delete(connection)
    connection.closeSync()
  }

  /** Connections handed out and not yet released. */
  get openConnections(): number {
    return this.leased.size
  }

  /**
   * Runs `fn` on its own connection and closes the connection afterwards. Under an interrupt signal
   * (`underSignal`), an abort interrupts the connection's queries and `fn` fails with the signal's reason.
   */
  async use<T>(fn: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    const signal = currentSignal()
    if (signal?.aborted) throw signal.reason
    const connection = await this.connect()
    let repeat: NodeJS.Timeout | undefined
    const interrupt = () => {
      connection.interrupt()
      // again every few ms until released: an interrupt that lands before a query starts is cleared when it starts
      repeat = setInterval(() => connection.interrupt(), 5)
    }
    signal?.addEventListener('abort', interrupt, { once: true })
    try {
      return await fn(connection)
    } catch (error) {
      throw signal?.aborted ? signal.reason : error
    } finally {
      signal?.removeEventListener('abort', interrupt)
      clearInterval(repeat)
      this.release(connection)
    }
  }

  /**
   * Runs `fn` inside BEGIN … COMMIT on its own connection; any error rolls everything back. A commit moves the data
   * generation (store/generation.ts): answers cached before it are stale.
   */
  transaction<T>(fn: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    return this.use(async (connection) => {
      await connection.run('BEGIN TRANSACTION')
      try {
        const result = await fn(connection)
        await connection.run('COMMIT')
        bumpDataGeneration()
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

  /**
   * Closes the instance, and first every connection still handed out: their queries are interrupted, their users
   * get `graceMs` to release them (a query interrupted under a connection that is then closed at once would still be
   * running against it), then the rest are closed. Returns how many were still open (0 when every user released its
   * own). Without open connections it completes synchronously.
   */
  async close(graceMs = 1000): Promise<number> {
    if (this.closed) return 0
    this.closed = true
    const open = this.leased.size
    if (open) {
      const deadline = performance.now() + graceMs
      do {
        // again at every turn: an interrupt that lands before a query starts is cleared when it starts
        for (const connection of this.leased) connection.interrupt()
        await new Promise((r) => setTimeout(r, 5))
      } while (this.leased.size && performance.now() < deadline)
      for (const connection of this.leased) connection.closeSync()
      this.leased.clear()
    }
    this.instance.closeSync()
    return open
  }

  [Symbol.asyncDispose](): Promise<number> {
    return this.close()
  }
}
