#!/usr/bin/env node
// Entry point of the `backstop` command, in UTC. Runs the built JavaScript (dist/, made by `npm run build`, which
// `npm ci` runs) when it is at least as new as every source file, else the TypeScript sources through tsx, so an
// edited checkout never runs a stale build. BACKSTOP_ENTRY=built|source forces one.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { buildIsFresh, builtEntry } from '../scripts/buildState.mjs'

process.env.TZ = 'UTC'
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

const wanted = process.env.BACKSTOP_ENTRY
if (wanted !== undefined && wanted !== 'built' && wanted !== 'source') {
  console.error(`BACKSTOP_ENTRY must be "built" or "source", got ${JSON.stringify(wanted)}`)
  process.exit(2)
}
if (wanted === 'built' || (wanted === undefined && buildIsFresh(root))) {
  if (!fs.existsSync(builtEntry(root))) {
    console.error('BACKSTOP_ENTRY=built but there is no build: run `npm run build`')
    process.exit(2)
  }
  await import(pathToFileURL(builtEntry(root)).href)
} else {
  const { register } = await import('tsx/esm/api')
  register()
  await import('../src/cli/main.ts')
}
