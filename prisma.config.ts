// Prisma CLI config: `prisma generate` only. Migrations run through src/store/meta/migrate.ts (offline, Wasm engine).
import { defineConfig } from 'prisma/config'

// Prisma 7's CLI insists on a native schema-engine binary (downloaded from binaries.prisma.sh) even for
// `generate`, which never runs it. Point it at a stub so generate works offline.
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= '/bin/false'

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'file:./data/backstop.db' },
})
