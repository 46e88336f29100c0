// Reads the first lines of a (possibly gzip-compressed) text file without loading it, so a connector can tell
// whether a file has a header row and which epoch unit its timestamps use.
import fs from 'node:fs'
import zlib from 'node:zlib'
import type { TimeUnit } from '../domain/loadSpec.ts'

/** Up to `count` complete lines from the start of the file (a UTF-8 BOM is dropped). */
export async function firstLines(file: string, count = 2, maxBytes = 64 * 1024): Promise<string[]> {
  const raw = fs.createReadStream(file, { start: 0, end: maxBytes - 1 })
  const stream = file.endsWith('.gz') ? raw.pipe(zlib.createGunzip()) : raw
  let text = ''
  try {
    for await (const chunk of stream) {
      text += (chunk as Buffer).toString('utf8')
      if (text.split('\n').length > count || text.length >= maxBytes) break
    }
  } catch (error) {
    // A gzip stream cut at maxBytes ends with an error; the lines already read are what matter.
    if (!text) throw error
  } finally {
    raw.destroy()
  }
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/)
  // The last piece may be partial unless the file ended there.
  return lines.slice(0, Math.min(count, Math.max(1, lines.length - 1))).filter((l) => l.length > 0)
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
