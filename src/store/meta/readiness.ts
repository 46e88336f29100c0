// Cheap readiness check for the metadata store: answers, and has every shipped migration applied.
import fs from 'node:fs'
import type { MetaClient } from './client.ts'
import { prismaMigrationsDir } from './paths.ts'

/** Names of shipped migrations that are not applied (or failed) in this database. */
export async function pendingMetaMigrations(prisma: MetaClient, dir = prismaMigrationsDir): Promise<string[]> {
  const shipped = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
  const applied = await prisma.$queryRaw<{ migration_name: string }[]>`
    SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`.catch(
    () => [],
  )
  const done = new Set(applied.map((r) => r.migration_name))
  return shipped.filter((name) => !done.has(name)).sort()
}

/** Round trip of a trivial query: proves the metadata database answers. */
export async function pingMeta(prisma: MetaClient): Promise<void> {
  await prisma.$queryRaw`SELECT 1`
}
