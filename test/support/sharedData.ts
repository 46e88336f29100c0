// The real data files beside the project (../shared/data); absent on a user's fresh clone, so tests skip then.
import fs from 'node:fs'
import path from 'node:path'
import { projectRoot } from '../../src/project.ts'

export function sharedDataDir(sub: string): string | null {
  const dir = path.join(path.resolve(projectRoot, '../shared/data'), sub)
  if (fs.existsSync(dir)) return dir
  console.warn(`skipping real-file tests: ${dir} is absent`)
  return null
}
