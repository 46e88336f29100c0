// Whether dist/ (made by scripts/build.mjs) is as new as the sources: read by bin/backstop.js to choose what to run
// and by the tests that run the build.
import fs from 'node:fs'
import path from 'node:path'

export const builtEntry = (root) => path.join(root, 'dist', 'src', 'cli', 'main.js')
export const buildStamp = (root) => path.join(root, 'dist', '.built')

/** True when the build stamp is newer than every file under src/ and jobs/ (a few hundred stats: milliseconds). */
export function buildIsFresh(root) {
  if (!fs.existsSync(buildStamp(root)) || !fs.existsSync(builtEntry(root))) return false
  const builtAt = fs.statSync(buildStamp(root)).mtimeMs
  for (const dir of ['src', 'jobs']) {
    for (const entry of fs.readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })) {
      if (entry.isFile() && fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs > builtAt) return false
    }
  }
  return true
}
