// Runs a CLI action against the metadata store alone (migrated first), so rule-set commands work while a server
// holds the DuckDB file.
import type { Config } from '../config/load.ts'
import { createMetaClient, type MetaClient } from '../store/meta/client.ts'
import { migrateDeploy } from '../store/meta/migrate.ts'

export async function withMeta<T>(config: Config, fn: (meta: MetaClient) => Promise<T>): Promise<T> {
  await migrateDeploy({ url: config.databaseUrl })
  const meta = createMetaClient(config.databaseUrl)
  try {
    return await fn(meta)
  } finally {
    await meta.$disconnect()
  }
}
