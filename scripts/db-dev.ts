// Developer command: create a new metadata migration from prisma/schema.prisma (`npm run db:dev -- <name>`).
import { migrateDev } from '../src/store/meta/migrate.ts'

const name = process.argv[2]
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error(
    `usage: npm run db:dev -- <name>   (name: lower-case letters, digits and _; received ${JSON.stringify(name)})`,
  )
  process.exit(2)
}
// A throwaway database: the migration is diffed against the existing migration history, not against user data.
const scratch = `file:${process.env.TMPDIR ?? '/tmp'}/backstop-db-dev-${process.pid}.db`
const created = await migrateDev({ url: scratch, name })
console.log(created ? `created prisma/migrations/${created}` : 'schema unchanged: no migration created')
