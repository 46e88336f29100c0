// Stores built once and shared by every test file (and both vitest workers), in a cache under the OS temp dir. Each
// entry's key covers every file under src/, prisma/ and test/support/, the lockfile and the Node version, so an edited
// generator, migration or loader can never be served data from before the edit. Two processes wanting the same entry
// build it once: the first takes a lock directory, the other waits for it (a lock whose owner died is taken over).
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { projectRoot } from '../../src/project.ts'

const CACHE = path.join(os.tmpdir(), 'backstop-test-cache')
/** Entries unused for this long are removed (they belong to sources edited since). */
const PRUNE_AFTER_MS = 24 * 3600_000

let fingerprint: string | undefined
/** sha256 over every file under src/, prisma/ and test/support/ (path and bytes), the lockfile and the Node version. */
function sourceFingerprint(): string {
  if (fingerprint) return fingerprint
  const hash = crypto.createHash('sha256').update(process.version + '\0')
  const files = ['src', 'prisma', 'test/support']
    .flatMap((dir) => fs.readdirSync(path.join(projectRoot, dir), { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => path.relative(projectRoot, path.join(e.parentPath, e.name)))
    .sort()
  files.push('package-lock.json')
  for (const file of files) {
    hash.update(file + '\0')
    hash.update(fs.readFileSync(path.join(projectRoot, file)))
    hash.update('\0')
  }
  fingerprint = hash.digest('hex').slice(0, 16)
  return fingerprint
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Takes the build lock, or returns false when a live process holds it (a dead owner's lock is removed first). */
function tryLock(lock: string): boolean {
  try {
    fs.mkdirSync(lock)
    fs.writeFileSync(path.join(lock, 'pid'), String(process.pid))
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
  let owner = NaN
  try {
    owner = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8'))
  } catch {
    // the owner has made the directory but not yet written its pid: alive unless the lock is old
    const made = fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs
    if (made === undefined || Date.now() - made < 60_000) return false
  }
  if (Number.isInteger(owner) && alive(owner)) return false
  fs.rmSync(lock, { recursive: true, force: true })
  return false
}

function prune(keep: string) {
  for (const entry of fs.readdirSync(CACHE)) {
    const full = path.join(CACHE, entry)
    const stat = fs.statSync(full, { throwIfNoEntry: false })
    if (entry !== keep && stat && Date.now() - stat.mtimeMs > PRUNE_AFTER_MS)
      fs.rmSync(full, { recursive: true, force: true })
  }
}

/**
 * The directory of cache entry `name` (letters, digits, dashes), built by `build(dir)` into a scratch directory the
 * first time and renamed into place once complete. Callers copy what they need out of it and never write into it.
 */
export async function cachedDir(name: string, build: (dir: string) => Promise<void>): Promise<string> {
  const key = `${sourceFingerprint()}-${name}`
  const target = path.join(CACHE, key)
  const lock = `${target}.lock`
  fs.mkdirSync(CACHE, { recursive: true })
  for (;;) {
    if (fs.existsSync(target)) {
      const now = new Date()
      fs.utimesSync(target, now, now)
      return target
    }
    if (tryLock(lock)) {
      try {
        if (!fs.existsSync(target)) {
          const scratch = `${target}.build-${process.pid}`
          fs.rmSync(scratch, { recursive: true, force: true })
          fs.mkdirSync(scratch)
          try {
            await build(scratch)
          } catch (error) {
            fs.rmSync(scratch, { recursive: true, force: true })
            throw error
          }
          fs.renameSync(scratch, target)
        }
        prune(key)
      } finally {
        fs.rmSync(lock, { recursive: true, force: true })
      }
      continue
    }
    await new Promise((r) => setTimeout(r, 250))
  }
}
