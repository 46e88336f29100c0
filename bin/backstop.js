#!/usr/bin/env node
// Entry point of the `backstop` command, in UTC. Runs the built JavaScript (dist/, made by `npm run build`, which
// `npm ci` runs) when it is at least as new as every source file, else the TypeScript sources through tsx, so an
// edited checkout never runs a stale build. BACKSTOP_ENTRY=built|source forces one.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

process.env.TZ = 'UTC'
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const built = path.join(root, 'dist', 'src', 'cli', 'main.js')
const stamp = path.join(root, 'dist', '.built')

/** True when the build stamp is newer than every file under src/ and jobs/ (a few hundred stats: milliseconds). */
function buildIsFresh() {
  if (!fs.existsSync(stamp) || !fs.existsSync(built)) return false
  const builtAt = fs.statSync(stamp).mtimeMs
  for (const dir of ['src', 'jobs']) {
    for (const entry of fs.readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })) {
      if (entry.isFile() && fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs > builtAt) return false
    }
  }
  return true
}

const wanted = process.env.BACKSTOP_ENTRY
if (wanted !== undefined && wanted !== 'built' && wanted !== 'source') {
  console.error(`BACKSTOP_ENTRY must be "built" or "source", got ${JSON.stringify(wanted)}`)
  process.exit(2)
}
if (wanted === 'built' || (wanted === undefined && buildIsFresh())) {
  if (!fs.existsSync(built)) {
    console.error('BACKSTOP_ENTRY=built but there is no build: run `npm run build`')
    process.exit(2)
  }
  await import(pathToFileURL(built).href)
} else {
  const { register } = await import('tsx/esm/api')
  register()
  await import('../src/cli/main.ts')
}
