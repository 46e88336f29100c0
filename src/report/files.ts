// A report's files on disk: rendered into a private partial folder, then renamed into reports/<id>/ in one step,
// so a reader (or a crash) never sees half a report. Partial folders of dead processes are swept.
import crypto from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'

export interface ReportFile {
  /** File name inside the report folder, e.g. report.html or fund-balance.svg. */
  name: string
  content: string
}

export interface WrittenFile {
  name: string
  bytes: number
  sha256: string
}

/** Folder (under the data directory) holding one folder per report. */
export const REPORTS_DIR = 'reports'
const PARTIAL_DIR = '.partial'
const ID_PATTERN = /^[A-Za-z0-9-]{1,64}$/
const NAME_PATTERN = /^[a-z0-9-]{1,64}\.(html|md|json|svg)$/

export const reportPath = (id: string) => `${REPORTS_DIR}/${id}`

/** Hook for tests: called after each file is written, before the folder is moved into place. */
export type AfterFile = (written: number, total: number) => void | Promise<void>

/**
 * Writes `files` into `<dataDir>/reports/.partial/<pid>-<id>` and renames it to `<dataDir>/reports/<id>`. On any
 * failure the partial folder is removed and the error rethrown: either the whole folder exists or nothing does.
 */
export async function writeReportFiles(
  dataDir: string,
  id: string,
  files: ReportFile[],
  afterFile?: AfterFile,
): Promise<WrittenFile[]> {
  if (!ID_PATTERN.test(id)) throw new Error(`report id ${JSON.stringify(id)} is not a safe folder name`)
  for (const f of files)
    if (!NAME_PATTERN.test(f.name)) throw new Error(`report file name ${JSON.stringify(f.name)} is not allowed`)
  const root = path.join(dataDir, REPORTS_DIR)
  const partial = path.join(root, PARTIAL_DIR, `${process.pid}-${id}`)
  const final = path.join(root, id)
  await fs.mkdir(partial, { recursive: true })
  try {
    const written: WrittenFile[] = []
    for (const [i, f] of files.entries()) {
      const bytes = Buffer.from(f.content, 'utf8')
      const handle = await fs.open(path.join(partial, f.name), 'wx')
      try {
        await handle.writeFile(bytes)
        await handle.sync()
      } finally {
        await handle.close()
      }
      written.push({
        name: f.name,
        bytes: bytes.length,
        sha256: crypto.createHash('sha256').update(bytes).digest('hex'),
      })
      await afterFile?.(i + 1, files.length)
    }
    await fs.rename(partial, final)
    return written
  } catch (error) {
    await fs.rm(partial, { recursive: true, force: true })
    throw error
  }
}

export async function removeReportFiles(dataDir: string, relativePath: string): Promise<void> {
  const target = path.resolve(dataDir, relativePath)
  const root = path.resolve(dataDir, REPORTS_DIR)
  if (path.dirname(target) !== root) throw new Error(`refusing to remove ${relativePath}: not a report folder`)
  await fs.rm(target, { recursive: true, force: true })
}

/** Removes the partial folder of report `id`, whichever process wrote it (a render interrupted or cancelled). */
export async function removePartialReport(dataDir: string, id: string): Promise<void> {
  if (!ID_PATTERN.test(id)) throw new Error(`report id ${JSON.stringify(id)} is not a safe folder name`)
  const dir = path.join(dataDir, REPORTS_DIR, PARTIAL_DIR)
  const entries = await fs.readdir(dir).catch(() => [] as string[])
  for (const entry of entries)
    if (entry.slice(entry.indexOf('-') + 1) === id) await fs.rm(path.join(dir, entry), { recursive: true, force: true })
}

/** Removes partial folders left by processes that are gone (a crash mid-render). Returns how many. */
export async function sweepPartialReports(dataDir: string, isAlive: (pid: number) => boolean): Promise<number> {
  const dir = path.join(dataDir, REPORTS_DIR, PARTIAL_DIR)
  let entries: string[]
  try {
    entries = await fs.readdir(dir)
  } catch {
    return 0
  }
  let removed = 0
  for (const entry of entries) {
    const pid = Number(entry.split('-')[0])
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) continue
    await fs.rm(path.join(dir, entry), { recursive: true, force: true })
    removed++
  }
  return removed
}

/** Report folders on disk (ids), with their modification time. */
export async function reportFolders(dataDir: string): Promise<Array<{ id: string; mtimeMs: number }>> {
  const root = path.join(dataDir, REPORTS_DIR)
  let entries: string[]
  try {
    entries = await fs.readdir(root)
  } catch {
    return []
  }
  const out: Array<{ id: string; mtimeMs: number }> = []
  for (const id of entries) {
    if (!ID_PATTERN.test(id)) continue
    const stat = await fs.stat(path.join(root, id)).catch(() => null)
    if (stat?.isDirectory()) out.push({ id, mtimeMs: stat.mtimeMs })
  }
  return out
}

/** The bytes of one file of a report, or null when the report or file does not exist. */
export async function readReportFile(dataDir: string, id: string, name: string): Promise<Buffer | null> {
  if (!ID_PATTERN.test(id) || !NAME_PATTERN.test(name)) return null
  return fs.readFile(path.join(dataDir, REPORTS_DIR, id, name)).catch(() => null)
}

/** A process exists (signal 0 checks without sending anything). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
