// Records the released API contract (schema.graphql as printed by graphql-js) in test/golden/schema.released.graphql:
// test/api.schemaCompat.test.ts fails on any breaking change against it. Re-record only on purpose, with a note.
import fs from 'node:fs'
import path from 'node:path'
import { buildSchema, lexicographicSortSchema, printSchema } from 'graphql'

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')
const schema = buildSchema(fs.readFileSync(path.join(root, 'schema.graphql'), 'utf8'))
const out = path.join(root, 'test/golden/schema.released.graphql')
fs.writeFileSync(out, `${printSchema(lexicographicSortSchema(schema))}\n`)
console.log(`recorded ${path.relative(root, out)}`)
