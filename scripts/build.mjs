// `npm run build`: compiles src/ and jobs/ to dist/ (tsc emits one .js per .ts, type-checking is `npm run typecheck`'s
// job), copies the files the code reads beside itself (DuckDB DDL, the worker's boot module), and stamps the build so
// bin/backstop.js can tell whether it is as new as the sources.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const dist = path.join(root, 'dist')
const ASSETS = ['src/store/duck/ddl', 'src/threads/workerBoot.mjs']

fs.rmSync(dist, { recursive: true, force: true })
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc')
execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' })
for (const asset of ASSETS) fs.cpSync(path.join(root, asset), path.join(dist, asset), { recursive: true })
fs.writeFileSync(path.join(dist, '.built'), new Date().toISOString() + '\n')
