// Prepared statements kept per connection, for SQL one connection runs over and over with new values (a replay
// feed's slab reads): parsed and planned once instead of at every call.
import type { DuckDBConnection, DuckDBMaterializedResult, DuckDBPreparedStatement, DuckDBValue } from '@duckdb/node-api'

const statements = new WeakMap<DuckDBConnection, Map<string, Promise<DuckDBPreparedStatement>>>()

/**
 * Like `connection.run(sql, values)` — the whole result materialized by DuckDB's own threads, then read chunk by
 * chunk without a round trip each — reusing the connection's statement for `sql` (destroyed with it).
 */
export async function runPrepared(
  connection: DuckDBConnection,
  sql: string,
  values: DuckDBValue[],
): Promise<DuckDBMaterializedResult> {
  let mine = statements.get(connection)
  if (!mine) statements.set(connection, (mine = new Map()))
  let statement = mine.get(sql)
  if (!statement) {
    statement = connection.prepare(sql)
    mine.set(sql, statement)
    // a statement that failed to prepare is not kept: the next call reports its own error
    statement.catch(() => mine.delete(sql))
  }
  const prepared = await statement
  prepared.bind(values)
  return prepared.run()
}
