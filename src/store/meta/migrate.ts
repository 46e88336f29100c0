// Offline Prisma migrations for the metadata store, through Prisma's own schema engine compiled to Wasm.
//
// Prisma 7's CLI only runs migrations through a native schema-engine binary that it downloads from
// binaries.prisma.sh, which a machine without internet cannot reach. @prisma/schema-engine-wasm (from the
// npm registry) is the same engine; we drive it through the libsql driver adapter. The files it reads and
// writes are Prisma's own layout (prisma/migrations/<ts>_<name>/migration.sql, migration_lock.toml, the
// _prisma_migrations table with checksums), so the official CLI can take over wherever the binary exists.
import fs from 'node:fs/promises'
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import { PrismaLibSql } from '@prisma/adapter-libsql'
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils'
import type { SqlDriverAdapter } from '@prisma/driver-adapter-utils'
import type { MigrationList, SchemaEngine } from '@prisma/schema-engine-wasm'
import type * as EngineModule from '@prisma/schema-engine-wasm/schema_engine_bg'
import { sqliteFilePath } from './client.ts'
import { prismaMigrationsDir, prismaSchemaPath } from './paths.ts'

const require = createRequire(import.meta.url)
// The minimal WebAssembly surface used here (the project compiles without the DOM lib).
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: Record<string, unknown>) => { exports: Record<string, unknown> }
}
const filters = { externalTables: [], externalEnums: [] }

export interface MigrateOptions {
  /** libsql URL of the SQLite file, e.g. file:./data/backstop.db */
  url: string
  schemaPath?: string
  migrationsDir?: string
}

type EngineRuntime = typeof EngineModule
let engineRuntime: Promise<EngineRuntime> | undefined

/** Instantiates the wasm-bindgen module by hand: Node 20 has no ESM wasm imports. */
function loadEngine(): Promise<EngineRuntime> {
  engineRuntime ??= (async () => {
    const runtime = await import('@prisma/schema-engine-wasm/schema_engine_bg')
    const wasmPath = path.join(
      path.dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg')),
      'schema_engine_bg.wasm',
    )
    const instance = new WebAssembly.Instance(new WebAssembly.Module(await fs.readFile(wasmPath)), {
      './schema_engine_bg.js': runtime,
    })
    const glue = runtime as unknown as { __wbg_set_wasm(exports: Record<string, unknown>): void }
    glue.__wbg_set_wasm(instance.exports)
    ;(instance.exports.__wbindgen_start as () => void)()
    return runtime
  })()
  return engineRuntime
}

/** A libsql adapter factory patched for the engine, plus a way to close every connection it opened. */
function sqliteFactory(url: string) {
  const factory = new PrismaLibSql({ url })
  const opened: SqlDriverAdapter[] = []
  const track = (adapter: SqlDriverAdapter) => {
    opened.push(adapter)
    // The engine replays whole migration scripts through executeRaw, which runs one statement only:
    // send argument-less SQL through executeScript instead.
    const executeRaw = adapter.executeRaw.bind(adapter)
    adapter.executeRaw = async (query) =>
      query.args.length === 0 ? (await adapter.executeScript(query.sql), 0) : executeRaw(query)
    return adapter
  }
  const connect = factory.connect.bind(factory)
  const connectToShadowDb = factory.connectToShadowDb.bind(factory)
  factory.connect = async () => track(await connect())
  factory.connectToShadowDb = async () => track(await connectToShadowDb())
  // engine.free() does not close the connections it opened; an open handle would keep the file locked.
  const close = async () => {
    for (const adapter of opened.splice(0)) await adapter.dispose().catch(() => undefined)
  }
  return { factory, close }
}

