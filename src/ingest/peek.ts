// Reads the first lines of a (possibly gzip-compressed) text file without loading it, so a connector can tell
// whether a file has a header row, whether it holds any data, and which epoch unit its timestamps use.
import fs from 'node:fs'
import zlib from 'node:zlib'
import type { TimeUnit } from '../domain/loadSpec.ts'

/** The file could not be read as the text it should be (a `.gz` that is not gzip, a damaged stream). */
export class UnreadableFileError extends Error {
  constructor(file: string, detail: string) {
    super(
      `${file}: cannot be read (${detail}); expected ${/\.gz$/i.test(file) ? 'a gzip-compressed text file' : 'a text file'}`,
    )
    this.name = 'UnreadableFileError'
  }
}

/**
 * Up to `count` complete non-empty lines from the start of the file: any line ending (LF, CRLF, CR), a UTF-8 BOM
 * dropped, empty lines skipped (as DuckDB's reader skips them). `name` is how errors name the file.
 */
export async function firstLines(file: string, count = 2, maxBytes = 64 * 1024, name = file): Promise<string[]> {
  const raw = fs.createReadStream(file, { start: 0, end: maxBytes - 1 })
  const stream = /\.gz$/i.test(file) ? raw.pipe(zlib.createGunzip()) : raw
  let text = ''
  let ended = true
  const complete = () =>
    text
      .replace(/^\uFEFF/, '')
      .split(/\r\n|\r|\n/)
      .slice(0, -1)
      .filter((l) => l.length > 0).length
  try {
    for await (const chunk of stream) {
      text += (chunk as Buffer).toString('utf8')
      if (complete() >= count || text.length >= maxBytes) {
        ended = false
        break
      }
    }
  } catch (error) {
    // A gzip stream cut at maxBytes ends with an error; the lines already read are what matter.
    if (!text) throw new UnreadableFileError(name, error instanceof Error ? error.message : String(error))
    ended = false
  } finally {
    raw.destroy()
  }
  const pieces = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/)
  // The last piece may be cut short unless the file ended there (a CR may also be half of a CRLF: harmless here).
  if (!ended) pieces.pop()
  return pieces.filter((l) => l.length > 0).slice(0, count)
}

/** A header row starts with a letter (data rows of these archives start with a digit, a sign or a quote+digit). */
export const looksLikeHeader = (line: string): boolean => /^\s*"?[A-Za-z_]/.test(line)

/** Epoch unit from the digits of an integer timestamp: 10 = s, 13 = ms, 16 = µs (per file, as sources change). */
export function epochUnitOf(value: string): TimeUnit | null {
  const digits = value.trim().replace(/^"|"$/g, '').split('.')[0]!
  if (!/^\d+$/.test(digits)) return null
  if (digits.length >= 15 && digits.length <= 16) return 'us'
  if (digits.length >= 12 && digits.length <= 13) return 'ms'
  if (digits.length >= 9 && digits.length <= 10) return 's'
  return null
}
