// Locations of the Prisma schema and migrations shipped with the project.
import path from 'node:path'
import { projectRoot } from '../../project.ts'

export const prismaSchemaPath = path.join(projectRoot, 'prisma', 'schema.prisma')
export const prismaMigrationsDir = path.join(projectRoot, 'prisma', 'migrations')
