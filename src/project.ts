// Where the project lives on disk and which version it is, independent of the working directory and of whether the
// sources run as TypeScript (src/) or as the built JavaScript (dist/src/).
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** The nearest folder at or above this module's that holds package.json (dist/ has none of its own). */
function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`)
  }
}

export const projectRoot = findRoot(path.dirname(fileURLToPath(import.meta.url)))

export const version: string = (
  JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string }
).version