async function withEngine<T>(
  options: MigrateOptions,
  fn: (engine: SchemaEngine, schema: { files: { path: string; content: string }[] }) => Promise<T>,
): Promise<T> {
  const schemaPath = options.schemaPath ?? prismaSchemaPath
  const files = [{ path: schemaPath, content: await fs.readFile(schemaPath, 'utf8') }]
  mkdirSync(path.dirname(sqliteFilePath(options.url)), { recursive: true })
  const { factory, close } = sqliteFactory(options.url)
  const bound = bindMigrationAwareSqlAdapterFactory(factory)
  const runtime = await loadEngine()
  let engine: SchemaEngine | undefined
  try {
    engine = await runtime.SchemaEngine.new(
      { datamodels: files.map((f) => [f.path, f.content]) },
      () => undefined,
      bound,
    )
    return await fn(engine, { files })
  } catch (error) {
    // Driver errors come back as "External error id#N": attach the original driver message.
    const message = error instanceof Error ? error.message : String(error)
    const id = /External error id#(\d+)/.exec(message)?.[1]
    const external = id === undefined ? undefined : bound.errorRegistry.consumeError(Number(id))
    if (external && error instanceof Error) {
      const cause = external.error instanceof Error ? external.error.message : JSON.stringify(external.error)
      error.message = `metadata migration failed on ${options.url}: ${cause}`
    }
    throw error
  } finally {
    engine?.free()
    await close()
  }
}

/** Reads prisma/migrations into the engine's MigrationList shape. */
export async function listMigrations(dir: string): Promise<MigrationList> {
  const baseDir = path.resolve(dir)
  const lock = await fs.readFile(path.join(baseDir, 'migration_lock.toml'), 'utf8').catch(() => null)
  const entries = await fs.readdir(baseDir, { withFileTypes: true }).catch(() => [])
  const migrationDirectories = []
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const content = await fs.readFile(path.join(baseDir, entry.name, 'migration.sql'), 'utf8').then(
      (value) => ({ tag: 'ok' as const, value }),
      (err: Error) => ({ tag: 'error' as const, value: err.message }),
    )
    migrationDirectories.push({ path: entry.name, migrationFile: { path: 'migration.sql', content } })
  }
  return {
    baseDir,
    lockfile: { path: 'migration_lock.toml', content: lock },
    migrationDirectories,
    shadowDbInitScript: '',
  }
}

const migrationsDirOf = (options: MigrateOptions) => options.migrationsDir ?? prismaMigrationsDir

/** `prisma migrate deploy`: applies pending migrations and returns their names (empty when up to date). */
export const migrateDeploy = (options: MigrateOptions): Promise<string[]> =>
  withEngine(options, async (engine) => {
    const migrationsList = await listMigrations(migrationsDirOf(options))
    return (await engine.applyMigrations({ migrationsList, filters })).appliedMigrationNames
  })

/** `prisma migrate status`: what is applied, pending or failed. */
export const migrateStatus = (options: MigrateOptions) =>
  withEngine(options, async (engine) =>
    engine.diagnoseMigrationHistory({
      migrationsList: await listMigrations(migrationsDirOf(options)),
      optInToShadowDatabase: false,
      filters,
    }),
  )

/**
 * `prisma migrate dev --name`: applies pending migrations, diffs the schema against a shadow database,
 * writes the new migration folder and applies it. Returns the folder name, or null when nothing changed.
 */
export const migrateDev = (options: MigrateOptions & { name: string }): Promise<string | null> =>
  withEngine(options, async (engine, schema) => {
    const dir = path.resolve(migrationsDirOf(options))
    let migrationsList = await listMigrations(dir)
    // applyMigrations also creates _prisma_migrations; devDiagnostic fails with P1014 without it.
    await engine.applyMigrations({ migrationsList, filters })
    const diagnostic = await engine.devDiagnostic({ migrationsList, filters })
    if (diagnostic.action.tag === 'reset') {
      throw new Error(`the database drifted from the migrations; reset it: ${diagnostic.action.reason}`)
    }
    const loss = await engine.evaluateDataLoss({ migrationsList, schema, filters })
    for (const warning of loss.warnings) console.warn('warning:', warning.message)
    if (loss.unexecutableSteps.length) throw new Error(loss.unexecutableSteps.map((s) => s.message).join('\n'))
    const created = await engine.createMigration({
      draft: false,
      migrationName: options.name,
      migrationsList,
      schema,
      filters,
    })
    if (!created.migrationScript) return null
    await fs.mkdir(path.join(dir, created.generatedMigrationName), { recursive: true })
    await fs.writeFile(
      path.join(dir, created.generatedMigrationName, `migration.${created.extension}`),
      created.migrationScript,
    )
    await fs.writeFile(
      path.join(dir, 'migration_lock.toml'),
      `# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "${created.connectorType}"\n`,
    )
    migrationsList = await listMigrations(dir)
    await engine.applyMigrations({ migrationsList, filters })
    return created.generatedMigrationName
  })
